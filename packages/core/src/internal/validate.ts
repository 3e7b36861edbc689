/**
 * Argument checks shared by every public entry point: they throw synchronously with the message shape
 * ``Expected `name` to be …, got <value> (<type>)``. Not exported from `@tsab/core`; the checks other tsab
 * packages need are exported from `@tsab/core/support`.
 */

/**
 * Renders a value for an error message, short and without ever throwing: `42 (number)`, `"abc" (string)`,
 * `{"a":1} (object)`, `[Function run] (function)`.
 *
 * @example
 * ```ts
 * import { describeValue } from '@tsab/core/support'
 * console.log(describeValue(-5), describeValue(null)) // -5 (number) null (null)
 * ```
 */
export function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  let text: string
  try {
    if (typeof value === 'string') text = JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
    else if (typeof value === 'function') text = `[Function ${value.name || 'anonymous'}]`
    else if (typeof value === 'symbol') text = value.toString()
    else if (typeof value === 'bigint') text = `${value}n`
    else if (type === 'object' || type === 'array') {
      const json = JSON.stringify(value)
      text = json === undefined ? Object.prototype.toString.call(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json
    } else text = String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return `${text} (${type})`
}

/**
 * Builds tsab's message for bad input: ``Expected `name` to be <expectation>, got <value> (<type>)``.
 *
 * @example
 * ```ts
 * import { expectedMessage } from '@tsab/core/support'
 * const concurrency: unknown = 'many'
 * if (typeof concurrency !== 'number') throw new TypeError(expectedMessage('options.concurrency', 'a number', concurrency))
 * ```
 */
export function expectedMessage(name: string, expectation: string, value: unknown): string {
  return `Expected \`${name}\` to be ${expectation}, got ${describeValue(value)}`
}

/**
 * Throws a `TypeError` unless `value` is a function.
 *
 * @example
 * ```ts
 * import { assertFunction } from '@tsab/core/support'
 * const handler: unknown = () => 'ok'
 * assertFunction('handler', handler) // handler is now typed as a function
 * ```
 */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(expectedMessage(name, 'a function', value))
}

/**
 * Throws a `TypeError` unless `value` is a string, and a `RangeError` when it is empty.
 *
 * @example
 * ```ts
 * import { assertNonEmptyString } from '@tsab/core/support'
 * assertNonEmptyString('name', 'resize-image')
 * ```
 */
export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(expectedMessage(name, 'a non-empty string', value))
  if (value.length === 0) throw new RangeError(expectedMessage(name, 'a non-empty string', value))
}

/**
 * Throws a `TypeError` unless `value` is a string (possibly empty).
 *
 * @example
 * ```ts
 * import { assertString } from '@tsab/core/support'
 * assertString('prefix', '')
 * ```
 */
export function assertString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(expectedMessage(name, 'a string', value))
}

/**
 * Throws a `TypeError` unless `value` is a boolean.
 *
 * @example
 * ```ts
 * import { assertBoolean } from '@tsab/core/support'
 * assertBoolean('options.stopOnError', true)
 * ```
 */
export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(expectedMessage(name, 'a boolean', value))
}

/**
 * The limits {@link assertNumber} checks. Without any, a finite number passes.
 *
 * @example
 * ```ts
 * import type { NumberRule } from '@tsab/core/support'
 * const port: NumberRule = { min: 1, max: 65_535, integer: true }
 * ```
 */
export interface NumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number
  /** `min` itself is not allowed. */
  exclusiveMin?: boolean
  /** Largest allowed value (inclusive). */
  max?: number
  /** Must be an integer. */
  integer?: boolean
  /** `Infinity` is allowed (for "unlimited"). */
  allowInfinity?: boolean
}

function numberExpectation(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : rule.allowInfinity ? 'a number' : 'a finite number']
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`)
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`)
  return parts.join(' ')
}

/**
 * Throws a `TypeError` unless `value` is a number, and a `RangeError` when it is NaN, infinite (unless allowed),
 * not an integer when one is required, or outside the limits of `rule`.
 *
 * @example
 * ```ts
 * import { assertNumber } from '@tsab/core/support'
 * assertNumber('options.attempts', 3, { min: 1, integer: true })
 * try {
 *   assertNumber('options.delayMs', -5, { min: 0 })
 * } catch (error) {
 *   console.log((error as RangeError).message) // Expected `options.delayMs` to be a finite number >= 0, got -5 (number)
 * }
 * ```
 */
export function assertNumber(name: string, value: unknown, rule: NumberRule = {}): asserts value is number {
  const expectation = numberExpectation(rule)
  if (typeof value !== 'number') throw new TypeError(expectedMessage(name, expectation, value))
  const infinite = value === Infinity && rule.allowInfinity
  if (Number.isNaN(value) || (!Number.isFinite(value) && !infinite)) throw new RangeError(expectedMessage(name, expectation, value))
  if (rule.integer && !infinite && !Number.isInteger(value)) throw new RangeError(expectedMessage(name, expectation, value))
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) {
    throw new RangeError(expectedMessage(name, expectation, value))
  }
  if (rule.max !== undefined && value > rule.max) throw new RangeError(expectedMessage(name, expectation, value))
}

/**
 * {@link assertNumber} for an optional value: `undefined` passes.
 *
 * @example
 * ```ts
 * import { assertOptionalNumber } from '@tsab/core/support'
 * assertOptionalNumber('options.priority', undefined, { min: 1, integer: true })
 * ```
 */
export function assertOptionalNumber(name: string, value: unknown, rule: NumberRule = {}): asserts value is number | undefined {
  if (value !== undefined) assertNumber(name, value, rule)
}

/**
 * Throws a `TypeError` unless `value` is a boolean or `undefined`.
 *
 * @example
 * ```ts
 * import { assertOptionalBoolean } from '@tsab/core/support'
 * assertOptionalBoolean('options.replace', undefined)
 * ```
 */
export function assertOptionalBoolean(name: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined) assertBoolean(name, value)
}

/** Checks an optional duration in milliseconds: a finite number >= 0 (or > 0 with `positive`). */
export function assertOptionalDuration(name: string, value: unknown, positive = false): asserts value is number | undefined {
  if (value === undefined) return
  assertNumber(name, value, { min: 0, exclusiveMin: positive })
}

/**
 * Throws a `TypeError` unless `value` is an `AbortSignal` or `undefined`.
 *
 * @example
 * ```ts
 * import { assertOptionalSignal } from '@tsab/core/support'
 * assertOptionalSignal('options.signal', AbortSignal.timeout(1_000))
 * ```
 */
export function assertOptionalSignal(name: string, value: unknown): asserts value is AbortSignal | undefined {
  if (value === undefined) return
  if (!(value instanceof AbortSignal)) throw new TypeError(expectedMessage(name, 'an AbortSignal', value))
}

/**
 * Throws a `TypeError` unless `value` is an object (not `null`, not an array) or `undefined`: an options bag.
 *
 * @example
 * ```ts
 * import { assertOptionalObject } from '@tsab/core/support'
 * assertOptionalObject('options', { attempts: 3 })
 * ```
 */
export function assertOptionalObject(name: string, value: unknown): asserts value is object | undefined {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(expectedMessage(name, 'an object', value))
  }
}

/**
 * True for an object or function with a callable `then` (a promise or any other thenable).
 *
 * @example
 * ```ts
 * import { isThenable } from '@tsab/core/support'
 * console.log(isThenable(Promise.resolve(1)), isThenable({ then: 1 })) // true false
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * Checks a task's `meta` and returns a frozen copy: a plain object whose values are strings, finite numbers or
 * booleans. Throws a `TypeError` naming the offending key otherwise.
 */
export function copyMeta(name: string, value: unknown): Readonly<Record<string, string | number | boolean>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(expectedMessage(name, 'an object of strings, finite numbers and booleans', value))
  }
  const copy: Record<string, string | number | boolean> = {}
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key]
    const ok = typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))
    if (!ok) throw new TypeError(expectedMessage(`${name}.${key}`, 'a string, a finite number or a boolean', item))
    // A key named "__proto__" must stay an own key instead of changing the copy's prototype; every other key takes
    // the fast path (a plain store, then one freeze for all: this runs for every task with meta).
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true })
    else copy[key] = item
  }
  return Object.freeze(copy)
}
