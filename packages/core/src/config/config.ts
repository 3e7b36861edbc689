/**
 * `Config`: sectioned configuration in four layers (defaults < `options.config` < config file < `TSAB__` environment
 * variables) with typed getters. Reading files lives in `config-file.ts`, INI syntax in `ini.ts`, durations in `duration.ts`.
 */
import { assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import type { ConfigSections } from './config-file.js'
import { isObject, readLayers, type ConfigOptions } from './config-layers.js'
import {
  configValueError as valueError,
  numberRuleText as ruleText,
  satisfiesNumberRule as satisfies,
  satisfiesStringRule,
  stringRuleText,
  type ConfigDurationRule,
  type ConfigNumberRule,
  type ConfigStringRule,
} from './config-rules.js'
import { parseDuration } from './duration.js'

export type { ConfigOptions } from './config-layers.js'

/** Words {@link Config.getBoolean} accepts, lower case. */
const INFINITY_WORDS = new Set(['infinity', 'unlimited'])
const TRUE_WORDS = new Set(['yes', 'true', 'on', '1'])
const FALSE_WORDS = new Set(['no', 'false', 'off', '0'])

/** A plain decimal number, optionally signed, with an optional exponent; rejects hex, `Infinity` and blanks inside. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Sectioned configuration with four layers and typed getters, in the spirit of ASAB's `Config`.
 *
 * Layers, lowest precedence first:
 * 1. defaults registered with {@link Config.addDefaults} (typically by services, for their own section);
 * 2. `options.config`, values given in code;
 * 3. the config file (`options.configFile`, else the `TSAB_CONFIG` environment variable), JSON or INI;
 * 4. environment variables `TSAB__<SECTION>__<KEY>`, e.g. `TSAB__WEB__LISTEN=0.0.0.0:80` sets `[web] listen`.
 *
 * Section and key names are case-sensitive, except that an environment variable matches a section and key
 * case-insensitively. The match happens at lookup time, so it also overrides defaults added after construction.
 * Everything is stored in `Map`s: names such as `__proto__` or `constructor` are ordinary data and can never
 * change a prototype.
 *
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * const config = new Config({ config: { web: { port: '8080' } }, env: { TSAB__WEB__PORT: '9090' } })
 * config.addDefaults('web', { port: 80, host: '127.0.0.1' })
 * console.log(config.getNumber('web', 'port'), config.getString('web', 'host'))
 * // 9090 127.0.0.1
 * ```
 */
export class Config {
  // lowest layer; addDefaults writes here and only here
  readonly #defaults: ConfigSections = new Map()
  // values from code, fixed at construction
  readonly #object: ConfigSections
  // values from the config file, fixed at construction
  readonly #file: ConfigSections
  // lower-cased section → lower-cased key → value, so lookups can match env names case-insensitively
  readonly #env: Map<string, Map<string, string>>

  /**
   * Builds the layers: copies `options.config`, reads and parses the config file (synchronously) and copies the
   * `TSAB__` environment variables.
   *
   * @throws `TypeError` / `RangeError` when an option has the wrong type (e.g. a section that is not an object)
   * @throws {@link TsabError} `TSAB_CONFIG_PARSE` when the file is missing, unreadable, has an unsupported extension,
   * a syntax error (the message names the file and line) or the wrong shape
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { TaskService: { max_concurrency: 8 } }, env: {} })
   * console.log(config.getNumber('TaskService', 'max_concurrency')) // 8
   * ```
   */
  constructor(options: ConfigOptions = {}) {
    const layers = readLayers(options)
    this.#object = layers.object
    this.#file = layers.file
    this.#env = layers.env
  }

  /**
   * The raw value of `[section] key` from the highest layer that has it, or `undefined`.
   *
   * Values from INI files and the environment are strings; values from JSON files and `options.config` keep
   * their type. Use the typed getters to convert.
   *
   * @throws `TypeError` / `RangeError` when `section` or `key` is not a non-empty string
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { listen: '127.0.0.1:8080' } }, env: {} })
   * console.log(config.get('web', 'listen'), config.get('web', 'nope')) // 127.0.0.1:8080 undefined
   * ```
   */
  get(section: string, key: string): unknown {
    assertNonEmptyString('section', section)
    assertNonEmptyString('key', key)
    return this.#lookup(section, key)
  }

  /**
   * `[section] key` as a string. Numbers, booleans and bigints are converted with `String()`.
   *
   * A missing key (or a JSON `null`) gives `fallback`, or `undefined` without one. With `rule`, a configured value
   * must be one of `rule.oneOf` and match `rule.pattern`.
   *
   * @throws {@link TsabError} `TSAB_CONFIG_VALUE` when the value is an object or array, or breaks `rule`
   * @throws `TypeError` for a bad `section`, `key` or `fallback`
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { port: 8080 } }, env: {} })
   * console.log(config.getString('web', 'port'), config.getString('web', 'host', 'localhost')) // 8080 localhost
   * ```
   */
  getString(section: string, key: string): string | undefined
  getString(section: string, key: string, fallback: string, rule?: ConfigStringRule): string
  getString(section: string, key: string, fallback: undefined, rule: ConfigStringRule): string | undefined
  getString(section: string, key: string, fallback?: string, rule?: ConfigStringRule): string | undefined {
    const value = this.#typedLookup(section, key, fallback, 'string')
    if (value === undefined) return fallback
    let text: string
    if (typeof value === 'string') text = value
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value)
    else throw valueError(section, key, value, stringRuleText(rule))
    if (rule !== undefined && !satisfiesStringRule(text, rule)) throw valueError(section, key, value, stringRuleText(rule))
    return text
  }

  /**
   * `[section] key` as a finite number. Strings must be plain decimals (`'8080'`, `'-1.5'`, `'2e3'`; blanks around
   * are ignored; hex, `''`, `'NaN'` and `'Infinity'` are rejected).
   *
   * A missing key (or a JSON `null`) gives `fallback`, or `undefined` without one.
   *
   * @throws {@link TsabError} `TSAB_CONFIG_VALUE` when the value cannot be converted
   * @throws `TypeError` for a bad `section`, `key` or `fallback`
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { TaskService: { max_concurrency: ' 16 ' } }, env: {} })
   * console.log(config.getNumber('TaskService', 'max_concurrency'), config.getNumber('TaskService', 'other', 1)) // 16 1
   * ```
   */
  getNumber(section: string, key: string): number | undefined
  getNumber(section: string, key: string, fallback: number, rule?: ConfigNumberRule): number
  getNumber(section: string, key: string, fallback: undefined, rule: ConfigNumberRule): number | undefined
  getNumber(section: string, key: string, fallback?: number, rule?: ConfigNumberRule): number | undefined {
    const value = this.#typedLookup(section, key, fallback, 'number')
    if (value === undefined) return fallback
    let number: number | undefined
    if (typeof value === 'number' && (Number.isFinite(value) || (value === Infinity && rule?.allowInfinity))) number = value
    else if (typeof value === 'string') {
      const text = value.trim()
      if (NUMBER_PATTERN.test(text)) number = Number(text)
      else if (rule?.allowInfinity && INFINITY_WORDS.has(text.toLowerCase())) number = Infinity
      if (number !== undefined && !Number.isFinite(number) && !(number === Infinity && rule?.allowInfinity)) number = undefined
    }
    if (number === undefined) throw valueError(section, key, value, rule === undefined ? 'a finite number' : ruleText(rule))
    if (rule !== undefined && !satisfies(number, rule)) throw valueError(section, key, value, ruleText(rule))
    return number
  }

  /**
   * `[section] key` as a boolean: `yes`/`true`/`on`/`1` are `true`, `no`/`false`/`off`/`0` are `false`
   * (case-insensitive, blanks around ignored). Real booleans pass through; the numbers `1` and `0` are accepted.
   *
   * A missing key (or a JSON `null`) gives `fallback`, or `undefined` without one.
   *
   * @throws {@link TsabError} `TSAB_CONFIG_VALUE` for anything else (e.g. `'maybe'`, `2`, `''`)
   * @throws `TypeError` for a bad `section`, `key` or `fallback`
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { debug: 'Yes', tls: 'off' } }, env: {} })
   * console.log(config.getBoolean('web', 'debug'), config.getBoolean('web', 'tls'), config.getBoolean('web', 'x', true))
   * // true false true
   * ```
   */
  getBoolean(section: string, key: string): boolean | undefined
  getBoolean(section: string, key: string, fallback: boolean): boolean
  getBoolean(section: string, key: string, fallback?: boolean): boolean | undefined {
    const value = this.#typedLookup(section, key, fallback, 'boolean')
    if (value === undefined) return fallback
    if (typeof value === 'boolean') return value
    if (value === 1 || value === 0) return value === 1
    if (typeof value === 'string') {
      const word = value.trim().toLowerCase()
      if (TRUE_WORDS.has(word)) return true
      if (FALSE_WORDS.has(word)) return false
    }
    throw valueError(section, key, value, 'a boolean (yes/no, true/false, on/off, 1/0)')
  }

  /**
   * `[section] key` as a duration in **milliseconds**, parsed with {@link parseDuration}: `'250ms'`, `'1.5s'`,
   * `'5m'`, `'2h'`, `'1d'`, or a bare number (or numeric string) of **seconds**.
   *
   * A missing key (or a JSON `null`) gives `fallback`, which is already in milliseconds and returned as is,
   * or `undefined` without one.
   *
   * @throws {@link TsabError} `TSAB_CONFIG_VALUE` for negative values, `NaN`, unknown units or other garbage
   * (the `parseDuration` error is the `cause`)
   * @throws `TypeError` / `RangeError` for a bad `section`, `key` or `fallback` (a finite number >= 0)
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { TaskService: { shutdown_timeout: '1.5s', poll: 2 } }, env: {} })
   * console.log(
   *   config.getDuration('TaskService', 'shutdown_timeout'),
   *   config.getDuration('TaskService', 'poll'),
   *   config.getDuration('TaskService', 'other', 10_000),
   * )
   * // 1500 2000 10000
   * ```
   */
  getDuration(section: string, key: string): number | undefined
  getDuration(section: string, key: string, fallback: number, rule?: ConfigDurationRule): number
  getDuration(section: string, key: string, fallback: undefined, rule: ConfigDurationRule): number | undefined
  getDuration(section: string, key: string, fallback?: number, rule?: ConfigDurationRule): number | undefined {
    const value = this.#typedLookup(section, key, fallback, 'number')
    if (fallback !== undefined && !(Number.isFinite(fallback) && fallback >= 0)) {
      throw new RangeError(expectedMessage('fallback', 'a finite number of milliseconds >= 0', fallback))
    }
    if (value === undefined) return fallback
    const expectation = `a duration${rule === undefined ? '' : ` ${ruleText(rule).replace(/^a finite number /, '').replace(/^an integer /, '')} ms`} such as "250ms", "10s", "5m", "2h", "1d" or a number of seconds`
    let ms: number
    try {
      ms = parseDuration(value, `[${section}] ${key}`)
    } catch (error) {
      throw valueError(section, key, value, expectation, error)
    }
    if (rule !== undefined && !satisfies(ms, rule)) throw valueError(section, key, value, expectation)
    return ms
  }

  /**
   * A merged copy of one section across all layers, environment included (an override found only in the
   * environment appears under its lower-cased key). Changing the copy changes nothing in the config.
   *
   * The copy has no prototype (`Object.create(null)`), so a key named `__proto__` is plain data.
   *
   * @returns the section's keys and values; an empty object for an unknown section
   * @throws `TypeError` / `RangeError` when `name` is not a non-empty string
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { listen: ':8080' } }, env: { TSAB__WEB__DEBUG: 'on' } })
   * config.addDefaults('web', { workers: 2 })
   * console.log(JSON.stringify(config.section('web'))) // {"workers":2,"listen":":8080","debug":"on"}
   * ```
   */
  section(name: string): Record<string, unknown> {
    assertNonEmptyString('name', name)
    const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    for (const layer of [this.#defaults, this.#object, this.#file]) {
      for (const [key, value] of layer.get(name) ?? []) merged[key] = value
    }
    const overrides = this.#env.get(name.toLowerCase())
    if (overrides !== undefined) {
      const seen = new Set<string>()
      for (const key of Object.keys(merged)) {
        const override = overrides.get(key.toLowerCase())
        if (override !== undefined) {
          merged[key] = override
          seen.add(key.toLowerCase())
        }
      }
      for (const [key, value] of overrides) if (!seen.has(key)) merged[key] = value
    }
    return merged
  }

  /**
   * Whether a section exists (in any layer) or, with `key`, whether `[section] key` has a value.
   *
   * @throws `TypeError` / `RangeError` when `section` or a given `key` is not a non-empty string
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { listen: ':8080' } }, env: {} })
   * console.log(config.has('web'), config.has('web', 'listen'), config.has('web', 'port'), config.has('db')) // true true false false
   * ```
   */
  has(section: string, key?: string): boolean {
    assertNonEmptyString('section', section)
    if (key !== undefined) {
      assertNonEmptyString('key', key)
      return this.#lookup(section, key) !== undefined
    }
    return (
      this.#defaults.has(section) ||
      this.#object.has(section) ||
      this.#file.has(section) ||
      this.#env.has(section.toLowerCase())
    )
  }

  /**
   * Registers default values for a section. A default never overrides anything: a key that already has a value
   * in any layer, including a default registered earlier, keeps it (ASAB's `add_defaults` semantics). Keys whose
   * value is `undefined` are skipped.
   *
   * @param values - key → default value
   * @throws `TypeError` / `RangeError` when `section` is not a non-empty string or `values` is not an object;
   * nothing is added then
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { listen: ':9000' } }, env: {} })
   * config.addDefaults('web', { listen: ':8080', timeout: '30s' })
   * config.addDefaults('web', { timeout: '5s' })
   * console.log(config.get('web', 'listen'), config.getDuration('web', 'timeout')) // :9000 30000
   * ```
   */
  addDefaults(section: string, values: Record<string, unknown>): void {
    assertNonEmptyString('section', section)
    if (!isObject(values)) throw new TypeError(expectedMessage('values', 'an object', values))
    let defaults = this.#defaults.get(section)
    // Higher layers shadow defaults at lookup anyway; only an earlier default must be protected here.
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || defaults?.has(key)) continue
      if (defaults === undefined) {
        defaults = new Map()
        this.#defaults.set(section, defaults)
      }
      defaults.set(key, value)
    }
  }

  /**
   * The names of all sections, in order of first appearance (defaults, code, file, environment). A section
   * known only from the environment is listed lower-cased.
   *
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: {} }, env: { TSAB__DB__URL: 'x', TSAB__WEB__PORT: '1' } })
   * console.log(config.sections()) // [ 'web', 'db' ]
   * ```
   */
  sections(): string[] {
    const names = new Set<string>()
    for (const layer of [this.#defaults, this.#object, this.#file]) for (const name of layer.keys()) names.add(name)
    const lowered = new Set([...names].map((name) => name.toLowerCase()))
    for (const name of this.#env.keys()) if (!lowered.has(name)) names.add(name)
    return [...names]
  }

  /** Highest-layer value of `[section] key`; the environment is matched case-insensitively. */
  #lookup(section: string, key: string): unknown {
    const override = this.#env.get(section.toLowerCase())?.get(key.toLowerCase())
    if (override !== undefined) return override
    for (const layer of [this.#file, this.#object, this.#defaults]) {
      const keys = layer.get(section)
      if (keys?.has(key)) return keys.get(key)
    }
    return undefined
  }

  /** Validates the arguments of a typed getter and returns the value, with `null` treated as missing. */
  #typedLookup(section: string, key: string, fallback: unknown, fallbackType: 'string' | 'number' | 'boolean'): unknown {
    assertNonEmptyString('section', section)
    assertNonEmptyString('key', key)
    if (fallback !== undefined && typeof fallback !== fallbackType) {
      throw new TypeError(expectedMessage('fallback', `a ${fallbackType}`, fallback))
    }
    const value = this.#lookup(section, key)
    return value === null ? undefined : value
  }
}
