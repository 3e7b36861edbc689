/**
 * `within()`: the bounded wait behind every shutdown in tsab ("let it settle within N ms, then name the
 * stragglers"). It only waits; what counts as a straggler and how it is reported is the caller's. Exported for
 * other tsab packages from `@tsab/core/support`.
 */
import type { Clock } from '../clock/clock.js'

const noop = (): void => {}

/**
 * Waits until `work` settles (resolved or rejected: its outcome is not inspected and never unhandled), or `ms`
 * milliseconds pass on `clock`, or `signal` aborts, whichever comes first. Resolves `true` when `work` settled in
 * time, `false` otherwise. The timer and the abort listener are removed either way; `ms` may be `Infinity`.
 *
 * @example
 * ```ts
 * import { realClock } from '@tsab/core'
 * import { summarizeNames, within } from '@tsab/core/support'
 * const workers = new Map([['resize', new Promise<void>(() => {})]])
 * if (!(await within(Promise.all(workers.values()), 50, realClock))) {
 *   console.log(`still running: ${summarizeNames(workers.keys()).text}`) // still running: resize
 * }
 * ```
 */
export function within(work: PromiseLike<unknown>, ms: number, clock: Clock, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    let timer: unknown
    const finish = (inTime: boolean): void => {
      if (timer !== undefined) clock.clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(inTime)
    }
    const onAbort = (): void => finish(false)
    if (ms !== Infinity) timer = clock.setTimeout(() => finish(false), Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
    Promise.resolve(work).then(() => finish(true), () => finish(true)).then(undefined, noop)
  })
}
