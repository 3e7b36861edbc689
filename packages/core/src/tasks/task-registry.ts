/**
 * `TaskRegistry`: a TaskManager's names — which handle is active under which name, which handles have not
 * settled yet — and the FiberMap rule that a settling task forgets its name only if the name still holds it.
 * Timing, running and shutdown are the manager's other parts.
 */
import { CancelledError } from '../errors/cancellation.js'
import { rejected } from '../internal/observed.js'
import { Waiter } from '../internal/waiter.js'
import type { CronSchedule } from './cron-schedule.js'
import type { CheckedTask } from './task-age-checker.js'
import { isFinal } from './task-registration.js'
import type { TaskHandle } from './task-types.js'

const noop = (): void => {}

/** One registration. @internal */
export interface Entry extends CheckedTask {
  // Set for registerAnonymousTask, so getAnonymousTasks can match exactly.
  readonly baseName: string | undefined
  // Set for registerCron: nextRuns() and cronInfo() read it.
  readonly cron?: CronSchedule<unknown> | undefined
}

/** Names to active tasks, plus every task not settled yet. @internal */
export class TaskRegistry {
  // Active tasks by name; Map order is registration order (getTasks()).
  readonly #entries = new Map<string, Entry>()
  // Every task not yet settled, also those cancelled and still cleaning up: what waits and shutdown wait for.
  readonly #live = new Set<TaskHandle<unknown>>()

  /** Tasks that have not settled yet. */
  get liveCount(): number {
    return this.#live.size
  }

  /** The registrations, active or just finished, by name in registration order. */
  entries(): IterableIterator<[string, Entry]> {
    return this.#entries.entries()
  }

  /** A snapshot of the tasks that have not settled yet. */
  live(): TaskHandle<unknown>[] {
    return [...this.#live]
  }

  /**
   * Resolves when every task not settled now has settled, whatever their outcomes; rejects with
   * `CancelledError(signal.reason)` when `signal` aborts first (the tasks go on).
   */
  waitForLive(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return rejected(new CancelledError(signal.reason))
    const all = Promise.all(this.live().map((handle) => handle.settled)).then(noop)
    if (signal === undefined) return all
    const waiter = new Waiter<void>({ signal })
    void all.then(() => waiter.resolve())
    return waiter.promise
  }

  /** The active (not final) registration under `name`. */
  activeEntry(name: string): Entry | undefined {
    const entry = this.#entries.get(name)
    return entry !== undefined && !isFinal(entry.handle) ? entry : undefined
  }

  /** The active (not final) handle under `name`. */
  active(name: string): TaskHandle<unknown> | undefined {
    return this.activeEntry(name)?.handle
  }

  /** The active handles, in registration order; only those of `baseName` when given. */
  activeHandles(baseName?: string): TaskHandle<unknown>[] {
    const handles: TaskHandle<unknown>[] = []
    for (const entry of this.#entries.values()) {
      if ((baseName === undefined || entry.baseName === baseName) && !isFinal(entry.handle)) handles.push(entry.handle)
    }
    return handles
  }

  /** Records `entry` under `name` (last in registration order) and tracks its handle until it settles. */
  add(name: string, entry: Entry, onSettled: () => void): void {
    this.#entries.delete(name)
    this.#entries.set(name, entry)
    const handle = entry.handle
    this.#live.add(handle)
    void handle.settled.then(() => {
      this.#live.delete(handle)
      // Only if the name still belongs to this task: a new task registered under it must stay tracked.
      if (this.#entries.get(name)?.handle === handle) this.#entries.delete(name)
      onSettled()
    })
  }

  /** Frees `name`; returns its handle when it was still active. */
  release(name: string): TaskHandle<unknown> | undefined {
    const entry = this.#entries.get(name)
    if (entry === undefined) return undefined
    this.#entries.delete(name)
    return isFinal(entry.handle) ? undefined : entry.handle
  }

  /** The registered names (a snapshot). */
  names(): string[] {
    return [...this.#entries.keys()]
  }

  /** Frees every name; returns the handles that were registered. */
  clear(): TaskHandle<unknown>[] {
    const handles = Array.from(this.#entries.values(), (entry) => entry.handle)
    this.#entries.clear()
    return handles
  }
}
