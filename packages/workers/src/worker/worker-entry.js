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
 * Frees the slot; wakes this run's own waiter on it when its signal was read (no waiter otherwise).
 *
 * @param {number} slot
 * @param {RunContext} context
 */
function release(slot, context) {
  if (table === undefined || slot < 0) return
  Atomics.store(table, slot, 0)
  if (context.isWatching) Atomics.notify(table, slot)
}

/**
 * @param {unknown} error
 * @param {RunContext} context
 * @returns {import('./protocol.js').FailureEnvelope}
 */
function failure(error, context) {
  return { [ENVELOPE_KEY]: 1, reason: context.isAbortOutcome(error) ? 'aborted' : 'error', error: serializeError(error) }
}

/**
 * @param {unknown} result
 * @param {string} href
 * @returns {unknown}
 */
function checkResult(result, href) {
  if (typeof result === 'function' || typeof result === 'symbol') {
    throw new TypeError(`Worker function of ${displayPath(href)} returned a ${typeof result}, which cannot be sent to the main thread`)
  }
  return result
}

/**
 * @param {(payload: unknown, context: RunContext) => unknown} handler
 * @param {import('./protocol.js').RunMessage} message
 * @returns {unknown}
 */
function invoke(handler, message) {
  const [id, href, payload] = message
  const slot = claim(id)
  const context = new RunContext(table, slot, id)
  let result
  try {
    result = handler(payload, context)
  } catch (error) {
    release(slot, context)
    throw failure(error, context)
  }
  if (typeof (/** @type {{ then?: unknown } | null} */ (result))?.then !== 'function') {
    release(slot, context)
    try {
      return checkResult(result, href)
    } catch (error) {
      throw failure(error, context)
    }
  }
  return Promise.resolve(result).then(
    (value) => {
      release(slot, context)
      try {
        return checkResult(value, href)
      } catch (error) {
        throw failure(error, context)
      }
    },
    (error) => {
      release(slot, context)
      throw failure(error, context)
    },
  )
}

/**
 * Runs one task: Piscina calls this in the pool thread with the message the main thread posted. A synchronous
 * function's result is returned as it is (no promise), the common case of CPU-bound work.
 *
 * @param {import('./protocol.js').RunMessage} message
 * @returns {unknown}
 */
export function runWorkerTask(message) {
  const handler = handlers.get(message[1])
  if (handler !== undefined) return invoke(handler, message)
  return loadHandler(message[1]).then((loaded) => invoke(loaded, message))
}
