/**
 * IPv8's task checker for a TaskManager: a one-shot task that runs far longer than expected is usually stuck, so
 * it is named in a warning, once per check. A plain clock timer, armed only while the manager has tasks, so it is
 * never a task itself. Which tasks exist is the manager's.
 */
import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logging/logger.js'
import { isFinal } from './task-registration.js'
import type { TaskHandle } from './task-types.js'

/** One active registration as the checker sees it. @internal */
export interface CheckedTask {
  readonly handle: TaskHandle<unknown>
  readonly periodic: boolean
  // Clock time at which the (first) run was due: ages count from there.
  readonly dueAt: number
}

/** Warns about one-shot tasks older than `maxAgeMs`, every `maxAgeMs` while tasks exist. @internal */
export class TaskAgeChecker {
  readonly #clock: Clock
  readonly #maxAgeMs: number
  readonly #logger: Logger
  readonly #owner: string
  readonly #tasks: () => Iterable<[string, CheckedTask]>
  readonly #busy: () => boolean
  // The armed clock timer, if any.
  #timer: unknown

  /**
   * @param tasks - the active registrations by name
   * @param busy - whether any task has not settled yet (checks go on while it is true)
   */
  constructor(clock: Clock, maxAgeMs: number, logger: Logger, owner: string, tasks: () => Iterable<[string, CheckedTask]>, busy: () => boolean) {
    this.#clock = clock
    this.#maxAgeMs = maxAgeMs
    this.#logger = logger
    this.#owner = owner
    this.#tasks = tasks
    this.#busy = busy
  }

  /** Arms the next check unless one is armed (or checks are off). */
  arm(): void {
    if (this.#timer !== undefined || this.#maxAgeMs === Infinity) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#check()
      if (this.#busy()) this.arm()
    }, this.#maxAgeMs)
  }

  /** Clears the armed check, if any. */
  disarm(): void {
    if (this.#timer === undefined) return
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #check(): void {
    const now = this.#clock.now()
    for (const [name, entry] of this.#tasks()) {
      if (entry.periodic || isFinal(entry.handle)) continue
      const ageMs = now - entry.dueAt
      if (ageMs >= this.#maxAgeMs) {
        this.#logger.warn(
          { task: name, owner: this.#owner, ageMs },
          `Task "${name}" of TaskManager "${this.#owner}" has been running for ${Math.round(ageMs)} ms`,
        )
      }
    }
  }
}
