/**
 * `BullmqBackend`: QueueService across processes. One BullMQ Queue + QueueEvents per job name used here, one
 * Worker per name defined here, a Redis pub/sub channel that carries cancellations to whichever instance runs the
 * job, and a bounded shutdown that hands interrupted jobs back to the queue.
 */
import { CancelledError, TimeoutError, type Logger, type TaskHandle } from '@tsab/core'
import { within } from '@tsab/core/support'
import { UnrecoverableError, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'
import { JobFailedError } from '../queue-errors.js'
import type { JobContext, JobHandle, JobInfo, QueueStats, RepeatHandle } from '../queue-types.js'
import {
  addStats,
  emptyStats,
  type BackendHost,
  type EnqueueRequest,
  type JobDefinition,
  type QueueBackend,
  type RepeatRequest,
} from './backend.js'
import {
  CANCEL_MARK,
  openQueue,
  redisOptionsFromUrl,
  requireStarted,
  settleCompleted,
  settleFailed,
  type QueueEntry,
} from './bullmq-queues.js'
import { JobRecordHandle } from './job-handle.js'

// How long a cancel that arrived before its job started here is remembered (the job may be just starting).
const EARLY_CANCEL_TTL_MS = 5_000
// Finished jobs kept in Redis per queue: history for stats() and for jobId deduplication.
const KEEP_FINISHED = { count: 10_000 }

/** Settings of the bullmq backend, from the config. */
export interface BullmqSettings {
  url: string
  prefix: string
  lockDurationMs: number
  stalledIntervalMs: number
}

interface RunningJob {
  readonly name: string
  readonly id: string
  readonly task: TaskHandle
  // Set when this backend stopped the job (broadcast cancel, shutdown); the first reason wins, as on a signal.
  stopped?: { readonly reason: unknown }
}

// Stops a running job through its task (no AbortController of our own per job: it showed in the benchmark).
function stopJob(running: RunningJob, reason: unknown): void {
  running.stopped ??= { reason }
  running.task.cancel(reason)
}

/** Runs jobs on every instance that shares one Redis. */
export class BullmqBackend implements QueueBackend {
  readonly #host: BackendHost
  readonly #settings: BullmqSettings
  readonly #redis: RedisOptions
  readonly #queues = new Map<string, QueueEntry>()
  readonly #workers = new Map<string, Worker>()
  // Jobs running in this process, by `${name}\n${id}`: where a broadcast cancel lands.
  readonly #running = new Map<string, RunningJob>()
  // Cancels that arrived before their job started here, with their expiry (monotonic ms).
  readonly #earlyCancels = new Map<string, { error: CancelledError; until: number }>()
  // Plain commands (publish) and the cancel-channel subscription.
  #command: Redis | undefined
  #subscriber: Redis | undefined
  #started = false
  #closing = false
  // The abort reason of the shutdown: running jobs that stop because of it go back to the queue.
  readonly #shutdownReason = new CancelledError(undefined, 'QueueService is shutting down')

  constructor(host: BackendHost, settings: BullmqSettings) {
    this.#host = host
    this.#settings = settings
    this.#redis = redisOptionsFromUrl(settings.url)
  }

  get #channel(): string {
    return `${this.#settings.prefix}:tsab:cancel`
  }

  async start(): Promise<void> {
    this.#command = new Redis({ ...this.#redis, maxRetriesPerRequest: null, lazyConnect: true })
    this.#subscriber = new Redis({ ...this.#redis, maxRetriesPerRequest: null, lazyConnect: true })
    this.#command.on('error', (err) => this.#host.logger.warn({ err }, 'Redis command connection error'))
    this.#subscriber.on('error', (err) => this.#host.logger.warn({ err }, 'Redis subscriber connection error'))
    await Promise.all([this.#command.connect(), this.#subscriber.connect()])
    this.#subscriber.on('message', (_channel: string, text: string) => this.#onCancelMessage(text))
    await this.#subscriber.subscribe(this.#channel)
    this.#started = true
    const pending: Array<Promise<void>> = []
    for (const name of this.#queues.keys()) pending.push(this.#queues.get(name)!.ready)
    for (const name of this.#workerNamesToStart) pending.push(this.#startWorker(name))
    this.#workerNamesToStart.clear()
    await Promise.all(pending)
  }

  // Names defined before start(): their workers start with it.
  readonly #workerNamesToStart = new Set<string>()

  defined(definition: JobDefinition): void {
    if (!this.#started) {
      this.#workerNamesToStart.add(definition.name)
      return
    }
    void this.#startWorker(definition.name).catch((err: unknown) =>
      this.#host.logger.error({ err, job: definition.name }, `Could not start the worker of "${definition.name}"`),
    )
  }

  async enqueue(request: EnqueueRequest): Promise<JobHandle> {
    const entry = this.#entry(request.name)
    await entry.ready
    if (request.jobId !== undefined) {
      const known = entry.handles.get(request.jobId)
      if (known !== undefined) return known
    }
    const job = await entry.queue.add(request.name, JSON.parse(request.payloadJson), {
      ...(request.jobId !== undefined ? { jobId: request.jobId } : {}),
      ...(request.delayMs > 0 ? { delay: request.delayMs } : {}),
      ...(request.priority !== undefined ? { priority: request.priority } : {}),
      attempts: request.attempts,
      ...(request.backoff !== undefined ? { backoff: { type: request.backoff.type, delay: request.backoff.delayMs } } : {}),
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    })
    const id = job.id!
    const existing = entry.handles.get(id)
    if (existing !== undefined) return existing
    const handle = this.#handle(entry, id, request.name, request.delayMs > 0 ? 'delayed' : 'waiting')
    if (request.jobId !== undefined) {
      // A deduplicated id may name a job that already finished (or runs): sync the handle with it.
      const state = await entry.queue.getJobState(id)
      if (state === 'completed' || state === 'failed') {
        const stored = await entry.queue.getJob(id)
        if (state === 'completed') settleCompleted(entry, id, stored?.returnvalue)
        else settleFailed(entry, id, stored?.failedReason ?? 'unknown', stored?.attemptsMade)
      } else if (state === 'active' || state === 'delayed') handle.setState(state)
    }
    return handle
  }

  async repeat(request: RepeatRequest): Promise<RepeatHandle> {
    const entry = this.#entry(request.name)
    await entry.ready
    const definition = this.#host.definition(request.name)
    await entry.queue.upsertJobScheduler(
      request.id,
      request.everyMs !== undefined ? { every: request.everyMs } : { pattern: request.cron! },
      {
        name: request.name,
        data: JSON.parse(request.payloadJson),
        opts: {
          attempts: definition?.attempts ?? 1,
          ...(definition?.backoff !== undefined ? { backoff: { type: definition.backoff.type, delay: definition.backoff.delayMs } } : {}),
          removeOnComplete: KEEP_FINISHED,
          removeOnFail: KEEP_FINISHED,
        },
      },
    )
    return { id: request.id, cancel: () => entry.queue.removeJobScheduler(request.id) }
  }

  async list(names: string[]): Promise<JobInfo[]> {
    const infos: JobInfo[] = []
    const now = Date.now()
    for (const name of names) {
      const entry = this.#entry(name)
      await entry.ready
      const groups: Array<[JobInfo['state'], Job[]]> = await Promise.all([
        entry.queue.getJobs(['active']).then((jobs): [JobInfo['state'], Job[]] => ['active', jobs]),
        entry.queue.getJobs(['waiting', 'prioritized']).then((jobs): [JobInfo['state'], Job[]] => ['waiting', jobs]),
        entry.queue.getJobs(['delayed']).then((jobs): [JobInfo['state'], Job[]] => ['delayed', jobs]),
      ])
      for (const [state, jobs] of groups) {
        for (const job of jobs) {
          if (job?.id === undefined) continue
          infos.push({ id: job.id, name, state, attempt: job.attemptsStarted ?? 0, ageMs: Math.max(0, now - job.timestamp) })
        }
      }
    }
    return infos
  }

  async stats(names: string[]): Promise<QueueStats> {
    let total = emptyStats()
    for (const name of names) {
      const entry = this.#entry(name)
      await entry.ready
      const c = await entry.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed')
      total = addStats(total, {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      })
    }
    return total
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const clock = this.#host.app.clock
    const deadline = clock.now() + timeoutMs
    const left = (): number => Math.max(0, deadline - clock.now())
    // Running jobs stop; the processor hands each one back to the queue (see #process).
    for (const running of this.#running.values()) stopJob(running, this.#shutdownReason)

    const cutOff: string[] = []
    const workers = [...this.#workers.entries()]
    const closed = await within(Promise.all(workers.map(([, worker]) => worker.close().catch(() => {}))), left(), clock)
    if (!closed) {
      const jobs = [...this.#running.values()].map((r) => `${r.name}#${r.id}`)
      cutOff.push(...workers.map(([name]) => `worker ${name}`))
      this.#host.logger.warn(
        { jobs },
        `Workers did not close within ${timeoutMs} ms; forcing them. ${jobs.length} running jobs are left to stalled-job recovery: ${jobs.join(', ') || 'none'}`,
      )
      await Promise.all(workers.map(([, worker]) => within(worker.close(true).catch(() => {}), 1_000, clock)))
      await Promise.all(workers.map(([, worker]) => worker.disconnect().catch(() => {})))
    }
    this.#workers.clear()

    const entries = [...this.#queues.entries()]
    const others = Promise.all(
      entries.flatMap(([, entry]) => [entry.events?.close().catch(() => {}), entry.queue.close().catch(() => {})]),
    )
    if (!(await within(others, Math.max(left(), 500), clock))) {
      cutOff.push(...entries.map(([name]) => `queue ${name}`))
      await Promise.all(entries.flatMap(([, e]) => [e.events?.disconnect().catch(() => {}), e.queue.disconnect().catch(() => {})]))
    }
    for (const [, entry] of entries) {
      for (const handle of entry.handles.values()) {
        handle.fail('cancelled', new CancelledError(undefined, `QueueService shut down before job "${handle.name}" (${handle.id}) was seen to finish; it stays in the queue`))
      }
      entry.handles.clear()
    }
    this.#queues.clear()
    for (const connection of [this.#subscriber, this.#command]) {
      if (connection === undefined) continue
      if (!(await within(connection.quit(), Math.max(left(), 500), clock))) {
        cutOff.push('redis connection')
        connection.disconnect()
      }
    }
    if (cutOff.length > 0) this.#host.logger.warn({ cutOff }, `QueueService shutdown cut off: ${cutOff.join(', ')}`)
  }

  #entry(name: string): QueueEntry {
    let entry = this.#queues.get(name)
    if (entry === undefined) {
      const command = this.#command ?? requireStarted()
      entry = openQueue(name, this.#redis as ConnectionOptions, this.#settings.prefix, command, this.#host.logger)
      this.#queues.set(name, entry)
    }
    return entry
  }

  #handle(entry: QueueEntry, id: string, name: string, state: 'waiting' | 'delayed'): JobRecordHandle {
    const handle = new JobRecordHandle(id, name, state, (h, reason) => this.#cancel(entry, h, reason))
    entry.handles.set(id, handle)
    return handle
  }

  async #cancel(entry: QueueEntry, handle: JobRecordHandle, reason: string | undefined): Promise<boolean> {
    const message = `Job "${handle.name}" (${handle.id}) was cancelled${reason === undefined ? '' : `: ${reason}`}`
    // A waiting or delayed job is simply removed (remove refuses a locked, i.e. running, job).
    const error = new CancelledError(reason, message)
    entry.removing.set(handle.id, error)
    let removed: number
    try {
      removed = await entry.queue.remove(handle.id)
    } finally {
      entry.removing.delete(handle.id)
    }
    if (removed === 1) {
      entry.handles.delete(handle.id)
      handle.fail('cancelled', error)
      return true
    }
    const state = await entry.queue.getJobState(handle.id)
    if (state !== 'active') return false
    // BullMQ cancels only on the local worker: tell every instance, the one running it aborts its signal.
    await this.#command!.publish(this.#channel, JSON.stringify({ name: handle.name, id: handle.id, reason: reason ?? null, message }))
    return true
  }

  #onCancelMessage(text: string): void {
    let parsed: { name?: unknown; id?: unknown; reason?: unknown; message?: unknown }
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    if (typeof parsed.name !== 'string' || typeof parsed.id !== 'string') return
    const reason = typeof parsed.reason === 'string' ? parsed.reason : undefined
    const error = new CancelledError(reason, typeof parsed.message === 'string' ? parsed.message : undefined)
    const key = `${parsed.name}\n${parsed.id}`
    const running = this.#running.get(key)
    if (running !== undefined) stopJob(running, error)
    else if (this.#workers.has(parsed.name)) {
      const now = this.#host.app.clock.now()
      for (const [k, v] of this.#earlyCancels) if (v.until < now) this.#earlyCancels.delete(k)
      this.#earlyCancels.set(key, { error, until: now + EARLY_CANCEL_TTL_MS })
    }
  }

  async #startWorker(name: string): Promise<void> {
    if (this.#workers.has(name) || this.#closing) return
    const definition = this.#host.definition(name)!
    const entry = this.#entry(name)
    const worker = new Worker(name, (job, token) => this.#process(definition, job, token), {
      connection: { ...this.#redis, maxRetriesPerRequest: null } as ConnectionOptions,
      prefix: this.#settings.prefix,
      concurrency: definition.concurrency,
      lockDuration: this.#settings.lockDurationMs,
      stalledInterval: this.#settings.stalledIntervalMs,
      maxStalledCount: 2,
    })
    worker.on('error', (err) => this.#host.logger.warn({ err, queue: name }, 'BullMQ worker error'))
    this.#workers.set(name, worker)
    await Promise.all([entry.ready, worker.waitUntilReady()])
  }

  async #process(definition: JobDefinition, job: Job, token: string | undefined): Promise<unknown> {
    const { name } = definition
    const id = job.id!
    const key = `${name}\n${id}`
    const attempt = job.attemptsMade + 1
    const attempts = job.opts.attempts ?? 1
    // A cancel that arrived before the job started here, or a shutdown under way: the job starts stopped.
    const early = this.#earlyCancels.get(key)
    if (early !== undefined) this.#earlyCancels.delete(key)
    const stopped = early !== undefined ? { reason: early.error } : this.#closing ? { reason: this.#shutdownReason } : undefined
    // The logger and the task's signal are made only if the handler asks for them (most never do).
    let childLogger: Logger | undefined
    const host = this.#host
    const jobLogger = (): Logger => (childLogger ??= host.logger.child({ job: name, jobId: id, attempt }))
    const context: JobContext = {
      id,
      name,
      attempt,
      get signal() {
        return task.signal
      },
      get logger() {
        return jobLogger()
      },
    }
    const task: TaskHandle = host.app.taskService.spawn(() => definition.handler(job.data, context), {
      name: `job:${name}`,
      owner: 'QueueService',
      timeoutMs: definition.timeoutMs,
      ...(stopped !== undefined ? { signal: AbortSignal.abort(stopped.reason) } : {}),
    })
    const running: RunningJob = { name, id, task }
    if (stopped !== undefined) running.stopped = stopped
    this.#running.set(key, running)
    await task.settled
    this.#running.delete(key)
    if (task.state === 'succeeded') {
      this.#host.publishDone({ id, name, state: 'completed', attempt, value: task.value })
      // JSON has no undefined: store null so every instance sees the same value.
      return task.value === undefined ? null : task.value
    }
    const reason: unknown = running.stopped?.reason
    const logger = jobLogger()
    if (reason === this.#shutdownReason) {
      // Not a failure: hand the job back so another instance (or this one after a restart) runs it.
      await job.moveToWait(token)
      logger.info(`Job "${name}" (${id}) interrupted by shutdown; returned to the queue`)
      throw new WaitingError()
    }
    if (reason instanceof CancelledError) {
      this.#host.publishDone({ id, name, state: 'cancelled', attempt, error: reason })
      throw new UnrecoverableError(CANCEL_MARK + reason.message)
    }
    const signal = task.signal
    const error = signal.aborted && signal.reason instanceof TimeoutError ? signal.reason : task.error
    logger.error({ err: error, job: name, jobId: id, attempt, attempts }, `Job "${name}" (${id}) attempt ${attempt}/${attempts} failed`)
    const thrown = error instanceof Error ? error : new Error(String(error))
    if (attempt >= attempts || thrown instanceof UnrecoverableError) {
      const message = thrown.message
      this.#host.publishDone({ id, name, state: 'failed', attempt, error: new JobFailedError(id, name, attempt, message, { cause: error }) })
    }
    throw thrown
  }


}
