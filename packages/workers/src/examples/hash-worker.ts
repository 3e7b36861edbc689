/**
 * The URL and the types of the example worker module `hash.js` (N rounds of SHA-256), for `WorkerPoolService.run()`.
 */

/**
 * The payload of {@link hashWorker}.
 *
 * @example
 * ```ts
 * const payload: HashPayload = { input: 'order-17', iterations: 250_000 }
 * ```
 */
export interface HashPayload {
  /** The text to hash (UTF-8). */
  input: string
  /** Rounds of SHA-256, each over the previous digest; an integer >= 0. */
  iterations: number
}

/**
 * What {@link hashWorker} returns.
 *
 * @example
 * ```ts
 * const { digest }: HashResult = await pool.run<HashResult>(hashWorker, { input: 'x', iterations: 10 }).result
 * ```
 */
export interface HashResult {
  /** The last digest, in hex (64 characters). */
  digest: string
  /** The rounds computed. */
  iterations: number
}

/**
 * A CPU-bound example worker module: `iterations` rounds of SHA-256 over `input`, returning the hex digest. About
 * 1 µs of CPU per round, so `iterations: 1_000_000` keeps a thread busy for about a second. It checks its signal
 * every 1,024 rounds: a cancel or a timeout stops it at once.
 *
 * @example
 * ```ts
 * import { hashWorker, type HashPayload, type HashResult } from '@tsab/workers'
 * const payload: HashPayload = { input: 'hello', iterations: 1_000 }
 * const handle = pool.run<HashResult>(hashWorker, payload, { name: 'hash' })
 * console.log((await handle.result).digest)
 * ```
 */
export const hashWorker: URL = new URL('./hash.js', import.meta.url)
