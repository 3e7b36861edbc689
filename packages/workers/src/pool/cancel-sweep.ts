/**
 * When a run starts listening to its task's cancellation. A TaskService task creates its AbortSignal only when it
 * is read or the task is cancelled, and a signal plus an `abort` listener cost more than a whole trivial run; so a
 * run is not watched at first. Every `SWEEP_MS` a sweep starts watching the runs that were already in flight at the
 * previous sweep: a run shorter than that never creates a signal, and a cancel (or timeout) reaches a longer run
 * within two sweeps. Reading `handle.signal` then also sees a cancel that happened before.
 */
import type { Clock } from '@tsab/core'

/** Milliseconds between sweeps: a cancel reaches a run's thread at most twice this late. */
export const SWEEP_MS = 10

/** A run the sweep can start watching. */
export interface Watchable {
  /** Start listening to the task's cancellation (a no-op once the run ended). */
  watch(): void
}

export class CancelSweep {
  readonly #clock: Clock
  // Runs started since the last sweep, and those started before it: the latter are watched at the next sweep.
  #fresh: Watchable[] = []
  #older: Watchable[] = []
  #timer: unknown

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** A run was posted to the pool. */
  add(run: Watchable): void {
    this.#fresh.push(run)
    if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(this.#sweep, SWEEP_MS)
  }

  /** Watches every run now (at shutdown, right after cancelling them all) and stops sweeping. */
  flush(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    const runs = [...this.#older, ...this.#fresh]
    this.#older = []
    this.#fresh = []
    for (const run of runs) run.watch()
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    const due = this.#older
    this.#older = this.#fresh
    this.#fresh = []
    for (const run of due) run.watch()
    if (this.#older.length > 0) this.#timer = this.#clock.setTimeout(this.#sweep, SWEEP_MS)
  }
}
