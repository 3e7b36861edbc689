import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findJsonErrorOffset, loadConfigFile } from '../../src/config/config-file.js'
import { TsabError } from '../../src/errors/tsab-error.js'

const dir = mkdtempSync(join(tmpdir(), 'tsab-config-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let counter = 0
function write(extension: string, text: string): string {
  const path = join(dir, `file-${++counter}${extension}`)
  writeFileSync(path, text)
  return path
}

function loadError(path: string): TsabError {
  try {
    loadConfigFile(path)
  } catch (error) {
    expect(error).toBeInstanceOf(TsabError)
    return error as TsabError
  }
  throw new Error('expected loadConfigFile to throw')
}

function toObject(sections: Map<string, Map<string, unknown>>): Record<string, Record<string, unknown>> {
  return Object.fromEntries([...sections].map(([name, keys]) => [name, Object.fromEntries(keys)]))
}

describe('loadConfigFile()', () => {
  it('reads a JSON file of sections and keeps value types', () => {
    const path = write('.json', JSON.stringify({ web: { port: 8080, debug: true, name: 'x', tags: ['a'] }, empty: {} }))
    expect(toObject(loadConfigFile(path))).toEqual({ web: { port: 8080, debug: true, name: 'x', tags: ['a'] }, empty: {} })
  })

  it.each(['.ini', '.conf', '.cfg', '.INI'])('reads %s files as INI', (extension) => {
    const path = write(extension, '[web]\nport = 8080\n')
    expect(toObject(loadConfigFile(path))).toEqual({ web: { port: '8080' } })
  })

  it('accepts a JSON file that starts with a byte-order mark', () => {
    expect(toObject(loadConfigFile(write('.json', '\uFEFF{"s": {"a": 1}}')))).toEqual({ s: { a: 1 } })
  })

  it('names a missing file and keeps the fs error as cause', () => {
    const path = join(dir, 'missing.ini')
    const error = loadError(path)
    expect(error.code).toBe('TSAB_CONFIG_PARSE')
    expect(error.message).toBe(`Cannot read config file "${path}": file not found`)
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('reports a path that cannot be read as a file', () => {
    const path = join(dir, 'a-directory.json')
    mkdirSync(path)
    const error = loadError(path)
    expect(error.code).toBe('TSAB_CONFIG_PARSE')
    expect(error.message).toContain(`Cannot read config file "${path}"`)
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EISDIR')
  })

  it.each(['.yaml', '.toml', ''])('rejects the unsupported extension %j', (extension) => {
    const path = join(dir, `settings${extension}`)
    const error = loadError(path)
    expect(error.code).toBe('TSAB_CONFIG_PARSE')
    expect(error.message).toContain(`"${path}"`)
    expect(error.message).toContain('expected a .json, .ini, .conf or .cfg extension')
  })

  describe('JSON syntax errors name the file and the line', () => {
    it.each([
      ['a missing value', '{\n  "web": {\n    "port": \n  }\n}', 4, 3],
      ['a trailing comma', '{\n  "web": {\n    "port": 1,\n  }\n}', 4, 3],
      ['a bad literal', '{\n\n  "web": { "debug": tru }\n}', 3, 24],
      ['a comment', '{\n  // no comments in JSON\n  "web": {}\n}', 2, 3],
      ['text after the object', '{"web": {}}\n\nextra', 3, 1],
      ['a line break inside a string', '{\n"web": {"a": "b\n}}', 2, 16],
      ['an unterminated string', '{\n"a": "b', 2, 8],
      ['an empty file', '', 1, 1],
      ['a truncated file', '{\n  "web": {\n', 3, 1],
      ['a single-quoted key', "{\r\n  'web': {}\r\n}", 2, 3],
    ])('reports %s', (_label, text, line, column) => {
      const path = write('.json', text)
      const error = loadError(path)
      expect(error.code).toBe('TSAB_CONFIG_PARSE')
      expect(error.message).toContain(`Invalid JSON in config file "${path}" at line ${line}, column ${column}:`)
      expect(error.cause).toBeInstanceOf(SyntaxError)
    })
  })

  it.each([
    ['an array', '[{"web": {}}]', /expected a JSON object of sections, got \[\{"web":\{\}\}\] \(array\)/],
    ['a string', '"web"', /expected a JSON object of sections, got "web" \(string\)/],
    ['null', 'null', /expected a JSON object of sections, got null \(null\)/],
    ['a section that is a number', '{"web": 5}', /section "web" must be a JSON object of keys, got 5 \(number\)/],
    ['a section that is an array', '{"ok": {}, "web": [1]}', /section "web" must be a JSON object of keys, got \[1\] \(array\)/],
    ['a section that is null', '{"web": null}', /section "web" must be a JSON object of keys, got null \(null\)/],
  ])('rejects a JSON file whose top level or section is %s', (_label, text, reason) => {
    const path = write('.json', text)
    const error = loadError(path)
    expect(error.code).toBe('TSAB_CONFIG_PARSE')
    expect(error.message).toContain(`"${path}"`)
    expect(error.message).toMatch(reason)
  })

  it('reports INI syntax errors with the file and the line', () => {
    const path = write('.cfg', '[s]\na = 1\n\noops\n')
    const error = loadError(path)
    expect(error.code).toBe('TSAB_CONFIG_PARSE')
    expect(error.message).toContain(`Invalid INI in config file "${path}" at line 4:`)
  })
})

describe('findJsonErrorOffset()', () => {
  it.each([
    ['{"a": }', 6],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": 01}', 7],
    ['{"a": -}', 6],
    ['{"a": 1.}', 7],
    ['"\\x"', 2],
    ['"\\u12G4"', 2],
    ['"tab\there"', 4],
    ['{"a" 1}', 5],
    ['{a: 1}', 1],
    ['[1, 2', 5],
    ['nul', 3],
    ['{"a": [true, false, null, 1e5, -0.5E-3, "\\n\\u00e9"]} x', 53],
  ])('finds the error in %j at %d', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError)
    expect(findJsonErrorOffset(text)).toBe(offset)
  })

  it('points at the end for text that is actually valid', () => {
    expect(findJsonErrorOffset('{"a": [1, {"b": "c"}]}')).toBe(22)
  })

  it('points at the end instead of crashing on absurdly deep nesting', () => {
    const text = '['.repeat(200_000)
    expect(findJsonErrorOffset(text)).toBe(text.length)
  })
})
