/**
 * A small INI parser for config files: `[section]` headers, `key = value` / `key: value` lines, `#`/`;` comments.
 * It only turns text into sections of strings; reading files and layering values is done by `config-file.ts` and `Config`.
 */
import { ErrorCodes } from '../errors/codes.js'
import { TsabError } from '../errors/tsab-error.js'

/** Parsed INI content: section name → key → raw string value. Maps, so no key can reach a prototype. */
export type IniSections = Map<string, Map<string, string>>

/**
 * Parses INI text into sections of string values.
 *
 * Rules:
 * - `[name]` starts (or re-opens) a section; the name is trimmed and must not be empty;
 * - `key = value` or `key: value`: the first `=` or `:` separates them, both sides are trimmed, the key must not be
 *   empty, the value may be (`key =` gives `''`); a repeated key keeps the last value;
 * - lines whose first non-blank character is `#` or `;` are comments, blank lines are ignored;
 * - there are no inline comments, escapes, quotes or continuation lines: `a = "x" # y` has the value `"x" # y`;
 * - a key before the first section header is an error.
 *
 * @param text - the file content (a leading byte-order mark is ignored; `\n` and `\r\n` line ends both work)
 * @param path - the file name, used in error messages
 * @throws {@link TsabError} with code `TSAB_CONFIG_PARSE`, naming `path` and the 1-based line number
 * @example
 * ```ts fragment
 * const sections = parseIni('[web]\nlisten = 127.0.0.1:8080\n', 'site.ini')
 * sections.get('web')?.get('listen') // '127.0.0.1:8080'
 * ```
 */
export function parseIni(text: string, path: string): IniSections {
  const sections: IniSections = new Map()
  let current: Map<string, string> | undefined
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const fail = (reason: string): TsabError =>
      new TsabError(ErrorCodes.ConfigParse, `Invalid INI in config file "${path}" at line ${index + 1}: ${reason}`)
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) throw fail(`expected a section header like "[name]", got ${JSON.stringify(line)}`)
      const name = line.slice(1, -1).trim()
      if (name === '') throw fail('empty section name "[]"')
      current = sections.get(name)
      if (current === undefined) {
        current = new Map()
        sections.set(name, current)
      }
      continue
    }
    const separator = firstSeparator(line)
    if (separator < 0) throw fail(`expected "[section]", "key = value" or "key: value", got ${JSON.stringify(line)}`)
    const key = line.slice(0, separator).trim()
    if (key === '') throw fail(`missing key before "${line[separator]}"`)
    if (current === undefined) throw fail(`key "${key}" appears before any [section] header`)
    current.set(key, line.slice(separator + 1).trim())
  }
  return sections
}

/** Index of the first `=` or `:` in `line`, or -1. */
function firstSeparator(line: string): number {
  const equals = line.indexOf('=')
  const colon = line.indexOf(':')
  if (equals < 0) return colon
  if (colon < 0) return equals
  return Math.min(equals, colon)
}
