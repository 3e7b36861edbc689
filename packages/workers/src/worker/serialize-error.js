// @ts-check
/**
 * Worker side of failures: turns what a worker function threw into a `SerializedError` that survives the structured
 * clone to the main thread with its name, message, stack, cloneable own properties (`code`, …) and cause chain.
 * The main thread turns it back into an Error (`revive-error.ts`).
 */

const MAX_DEPTH = 4
const MAX_ERRORS = 20

/**
 * @param {unknown} value
 * @returns {boolean}
 */
function isErrorLike(value) {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (/** @type {{ message?: unknown }} */ (value).message) === 'string' && typeof (/** @type {{ stack?: unknown }} */ (value).stack) === 'string')
}

/**
 * A copy of `value` that can cross threads, or undefined when it cannot.
 *
 * @param {unknown} value
 * @returns {{ ok: true, value: unknown } | { ok: false }}
 */
function cloneable(value) {
  try {
    return { ok: true, value: structuredClone(value) }
  } catch {
    return { ok: false }
  }
}

/**
 * @param {unknown} thrown
 * @param {number} [depth]
 * @returns {import('./protocol.js').SerializedError}
 */
export function serializeError(thrown, depth = 0) {
  if (!isErrorLike(thrown)) {
    const copy = cloneable(thrown)
    return { kind: 'value', value: copy.ok ? copy.value : String(thrown) }
  }
  const error = /** @type {Error & Record<string, unknown>} */ (thrown)
  /** @type {import('./protocol.js').SerializedError} */
  const out = { kind: 'error', name: String(error.name), message: String(error.message) }
  if (typeof error.stack === 'string') out.stack = error.stack
  /** @type {Record<string, unknown>} */
  const props = {}
  let hasProps = false
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'errors' || key === 'stack' || key === 'message' || key === 'name') continue
    const copy = cloneable(error[key])
    if (copy.ok) {
      props[key] = copy.value
      hasProps = true
    }
  }
  if (hasProps) out.props = props
  if (depth < MAX_DEPTH && 'cause' in error && error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1)
  if (depth < MAX_DEPTH && error instanceof AggregateError) {
    out.errors = Array.from(error.errors.slice(0, MAX_ERRORS), (inner) => serializeError(inner, depth + 1))
  }
  return out
}
