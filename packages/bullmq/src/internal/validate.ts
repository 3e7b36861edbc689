/**
 * Argument checks for QueueService's public entry points, with tsab's message shape
 * ``Expected `name` to be …, got <value> (<type>)``. Internal: not exported from the package.
 */

/** Renders a value for an error message without ever throwing. */
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

/** Builds the standard "Expected …, got …" message. */
export function expectedMessage(name: string, expectation: string, value: unknown): string {
  return `Expected \`${name}\` to be ${expectation}, got ${describeValue(value)}`
}

/** Throws a `TypeError` unless `value` is a non-empty string (`RangeError` when empty). */
export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(expectedMessage(name, 'a non-empty string', value))
  if (value.length === 0) throw new RangeError(expectedMessage(name, 'a non-empty string', value))
}

/** Throws a `TypeError` unless `value` is a function. */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(expectedMessage(name, 'a function', value))
}

/** Throws a `TypeError` unless `value` is undefined or a plain object (an options bag). */
export function assertOptionalObject(name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new TypeError(expectedMessage(name, 'an object', value))
  }
}

/** Throws a `TypeError` unless `value` is undefined or a boolean. */
export function assertOptionalBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(expectedMessage(name, 'a boolean', value))
}

/** Rules for {@link assertNumber}. */
export interface NumberRule {
  /** Smallest allowed value (inclusive). */
  min?: number
  /** Largest allowed value (inclusive). */
  max?: number
  /** Must be an integer. */
  integer?: boolean
}

/** Throws a `TypeError` unless `value` is a number, a `RangeError` when it breaks `rule` or is not finite. */
export function assertNumber(name: string, value: unknown, rule: NumberRule = {}): asserts value is number {
  const parts = [rule.integer ? 'an integer' : 'a finite number']
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`)
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`)
  const expectation = parts.join(' ')
  if (typeof value !== 'number') throw new TypeError(expectedMessage(name, expectation, value))
  if (
    !Number.isFinite(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.min !== undefined && value < rule.min) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new RangeError(expectedMessage(name, expectation, value))
  }
}

/** {@link assertNumber} for an optional value. */
export function assertOptionalNumber(name: string, value: unknown, rule: NumberRule = {}): void {
  if (value !== undefined) assertNumber(name, value, rule)
}
