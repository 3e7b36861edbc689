/**
 * The shutdown of a TaskManager: the shutdown tasks it runs last, and the bounded wait for its tasks before them
 * ("settle within N ms, then name the stragglers"). When shutdown starts and what it cancels is the manager's.
 */
import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logging/logger.js'
import { summarizeNames } from '../internal/name-summary.js'
import { within } from '../internal/within.js'
import { isFinal } from './task-registration.js'
import type { TaskHandle } from './task-types.js'

/** The shutdown tasks of one manager, run once, in registration order. @internal */
export class ShutdownTasks {
  readonly #owner: string
  readonly #logger: Logger
  readonly #fns: Array<() => unknown> = []
  // Once they ran, a late registration can never run: it is refused with a warning.
  #started = false

  constructor(owner: string, logger: Logger) {
    this.#owner = owner
    this.#logger = logger
  }

  /** Adds `fn`, or warns when the shutdown tasks already ran. */
  add(fn: () => unknown): void {
    if (this.#started) {
      this.#logger.warn({ manager: this.#owner }, `Shutdown task registered on TaskManager "${this.#owner}" after it shut down; it will not run`)
      return
    }
    this.#fns.push(fn)
  }

  /** Runs every shutdown task one after the other; failures are logged and thrown together at the end. */
  async run(): Promise<void> {
    this.#started = true
    const errors: unknown[] = []
    for (const fn of this.#fns.splice(0)) {
      try {
        await fn()
      } catch (error) {
        errors.push(error)
        this.#logger.error({ err: error, manager: this.#owner }, `Shutdown task of TaskManager "${this.#owner}" failed`)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} shutdown task(s) of TaskManager "${this.#owner}" failed`)
  }
}

/**
 * Waits until every handle has settled, at most `timeoutMs` on `clock` (undefined: no limit); then logs one
 * warning naming the ones still running. @internal
 */
export async function waitForSettled(
  handles: readonly TaskHandle<unknown>[],
  timeoutMs: number | undefined,
  clock: Clock,
  logger: Logger,
  owner: string,
): Promise<void> {
  if (handles.length === 0) return
  const all = Promise.all(handles.map((handle) => handle.settled))
  if (await within(all, timeoutMs ?? Infinity, clock)) return
  const names = summarizeNames(handles.filter((handle) => !isFinal(handle)).map((handle) => handle.name))
  logger.warn(
    { manager: owner, tasks: names.groups, more: names.more, timeoutMs },
    `TaskManager "${owner}" shutdown timed out after ${timeoutMs} ms; ${names.total} task(s) still running: ${names.text}`,
  )
}
