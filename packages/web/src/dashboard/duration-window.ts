/**
 * `DurationWindow`: the run times of a task group's last runs in a fixed-size ring, and their median and 95th
 * percentile. Constant memory per group and O(1) per run; the percentiles are computed when asked and only if a
 * run was added since.
 */

/** How many of a group's latest run times the percentiles are computed over. */
export const DURATION_WINDOW_SIZE = 256

// One scratch array for every window: percentiles are computed one window at a time, synchronously.
const scratch = new Float64Array(DURATION_WINDOW_SIZE)

/** The latest run times of one group (milliseconds) and their p50/p95. */
export class DurationWindow {
  readonly #values = new Float64Array(DURATION_WINDOW_SIZE)
  // Runs recorded in all (the ring holds the last DURATION_WINDOW_SIZE of them).
  #count = 0
  // The percentiles as last computed, and whether a run came in since.
  #p50: number | null = null
  #p95: number | null = null
  #stale = false

  /** Records one run time in milliseconds. */
  add(ms: number): void {
    this.#values[this.#count % DURATION_WINDOW_SIZE] = ms
    this.#count++
    this.#stale = true
  }

  /** The median and 95th percentile (nearest rank, rounded to 0.1 ms) of the runs in the window; `null` when empty. */
  percentiles(): { p50Ms: number | null; p95Ms: number | null } {
    if (this.#stale) {
      this.#stale = false
      const size = Math.min(this.#count, DURATION_WINDOW_SIZE)
      const sorted = scratch.subarray(0, size)
      sorted.set(this.#values.subarray(0, size))
      sorted.sort()
      this.#p50 = round(sorted[rank(0.5, size)]!)
      this.#p95 = round(sorted[rank(0.95, size)]!)
    }
    return { p50Ms: this.#p50, p95Ms: this.#p95 }
  }
}

function rank(quantile: number, size: number): number {
  return Math.min(size - 1, Math.max(0, Math.ceil(quantile * size) - 1))
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
