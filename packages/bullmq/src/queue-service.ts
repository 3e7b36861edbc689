/**
 * `QueueService`: named jobs with retries, delays, priorities, repeats and cancellation, run in this process
 * (memory backend) or across every instance sharing one Redis (bullmq backend). This file validates input and
 * picks the backend; running jobs is the backends' job (`internal/memory-backend.ts`, `internal/bullmq-backend.ts`).
 */
import { InvalidStateError, Messages, Service, type Application } from '@tsab/core'
import {
  assertFunction,
  assertNonEmptyString,
  assertNumber,
  assertOptionalBoolean,
  assertOptionalNumber,
  assertOptionalObject,
  expectedMessage,
  observed,
} from '@tsab/core/support'
import type { EnqueueRequest, JobDefinition, QueueBackend } from './internal/backend.js'
import { BullmqBackend } from './internal/bullmq-backend.js'
import { assertJsonPayload } from './internal/json-payload.js'
import { MemoryBackend } from './internal/memory-backend.js'
import { readQueueSettings, type QueueSettings } from './internal/queue-settings.js'
import { UndefinedJobError } from './queue-errors.js'
import type {
  EnqueueOptions,
  JobDefinitionOptions,
  JobDone,
  JobHandle,
  JobHandler,
  JobInfo,
  QueueStats,
  RepeatHandle,
  RepeatOptions,
} from './queue-types.js'

const MAX_PRIORITY = 2_097_152

/**
 * Distributed fire-and-forget work: define a handler per job name, enqueue jobs from anywhere, and they run on
 * an instance that defined the name, with retries, backoff, delays, priorities, timeouts and repeats.
 *
 * Backend `bullmq` when config `[redis] url` or env `REDIS_URL` is set (every instance sharing the Redis shares
 * the work), else `memory` (this process, through the TaskService). `[QueueService] backend = memory` forces the
 * memory backend. Other config, all in `[QueueService]`: `prefix` (Redis key prefix, default `tsab`),
 * `shutdown_timeout` (duration, default `10s`), `lock_duration` and `stalled_interval` (durations, default
 * `30s`: how soon a crashed instance's jobs are taken over). All of it is read when the service is added and
 * checked then; a bad value makes `app.start()` fail with a message naming `[section] key`, the value and what was
 * expected, before anything connects.
 *
 * Delivery is at least once: a job whose instance crashes mid-run runs again elsewhere, so make handlers
 * idempotent. Every finished job is published once as `QueueService.job_done!` (`Messages.JobDone`) with a
 * {@link JobDone} on the PubSub of the instance that ran it; each failed attempt is logged with the job's name,
 * id and attempt.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * import { QueueService } from '@tsab/bullmq'
 * const app = new Application({ name: 'worker' })
 * const queues = app.addService(QueueService)
 * queues.define('double', async (payload: { n: number }) => payload.n * 2, { attempts: 3 })
 * await app.start()
 * const job = await queues.enqueue('double', { n: 21 })
 * console.log(queues.backend, await job.result) // memory 42
 * await app.stop()
 * ```
 */
export class QueueService extends Service {
  /** The service name. */
  static readonly serviceName = 'QueueService'

  /** Which backend runs the jobs, fixed at construction from the config (`memory` while the config is bad). */
  readonly backend: 'memory' | 'bullmq'
  // Handlers by job name: what this instance is willing to run.
  readonly #definitions = new Map<string, JobDefinition>()
  // Names this instance enqueued to without defining them (they still count in list()/stats()).
  readonly #usedNames = new Set<string>()
  readonly #impl: QueueBackend
  // The config, checked; or why it is bad (initialize() throws it, so start() fails before anything connects).
  readonly #settings: QueueSettings | undefined
  readonly #configError: unknown
  // 'idle' before initialize, 'running' after, 'closed' once finalize began.
  #phase: 'idle' | 'running' | 'closed' = 'idle'
  #started: Promise<void> | undefined

  constructor(app: Application) {
    super(app, QueueService.serviceName)
    let settings: QueueSettings | undefined
    try {
      settings = readQueueSettings(app.config, process.env)
    } catch (error) {
      this.#configError = error
    }
    this.#settings = settings
    this.backend = settings?.backend ?? 'memory'
    const host = {
      app,
      logger: this.logger,
      definition: (name: string) => this.#definitions.get(name),
      publishDone: (done: JobDone) => app.pubsub.publish(Messages.JobDone, done),
    }
    this.#impl =
      settings?.backend === 'bullmq'
        ? new BullmqBackend(host, {
            url: settings.url!,
            prefix: settings.prefix,
            lockDurationMs: settings.lockDurationMs,
            stalledIntervalMs: settings.stalledIntervalMs,
          })
        : new MemoryBackend(host)
  }

  /**
   * Defines the handler for jobs named `name` on this instance. With the bullmq backend, every instance that
   * defines a name takes part in running its jobs (`concurrency` at a time each).
   *
   * @throws TypeError / RangeError on bad input; `InvalidStateError` if `name` is already defined or the service is shut down.
   * @example
   * ```ts
   * queues.define('thumbnail', async ({ url }: { url: string }, job) => makeThumb(url, job.signal), {
   *   concurrency: 4, attempts: 3, backoff: { type: 'exponential', delayMs: 1_000 }, timeoutMs: 60_000,
   * })
   * ```
   */
  define<P = any, R = unknown>(name: string, handler: JobHandler<P, R>, options?: JobDefinitionOptions): void {
    assertNonEmptyString('name', name)
    assertFunction('handler', handler)
    assertOptionalObject('options', options)
    const o = options ?? {}
    assertOptionalNumber('options.concurrency', o.concurrency, { min: 1, integer: true })
    assertOptionalNumber('options.attempts', o.attempts, { min: 1, integer: true })
    assertOptionalNumber('options.timeoutMs', o.timeoutMs, { min: 1 })
    validateBackoff('options.backoff', o.backoff)
    if (this.#phase === 'closed') throw new InvalidStateError(`QueueService is shut down; cannot define "${name}"`)
    if (this.#definitions.has(name)) throw new InvalidStateError(`Job "${name}" is already defined on this instance`)
    const definition: JobDefinition = {
      name,
      handler: handler as JobHandler,
      concurrency: o.concurrency ?? 1,
      attempts: o.attempts ?? 1,
    }
    if (o.backoff !== undefined) definition.backoff = { type: o.backoff.type, delayMs: o.backoff.delayMs }
    if (o.timeoutMs !== undefined) definition.timeoutMs = o.timeoutMs
    this.#definitions.set(name, definition)
    this.#impl.defined(definition)
  }

  /**
   * Enqueues a job. The payload is checked and copied through JSON at once: anything JSON cannot carry
   * (functions, symbols, bigints, cycles, `undefined`, Map/Set/Date/class instances) throws a `TypeError` naming
   * its path. A `jobId` that is already known returns a handle on that job instead of adding one.
   *
   * @throws TypeError / RangeError on bad input; {@link UndefinedJobError} for a name not defined here (unless
   *   `allowUndefined`); `InvalidStateError` once the service is shut down. All thrown synchronously.
   * @example
   * ```ts
   * const job = await queues.enqueue('thumbnail', { url }, { priority: 1, attempts: 5, jobId: `thumb:${url}` })
   * const thumb = await job.result
   * ```
   */
  enqueue<P = unknown, R = unknown>(name: string, payload: P, options?: EnqueueOptions): Promise<JobHandle<R>> {
    assertNonEmptyString('name', name)
    assertOptionalObject('options', options)
    const o = options ?? {}
    assertOptionalNumber('options.delayMs', o.delayMs, { min: 0 })
    assertOptionalNumber('options.priority', o.priority, { min: 1, max: MAX_PRIORITY, integer: true })
    assertOptionalNumber('options.attempts', o.attempts, { min: 1, integer: true })
    if (o.jobId !== undefined) {
      assertNonEmptyString('options.jobId', o.jobId)
      if (/^\d+$/.test(o.jobId)) throw new RangeError(expectedMessage('options.jobId', 'a string that is not only digits (those are generated ids)', o.jobId))
      if (o.jobId.includes(':')) throw new RangeError(expectedMessage('options.jobId', 'a string without ":"', o.jobId))
    }
    assertOptionalBoolean('options.allowUndefined', o.allowUndefined)
    assertJsonPayload(payload)
    const definition = this.#definitions.get(name)
    if (definition === undefined && o.allowUndefined !== true) throw new UndefinedJobError(name, [...this.#definitions.keys()])
    if (this.#phase === 'closed') throw new InvalidStateError(`QueueService is shut down; cannot enqueue "${name}"`)
    if (definition === undefined) this.#usedNames.add(name)
    const request: EnqueueRequest = {
      name,
      payloadJson: JSON.stringify(payload),
      delayMs: o.delayMs ?? 0,
      attempts: o.attempts ?? definition?.attempts ?? 1,
    }
    if (o.priority !== undefined) request.priority = o.priority
    if (o.jobId !== undefined) request.jobId = o.jobId
    if (definition?.backoff !== undefined) request.backoff = definition.backoff
    // Every promise handed out is observed: the caller may attach its handler a macrotask after it rejected.
    return observed(this.#ready().then(() => this.#impl.enqueue(request)) as Promise<JobHandle<R>>)
  }

  /**
   * Runs `name` with `payload` every `everyMs` (first run at once) or on a cron pattern. With the bullmq backend
   * this is a BullMQ job scheduler: however many instances call `repeat()` with the same arguments, each period
   * runs once, on one of them. Calling it again with the same name and period replaces the payload.
   *
   * @throws TypeError / RangeError on bad input, {@link UndefinedJobError} for a name not defined here.
   * @example
   * ```ts
   * const scheduler = await queues.repeat('cleanup', { olderThanDays: 30 }, { cron: '0 3 * * *' })
   * await scheduler.cancel()
   * ```
   */
  repeat<P = unknown>(name: string, payload: P, options: RepeatOptions): Promise<RepeatHandle> {
    assertNonEmptyString('name', name)
    if (options === null || typeof options !== 'object') throw new TypeError(expectedMessage('options', 'an object with `everyMs` or `cron`', options))
    const { everyMs, cron } = options as { everyMs?: unknown; cron?: unknown }
    if ((everyMs === undefined) === (cron === undefined)) {
      throw new TypeError(expectedMessage('options', 'an object with exactly one of `everyMs` or `cron`', options))
    }
    if (everyMs !== undefined) assertNumber('options.everyMs', everyMs, { min: 1 })
    if (cron !== undefined) assertNonEmptyString('options.cron', cron)
    assertJsonPayload(payload)
    if (!this.#definitions.has(name)) throw new UndefinedJobError(name, [...this.#definitions.keys()])
    if (this.#phase === 'closed') throw new InvalidStateError(`QueueService is shut down; cannot repeat "${name}"`)
    const id = everyMs !== undefined ? `${name}@every:${everyMs}` : `${name}@cron:${cron as string}`
    const request = { id, name, payloadJson: JSON.stringify(payload), ...(everyMs !== undefined ? { everyMs: everyMs as number } : { cron: cron as string }) }
    return observed(
      this.#ready()
        .then(() => this.#impl.repeat(request))
        .then((handle): RepeatHandle => ({ id: handle.id, cancel: () => observed(handle.cancel()) })),
    )
  }

  /**
   * A snapshot of the unfinished jobs (waiting, delayed, active) of one queue, or of every queue this instance
   * defined or enqueued to.
   *
   * @example
   * ```ts
   * for (const job of await queues.list()) console.log(job.name, job.id, job.state)
   * ```
   */
  list(queue?: string): Promise<JobInfo[]> {
    if (queue !== undefined) assertNonEmptyString('queue', queue)
    return observed(this.#ready().then(() => this.#impl.list(this.#names(queue))))
  }

  /**
   * Job counts of one queue, or summed over every queue this instance defined or enqueued to.
   *
   * @example
   * ```ts
   * const { waiting, active, delayed, completed, failed } = await queues.stats()
   * ```
   */
  stats(queue?: string): Promise<QueueStats> {
    if (queue !== undefined) assertNonEmptyString('queue', queue)
    return observed(this.#ready().then(() => this.#impl.stats(this.#names(queue))))
  }

  /**
   * Fails with the config error if the config is bad (`TSAB_CONFIG_VALUE`, naming `[section] key`); else connects
   * (bullmq) and starts running the defined jobs.
   */
  override async initialize(): Promise<void> {
    if (this.#settings === undefined) throw this.#configError
    if (this.#phase !== 'idle') return
    this.#phase = 'running'
    await this.#ready()
  }

  /**
   * Stops intake and repeats, aborts the signal of every running job and releases workers and connections within
   * `[QueueService] shutdown_timeout`. With the bullmq backend an interrupted job goes back to the queue for
   * another instance; with the memory backend unfinished jobs are cancelled.
   */
  override async finalize(): Promise<void> {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    // Read and checked at construction: nothing in the config can make this throw before the backend is closed.
    await this.#impl.close(this.#settings?.shutdownTimeoutMs ?? 0)
  }

  #ready(): Promise<void> {
    return (this.#started ??= this.#impl.start())
  }

  #names(queue: string | undefined): string[] {
    if (queue !== undefined) return [queue]
    return [...new Set([...this.#definitions.keys(), ...this.#usedNames])]
  }
}

function validateBackoff(name: string, backoff: unknown): void {
  if (backoff === undefined) return
  if (backoff === null || typeof backoff !== 'object') throw new TypeError(expectedMessage(name, 'an object { type, delayMs }', backoff))
  const { type, delayMs } = backoff as { type?: unknown; delayMs?: unknown }
  if (type !== 'fixed' && type !== 'exponential') throw new TypeError(expectedMessage(`${name}.type`, '"fixed" or "exponential"', type))
  assertNumber(`${name}.delayMs`, delayMs, { min: 0 })
}
