/**
 * Config number, duration and string rules: a value outside the limits fails with TSAB_CONFIG_VALUE naming
 * `[section] key`, the value and the limits.
 */
import { describe, expect, it } from 'vitest'
import { Config } from '../../src/config/config.js'

const config = (values: Record<string, unknown>, env: Record<string, string> = {}) => new Config({ config: { s: values }, env })

describe('Config rules', () => {
  it('getNumber checks min, max and integer, naming [section] key and the value', () => {
    expect(config({ n: 5 }).getNumber('s', 'n', 1, { min: 1, max: 10, integer: true })).toBe(5)
    expect(config({}).getNumber('s', 'n', 3, { min: 1 })).toBe(3)
    expect(config({}).getNumber('s', 'n', undefined, { min: 1 })).toBeUndefined()
    expect(() => config({ n: 0 }).getNumber('s', 'n', 1, { min: 1, integer: true })).toThrow('Config [s] n: expected an integer >= 1, got 0 (number)')
    expect(() => config({ n: 1.5 }).getNumber('s', 'n', 1, { integer: true })).toThrow(/expected an integer/)
    expect(() => config({ n: 11 }).getNumber('s', 'n', 1, { max: 10 })).toThrow(/<= 10, got 11/)
    expect(() => config({ n: 0 }).getNumber('s', 'n', 1, { min: 0, exclusiveMin: true })).toThrow(/> 0/)
    try {
      config({ n: -1 }).getNumber('s', 'n', 1, { min: 0 })
    } catch (error) {
      expect((error as { code: string }).code).toBe('TSAB_CONFIG_VALUE')
    }
  })

  it('getNumber accepts Infinity / "unlimited" only with allowInfinity', () => {
    expect(config({ n: 'unlimited' }).getNumber('s', 'n', 1, { min: 1, allowInfinity: true })).toBe(Infinity)
    expect(config({ n: 'Infinity' }).getNumber('s', 'n', 1, { allowInfinity: true, integer: true })).toBe(Infinity)
    expect(() => config({ n: 'unlimited' }).getNumber('s', 'n', 1, { min: 1 })).toThrow(/Config \[s\] n/)
    expect(() => config({ n: Infinity }).getNumber('s', 'n')).toThrow(/finite number/)
  })

  it('getDuration checks limits in milliseconds, also for values from the environment', () => {
    expect(config({ d: '2s' }).getDuration('s', 'd', 1, { min: 1, max: 10_000 })).toBe(2000)
    expect(() => config({ d: '0s' }).getDuration('s', 'd', 1, { min: 0, exclusiveMin: true })).toThrow(/Config \[s\] d: expected a duration > 0 ms/)
    expect(() => config({}, { TSAB__S__D: '2h' }).getDuration('s', 'd', 1, { max: 60_000 })).toThrow(/<= 60000 ms.*got "2h"/)
    expect(() => config({ d: '1e309s' }).getDuration('s', 'd', 1, { max: 60_000 })).toThrow(/Config \[s\] d/)
  })

  it('getString checks oneOf and pattern on configured values, never on the fallback', () => {
    const backend = { oneOf: ['memory', 'bullmq'] } as const
    expect(config({ b: 'bullmq' }).getString('s', 'b', 'memory', backend)).toBe('bullmq')
    expect(config({}).getString('s', 'b', 'anything', backend)).toBe('anything')
    expect(config({}).getString('s', 'b', undefined, backend)).toBeUndefined()
    expect(() => config({ b: 'kafka' }).getString('s', 'b', 'memory', backend)).toThrow('Config [s] b: expected one of "memory", "bullmq", got "kafka" (string)')
    expect(() => config({}, { TSAB__S__B: 'Memory' }).getString('s', 'b', 'memory', backend)).toThrow(/got "Memory"/)
    const url = { pattern: /^rediss?:\/\/\S+$/, expected: 'a redis:// or rediss:// URL' }
    expect(config({ u: 'redis://cache:6379' }).getString('s', 'u', undefined, url)).toBe('redis://cache:6379')
    expect(() => config({ u: 'http://cache' }).getString('s', 'u', undefined, url)).toThrow('Config [s] u: expected a redis:// or rediss:// URL, got "http://cache" (string)')
    expect(() => config({ u: 'x' }).getString('s', 'u', undefined, { pattern: /^a/ })).toThrow('Config [s] u: expected a string matching /^a/, got "x" (string)')
    expect(() => config({ u: { a: 1 } }).getString('s', 'u', undefined, url)).toThrow('Config [s] u: expected a redis:// or rediss:// URL, got {"a":1} (object)')
    try {
      config({ b: 'kafka' }).getString('s', 'b', 'memory', backend)
    } catch (error) {
      expect((error as { code: string }).code).toBe('TSAB_CONFIG_VALUE')
    }
  })
})
