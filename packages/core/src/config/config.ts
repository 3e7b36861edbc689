/**
 * `Config`: sectioned configuration in four layers (defaults < `options.config` < config file < `TSAB__` environment
 * variables) with typed getters. Reading files lives in `config-file.ts`, INI syntax in `ini.ts`, durations in `duration.ts`.
 */
import { ErrorCodes } from '../errors/codes.js'
import { TsabError } from '../errors/tsab-error.js'
import { assertNonEmptyString, describeValue, expectedMessage } from '../internal/validate.js'
import { type ConfigSections, loadConfigFile } from './config-file.js'
import { parseDuration } from './duration.js'

/**
 * Where a {@link Config} takes its values from. Every field is optional.
 *
 * @example
 * ```ts
 * import { Config, type ConfigOptions } from '@tsab/core'
 * const options: ConfigOptions = { config: { web: { listen: '127.0.0.1:8080' } }, env: {} }
 * console.log(new Config(options).get('web', 'listen')) // 127.0.0.1:8080
 * ```
 */
export interface ConfigOptions {
  /**
   * Values given in code: section name → key → value. Overrides defaults; overridden by the file and the environment.
   * @default no values
   */
  config?: Record<string, Record<string, unknown>>
  /**
   * Path of a config file, read once by the constructor: `.json` (an object of section objects) or
   * `.ini` / `.conf` / `.cfg`. Relative paths are resolved against the working directory.
   * @default `env.TSAB_CONFIG` when set and not empty, else no file
   */
  configFile?: string
  /**
   * The environment to read `TSAB_CONFIG` and `TSAB__<SECTION>__<KEY>` overrides from. It is copied once by the
   * constructor; later changes to it are not seen.
   * @default `process.env`
   */
  env?: Record<string, string | undefined>
}

/** Prefix of environment overrides: `TSAB__<SECTION>__<KEY>=value`. */
const ENV_PREFIX = 'TSAB__'

/** Words {@link Config.getBoolean} accepts, lower case. */
const INFINITY_WORDS = new Set(['infinity', 'unlimited'])
const TRUE_WORDS = new Set(['yes', 'true', 'on', '1'])
const FALSE_WORDS = new Set(['no', 'false', 'off', '0'])

/** A plain decimal number, optionally signed, with an optional exponent; rejects hex, `Infinity` and blanks inside. */
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Limits for {@link Config.getNumber}: a value outside them fails with `TSAB_CONFIG_VALUE` naming `[section] key`,
 * the value and the limits. Check config in `initialize()`, so a bad value stops the start, never the shutdown.
 *
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * const config = new Config({ config: { web: { body_limit: -1 } }, env: {} })
 * try {
 *   config.getNumber('web', 'body_limit', 1_048_576, { min: 1, integer: true })
 * } catch (error) {
 *   console.log((error as Error).message) // Config [web] body_limit: expected an integer >= 1, got -1 (number)
 * }
 * ```
 */
export interface ConfigNumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number
  /** `min` itself is not allowed. */
  exclusiveMin?: boolean
  /** Largest allowed value (inclusive). */
  max?: number
  /** Must be a whole number. */
  integer?: boolean
  /** `Infinity`, `"Infinity"` and `"unlimited"` are accepted as `Infinity`. */
  allowInfinity?: boolean
}

/**
 * Limits for {@link Config.getDuration}, in milliseconds (after the unit is applied).
 *
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * const config = new Config({ config: { web: { shutdown_timeout: '0s' } }, env: {} })
 * try {
 *   config.getDuration('web', 'shutdown_timeout', 10_000, { min: 0, exclusiveMin: true, max: 3_600_000 })
 * } catch (error) {
 *   console.log((error as Error).message.startsWith('Config [web] shutdown_timeout: expected a duration > 0')) // true
 * }
 * ```
 */
export type ConfigDurationRule = Omit<ConfigNumberRule, 'allowInfinity'>

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
  #defaults: ConfigSections = new Map()
  // values from code, fixed at construction
  #object: ConfigSections = new Map()
  // values from the config file, fixed at construction
  #file: ConfigSections = new Map()
  // lower-cased section → lower-cased key → value, so lookups can match env names case-insensitively
  #env: Map<string, Map<string, string>> = new Map()

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
    if (!isObject(options)) throw new TypeError(expectedMessage('options', 'an object', options))
    const { config, configFile, env = process.env } = options
    if (!isObject(env)) throw new TypeError(expectedMessage('options.env', 'an object', env))
    if (config !== undefined) {
      if (!isObject(config)) throw new TypeError(expectedMessage('options.config', 'an object of sections', config))
      for (const [name, values] of Object.entries(config)) {
        if (!isObject(values)) {
          throw new TypeError(expectedMessage(`options.config[${JSON.stringify(name)}]`, 'an object', values))
        }
      }
    }
    if (configFile !== undefined) assertNonEmptyString('options.configFile', configFile)

    if (config !== undefined) {
      for (const [name, values] of Object.entries(config)) {
        this.#object.set(name, definedEntries(values as Record<string, unknown>))
      }
    }
    const envFile = env.TSAB_CONFIG
    const file = configFile ?? (typeof envFile === 'string' && envFile !== '' ? envFile : undefined)
    if (file !== undefined) this.#file = loadConfigFile(file)
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== 'string' || !name.startsWith(ENV_PREFIX)) continue
      const rest = name.slice(ENV_PREFIX.length)
      const split = rest.indexOf('__')
      if (split <= 0 || split + 2 >= rest.length) continue
      const section = rest.slice(0, split).toLowerCase()
      const key = rest.slice(split + 2).toLowerCase()
      let keys = this.#env.get(section)
      if (keys === undefined) {
        keys = new Map()
        this.#env.set(section, keys)
      }
      keys.set(key, value)
    }
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
   * A missing key (or a JSON `null`) gives `fallback`, or `undefined` without one.
   *
   * @throws {@link TsabError} `TSAB_CONFIG_VALUE` when the value is an object or array
   * @throws `TypeError` for a bad `section`, `key` or `fallback`
   * @example
   * ```ts
   * import { Config } from '@tsab/core'
   * const config = new Config({ config: { web: { port: 8080 } }, env: {} })
   * console.log(config.getString('web', 'port'), config.getString('web', 'host', 'localhost')) // 8080 localhost
   * ```
   */
  getString(section: string, key: string): string | undefined
  getString(section: string, key: string, fallback: string): string
  getString(section: string, key: string, fallback?: string): string | undefined {
    const value = this.#typedLookup(section, key, fallback, 'string')
    if (value === undefined) return fallback
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
    throw valueError(section, key, value, 'a string')
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A section's own entries without `undefined` values, as a Map. */
function definedEntries(values: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(values).filter(([, value]) => value !== undefined))
}

/** Limits a config number must respect (see {@link Config.getNumber}). */
function satisfies(value: number, rule: ConfigNumberRule): boolean {
  if (rule.integer && value !== Infinity && !Number.isInteger(value)) return false
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) return false
  if (rule.max !== undefined && value > rule.max) return false
  return true
}

function ruleText(rule: ConfigNumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a finite number']
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`)
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`)
  if (rule.allowInfinity) parts.push('(or "unlimited")')
  return parts.join(' ')
}

function valueError(section: string, key: string, value: unknown, expectation: string, cause?: unknown): TsabError {
  return new TsabError(
    ErrorCodes.ConfigValue,
    `Config [${section}] ${key}: expected ${expectation}, got ${describeValue(value)}`,
    cause === undefined ? undefined : { cause },
  )
}
