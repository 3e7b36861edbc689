// @ts-check
/**
 * The module every pool thread loads (Piscina's `filename`): for each run it imports the user's module (cached per
 * thread), calls its default export with `(payload, { signal })`, and sends back the result, or a failure envelope
 * that says whether the module could not be used, the function threw, or it stopped because its signal aborted.
 * Plain JavaScript: Node loads it inside the thread as it is.
 */
import { fileURLToPath } from 'node:url'
import { workerData } from 'node:worker_threads'
import { ENVELOPE_KEY } from './protocol.js'
import { RunContext } from './run-context.js'
import { serializeError } from './serialize-error.js'

/** @type {Int32Array | undefined} the pool's cancel table (see protocol.js) */
const table = workerData?.cancelTable instanceof SharedArrayBuffer ? new Int32Array(workerData.cancelTable) : undefined

/** @type {Map<string, (payload: unknown, context: RunContext) => unknown>} default exports by module URL */
const handlers = new Map()

// The slot this thread claimed last: normally free again, so the next claim succeeds on the first try.
let hint = 0

/**
 * @param {string} href
 * @returns {string}
 */
function displayPath(href) {
  try {
    return href.startsWith('file:') ? fileURLToPath(href) : href
  } catch {
    return href
  }
}

/**
 * @param {string} href
 * @param {string} problem
 * @param {unknown} [cause]
 * @returns {import('./protocol.js').FailureEnvelope}
 */
function moduleFailure(href, problem, cause) {
  const error = new Error(`Worker module ${displayPath(href)} ${problem}`, cause === undefined ? undefined : { cause })
  return { [ENVELOPE_KEY]: 1, reason: 'module', error: serializeError(error), moduleMessage: error.message }
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function describe(value) {
  if (value === null) return 'null'
  if (typeof value === 'object') return `an object (${Object.keys(value).slice(0, 5).join(', ') || 'no keys'})`
  return typeof value
}

/**
 * @param {string} href
 * @returns {Promise<(payload: unknown, context: RunContext) => unknown>}
 */
async function loadHandler(href) {
  /** @type {{ default?: unknown }} */
  let module
  try {
    module = await import(href)
  } catch (error) {
    throw moduleFailure(href, `cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, error)
  }
  const handler = module.default
  if (typeof handler !== 'function') {
    throw moduleFailure(href, `has no default export function (its default export is ${describe(handler)})`)
  }
  const fn = /** @type {(payload: unknown, context: RunContext) => unknown} */ (handler)
  handlers.set(href, fn)
  return fn
}

/**
 * Claims a free slot of the cancel table for run `id`; -1 when none is free (the run is then stopped only by
 * terminating its thread).
 *
 * @param {number} id
 * @returns {number}
 */
function claim(id) {
  if (table === undefined) return -1
  const size = table.length
  for (let k = 0; k < size; k++) {
    const slot = (hint + k) % size
    if (Atomics.compareExchange(table, slot, 0, id) === 0) {
      hint = slot
      return slot
    }
  }
  return -1
}

/**
 * Frees the slot and wakes this run's own waiter on it, if its signal was read.
 *
 * @param {number} slot
 */
function release(slot) {
  if (table === undefined || slot < 0) return
  Atomics.store(table, slot, 0)
  Atomics.notify(table, slot)
}

/**
 * Runs one task: Piscina calls this in the pool thread with the message the main thread posted.
 *
 * @param {import('./protocol.js').RunMessage} message
 * @returns {Promise<unknown>}
 */
export async function runWorkerTask(message) {
  const { href, payload, id } = message
  const handler = handlers.get(href) ?? (await loadHandler(href))
  const slot = claim(id)
  const context = new RunContext(table, slot, id)
  try {
    const result = await handler(payload, context)
    if (typeof result === 'function' || typeof result === 'symbol') {
      throw new TypeError(`Worker function of ${displayPath(href)} returned a ${typeof result}, which cannot be sent to the main thread`)
    }
    return result
  } catch (error) {
    /** @type {import('./protocol.js').FailureEnvelope} */
    const failure = { [ENVELOPE_KEY]: 1, reason: context.isAbortOutcome(error) ? 'aborted' : 'error', error: serializeError(error) }
    throw failure
  } finally {
    release(slot)
  }
}
