/**
 * The message shape of tsab's argument errors, ``Expected `name` to be …, got <value> (<type>)``, for the checks
 * of this package (core's helper is internal to core).
 */
import { inspect } from 'node:util'

/** ``Expected `name` to be <expectation>, got <value> (<type>)``. */
export function expectedMessage(name: string, expectation: string, value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  let text: string
  try {
    text = inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 60 })
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return `Expected \`${name}\` to be ${expectation}, got ${text.length > 80 ? `${text.slice(0, 77)}...` : text} (${type})`
}
