/**
 * `runForever` support: one runner per function, itself a single task of the TaskService that calls the function
 * again after each return or throw, with backoff. Which tasks exist and how they are tracked is the TaskService's.
 */
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import type { Logger } from '../logging/logger.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { assertFunction, assertNonEmptyString, expectedMessage } from '../internal/validate.js'
import { sleep } from '../concurrency/sleep.js'
import { backoffDelay, resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.js'
import type { Task } from './task.js'
import type { TaskFunction, TaskOptions } from './task-types.js'

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

/** What a runner needs from its TaskService. */
export interface ForeverRunnerHost {
  readonly clock: Clock
  readonly logger: Logger
  countRestart(runner: ForeverHandle): void
}

/** One runForever function and its restart loop. @internal */
export class ForeverRunner implements ForeverHandle {
  readonly name: string
  readonly #host: ForeverRunnerHost
  readonly #run: TaskFunction
  readonly #backoff: ResolvedBackoff
  #restarts = 0
  #running = true
  // The TaskService task that hosts the loop.
  #task: Task | undefined

  constructor(host: ForeverRunnerHost, fn: TaskFunction | ForeverSpec, path: string) {
    this.#host = host
    if (typeof fn === 'function') {
      this.#run = fn
      this.name = fn.name || 'forever'
      this.#backoff = resolveBackoff(undefined)
    } else if (typeof fn === 'object' && fn !== null) {
      assertNonEmptyString(`${path}.name`, fn.name)
      assertFunction(`${path}.run`, fn.run)
      this.#run = fn.run
      this.name = fn.name
      this.#backoff = resolveBackoff(fn.backoff, `${path}.backoff`)
    } else {
      throw new TypeError(expectedMessage(path, 'a function or { name, run, backoff? }', fn))
    }
  }

  get restarts(): number {
    return this.#restarts
  }

  get running(): boolean {
    // Also false in the microtask gap between the task settling and the settled callback (e.g. right after onIdle()).
    return this.#running && this.#task?.isDone !== true
  }

  /** Schedules the loop through `enqueue`; `onEnd` runs once the loop has stopped for good. */
  start(enqueue: (task: TaskFunction, options: TaskOptions) => Task, onEnd: () => void): void {
    const task = enqueue((signal) => this.#loop(signal), { name: this.name, owner: 'runForever' })
    this.#task = task
    void task.settled.then(() => {
      this.#running = false
      onEnd()
    })
  }

  cancel(reason?: unknown): boolean {
    if (!this.#running || this.#task === undefined) return false
    return this.#task.cancel(reason)
  }

  async #loop(signal: AbortSignal): Promise<never> {
    const clock = this.#host.clock
    // Guarded: a throwing log destination must not end the loop.
    const logger = guardLogger(this.#host.logger)
    let attempt = 0
    for (;;) {
      const began = clock.now()
      try {
        await this.#run(signal)
        if (signal.aborted) break
        attempt = clock.now() - began >= this.#backoff.resetAfterMs ? 1 : attempt + 1
        const delay = backoffDelay(this.#backoff, attempt)
        logger.warn({ task: this.name, restartInMs: Math.round(delay) }, `runForever function "${this.name}" returned; restarting`)
        await sleep(delay, { signal, clock })
      } catch (error) {
        if (signal.aborted) break
        attempt = clock.now() - began >= this.#backoff.resetAfterMs ? 1 : attempt + 1
        const delay = backoffDelay(this.#backoff, attempt)
        logger.error({ err: error, task: this.name, restartInMs: Math.round(delay) }, `runForever function "${this.name}" failed; restarting`)
        try {
          await sleep(delay, { signal, clock })
        } catch {
          break
        }
      }
      this.#restarts++
      this.#host.countRestart(this)
    }
    throw signal.reason instanceof CancelledError ? signal.reason : new CancelledError(signal.reason)
  }
}
