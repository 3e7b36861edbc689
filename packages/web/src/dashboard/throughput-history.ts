/**
 * `ThroughputHistory`: finished tasks per second (succeeded, failed, cancelled) over the last minutes, computed
 * from the differences of the TaskService's cumulative counters, one point per sample, in a fixed-size ring.
 */
import type { TaskStats } from '@tsab/core'
import type { ThroughputHistory as History } from './dashboard-types.js'

/** Points kept: five minutes at one sample a second. */
export const HISTORY_POINTS = 300

type Rate = { succeeded: number; failed: number; cancelled: number }

/** Rates of finished tasks over the last {@link HISTORY_POINTS} samples. */
export class ThroughputHistory {
  readonly #at = new Float64Array(HISTORY_POINTS)
  readonly #succeeded = new Float64Array(HISTORY_POINTS)
  readonly #failed = new Float64Array(HISTORY_POINTS)
  readonly #cancelled = new Float64Array(HISTORY_POINTS)
  #count = 0
  // The counters and the monotonic time of the previous sample: each point is the difference over the interval.
  #previous: TaskStats | undefined
  #previousAt = 0
  #latest: Rate = { succeeded: 0, failed: 0, cancelled: 0 }

  /**
   * Adds the point for the interval since the previous sample (the first call only sets the start).
   *
   * @param now - monotonic ms (`clock.now()`), for the interval's length
   * @param wallNow - ms since the epoch, the point's time
   */
  sample(stats: TaskStats, now: number, wallNow: number): void {
    const previous = this.#previous
    const seconds = (now - this.#previousAt) / 1000
    this.#previous = stats
    this.#previousAt = now
    if (previous === undefined || seconds <= 0) return
    const rate = (value: number, before: number): number => Math.round(((value - before) / seconds) * 10) / 10
    this.#latest = {
      succeeded: rate(stats.succeeded, previous.succeeded),
      failed: rate(stats.failed, previous.failed),
      cancelled: rate(stats.cancelled, previous.cancelled),
    }
    const slot = this.#count++ % HISTORY_POINTS
    this.#at[slot] = Math.round(wallNow)
    this.#succeeded[slot] = this.#latest.succeeded
    this.#failed[slot] = this.#latest.failed
    this.#cancelled[slot] = this.#latest.cancelled
  }

  /** The newest point's rates (zeros before the second sample). */
  get latest(): Rate {
    return { ...this.#latest }
  }

  /** Every point kept, oldest first. */
  toJSON(): History {
    const size = Math.min(this.#count, HISTORY_POINTS)
    const first = this.#count - size
    const history: History = { at: [], succeeded: [], failed: [], cancelled: [] }
    for (let i = first; i < this.#count; i++) {
      const slot = i % HISTORY_POINTS
      history.at.push(this.#at[slot]!)
      history.succeeded.push(this.#succeeded[slot]!)
      history.failed.push(this.#failed[slot]!)
      history.cancelled.push(this.#cancelled[slot]!)
    }
    return history
  }
}
