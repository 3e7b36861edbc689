/**
 * Reads one config file (JSON or INI, chosen by extension) into sections of values, with errors that name the file
 * and the line. Layering and lookup belong to `Config`; INI syntax belongs to `ini.ts`.
 */
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { ErrorCodes } from '../errors/codes.js'
import { TsabError } from '../errors/tsab-error.js'
import { describeValue } from '../internal/validate.js'
import { parseIni } from './ini.js'

/** Section name → key → value. Maps, so keys such as `__proto__` are plain data. */
export type ConfigSections = Map<string, Map<string, unknown>>

const INI_EXTENSIONS = new Set(['.ini', '.conf', '.cfg'])

/**
 * Reads and parses `path`: `.json` as JSON (an object of section objects), `.ini`/`.conf`/`.cfg` as INI.
 *
 * @throws {@link TsabError} `TSAB_CONFIG_PARSE` when the file cannot be read (the fs error is the `cause`), has an
 * unsupported extension, has a syntax error (message names the path and line), or is JSON of the wrong shape
 * @example
 * ```ts fragment
 * const sections = loadConfigFile('/etc/myapp/site.ini')
 * ```
 */
export function loadConfigFile(path: string): ConfigSections {
  const extension = extname(path).toLowerCase()
  if (extension !== '.json' && !INI_EXTENSIONS.has(extension)) {
    throw new TsabError(
      ErrorCodes.ConfigParse,
      `Unsupported config file "${path}": expected a .json, .ini, .conf or .cfg extension, got "${extension}"`,
    )
  }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'file not found' : String(error)
    throw new TsabError(ErrorCodes.ConfigParse, `Cannot read config file "${path}": ${reason}`, { cause: error })
  }
  text = text.replace(/^\uFEFF/, '')
  return extension === '.json' ? parseJsonConfig(text, path) : parseIni(text, path)
}

/** Parses JSON config text; on a syntax error, locates the offending line itself (Node 20's messages often omit it). */
function parseJsonConfig(text: string, path: string): ConfigSections {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    const offset = findJsonErrorOffset(text)
    const { line, column } = lineAndColumn(text, offset)
    const detail = error instanceof Error ? error.message : String(error)
    throw new TsabError(
      ErrorCodes.ConfigParse,
      `Invalid JSON in config file "${path}" at line ${line}, column ${column}: ${detail}`,
      { cause: error },
    )
  }
  if (!isPlainObject(data)) {
    throw new TsabError(
      ErrorCodes.ConfigParse,
      `Invalid config file "${path}": expected a JSON object of sections, got ${describeValue(data)}`,
    )
  }
  const sections: ConfigSections = new Map()
  // JSON.parse makes `__proto__` an own data property, so Object.entries sees it as an ordinary name.
  for (const [name, values] of Object.entries(data)) {
    if (!isPlainObject(values)) {
      throw new TsabError(
        ErrorCodes.ConfigParse,
        `Invalid config file "${path}": section "${name}" must be a JSON object of keys, got ${describeValue(values)}`,
      )
    }
    sections.set(name, new Map(Object.entries(values)))
  }
  return sections
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const lastBreak = before.lastIndexOf('\n')
  return { line: before.split('\n').length, column: offset - lastBreak }
}

/**
 * Offset of the first character at which `text` stops being valid JSON (RFC 8259), `text.length` when it ends too
 * early. Only called after `JSON.parse` has failed, so it never needs to build values.
 */
export function findJsonErrorOffset(text: string): number {
  let at = 0
  const fail = (): never => {
    throw at
  }
  const skipBlanks = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++
  }
  const expectLiteral = (word: string): void => {
    for (const char of word) {
      if (text[at] !== char) fail()
      at++
    }
  }
  const scanString = (): void => {
    at++ // opening quote
    while (true) {
      if (at >= text.length) fail()
      const code = text.charCodeAt(at)
      if (code === 0x22) {
        at++
        return
      }
      if (code < 0x20) fail()
      if (code === 0x5c) {
        at++
        const escape = text[at]
        if (escape === 'u') {
          for (let i = 1; i <= 4; i++) if (!/[0-9a-fA-F]/.test(text[at + i] ?? '')) fail()
          at += 5
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) at++
        else fail()
      } else at++
    }
  }
  const scanNumber = (): void => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at))
    if (match === null) return fail()
    at += match[0].length
  }
  const scanValue = (): void => {
    skipBlanks()
    const char = text[at]
    if (char === '{') {
      at++
      skipBlanks()
      if (text[at] === '}') {
        at++
        return
      }
      while (true) {
        skipBlanks()
        if (text[at] !== '"') fail()
        scanString()
        skipBlanks()
        if (text[at] !== ':') fail()
        at++
        scanValue()
        skipBlanks()
        if (text[at] === ',') at++
        else if (text[at] === '}') {
          at++
          return
        } else fail()
      }
    } else if (char === '[') {
      at++
      skipBlanks()
      if (text[at] === ']') {
        at++
        return
      }
      while (true) {
        scanValue()
        skipBlanks()
        if (text[at] === ',') at++
        else if (text[at] === ']') {
          at++
          return
        } else fail()
      }
    } else if (char === '"') scanString()
    else if (char === 't') expectLiteral('true')
    else if (char === 'f') expectLiteral('false')
    else if (char === 'n') expectLiteral('null')
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) scanNumber()
    else fail()
  }
  try {
    scanValue()
    skipBlanks()
    if (at < text.length) fail()
  } catch (offset) {
    // Anything but an offset can only be a stack overflow on absurd nesting: point at the end rather than crash.
    return typeof offset === 'number' ? Math.min(offset, text.length) : text.length
  }
  // Unreachable for text JSON.parse rejected; point at the end rather than guess.
  return text.length
}
