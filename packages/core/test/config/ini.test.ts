import { describe, expect, it } from 'vitest'
import { TsabError } from '../../src/errors/tsab-error.js'
import { parseIni } from '../../src/config/ini.js'

function toObject(sections: Map<string, Map<string, string>>): Record<string, Record<string, string>> {
  return Object.fromEntries([...sections].map(([name, keys]) => [name, Object.fromEntries(keys)]))
}

function parseError(text: string): TsabError {
  try {
    parseIni(text, '/etc/app/site.ini')
  } catch (error) {
    expect(error).toBeInstanceOf(TsabError)
    return error as TsabError
  }
  throw new Error('expected parseIni to throw')
}

describe('parseIni()', () => {
  it('reads sections with `key = value` and `key: value` lines', () => {
    const text = ['[web]', 'listen = 127.0.0.1:8080', 'workers: 4', '', '[TaskService]', 'max_concurrency=8'].join('\n')
    expect(toObject(parseIni(text, 'a.ini'))).toEqual({
      web: { listen: '127.0.0.1:8080', workers: '4' },
      TaskService: { max_concurrency: '8' },
    })
  })

  it('skips `#` and `;` comments (also indented) and blank lines', () => {
    const text = ['# top comment', '; another', '', '[s]', '  # indented comment', '\t; indented too', 'a = 1', '   ', 'b = 2'].join('\n')
    expect(toObject(parseIni(text, 'a.ini'))).toEqual({ s: { a: '1', b: '2' } })
  })

  it('trims keys, values and section names, and keeps quotes and inline `#` as text', () => {
    const text = ['[  web  ]', '   host   =   example.org   ', 'name = "quoted"', "single = 'x'", 'note = a # not a comment'].join('\n')
    expect(toObject(parseIni(text, 'a.ini'))).toEqual({
      web: { host: 'example.org', name: '"quoted"', single: "'x'", note: 'a # not a comment' },
    })
  })

  it('splits at the first `=` or `:`, whichever comes first', () => {
    const text = ['[s]', 'url = redis://h:6379/0?a=b', 'time: 12:30 = noon'].join('\n')
    expect(toObject(parseIni(text, 'a.ini'))).toEqual({ s: { url: 'redis://h:6379/0?a=b', time: '12:30 = noon' } })
  })

  it('allows empty values, keeps the last of a repeated key and merges a re-opened section', () => {
    const text = ['[s]', 'empty =', 'k = 1', '[t]', 'x = y', '[s]', 'k = 2'].join('\n')
    expect(toObject(parseIni(text, 'a.ini'))).toEqual({ s: { empty: '', k: '2' }, t: { x: 'y' } })
  })

  it('handles CRLF line ends, a byte-order mark and an empty text', () => {
    expect(toObject(parseIni('\uFEFF[s]\r\na = 1\r\nb = 2\r\n', 'a.ini'))).toEqual({ s: { a: '1', b: '2' } })
    expect(parseIni('', 'a.ini').size).toBe(0)
  })

  it('keeps names such as __proto__ and constructor as plain data', () => {
    const sections = parseIni(['[__proto__]', 'polluted = yes', '[s]', '__proto__ = x', 'constructor = y'].join('\n'), 'a.ini')
    expect(sections.get('__proto__')?.get('polluted')).toBe('yes')
    expect(sections.get('s')?.get('__proto__')).toBe('x')
    expect(sections.get('s')?.get('constructor')).toBe('y')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  describe('syntax errors', () => {
    it.each([
      ['a line without separator', '[s]\na = 1\njust words', 3, /expected "\[section\]", "key = value" or "key: value", got "just words"/],
      ['a key before any section', '# c\n\nkey = value', 3, /key "key" appears before any \[section\] header/],
      ['an unterminated header', '[s]\n[broken', 2, /expected a section header/],
      ['an empty section name', '\n\n\n[ ]', 4, /empty section name/],
      ['an empty key', '[s]\n= value', 2, /missing key before "="/],
      ['an empty key before a colon', '[s]\r\nok = 1\r\n: value', 3, /missing key before ":"/],
      ['text after a header', '[s] trailing', 1, /expected a section header/],
    ])('reports %s with TSAB_CONFIG_PARSE, the file and the line', (_label, text, line, reason) => {
      const error = parseError(text)
      expect(error.code).toBe('TSAB_CONFIG_PARSE')
      expect(error.message).toContain('"/etc/app/site.ini"')
      expect(error.message).toContain(`at line ${line}:`)
      expect(error.message).toMatch(reason)
    })
  })
})
