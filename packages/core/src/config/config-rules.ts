/**
 * The limits a config value may be checked against (`ConfigNumberRule`, `ConfigDurationRule`, `ConfigStringRule`)
 * and the one error every bad config value raises (`TSAB_CONFIG_VALUE`, naming `[section] key`, the value and what
 * was expected). Reading the layers is `config.ts`'s.
 */
import { ErrorCodes } from '../errors/codes.js'
import { TsabError } from '../errors/tsab-error.js'
import { describeValue } from '../internal/validate.js'

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
 * Limits for {@link Config.getString}: a configured value outside them fails with `TSAB_CONFIG_VALUE` naming
 * `[section] key`, the value and what was expected (the fallback is not checked).
 *
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * const config = new Config({ config: { QueueService: { backend: 'kafka' } }, env: {} })
 * try {
 *   config.getString('QueueService', 'backend', 'memory', { oneOf: ['memory', 'bullmq'] })
 * } catch (error) {
 *   console.log((error as Error).message) // Config [QueueService] backend: expected one of "memory", "bullmq", got "kafka" (string)
 * }
 * ```
 */
export interface ConfigStringRule {
  /** The value must be one of these (compared exactly). */
  oneOf?: readonly string[]
  /** The value must match this pattern. */
  pattern?: RegExp
  /** What a value matching `pattern` looks like, for the error message. @default `a string matching <pattern>` */
  expected?: string
}

/** True when `value` respects `rule` (see {@link Config.getNumber}). @internal */
export function satisfiesNumberRule(value: number, rule: ConfigNumberRule): boolean {
  if (rule.integer && value !== Infinity && !Number.isInteger(value)) return false
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) return false
  if (rule.max !== undefined && value > rule.max) return false
  return true
}

/** `rule` in words: "an integer >= 1 <= 10 (or "unlimited")". @internal */
export function numberRuleText(rule: ConfigNumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a finite number']
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`)
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`)
  if (rule.allowInfinity) parts.push('(or "unlimited")')
  return parts.join(' ')
}

/** True when `value` respects `rule` (see {@link Config.getString}). @internal */
export function satisfiesStringRule(value: string, rule: ConfigStringRule): boolean {
  return (rule.oneOf === undefined || rule.oneOf.includes(value)) && (rule.pattern === undefined || rule.pattern.test(value))
}

/** `rule` in words: `one of "a", "b"`, its `expected` text, or "a string". @internal */
export function stringRuleText(rule: ConfigStringRule | undefined): string {
  if (rule?.oneOf !== undefined) return `one of ${rule.oneOf.map((choice) => JSON.stringify(choice)).join(', ')}`
  if (rule?.pattern !== undefined) return rule.expected ?? `a string matching ${String(rule.pattern)}`
  return 'a string'
}

/**
 * The `TSAB_CONFIG_VALUE` error of a bad `[section] key`: ``Config [section] key: expected <expectation>, got <value>``.
 * @internal
 */
export function configValueError(section: string, key: string, value: unknown, expectation: string, cause?: unknown): TsabError {
  return new TsabError(
    ErrorCodes.ConfigValue,
    `Config [${section}] ${key}: expected ${expectation}, got ${describeValue(value)}`,
    cause === undefined ? undefined : { cause },
  )
}
