/**
 * When a run starts listening to its task's cancellation. A TaskService task creates its AbortSignal only when it
 * is read or the task is cancelled, and a signal plus an `abort` listener cost more than a whole trivial run; so a
 * run is not watched at first. Every `SWEEP_MS` a sweep starts watching the runs that were already in flight at the
 * previous sweep: a run shorter than that never creates a signal, and a cancel (or timeout) reaches a longer run
 * within two sweeps. Reading `handle.signal` then also sees a cancel that happened before. A run whose task still
 * waits in the TaskService's queue is offered again at the next sweep; one cancelled there ends at its sweep.
 */
import { startTimer, stopTimer, type RealTimer } from '../internal/real-timers.js'

/** Milliseconds between sweeps: a cancel reaches a run's thread at most twice this late. */
export const SWEEP_MS = 10

/** A run the sweep can start watching. */
export interface Watchable {
  /** Start listening to the task's cancellation; true when the run has not started yet: offer it again later. */
  watch(): boolean
}

export class CancelSweep {
  // Runs started since the last sweep, and those started before it: the latter are watched at the next sweep.
  #fresh: Watchable[] = []
  #older: Watchable[] = []
  #timer: RealTimer | undefined

  /** A run was accepted. */
  add(run: Watchable): void {
    this.#fresh.push(run)
    this.#arm()
  }

  /** Watches every run now (at shutdown, right after cancelling them all) and stops sweeping. */
  flush(): void {
    if (this.#timer !== undefined) {
      stopTimer(this.#timer)
      this.#timer = undefined
    }
    const runs = [...this.#older, ...this.#fresh]
    this.#older = []
    this.#fresh = []
    for (const run of runs) run.watch()
  }

  #arm(): void {
    if (this.#timer === undefined && (this.#fresh.length > 0 || this.#older.length > 0)) {
      this.#timer = startTimer(this.#sweep, SWEEP_MS)
    }
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    const due = this.#older
    this.#older = this.#fresh
    this.#fresh = []
    for (const run of due) if (run.watch()) this.#fresh.push(run)
    this.#arm()
  }
}
