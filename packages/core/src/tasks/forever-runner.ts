/**
 * `runForever` support: one runner per function, itself a single task of the TaskService's engine that calls the
 * function again after each return or throw, with backoff. How tasks are tracked is the engine's.
 */
import { sleep } from '../concurrency/sleep.js'
import { CancelledError } from '../errors/cancellation.js'
import { yieldMacrotask } from '../internal/macrotask.js'
import { assertFunction, assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import { backoffDelay, resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.js'
import type { TaskEngine } from './engine.js'
import type { Task } from './task.js'
import type { TaskFunction } from './task-types.js'

const noop = (): void => {}

/**
 * A named function for `runForever`, with its own backoff.
 *
 * @example
 * ```ts
 * const spec: ForeverSpec = { name: 'poller', run: (signal) => poll(signal), backoff: { initialMs: 1_000 } }
 * app.taskService.runForever(spec)
 * ```
 */
export interface ForeverSpec {
  /** Name of the runner's task (logs, `list()`, `task_done!`). */
  name: string
  /** The function to keep running; it receives the runner's signal. */
  run: TaskFunction
  /** Delay between runs. */
  backoff?: BackoffOptions
}

/**
 * A handle on one `runForever` function.
 *
 * @example
 * ```ts
 * const [poller] = app.taskService.runForever(poll)
 * console.log(poller.name, poller.running, poller.restarts)
 * poller.cancel()
 * ```
 */
export interface ForeverHandle {
  /** The runner's name. */
  readonly name: string
  /** How many times the function was started again after returning or throwing. */
  readonly restarts: number
  /** True until the runner has stopped for good (cancelled or shut down). */
  readonly running: boolean
  /** Stops the runner for good (aborts the current run's signal). False if it had already stopped. */
  cancel(reason?: unknown): boolean
}

/**
 * One `runForever` runner as `TaskService.listForever()` reports it.
 *
 * @example
 * ```ts
 * const [info] = app.taskService.listForever()
 * console.log(info?.name, info?.restarts, info?.running)
 * ```
 */
export interface ForeverInfo {
  /** The runner's name. */
  name: string
  /** Restarts so far. */
  restarts: number
  /** False once it stopped for good. */
  running: boolean
}

/** A validated `runForever` argument. @internal */
export interface ForeverPlan {
  readonly name: string
  readonly run: TaskFunction
  readonly backoff: ResolvedBackoff
}

/** Validates one `runForever` argument (naming `path` in errors). @internal */
export function planForever(fn: TaskFunction | ForeverSpec, path: string): ForeverPlan {
  if (typeof fn === 'function') return { name: fn.name || 'forever', run: fn, backoff: resolveBackoff(undefined) }
  if (typeof fn !== 'object' || fn === null) throw new TypeError(expectedMessage(path, 'a function or { name, run, backoff? }', fn))
  assertNonEmptyString(`${path}.name`, fn.name)
  assertFunction(`${path}.run`, fn.run)
  return { name: fn.name, run: fn.run, backoff: resolveBackoff(fn.backoff, `${path}.backoff`) }
}

/**
 * One runForever function and its restart loop: a single task of the engine that calls the function again after
 * each return or throw. Sealed like a task handle: its prototype has exactly the `ForeverHandle` members.
 * @internal
 */
export class ForeverRunner implements ForeverHandle {
  readonly name: string
  #restarts = 0
  #running = true
  // The task that hosts the loop.
  readonly #task: Task

  /** Schedules the loop on `engine`; `onEnd` runs once it has stopped for good. */
  constructor(engine: TaskEngine, logger: Logger, plan: ForeverPlan, onEnd: () => void) {
    this.name = plan.name
    const task = engine.spawn((signal: AbortSignal) => this.#loop(signal, engine, logger, plan), { name: plan.name, owner: 'runForever' })
    this.#task = task
    void task.settled.then(() => {
      this.#running = false
      onEnd()
    })
  }

  get restarts(): number {
    return this.#restarts
  }

  get running(): boolean {
    // Also false in the microtask gap between the task settling and the settled callback (e.g. right after onIdle()).
    const state = this.#task.state
    return this.#running && (state === 'queued' || state === 'running')
  }

  cancel(reason?: unknown): boolean {
    if (!this.#running) return false
    return this.#task.cancel(reason)
  }

  // Never ends by itself: whatever the function (or a log destination) does, only an abort of the signal stops it.
  async #loop(signal: AbortSignal, engine: TaskEngine, logger: Logger, plan: ForeverPlan): Promise<never> {
    const clock = engine.clock
    let attempt = 0
    for (;;) {
      const began = clock.now()
      let failed = false
      let error: unknown
      try {
        await plan.run(signal)
      } catch (thrown) {
        failed = true
        error = thrown
      }
      if (signal.aborted) break
      attempt = clock.now() - began >= plan.backoff.resetAfterMs ? 1 : attempt + 1
      const delay = backoffDelay(plan.backoff, attempt)
      const fields = { task: this.name, restartInMs: Math.round(delay) }
      if (failed) logger.error({ ...fields, err: error }, `runForever function "${this.name}" failed; restarting`)
      else logger.warn(fields, `runForever function "${this.name}" returned; restarting`)
      // At least one macrotask apart, so a function that returns at once can never starve the event loop.
      if (delay === 0) await yieldMacrotask()
      else await sleep(delay, { signal, clock }).catch(noop)
      if (signal.aborted) break
      this.#restarts++
      engine.countRestart(this)
    }
    throw signal.reason instanceof CancelledError ? signal.reason : new CancelledError(signal.reason)
  }
}
