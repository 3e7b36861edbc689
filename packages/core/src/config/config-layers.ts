/**
 * The fixed layers of a {@link Config}, read once by its constructor: the values given in code, the config file and
 * the `TSAB__<SECTION>__<KEY>` environment overrides. Defaults and lookups are `config.ts`'s.
 */
import { assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import { type ConfigSections, loadConfigFile } from './config-file.js'

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

/** The layers read at construction; `env` is keyed by lower-cased section and key. @internal */
export interface ConfigLayers {
  readonly object: ConfigSections
  readonly file: ConfigSections
  readonly env: Map<string, Map<string, string>>
}

/** True for a plain object (not `null`, not an array). @internal */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks `options`, copies `options.config`, reads the config file (synchronously) and copies the `TSAB__`
 * environment variables. Throws before anything is kept when an option is malformed. @internal
 */
export function readLayers(options: ConfigOptions): ConfigLayers {
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

  const object: ConfigSections = new Map()
  if (config !== undefined) {
    for (const [name, values] of Object.entries(config)) {
      object.set(name, new Map(Object.entries(values as Record<string, unknown>).filter(([, value]) => value !== undefined)))
    }
  }
  const envFile = env.TSAB_CONFIG
  const path = configFile ?? (typeof envFile === 'string' && envFile !== '' ? envFile : undefined)
  const file = path === undefined ? new Map() : loadConfigFile(path)
  return { object, file, env: envOverrides(env as Record<string, string | undefined>) }
}

// TSAB__<SECTION>__<KEY> variables by lower-cased section and key; the section ends at the first `__`.
function envOverrides(env: Record<string, string | undefined>): Map<string, Map<string, string>> {
  const overrides = new Map<string, Map<string, string>>()
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' || !name.startsWith(ENV_PREFIX)) continue
    const rest = name.slice(ENV_PREFIX.length)
    const split = rest.indexOf('__')
    if (split <= 0 || split + 2 >= rest.length) continue
    const section = rest.slice(0, split).toLowerCase()
    const key = rest.slice(split + 2).toLowerCase()
    let keys = overrides.get(section)
    if (keys === undefined) {
      keys = new Map()
      overrides.set(section, keys)
    }
    keys.set(key, value)
  }
  return overrides
}
