/**
 * `CronSchedule`: what one `TaskManager.registerCron()` does over time — it computes each fire time with croner from
 * the clock's wall time, waits for it on the clock, applies the overlap policy and starts each run as its own task.
 * Names, duplicate checks, the schedule's handle and shutdown belong to the TaskManager (`task-manager.ts`).
 */
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { OverloadedError } from '../errors/errors.js'
import { deferred, type Deferred } from '../internal/deferred.js'
import { assertNumber } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import type { CronOverlap, CronSpec } from './cron-options.js'
import type { TaskFunction, TaskHandle, TaskMeta } from './task-types.js'

/**
 * A snapshot of one cron schedule, from `TaskManager.cronInfo(name)`.
 *
 * @example
 * ```ts
 * import { TaskManager, type CronInfo } from '@tsab/core'
 * const manager = new TaskManager()
 * manager.registerCron('report', '0 * * * *', () => {})
 * const info: CronInfo | undefined = manager.cronInfo('report')
 * console.log(info?.pattern, info?.skipped) // 0 * * * * 0
 * await manager.shutdownTaskManager()
 * ```
 */
export interface CronInfo {
  /** The schedule's name (also the name of each of its runs). */
  readonly name: string
  readonly pattern: string
  /** The time zone the pattern is read in; `undefined` is the process's local time zone. */
  readonly timezone: string | undefined
  readonly overlap: CronOverlap
  readonly stopOnError: boolean
  /** Fire times that came due so far. */
  readonly fired: number
  /** Runs started so far. */
  readonly started: number
  /** Fires that started no run: the previous run was still running (`skip`, `wait`) or the TaskService was overloaded. */
  readonly skipped: number
  /** Runs that failed so far. */
  readonly failed: number
  /** Runs queued or running now. */
  readonly running: number
  /** The fire time the schedule waits for, or `undefined` once it stopped firing. */
  readonly nextRun: Date | undefined
}

/**
 * What a schedule needs from its TaskManager. Internal contract.
 * @internal
 */
export interface CronHost {
  /** The schedule's name, also the name of every run. */
  readonly name: string
  /** The manager's name (the owner of the runs). */
  readonly owner: string
  readonly clock: Clock
  readonly logger: Logger
  /** Starts one run as a task (through the TaskService when the manager has one); may throw `OverloadedError`. */
  spawnRun<T>(work: TaskFunction<T>, options: { meta: Readonly<TaskMeta>; signal: AbortSignal }): TaskHandle<T>
}

/** A timer that fired this much before its wall-clock target counts as on time (Node's timers have ms granularity). */
const EARLY_TOLERANCE_MS = 1

/**
 * One registered cron schedule. The TaskManager runs {@link CronSchedule.run} as the schedule's own task (its
 * handle is what `registerCron()` returns); every fire starts a run through the host.
 * @internal
 */
export class CronSchedule<T> {
  readonly #spec: CronSpec
  readonly #task: TaskFunction<T>
  readonly #host: CronHost
  // Fixed at registration: a fire due between registerCron() and the schedule's first turn is not lost.
  readonly #firstAt: number
  // Aborted when the schedule stops firing: its task was cancelled, a run failed with stopOnError, or runs are refused.
  readonly #stop = new AbortController()
  // The schedule task's signal: every run is linked to it, so cancelling the schedule cancels its runs.
  #signal: AbortSignal | undefined
  // Runs not settled yet (queued or running).
  readonly #active = new Set<TaskHandle<T>>()
  // overlap 'wait': the fire time of the one run waiting for the running one.
  #waiting: number | undefined
  // Resolved when the last active run has settled while the schedule is stopping.
  #drained: Deferred<void> | undefined
  // The first failure that ends the schedule (stopOnError), kept as the schedule's own error.
  #failure: { readonly error: unknown } | undefined
  // An internal fault of the schedule itself (never the user's work): it ends failed with it.
  #fault: { readonly error: unknown } | undefined
  // Runs were refused (the TaskService no longer accepts tasks): the schedule ends cancelled.
  #refused = false
  #nextAt: number | undefined
  #lastValue: T | undefined
  #fired = 0
  #started = 0
  #skipped = 0
  #failed = 0

  constructor(spec: CronSpec, task: TaskFunction<T>, firstAt: number, host: CronHost) {
    this.#spec = spec
    this.#task = task
    this.#firstAt = firstAt
    this.#host = host
    this.#nextAt = firstAt
  }

  /** A snapshot of the counters and the next fire time. */
  info(): CronInfo {
    const { pattern, timezone, overlap, stopOnError } = this.#spec
    return {
      name: this.#host.name,
      pattern,
      timezone,
      overlap,
      stopOnError,
      fired: this.#fired,
      started: this.#started,
      skipped: this.#skipped,
      failed: this.#failed,
      running: this.#active.size,
      nextRun: this.#nextAt === undefined ? undefined : new Date(this.#nextAt),
    }
  }

  /** The next `count` fire times after the clock's wall time (none once the schedule stopped firing). */
  nextRuns(count: number): Date[] {
    assertNumber('count', count, { min: 0, integer: true })
    if (this.#stop.signal.aborted || count === 0) return []
    return this.#spec.cron.nextRuns(count, new Date(this.#host.clock.wallNow()))
  }

  /**
   * The schedule's task function: fires until stopped, then waits for its runs to settle. Ends cancelled when its
   * signal aborts, failed with the run's error after a failed run with `stopOnError`, and with the last run's value
   * when the pattern has no further fire time.
   */
  readonly run = async (signal: AbortSignal): Promise<T> => {
    this.#signal = signal
    const stop = (): void => this.#stop.abort(signal.reason)
    signal.addEventListener('abort', stop, { once: true })
    try {
      for (let at: number | undefined = this.#firstAt; at !== undefined; at = this.#following(at)) {
        this.#nextAt = at
        if (!(await sleepUntilWall(this.#host.clock, at, this.#stop.signal))) break
        this.#fire(at)
        if (this.#stop.signal.aborted) break
      }
    } catch (error) {
      this.#fault ??= { error }
    } finally {
      signal.removeEventListener('abort', stop)
      this.#stop.abort()
      this.#nextAt = undefined
      this.#waiting = undefined
      if (this.#active.size > 0) {
        this.#drained = deferred()
        await this.#drained.promise
      }
    }
    return this.#ended(signal)
  }

  #ended(signal: AbortSignal): T {
    const { logger, name, owner } = this.#host
    const fields = { task: name, owner, cron: this.#spec.pattern }
    if (this.#fault !== undefined) {
      logger.error({ ...fields, err: this.#fault.error }, `Cron "${name}" failed`)
      throw this.#fault.error
    }
    if (this.#failure !== undefined) {
      logger.error(fields, `Cron "${name}" stopped after a failed run (stopOnError)`)
      throw this.#failure.error
    }
    if (signal.aborted || this.#refused) {
      logger.debug(fields, `Cron "${name}" stopped`)
      throw new CancelledError(signal.aborted ? signal.reason : `The runs of cron "${name}" are refused (the TaskService is shut down)`)
    }
    logger.info(fields, `Cron "${name}" has no further fire time; it ended`)
    return this.#lastValue as T
  }

  // The fire time after `at`, computed from the wall time now: fire times passed over while the process was busy
  // or asleep (or the wall clock jumped) are not made up, as with cron daemons; that is logged.
  #following(at: number): number | undefined {
    const wall = this.#host.clock.wallNow()
    const next = this.#spec.cron.nextRun(new Date(Math.max(wall, at)))
    // Only a fire that came late can have passed over others.
    const due = next === null || wall <= at ? null : this.#spec.cron.nextRun(new Date(at))
    if (due !== null && next !== null && due.getTime() < next.getTime()) {
      this.#host.logger.warn(
        { task: this.#host.name, owner: this.#host.owner, cron: this.#spec.pattern, lateMs: wall - at },
        `Cron "${this.#host.name}" fired ${Math.round(wall - at)} ms late; the fire times due meanwhile are skipped`,
      )
    }
    return next?.getTime()
  }

  #fire(at: number): void {
    this.#fired++
    if (this.#active.size > 0) {
      const overlap = this.#spec.overlap
      if (overlap === 'skip') return this.#skip(at, 'the previous run is still running')
      if (overlap === 'wait') {
        if (this.#waiting === undefined) this.#waiting = at
        else this.#skip(at, 'a run already waits for the running one')
        return
      }
    }
    this.#startRun(at)
  }

  #skip(at: number, why: string): void {
    this.#skipped++
    const { name, owner } = this.#host
    const scheduledAt = new Date(at).toISOString()
    this.#host.logger.warn(
      { task: name, owner, cron: this.#spec.pattern, scheduledAt, skipped: this.#skipped },
      `Cron "${name}" skipped the run due at ${scheduledAt}: ${why} (${this.#skipped} skipped so far)`,
    )
  }

  #startRun(at: number): void {
    const meta = Object.freeze({ cron: this.#spec.pattern, scheduledAt: new Date(at).toISOString() })
    let handle: TaskHandle<T>
    try {
      handle = this.#host.spawnRun(this.#task, { meta, signal: this.#signal! })
    } catch (error) {
      if (error instanceof OverloadedError) return this.#skip(at, `the TaskService is overloaded (${error.message})`)
      // Never thrown to the caller: a waiting run is started from a settled callback, where a throw would be lost.
      this.#fault ??= { error }
      this.#stop.abort()
      return
    }
    if (handle.state !== 'queued' && handle.state !== 'running') {
      // Refused at once: the TaskService is shut down, so no later run could start either.
      this.#refused = true
      this.#stop.abort()
      return
    }
    this.#started++
    this.#active.add(handle)
    void handle.settled.then(() => this.#runSettled(handle))
  }

  #runSettled(handle: TaskHandle<T>): void {
    this.#active.delete(handle)
    if (handle.state === 'succeeded') this.#lastValue = handle.value
    else if (handle.state === 'failed') {
      this.#failed++
      if (this.#spec.stopOnError && this.#failure === undefined) {
        this.#failure = { error: handle.error }
        this.#stop.abort()
      }
    }
    if (this.#waiting !== undefined && this.#active.size === 0 && !this.#stop.signal.aborted) {
      const at = this.#waiting
      this.#waiting = undefined
      this.#startRun(at)
    }
    if (this.#active.size === 0) this.#drained?.resolve()
  }
}

/**
 * Resolves `true` once the clock's wall time reached `at`, `false` as soon as `stop` aborts (the timer is then
 * disarmed). The clock's timers are monotonic: a timer that fires before the wall time got there (a wall clock set
 * back, a timer armed from a stale event-loop time) is armed again for the rest.
 */
function sleepUntilWall(clock: Clock, at: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    let timer: unknown
    const onStop = (): void => {
      clock.clearTimeout(timer)
      resolve(false)
    }
    const check = (): void => {
      const left = at - clock.wallNow()
      if (left < EARLY_TOLERANCE_MS) {
        stop.removeEventListener('abort', onStop)
        resolve(true)
        return
      }
      timer = clock.setTimeout(check, left)
    }
    stop.addEventListener('abort', onStop, { once: true })
    check()
  })
}
