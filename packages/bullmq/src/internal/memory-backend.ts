/**
 * `MemoryBackend`: QueueService's default backend. Jobs live in this process and run through the application's
 * TaskService; delays, retries with backoff, priorities, timeouts and repeats all take their time from `app.clock`.
 * Nothing survives the process: at shutdown unfinished jobs are cancelled (and the count is logged).
 */
import { CancelledError, TimeoutError, type TaskHandle } from '@tsab/core'
import { BinaryHeap, summarizeNames, wallTime, within } from '@tsab/core/support'
import { CronExpressionParser } from 'cron-parser'
import { JobFailedError } from '../queue-errors.js'
import type { JobHandle, JobInfo, QueueStats, RepeatHandle } from '../queue-types.js'
import {
  addStats,
  backoffDelay,
  emptyStats,
  type BackendHost,
  type EnqueueRequest,
  type JobDefinition,
  type QueueBackend,
  type RepeatRequest,
} from './backend.js'
import { JobRecordHandle } from './job-handle.js'

// Finished jobs remembered per queue so a repeated `jobId` still finds its outcome.
const FINISHED_HISTORY = 1_000

interface MemoryJob {
  readonly handle: JobRecordHandle
  readonly payloadJson: string
  readonly attempts: number
  readonly backoff: EnqueueRequest['backoff']
  readonly priority: number
  seq: number
  readonly enqueuedAt: number
  attempt: number
  timer?: unknown
  // Aborts the running attempt (our cancel or shutdown); its reason tells them apart from a timeout.
  controller?: AbortController
  task?: TaskHandle
}

interface MemoryQueue {
  readonly name: string
  // Jobs ready to run: lowest priority number first (0 = none, first of all), FIFO among equal priorities.
  readonly ready: BinaryHeap<MemoryJob>
  // Unfinished jobs by id, plus the last finished ones (for jobId deduplication).
  readonly jobs: Map<string, MemoryJob>
  readonly finished: Map<string, MemoryJob>
  waiting: number
  active: number
  delayed: number
  completed: number
  failed: number
}

interface Repeater {
  request: RepeatRequest
  timer?: unknown
  // everyMs schedules are drift-free: run n is due at origin + n * everyMs.
  origin: number
  runs: number
}

function readyBefore(a: MemoryJob, b: MemoryJob): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)
}

/** Runs jobs in this process through the TaskService. */
export class MemoryBackend implements QueueBackend {
  readonly #host: BackendHost
  readonly #queues = new Map<string, MemoryQueue>()
  readonly #repeaters = new Map<string, Repeater>()
  #nextId = 1
  #seq = 0
  #closed = false
  // Resolves close()'s bounded wait once the last running attempt has settled.
  #onDrained: (() => void) | undefined
  // Wall time for cron, following app.clock.
  readonly #now: () => number

  constructor(host: BackendHost) {
    this.#host = host
    this.#now = wallTime(host.app.clock)
  }

  async start(): Promise<void> {
    for (const queue of this.#queues.values()) this.#pump(queue)
  }

  defined(definition: JobDefinition): void {
    this.#pump(this.#queue(definition.name))
  }

  async enqueue(request: EnqueueRequest): Promise<JobHandle> {
    const queue = this.#queue(request.name)
    if (request.jobId !== undefined) {
      const known = queue.jobs.get(request.jobId) ?? queue.finished.get(request.jobId)
      if (known !== undefined) return known.handle
    }
    const id = request.jobId ?? String(this.#nextId++)
    const delayed = request.delayMs > 0
    const job: MemoryJob = {
      handle: new JobRecordHandle(id, request.name, delayed ? 'delayed' : 'waiting', (h, reason) => this.#cancel(queue, job, reason)),
      payloadJson: request.payloadJson,
      attempts: request.attempts,
      backoff: request.backoff,
      priority: request.priority ?? 0,
      seq: this.#seq++,
      enqueuedAt: this.#host.app.clock.now(),
      attempt: 0,
    }
    queue.jobs.set(id, job)
    if (delayed) this.#delay(queue, job, request.delayMs)
    else this.#makeReady(queue, job)
    return job.handle
  }

  async repeat(request: RepeatRequest): Promise<RepeatHandle> {
    if (request.cron !== undefined) CronExpressionParser.parse(request.cron) // a bad pattern throws here, nothing armed
    let repeater = this.#repeaters.get(request.id)
    if (repeater !== undefined) {
      // The same scheduler again (another call, a restart of a service): new payload, same timing.
      repeater.request = request
    } else {
      repeater = { request, origin: this.#host.app.clock.now(), runs: 0 }
      this.#repeaters.set(request.id, repeater)
      if (request.everyMs !== undefined) this.#fireRepeat(repeater)
      else this.#armRepeat(repeater)
    }
    const mine = repeater
    return { id: request.id, cancel: async () => this.#repeaters.get(request.id) === mine && this.#stopRepeater(request.id) }
  }

  async list(names: string[]): Promise<JobInfo[]> {
    const now = this.#host.app.clock.now()
    const infos: JobInfo[] = []
    for (const name of names) {
      const queue = this.#queues.get(name)
      if (queue === undefined) continue
      for (const job of queue.jobs.values()) {
        const state = job.handle.state
        if (state === 'waiting' || state === 'delayed' || state === 'active') {
          infos.push({ id: job.handle.id, name, state, attempt: job.attempt, ageMs: now - job.enqueuedAt })
        }
      }
    }
    return infos
  }

  async stats(names: string[]): Promise<QueueStats> {
    let total = emptyStats()
    for (const name of names) {
      const q = this.#queues.get(name)
      if (q !== undefined) total = addStats(total, q)
    }
    return total
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const reason = new CancelledError(undefined, 'QueueService is shutting down')
    for (const id of [...this.#repeaters.keys()]) this.#stopRepeater(id)
    let dropped = 0
    let active = 0
    for (const queue of this.#queues.values()) {
      queue.ready.clear()
      for (const job of [...queue.jobs.values()]) {
        if (job.handle.state === 'active') {
          active++
          job.controller?.abort(reason)
        } else {
          dropped++
          this.#host.app.clock.clearTimeout(job.timer)
          this.#finish(queue, job, 'cancelled', reason)
        }
      }
    }
    if (dropped > 0) {
      this.#host.logger.warn({ dropped }, `${dropped} waiting or delayed jobs dropped at shutdown (the memory backend keeps no jobs across restarts)`)
    }
    if (active > 0) {
      const drained = new Promise<void>((resolve) => (this.#onDrained = resolve))
      await within(drained, timeoutMs, this.#host.app.clock)
      this.#onDrained = undefined
    }
    const left = [...this.#queues.values()].flatMap((q) => [...q.jobs.values()].filter((j) => j.handle.state === 'active'))
    if (left.length > 0) {
      const names = summarizeNames(left.map((j) => `${j.handle.name}#${j.handle.id}`))
      this.#host.logger.warn({ jobs: names.groups, more: names.more }, `${names.total} running jobs did not stop within ${timeoutMs} ms: ${names.text}`)
    }
  }

  #queue(name: string): MemoryQueue {
    let queue = this.#queues.get(name)
    if (queue === undefined) {
      queue = { name, ready: new BinaryHeap(readyBefore), jobs: new Map(), finished: new Map(), waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }
      this.#queues.set(name, queue)
    }
    return queue
  }

  #delay(queue: MemoryQueue, job: MemoryJob, ms: number): void {
    job.handle.setState('delayed')
    queue.delayed++
    job.timer = this.#host.app.clock.setTimeout(() => {
      job.timer = undefined
      queue.delayed--
      this.#makeReady(queue, job)
    }, ms)
  }

  #makeReady(queue: MemoryQueue, job: MemoryJob): void {
    job.handle.setState('waiting')
    job.seq = this.#seq++
    queue.waiting++
    queue.ready.push(job)
    this.#pump(queue)
  }

  #pump(queue: MemoryQueue): void {
    const definition = this.#host.definition(queue.name)
    if (definition === undefined || this.#closed) return
    while (queue.active < definition.concurrency) {
      const job = queue.ready.pop()
      if (job === undefined) return
      // Cancelled while waiting: removed lazily from the heap.
      if (job.handle.state !== 'waiting') continue
      queue.waiting--
      this.#run(queue, job, definition)
    }
  }

  #run(queue: MemoryQueue, job: MemoryJob, definition: JobDefinition): void {
    job.attempt++
    queue.active++
    job.handle.setState('active')
    const controller = (job.controller = new AbortController())
    const attempt = job.attempt
    const { id, name } = job.handle
    const logger = this.#host.logger.child({ job: name, jobId: id, attempt })
    let signal: AbortSignal | undefined
    const task = this.#host.app.taskService.spawn(
      (taskSignal: AbortSignal) => {
        signal = taskSignal
        return definition.handler(JSON.parse(job.payloadJson), { id, name, attempt, signal: taskSignal, logger })
      },
      { name: `job:${name}`, owner: 'QueueService', signal: controller.signal, timeoutMs: definition.timeoutMs },
    )
    job.task = task
    void task.settled.then(() => this.#attemptSettled(queue, job, task, signal))
  }

  #attemptSettled(queue: MemoryQueue, job: MemoryJob, task: TaskHandle, signal: AbortSignal | undefined): void {
    queue.active--
    const controller = job.controller
    job.controller = undefined
    job.task = undefined
    if (task.state === 'succeeded') {
      this.#finish(queue, job, 'completed', task.value)
    } else if (controller?.signal.aborted === true) {
      // Our cancel or the shutdown: never retried.
      this.#finish(queue, job, 'cancelled', controller.signal.reason)
    } else {
      const error = signal?.aborted === true && signal.reason instanceof TimeoutError ? signal.reason : task.error
      const { id, name } = job.handle
      this.#host.logger.error({ err: error, job: name, jobId: id, attempt: job.attempt, attempts: job.attempts }, `Job "${name}" (${id}) attempt ${job.attempt}/${job.attempts} failed`)
      if (job.attempt < job.attempts && !this.#closed) {
        this.#delay(queue, job, backoffDelay(job.backoff, job.attempt))
      } else {
        const reason = error instanceof Error ? error.message : String(error)
        this.#finish(queue, job, 'failed', new JobFailedError(id, name, job.attempt, reason, { cause: error }))
      }
    }
    this.#pump(queue)
    if (this.#onDrained !== undefined && [...this.#queues.values()].every((q) => q.active === 0)) this.#onDrained()
  }

  #finish(queue: MemoryQueue, job: MemoryJob, state: 'completed' | 'failed' | 'cancelled', outcome: unknown): void {
    const handle = job.handle
    const wasWaiting = handle.state === 'waiting'
    const wasDelayed = handle.state === 'delayed'
    const settled = state === 'completed' ? handle.complete(outcome) : handle.fail(state, outcome)
    if (!settled) return
    if (wasWaiting) queue.waiting--
    if (wasDelayed) queue.delayed--
    if (state === 'completed') queue.completed++
    else if (state === 'failed') queue.failed++
    queue.jobs.delete(handle.id)
    queue.finished.set(handle.id, job)
    if (queue.finished.size > FINISHED_HISTORY) queue.finished.delete(queue.finished.keys().next().value!)
    // Only jobs that ran are published: the instance that ran them is this one.
    if (job.attempt > 0) {
      const done = state === 'completed'
        ? { id: handle.id, name: handle.name, state, attempt: job.attempt, value: outcome }
        : { id: handle.id, name: handle.name, state, attempt: job.attempt, error: outcome }
      this.#host.publishDone(done)
    }
  }

  async #cancel(queue: MemoryQueue, job: MemoryJob, reason: string | undefined): Promise<boolean> {
    const error = new CancelledError(reason, `Job "${job.handle.name}" (${job.handle.id}) was cancelled${reason === undefined ? '' : `: ${reason}`}`)
    const state = job.handle.state
    if (state === 'active') {
      job.controller?.abort(error)
      return true
    }
    if (state === 'delayed') this.#host.app.clock.clearTimeout(job.timer)
    return this.#finish(queue, job, 'cancelled', error), true
  }

  #fireRepeat(repeater: Repeater): void {
    const request = repeater.request
    const definition = this.#host.definition(request.name)
    const attempts = definition?.attempts ?? 1
    const runAt = Math.round(this.#now())
    void this.enqueue({
      name: request.name,
      payloadJson: request.payloadJson,
      delayMs: 0,
      attempts,
      backoff: definition?.backoff,
      jobId: `repeat:${request.id}:${runAt}`,
    })
    repeater.runs++
    this.#armRepeat(repeater)
  }

  #armRepeat(repeater: Repeater): void {
    const { request } = repeater
    const clock = this.#host.app.clock
    let delay: number
    if (request.everyMs !== undefined) {
      delay = Math.max(0, repeater.origin + repeater.runs * request.everyMs - clock.now())
    } else {
      const now = this.#now()
      const next = CronExpressionParser.parse(request.cron!, { currentDate: new Date(now) }).next().getTime()
      delay = Math.max(0, next - now)
    }
    repeater.timer = clock.setTimeout(() => {
      repeater.timer = undefined
      if (this.#repeaters.get(repeater.request.id) === repeater) this.#fireRepeat(repeater)
    }, delay)
  }

  #stopRepeater(id: string): boolean {
    const repeater = this.#repeaters.get(id)
    if (repeater === undefined) return false
    this.#host.app.clock.clearTimeout(repeater.timer)
    this.#repeaters.delete(id)
    return true
  }

}
