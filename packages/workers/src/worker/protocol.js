// @ts-check
/**
 * The protocol between `WorkerPoolService` (main thread) and the worker entry (each pool thread): the message a
 * run sends, the layout of the shared cancel table, and the envelope a failed run sends back. Plain JavaScript,
 * because the worker side loads it inside a thread as it is; the main thread imports the same file.
 *
 * Cancel table: one Int32 slot per run executing in a thread. The thread claims a free slot (0) with the run's id
 * when the run starts and frees it when the run ends. The run's id lives in the low bits; `OBSERVED` says the
 * function read its `signal`; the main thread adds `CANCELLED` or `TIMED_OUT` to ask the run to stop.
 */

/** Mask of the run id in a slot; ids cycle through 1 … ID_MASK. */
export const ID_MASK = (1 << 28) - 1
/** The run's function read `signal`: it may stop by itself, so the main thread gives it a grace period. */
export const OBSERVED = 1 << 28
/** The main thread asks the run to stop: it was cancelled. */
export const CANCELLED = 1 << 29
/** The main thread asks the run to stop: its deadline passed. */
export const TIMED_OUT = 1 << 30

/** The name of the worker entry's export that Piscina calls for every run. */
export const HANDLER_NAME = 'runWorkerTask'

/** The key that marks a failed run's envelope (a plain object, so it crosses the thread boundary whole). */
export const ENVELOPE_KEY = '__tsabWorkerFailure'

/**
 * Slots in the cancel table for a pool of `threads` threads: one per thread, plus room for slots that a
 * terminated thread left behind until the main thread frees them.
 *
 * @param {number} threads
 * @returns {number}
 */
export function cancelTableSize(threads) {
  return threads * 2 + 8
}

/**
 * What the main thread posts for one run: `[id, href, payload]` (an array: cheaper to clone than an object with
 * keys), with the run's id in the cancel table, the file URL of the user's module and the argument of its default
 * export.
 *
 * @typedef {[id: number, href: string, payload: unknown]} RunMessage
 */

/**
 * An error (or any thrown value) in a form that survives the structured clone between threads: name, message,
 * stack, the own properties that can be cloned, and the cause chain.
 *
 * @typedef {object} SerializedError
 * @property {'error' | 'value'} kind an Error-like object, or another thrown value
 * @property {string} [name]
 * @property {string} [message]
 * @property {string} [stack]
 * @property {Record<string, unknown>} [props] own enumerable properties (e.g. `code`)
 * @property {SerializedError} [cause]
 * @property {SerializedError[]} [errors] an AggregateError's errors
 * @property {unknown} [value] the thrown value itself, when it is not an Error
 */

/**
 * What a failed run throws back to the main thread.
 *
 * @typedef {object} FailureEnvelope
 * @property {1} __tsabWorkerFailure marker
 * @property {'error' | 'module' | 'aborted'} reason what failed: the function, loading the module, or the function
 *   stopped because its signal aborted
 * @property {SerializedError} error the error
 * @property {string} [moduleMessage] for `module`: what is wrong with the module
 */
