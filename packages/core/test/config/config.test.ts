import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { Config, type ConfigOptions } from '../../src/config/config.js'
import { TsabError } from '../../src/errors/tsab-error.js'

const dir = mkdtempSync(join(tmpdir(), 'tsab-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let counter = 0
function write(extension: string, text: string): string {
  const path = join(dir, `config-${++counter}${extension}`)
  writeFileSync(path, text)
  return path
}

/** A Config that never sees the real process environment. */
function make(options: ConfigOptions = {}): Config {
  return new Config({ env: {}, ...options })
}

function thrown(fn: () => unknown): TsabError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TsabError)
    return error as TsabError
  }
  throw new Error('expected a TsabError')
}

const objectPrototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort()
afterEach(() => {
  // Every test doubles as a pollution check: nothing may have been added to the shared prototypes.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectPrototypeKeys)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.getPrototypeOf({})).toBe(Object.prototype)
})

describe('Config', () => {
  describe('layers', () => {
    it('takes each key from the highest layer that has it: env > file > options.config > defaults', () => {
      const file = write('.ini', '[s]\nfile = file\nobject = file\nenv = file\n')
      const config = new Config({
        config: { s: { object: 'object', env: 'object', defaults: 'object-wins-over-default' } },
        configFile: file,
        env: { TSAB__S__ENV: 'env' },
      })
      config.addDefaults('s', { defaults: 'default', only_default: 'default', object: 'default', file: 'default', env: 'default' })
      expect(config.get('s', 'only_default')).toBe('default')
      expect(config.get('s', 'defaults')).toBe('object-wins-over-default')
      expect(config.get('s', 'object')).toBe('file')
      expect(config.get('s', 'file')).toBe('file')
      expect(config.get('s', 'env')).toBe('env')
    })

    it('lets every layer override only the layers below it', () => {
      const file = write('.json', JSON.stringify({ s: { a: 'file', b: 'file' } }))
      const config = new Config({ config: { s: { a: 'object', c: 'object' } }, configFile: file, env: { TSAB__S__B: 'env' } })
      config.addDefaults('s', { a: 'default', b: 'default', c: 'default', d: 'default' })
      expect(config.section('s')).toEqual({ a: 'file', b: 'env', c: 'object', d: 'default' })
    })

    it('returns undefined for a missing key or section', () => {
      const config = make({ config: { s: { a: 1 } } })
      expect(config.get('s', 'b')).toBeUndefined()
      expect(config.get('t', 'a')).toBeUndefined()
    })

    it('keeps the types of values from options.config and JSON, and strings from INI and env', () => {
      const json = write('.json', JSON.stringify({ j: { n: 1, b: true, list: [1, 2], nested: { x: 1 }, nothing: null } }))
      const config = new Config({ config: { o: { n: 2, big: 3n } }, configFile: json, env: { TSAB__E__N: '3' } })
      expect(config.get('j', 'n')).toBe(1)
      expect(config.get('j', 'b')).toBe(true)
      expect(config.get('j', 'list')).toEqual([1, 2])
      expect(config.get('j', 'nested')).toEqual({ x: 1 })
      expect(config.get('j', 'nothing')).toBeNull()
      expect(config.get('o', 'n')).toBe(2)
      expect(config.get('o', 'big')).toBe(3n)
      expect(config.get('e', 'n')).toBe('3')
    })

    it('copies options.config, so later changes to the caller object are not seen', () => {
      const values: Record<string, Record<string, unknown>> = { s: { a: 1 } }
      const config = make({ config: values })
      values.s!.a = 2
      values.t = { b: 1 }
      expect(config.get('s', 'a')).toBe(1)
      expect(config.has('t')).toBe(false)
    })

    it('ignores undefined values in options.config', () => {
      const config = make({ config: { s: { a: undefined } } })
      expect(config.has('s', 'a')).toBe(false)
      config.addDefaults('s', { a: 'default' })
      expect(config.get('s', 'a')).toBe('default')
    })

    it('looks up sections and keys from code case-sensitively', () => {
      const config = make({ config: { Web: { Port: 1 } } })
      expect(config.get('Web', 'Port')).toBe(1)
      expect(config.get('web', 'Port')).toBeUndefined()
      expect(config.get('Web', 'port')).toBeUndefined()
      expect(config.has('web')).toBe(false)
    })
  })

  describe('config file', () => {
    it('reads options.configFile as INI', () => {
      const path = write('.conf', '# demo\n[web]\nlisten = 127.0.0.1:8080\n; c\n[TaskService]\nmax_concurrency: 4\n')
      const config = make({ configFile: path })
      expect(config.get('web', 'listen')).toBe('127.0.0.1:8080')
      expect(config.getNumber('TaskService', 'max_concurrency')).toBe(4)
    })

    it('uses env TSAB_CONFIG when configFile is not given', () => {
      const path = write('.ini', '[web]\nlisten = from-env-file\n')
      expect(new Config({ env: { TSAB_CONFIG: path } }).get('web', 'listen')).toBe('from-env-file')
      expect(new Config({ configFile: undefined, env: { TSAB_CONFIG: path } }).get('web', 'listen')).toBe('from-env-file')
    })

    it('prefers options.configFile over env TSAB_CONFIG', () => {
      const chosen = write('.ini', '[web]\nlisten = chosen\n')
      const config = new Config({ configFile: chosen, env: { TSAB_CONFIG: join(dir, 'does-not-exist.ini') } })
      expect(config.get('web', 'listen')).toBe('chosen')
    })

    it('reads no file when TSAB_CONFIG is empty or absent', () => {
      expect(new Config({ env: { TSAB_CONFIG: '' } }).sections()).toEqual([])
      expect(new Config({ env: {} }).sections()).toEqual([])
    })

    it('reads TSAB_CONFIG from process.env by default', () => {
      const path = write('.ini', '[web]\nlisten = from-process-env\n')
      const saved = process.env.TSAB_CONFIG
      process.env.TSAB_CONFIG = path
      process.env.TSAB__PROCESS_ENV_TEST__KEY = 'seen'
      try {
        const config = new Config()
        expect(config.get('web', 'listen')).toBe('from-process-env')
        expect(config.get('process_env_test', 'key')).toBe('seen')
      } finally {
        if (saved === undefined) delete process.env.TSAB_CONFIG
        else process.env.TSAB_CONFIG = saved
        delete process.env.TSAB__PROCESS_ENV_TEST__KEY
      }
    })

    it('throws TSAB_CONFIG_PARSE naming the missing file, from options or from TSAB_CONFIG', () => {
      const path = join(dir, 'missing.ini')
      for (const options of [{ configFile: path, env: {} }, { env: { TSAB_CONFIG: path } }]) {
        const error = thrown(() => new Config(options))
        expect(error.code).toBe('TSAB_CONFIG_PARSE')
        expect(error.message).toContain(path)
        expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
      }
    })

    it('throws TSAB_CONFIG_PARSE naming the file and line for an INI syntax error', () => {
      const path = write('.ini', '[web]\nlisten = x\nbroken line\n')
      const error = thrown(() => make({ configFile: path }))
      expect(error.code).toBe('TSAB_CONFIG_PARSE')
      expect(error.message).toContain(`"${path}" at line 3`)
    })

    it('throws TSAB_CONFIG_PARSE naming the file and line for a JSON syntax error', () => {
      const path = write('.json', '{\n  "web": {\n    "listen": "x",\n  }\n}\n')
      const error = thrown(() => make({ configFile: path }))
      expect(error.code).toBe('TSAB_CONFIG_PARSE')
      expect(error.message).toContain(`"${path}" at line 4`)
    })

    it('throws TSAB_CONFIG_PARSE when the JSON top level or a section is not an object', () => {
      for (const text of ['[]', '42', '{"web": "x"}', '{"web": [1]}']) {
        const error = thrown(() => make({ configFile: write('.json', text) }))
        expect(error.code).toBe('TSAB_CONFIG_PARSE')
      }
    })
  })

  describe('environment overrides', () => {
    it('matches TSAB__<SECTION>__<KEY> against sections and keys case-insensitively', () => {
      const config = make({
        config: { TaskService: { max_concurrency: 1 }, web: { Listen: 'a' } },
        env: { TSAB__TASKSERVICE__MAX_CONCURRENCY: '8', TSAB__Web__lIsTeN: 'b' },
      })
      expect(config.get('TaskService', 'max_concurrency')).toBe('8')
      expect(config.get('taskservice', 'MAX_CONCURRENCY')).toBe('8')
      expect(config.get('web', 'Listen')).toBe('b')
      expect(config.get('WEB', 'LISTEN')).toBe('b')
    })

    it('also overrides defaults added after construction', () => {
      const config = make({ env: { TSAB__LATE__TIMEOUT: '5s' } })
      config.addDefaults('Late', { timeout: '1s', other: 1 })
      expect(config.getDuration('Late', 'timeout')).toBe(5_000)
      expect(config.section('Late')).toEqual({ timeout: '5s', other: 1 })
    })

    it('takes the first `__` after the prefix as the separator, so keys may contain `__`', () => {
      const config = make({ env: { TSAB__DB__POOL__SIZE: '3', TSAB__A_B__C_D: 'x' } })
      expect(config.get('db', 'pool__size')).toBe('3')
      expect(config.get('a_b', 'c_d')).toBe('x')
    })

    it('ignores variables without the exact prefix or with an empty section or key, and undefined values', () => {
      const config = make({
        env: {
          TSAB_WEB__PORT: '1',
          tsab__web__port: '2',
          XTSAB__WEB__PORT: '3',
          TSAB____PORT: '4',
          TSAB__WEB__: '5',
          TSAB__WEB: '6',
          TSAB__: '7',
          TSAB__WEB__HOST: undefined,
        },
      })
      expect(config.sections()).toEqual([])
      expect(config.get('web', 'port')).toBeUndefined()
      expect(config.has('web', 'host')).toBe(false)
    })

    it('copies the environment once, at construction', () => {
      const env: Record<string, string | undefined> = { TSAB__S__A: '1' }
      const config = new Config({ env })
      env.TSAB__S__A = '2'
      env.TSAB__S__B = '3'
      expect(config.get('s', 'a')).toBe('1')
      expect(config.get('s', 'b')).toBeUndefined()
    })
  })

  describe('prototype pollution', () => {
    const hostileJson =
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}},' +
      ' "s": {"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"}}}'

    it('stores __proto__, constructor and prototype from options.config as plain data', () => {
      // JSON.parse is how such keys become own properties of a plain object; a literal `__proto__:` would not.
      const config = make({ config: JSON.parse(hostileJson) as Record<string, Record<string, unknown>> })
      expect(config.get('__proto__', 'polluted')).toBe('yes')
      expect(config.get('constructor', 'prototype')).toEqual({ polluted: 'yes' })
      expect(config.get('s', '__proto__')).toEqual({ polluted: 'yes' })
      expect(config.get('s', 'constructor')).toEqual({ prototype: { polluted: 'yes' } })
      expect(config.get('s', 'toString')).toBeUndefined()
      expect(config.get('s', 'hasOwnProperty')).toBeUndefined()
      expect(config.has('toString')).toBe(false)
      expect(config.sections()).toEqual(['__proto__', 'constructor', 's'])
      const section = config.section('s')
      expect(Object.getPrototypeOf(section)).toBeNull()
      expect(Object.keys(section).sort()).toEqual(['__proto__', 'constructor', 'prototype'])
      expect((section as { polluted?: unknown }).polluted).toBeUndefined()
    })

    it('stores them from a JSON file as plain data', () => {
      const config = make({ configFile: write('.json', hostileJson) })
      expect(config.get('__proto__', 'polluted')).toBe('yes')
      expect(config.get('constructor', 'prototype')).toEqual({ polluted: 'yes' })
      expect(config.get('s', '__proto__')).toEqual({ polluted: 'yes' })
      expect(config.get('s', 'prototype')).toEqual({ polluted: 'yes' })
      expect(config.sections()).toEqual(['__proto__', 'constructor', 's'])
      const section = config.section('__proto__')
      expect(Object.getPrototypeOf(section)).toBeNull()
      expect(section.polluted).toBe('yes')
    })

    it('stores them from an INI file as plain data', () => {
      const path = write('.ini', '[__proto__]\npolluted = yes\n[constructor]\nprototype = x\n[s]\n__proto__ = p\nconstructor = c\nprototype = q\n')
      const config = make({ configFile: path })
      expect(config.get('__proto__', 'polluted')).toBe('yes')
      expect(config.get('constructor', 'prototype')).toBe('x')
      const section = config.section('s')
      expect(Object.getPrototypeOf(section)).toBeNull()
      expect(Object.entries(section)).toEqual([
        ['__proto__', 'p'],
        ['constructor', 'c'],
        ['prototype', 'q'],
      ])
    })

    it('stores them from the environment as plain data', () => {
      const config = make({
        env: { TSAB__CONSTRUCTOR__PROTOTYPE: 'x', TSAB__S____PROTO__: 'p', TSAB__PROTOTYPE__POLLUTED: 'yes', TSAB__S__CONSTRUCTOR: 'c' },
      })
      expect(config.get('constructor', 'prototype')).toBe('x')
      expect(config.get('s', '__proto__')).toBe('p')
      expect(config.get('prototype', 'polluted')).toBe('yes')
      expect(config.get('s', 'constructor')).toBe('c')
      const section = config.section('s')
      expect(Object.getPrototypeOf(section)).toBeNull()
      expect(Object.keys(section).sort()).toEqual(['__proto__', 'constructor'])
    })

    it('stores them from addDefaults as plain data', () => {
      const config = make()
      config.addDefaults('__proto__', JSON.parse('{"polluted": "yes", "__proto__": {"polluted": "yes"}}') as Record<string, unknown>)
      expect(config.get('__proto__', 'polluted')).toBe('yes')
      expect(config.get('__proto__', '__proto__')).toEqual({ polluted: 'yes' })
    })
  })

  describe('getString()', () => {
    const config = make({ config: { s: { str: 'text', empty: '', num: 8080, bool: false, big: 12n, obj: { a: 1 }, list: ['a'], nil: null } } })

    it('returns strings as they are and converts numbers, booleans and bigints', () => {
      expect(config.getString('s', 'str')).toBe('text')
      expect(config.getString('s', 'empty')).toBe('')
      expect(config.getString('s', 'num')).toBe('8080')
      expect(config.getString('s', 'bool')).toBe('false')
      expect(config.getString('s', 'big')).toBe('12')
    })

    it('returns the fallback (or undefined) for a missing key or null', () => {
      expect(config.getString('s', 'missing')).toBeUndefined()
      expect(config.getString('s', 'missing', 'fb')).toBe('fb')
      expect(config.getString('nope', 'x', 'fb')).toBe('fb')
      expect(config.getString('s', 'nil')).toBeUndefined()
      expect(config.getString('s', 'nil', 'fb')).toBe('fb')
      expect(config.getString('s', 'str', 'fb')).toBe('text')
      expect(config.getString('s', 'empty', 'fb')).toBe('')
    })

    it.each(['obj', 'list'])('throws TSAB_CONFIG_VALUE naming section, key and value for %s', (key) => {
      const error = thrown(() => config.getString('s', key))
      expect(error.code).toBe('TSAB_CONFIG_VALUE')
      expect(error.message).toMatch(new RegExp(`^Config \\[s\\] ${key}: expected a string, got `))
      expect(error.message).toContain(JSON.stringify(config.get('s', key)))
    })

    it('rejects a fallback that is not a string', () => {
      expect(() => config.getString('s', 'str', 5 as unknown as string)).toThrow(TypeError)
      expect(() => config.getString('s', 'str', 5 as unknown as string)).toThrow('Expected `fallback` to be a string, got 5 (number)')
    })

    it('types the result as string when a fallback is given', () => {
      expectTypeOf(config.getString('s', 'str')).toEqualTypeOf<string | undefined>()
      expectTypeOf(config.getString('s', 'str', 'x')).toEqualTypeOf<string>()
    })
  })

  describe('getNumber()', () => {
    const config = make({
      config: {
        n: { int: 8080, float: -1.5, str: ' 42 ', strFloat: '0.25', exp: '2e3', neg: '-7', dot: '.5', plus: '+3', nil: null },
        bad: { word: 'abc', empty: '', blank: '  ', hex: '0x10', nan: 'NaN', inf: 'Infinity', numNan: Number.NaN, numInf: Infinity, bool: true, obj: {}, mixed: '12px', huge: '1e400' },
      },
    })

    it.each([
      ['int', 8080],
      ['float', -1.5],
      ['str', 42],
      ['strFloat', 0.25],
      ['exp', 2000],
      ['neg', -7],
      ['dot', 0.5],
      ['plus', 3],
    ])('converts %s to %d', (key, expected) => {
      expect(config.getNumber('n', key)).toBe(expected)
    })

    it('returns the fallback (or undefined) for a missing key or null', () => {
      expect(config.getNumber('n', 'missing')).toBeUndefined()
      expect(config.getNumber('n', 'missing', 3)).toBe(3)
      expect(config.getNumber('n', 'nil', 3)).toBe(3)
      expect(config.getNumber('n', 'int', 3)).toBe(8080)
      expectTypeOf(config.getNumber('n', 'int', 3)).toEqualTypeOf<number>()
      expectTypeOf(config.getNumber('n', 'int')).toEqualTypeOf<number | undefined>()
    })

    it.each(['word', 'empty', 'blank', 'hex', 'nan', 'inf', 'numNan', 'numInf', 'bool', 'obj', 'mixed', 'huge'])(
      'throws TSAB_CONFIG_VALUE for %s',
      (key) => {
        const error = thrown(() => config.getNumber('bad', key, 1))
        expect(error.code).toBe('TSAB_CONFIG_VALUE')
        expect(error.message).toMatch(new RegExp(`^Config \\[bad\\] ${key}: expected a finite number, got `))
      },
    )

    it('names the value in the error', () => {
      expect(() => config.getNumber('bad', 'word')).toThrow('Config [bad] word: expected a finite number, got "abc" (string)')
    })

    it('rejects a fallback that is not a number', () => {
      expect(() => config.getNumber('n', 'int', '5' as unknown as number)).toThrow(TypeError)
    })
  })

  describe('getBoolean()', () => {
    const truthy = ['yes', 'true', 'on', '1', 'YES', 'True', 'On', ' yes ']
    const falsy = ['no', 'false', 'off', '0', 'NO', 'False', 'OFF', '\t0\n']

    it.each(truthy)('reads %j as true', (word) => {
      expect(make({ config: { s: { k: word } } }).getBoolean('s', 'k')).toBe(true)
    })

    it.each(falsy)('reads %j as false', (word) => {
      expect(make({ config: { s: { k: word } } }).getBoolean('s', 'k')).toBe(false)
    })

    it('accepts real booleans and the numbers 1 and 0', () => {
      const config = make({ config: { s: { t: true, f: false, one: 1, zero: 0 } } })
      expect(config.getBoolean('s', 't')).toBe(true)
      expect(config.getBoolean('s', 'f')).toBe(false)
      expect(config.getBoolean('s', 'one')).toBe(true)
      expect(config.getBoolean('s', 'zero')).toBe(false)
    })

    it('reads environment overrides', () => {
      expect(make({ env: { TSAB__WEB__DEBUG: 'on' } }).getBoolean('web', 'debug', false)).toBe(true)
    })

    it('returns the fallback (or undefined) for a missing key or null', () => {
      const config = make({ config: { s: { nil: null, f: 'no' } } })
      expect(config.getBoolean('s', 'missing')).toBeUndefined()
      expect(config.getBoolean('s', 'missing', true)).toBe(true)
      expect(config.getBoolean('s', 'nil', false)).toBe(false)
      expect(config.getBoolean('s', 'f', true)).toBe(false)
      expectTypeOf(config.getBoolean('s', 'f', true)).toEqualTypeOf<boolean>()
      expectTypeOf(config.getBoolean('s', 'f')).toEqualTypeOf<boolean | undefined>()
    })

    it.each([['maybe'], [''], ['y'], ['2'], [2], [-1], [0.5], [{}], [['yes']]])('throws TSAB_CONFIG_VALUE for %j', (value) => {
      const config = make({ config: { s: { k: value } } })
      const error = thrown(() => config.getBoolean('s', 'k', true))
      expect(error.code).toBe('TSAB_CONFIG_VALUE')
      expect(error.message).toMatch(/^Config \[s\] k: expected a boolean \(yes\/no, true\/false, on\/off, 1\/0\), got /)
    })

    it('rejects a fallback that is not a boolean', () => {
      expect(() => make().getBoolean('s', 'k', 'yes' as unknown as boolean)).toThrow(TypeError)
    })
  })

  describe('getDuration()', () => {
    it.each([
      ['250ms', 250],
      ['10s', 10_000],
      ['5m', 300_000],
      ['2h', 7_200_000],
      ['1d', 86_400_000],
      ['1.5s', 1_500],
      ['30', 30_000],
      [2, 2_000],
      [0.5, 500],
    ])('converts %j to %d ms', (value, expected) => {
      expect(make({ config: { s: { k: value } } }).getDuration('s', 'k')).toBe(expected)
    })

    it('reads INI and environment values', () => {
      const path = write('.ini', '[TaskService]\nshutdown_timeout = 2.5s\n')
      const config = make({ configFile: path, env: { TSAB__WEB__TIMEOUT: '100ms' } })
      expect(config.getDuration('TaskService', 'shutdown_timeout')).toBe(2_500)
      expect(config.getDuration('web', 'timeout')).toBe(100)
    })

    it('returns the fallback in milliseconds as is (or undefined) for a missing key or null', () => {
      const config = make({ config: { s: { nil: null } } })
      expect(config.getDuration('s', 'missing')).toBeUndefined()
      expect(config.getDuration('s', 'missing', 10_000)).toBe(10_000)
      expect(config.getDuration('s', 'nil', 0)).toBe(0)
      expectTypeOf(config.getDuration('s', 'missing', 1)).toEqualTypeOf<number>()
      expectTypeOf(config.getDuration('s', 'missing')).toEqualTypeOf<number | undefined>()
    })

    it.each([['-5s'], [-1], ['5w'], ['abc'], [''], [Number.NaN], ['NaN'], [Infinity], [true], [{}], ['10 seconds']])(
      'throws TSAB_CONFIG_VALUE naming section, key and value for %j, with the parse error as cause',
      (value) => {
        const config = make({ config: { TaskService: { shutdown_timeout: value } } })
        const error = thrown(() => config.getDuration('TaskService', 'shutdown_timeout', 1_000))
        expect(error.code).toBe('TSAB_CONFIG_VALUE')
        expect(error.message).toMatch(/^Config \[TaskService\] shutdown_timeout: expected a duration such as "250ms"/)
        expect(error.cause).toBeInstanceOf(Error)
        expect(error.cause).not.toBeInstanceOf(TsabError)
      },
    )

    it('names the value in the error message', () => {
      const config = make({ config: { s: { k: '5w' } } })
      expect(() => config.getDuration('s', 'k')).toThrow('got "5w" (string)')
    })

    it.each([[-1, RangeError], [Number.NaN, RangeError], [Infinity, RangeError], ['10s', TypeError]])(
      'rejects the fallback %j',
      (fallback, errorClass) => {
        expect(() => make().getDuration('s', 'k', fallback as number)).toThrow(errorClass)
      },
    )
  })

  describe('section()', () => {
    it('merges all layers into a prototype-less copy', () => {
      const file = write('.ini', '[web]\nlisten = :80\n')
      const config = new Config({ config: { web: { workers: 4 } }, configFile: file, env: { TSAB__WEB__LISTEN: ':90', TSAB__WEB__DEBUG: 'on' } })
      config.addDefaults('web', { workers: 1, timeout: '5s' })
      const section = config.section('web')
      expect(Object.getPrototypeOf(section)).toBeNull()
      expect(Object.entries(section)).toEqual([
        ['workers', 4],
        ['timeout', '5s'],
        ['listen', ':90'],
        ['debug', 'on'],
      ])
    })

    it('applies env overrides to keys of any case and lists env-only keys lower-cased', () => {
      const config = make({ config: { Web: { Listen: 'a', PORT: 1 } }, env: { TSAB__WEB__LISTEN: 'b', TSAB__WEB__port: '2', TSAB__WEB__EXTRA: 'x' } })
      expect({ ...config.section('Web') }).toEqual({ Listen: 'b', PORT: '2', extra: 'x' })
      expect({ ...config.section('web') }).toEqual({ listen: 'b', port: '2', extra: 'x' })
    })

    it('returns a copy that does not change the config', () => {
      const config = make({ config: { s: { a: 1 } } })
      const section = config.section('s')
      section.a = 2
      section.b = 3
      expect(config.get('s', 'a')).toBe(1)
      expect(config.has('s', 'b')).toBe(false)
      expect(config.section('s')).not.toBe(section)
    })

    it('returns an empty object for an unknown section', () => {
      const section = make().section('nope')
      expect(Object.keys(section)).toEqual([])
    })
  })

  describe('has()', () => {
    const path = write('.ini', '[file]\nk = v\n')
    const config = new Config({ config: { object: { k: 1, nil: null } }, configFile: path, env: { TSAB__ENV__K: 'v' } })
    config.addDefaults('defaults', { k: 1 })

    it('tells whether a section exists in any layer', () => {
      for (const name of ['object', 'file', 'env', 'ENV', 'defaults']) expect(config.has(name)).toBe(true)
      expect(config.has('missing')).toBe(false)
      expect(config.has('Object')).toBe(false)
    })

    it('tells whether a key has a value in any layer', () => {
      expect(config.has('object', 'k')).toBe(true)
      expect(config.has('object', 'nil')).toBe(true)
      expect(config.has('file', 'k')).toBe(true)
      expect(config.has('Env', 'K')).toBe(true)
      expect(config.has('defaults', 'k')).toBe(true)
      expect(config.has('object', 'missing')).toBe(false)
      expect(config.has('missing', 'k')).toBe(false)
      expect(config.has('object', 'K')).toBe(false)
    })
  })

  describe('addDefaults()', () => {
    it('never overrides a value from any layer, including an earlier default', () => {
      const file = write('.ini', '[s]\nfile = file\n')
      const config = new Config({ config: { s: { object: 'object' } }, configFile: file, env: { TSAB__S__ENV: 'env' } })
      config.addDefaults('s', { first: 'first' })
      config.addDefaults('s', { first: 'second', object: 'd', file: 'd', env: 'd', fresh: 'd' })
      expect(config.section('s')).toEqual({ first: 'first', object: 'object', file: 'file', env: 'env', fresh: 'd' })
    })

    it('creates the section and skips undefined values', () => {
      const config = make()
      config.addDefaults('new', { a: 1, b: undefined })
      expect(config.has('new')).toBe(true)
      expect(config.has('new', 'b')).toBe(false)
      config.addDefaults('new', { b: 2 })
      expect(config.get('new', 'b')).toBe(2)
    })

    it('copies the values object', () => {
      const config = make()
      const values: Record<string, unknown> = { a: 1 }
      config.addDefaults('s', values)
      values.a = 2
      expect(config.get('s', 'a')).toBe(1)
    })

    it('adds nothing when its arguments are bad', () => {
      const config = make()
      expect(() => config.addDefaults(1 as unknown as string, { a: 1 })).toThrow(TypeError)
      expect(() => config.addDefaults('', { a: 1 })).toThrow(RangeError)
      for (const values of [null, 'x', 5, ['a'], undefined]) {
        expect(() => config.addDefaults('s', values as unknown as Record<string, unknown>)).toThrow(TypeError)
      }
      expect(() => config.addDefaults('s', null as unknown as Record<string, unknown>)).toThrow(
        'Expected `values` to be an object, got null (null)',
      )
      expect(config.sections()).toEqual([])
    })
  })

  describe('sections()', () => {
    it('lists every section once, in order of first appearance, env-only ones lower-cased', () => {
      const file = write('.json', JSON.stringify({ file: {}, object: {} }))
      const config = new Config({ config: { object: {}, Web: {} }, configFile: file, env: { TSAB__WEB__A: '1', TSAB__DB__URL: 'x' } })
      config.addDefaults('defaults', { a: 1 })
      expect(config.sections()).toEqual(['defaults', 'object', 'Web', 'file', 'db'])
    })
  })

  describe('argument checks', () => {
    const config = make({ config: { s: { k: 'v' } } })
    const calls: Array<[string, (section: unknown, key: unknown) => unknown]> = [
      ['get', (s, k) => config.get(s as string, k as string)],
      ['getString', (s, k) => config.getString(s as string, k as string)],
      ['getNumber', (s, k) => config.getNumber(s as string, k as string)],
      ['getBoolean', (s, k) => config.getBoolean(s as string, k as string)],
      ['getDuration', (s, k) => config.getDuration(s as string, k as string)],
      ['has', (s, k) => config.has(s as string, k as string)],
    ]

    it.each(calls)('%s() throws TypeError for a non-string section or key', (_name, call) => {
      for (const bad of [1, null, {}, Symbol('s'), ['s']]) {
        expect(() => call(bad, 'k')).toThrow(TypeError)
        expect(() => call('s', bad)).toThrow(TypeError)
      }
      expect(() => call(5, 'k')).toThrow('Expected `section` to be a non-empty string, got 5 (number)')
      expect(() => call('s', 5)).toThrow('Expected `key` to be a non-empty string, got 5 (number)')
    })

    it.each(calls)('%s() throws RangeError for an empty section or key', (_name, call) => {
      expect(() => call('', 'k')).toThrow(RangeError)
      expect(() => call('s', '')).toThrow(RangeError)
    })

    it('get() throws TypeError for a missing key argument, has() does not', () => {
      expect(() => (config.get as (s: string) => unknown)('s')).toThrow(TypeError)
      expect(config.has('s')).toBe(true)
    })

    it('section() throws for a bad name', () => {
      expect(() => config.section(3 as unknown as string)).toThrow(TypeError)
      expect(() => config.section('')).toThrow(RangeError)
    })

    it.each([
      ['options', 'x', 'Expected `options` to be an object, got "x" (string)'],
      ['options', null, 'Expected `options` to be an object, got null (null)'],
      ['options.env', { env: 'x' }, 'Expected `options.env` to be an object'],
      ['options.config', { config: [] }, 'Expected `options.config` to be an object of sections'],
      ['options.config', { config: 'x' }, 'Expected `options.config` to be an object of sections'],
      ['options.config section', { config: { web: 'x' } }, 'Expected `options.config["web"]` to be an object, got "x" (string)'],
      ['options.config section', { config: { ok: {}, web: null } }, 'Expected `options.config["web"]` to be an object, got null'],
      ['options.configFile', { configFile: 5 }, 'Expected `options.configFile` to be a non-empty string'],
    ])('the constructor throws TypeError for bad %s', (_label, options, message) => {
      expect(() => new Config(options as ConfigOptions)).toThrow(TypeError)
      expect(() => new Config(options as ConfigOptions)).toThrow(message)
    })

    it('the constructor throws RangeError for an empty configFile', () => {
      expect(() => new Config({ configFile: '', env: {} })).toThrow(RangeError)
    })
  })
})
