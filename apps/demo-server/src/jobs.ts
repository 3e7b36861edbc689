/**
 * The demo's job kinds (simulated I/O that honours its AbortSignal, and one CPU-bound kind that runs in the worker
 * pool), the JSON schema of a `POST /jobs` body and the scheduling of jobs as tasks. Add a kind by adding an entry
 * to `jobKinds`; HTTP is in `routes.ts`.
 */
import { OverloadedError, sleep, type Clock, type Schedulable, type TaskHandle, type TaskOptions, type TaskService } from '@tsab/core'
import { hashWorker, type HashPayload, type WorkerRunOptions } from '@tsab/workers'

/** The `owner` of every job task: how the StatsService tells jobs from other work. */
export const JOB_OWNER = 'jobs'

/** Most jobs one request may schedule. */
export const MAX_JOBS_PER_REQUEST = 1000

/**
 * A kind of job that runs on the event loop. `run` must stop promptly when `signal` aborts (at shutdown, or when
 * the task is cancelled) by rejecting; the TaskService then records the task as `cancelled`. `sleep(ms, { signal })`
 * from `@tsab/core` does exactly that: it rejects with `CancelledError` when the signal aborts.
 */
export interface LocalJobKind {
  /** One line for humans (error messages, docs). */
  readonly description: string
  /** The work itself; timers go through `clock` so tests can drive time. */
  run(signal: AbortSignal, clock: Clock): Promise<unknown>
  readonly worker?: undefined
}

/**
 * A CPU-bound kind of job: its work runs on a worker thread of the `WorkerPoolService` (`@tsab/workers`), so the
 * event loop keeps serving requests while it computes. The pool run is the job's task.
 */
export interface WorkerJobKind {
  /** One line for humans (error messages, docs). */
  readonly description: string
  /** The worker module (its default export does the work) and the payload of one job. */
  readonly worker: { readonly module: URL; payload(iterations: number): unknown }
  readonly run?: undefined
}

/** One kind of job: on the event loop, or on a worker thread. */
export type JobKind = LocalJobKind | WorkerJobKind

/** Rounds of SHA-256 of a `hash` job unless the request says otherwise (about 0.2 s of CPU). */
export const DEFAULT_HASH_ITERATIONS = 200_000

/** Most rounds one `hash` job may compute (about 5 s of CPU). */
export const MAX_HASH_ITERATIONS = 5_000_000

/** A random duration in `[min, max)` ms: simulated I/O is never quite regular. */
function between(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min))
}

/**
 * The job kinds `POST /jobs` accepts, by name. To add a kind, add an entry: the request schema, the queue jobs and
 * the per-kind counters pick it up. (A CPU-bound kind would run its work in a worker pool from `run`.)
 *
 * @example
 * ```ts fragment
 * const job = jobKinds.get('email')!
 * await job.run(AbortSignal.timeout(1_000), realClock)
 * ```
 */
export const jobKinds: ReadonlyMap<string, JobKind> = new Map<string, JobKind>([
  [
    'email',
    {
      description: 'sends an e-mail (50-150 ms)',
      async run(signal, clock) {
        await sleep(between(50, 150), { signal, clock })
        return { delivered: true }
      },
    },
  ],
  [
    'resize',
    {
      description: 'resizes an image (200-600 ms)',
      async run(signal, clock) {
        await sleep(between(200, 600), { signal, clock })
        return { width: 640, height: 480 }
      },
    },
  ],
  [
    'fail',
    {
      description: 'fails after a short while (20-80 ms), to show how failures are logged and counted',
      async run(signal, clock) {
        await sleep(between(20, 80), { signal, clock })
        throw new Error('Simulated failure: this job kind always fails')
      },
    },
  ],
  [
    'hash',
    {
      description: `hashes a password: \`iterations\` rounds of SHA-256 (default ${DEFAULT_HASH_ITERATIONS}) on a worker thread`,
      worker: {
        module: hashWorker,
        payload: (iterations): HashPayload => ({ input: 'correct horse battery staple', iterations }),
      },
    },
  ],
])

/** A `POST /jobs` body, once Fastify has checked it against {@link jobRequestSchema}. */
export interface JobRequest {
  /** A key of {@link jobKinds}. */
  kind: string
  /** How many jobs to schedule, 1..{@link MAX_JOBS_PER_REQUEST}. */
  count: number
  /** `true`: enqueue on the QueueService (any instance sharing the Redis may run them); `false`: local tasks. */
  distributed?: boolean
  /** Rounds of SHA-256 of each `hash` job, 1..{@link MAX_HASH_ITERATIONS}; only with `kind: "hash"`. */
  iterations?: number
}

/**
 * The JSON schema of a `POST /jobs` body: a known `kind`, an integer `count` in 1..1000, an optional boolean
 * `distributed`, for `hash` jobs an optional integer `iterations`, nothing else. Fastify checks it before the
 * handler runs (400 naming the field otherwise).
 *
 * @example
 * ```ts fragment
 * web.server.post('/jobs', { schema: { body: jobRequestSchema() } }, handler)
 * ```
 */
export function jobRequestSchema() {
  return {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: [...jobKinds.keys()] },
      count: { type: 'integer', minimum: 1, maximum: MAX_JOBS_PER_REQUEST },
      distributed: { type: 'boolean' },
      iterations: { type: 'integer', minimum: 1, maximum: MAX_HASH_ITERATIONS },
    },
    required: ['kind', 'count'],
    additionalProperties: false,
  } as const
}

/**
 * What the schema cannot say clearly: `iterations` means something only to a `hash` job, so with another kind it is
 * refused (a `RangeError` naming the field, a 400 at the route), not ignored. Returns the request unchanged.
 *
 * @example
 * ```ts fragment
 * checkJobRequest({ kind: 'email', count: 1, iterations: 10 }) // throws: `iterations` is only for kind "hash"
 * ```
 */
export function checkJobRequest<R extends Pick<JobRequest, 'kind' | 'iterations'>>(request: R): R {
  if (request.iterations !== undefined && jobKinds.get(request.kind)?.worker === undefined) {
    throw Object.assign(new RangeError(`Invalid request body: \`iterations\` is only for kind "hash", got kind ${JSON.stringify(request.kind)}`), { statusCode: 400 })
  }
  return request
}

/** Spawns one task (e.g. `taskService.spawn`, or `web.spawnFromRequest` bound to a request). */
export type Spawn = (task: Schedulable, options: TaskOptions) => TaskHandle

/** Starts one run on the worker pool (e.g. `pool.run` with the request's id in `meta`). */
export type RunInPool = (module: URL, payload: unknown, options: WorkerRunOptions) => TaskHandle

/** Where {@link scheduleJobs} starts jobs, and the queue limit it keeps. */
export interface JobScheduler {
  /** Starts a job that runs on the event loop. */
  readonly spawn: Spawn
  /** Starts a job that runs on a worker thread. */
  readonly runInPool: RunInPool
  /** The TaskService (its queue length and `max_queued` limit, and the clock). */
  readonly taskService: TaskService
}

/**
 * Schedules `count` fire-and-forget jobs of `kind`, each a task named `${kind}-job` owned by `'jobs'` (a `hash` job
 * is a run of the worker pool, itself a TaskService task). All or nothing: when they would not all fit under
 * `[TaskService] max_queued` queued tasks, it throws `OverloadedError` and schedules none (the web layer answers 503 with
 * `retry-after`).
 *
 * @example
 * ```ts fragment
 * const scheduler = { spawn: (task, options) => app.taskService.spawn(task, options), runInPool: (m, p, o) => pool.run(m, p, o), taskService: app.taskService }
 * const handles = scheduleJobs(scheduler, { kind: 'email', count: 3 })
 * console.log(handles.map((handle) => handle.id))
 * ```
 */
export function scheduleJobs(scheduler: JobScheduler, request: Pick<JobRequest, 'kind' | 'count' | 'iterations'>): TaskHandle[] {
  const { spawn, runInPool, taskService } = scheduler
  const maxQueued = taskService.maxQueued
  const job = jobKinds.get(request.kind)
  if (job === undefined) throw new RangeError(`Expected \`kind\` to be one of ${[...jobKinds.keys()].join(', ')}, got ${JSON.stringify(request.kind)}`)
  const queued = taskService.stats().queued
  if (queued + request.count > maxQueued) {
    throw new OverloadedError(`${request.count} job(s) would not fit: ${queued} tasks queued, [TaskService] max_queued = ${maxQueued}`, maxQueued)
  }
  const clock = taskService.clock
  const options = { name: jobTaskName(request.kind), owner: JOB_OWNER }
  const handles: TaskHandle[] = []
  for (let i = 0; i < request.count; i++) {
    if (job.worker !== undefined) {
      handles.push(runInPool(job.worker.module, job.worker.payload(request.iterations ?? DEFAULT_HASH_ITERATIONS), options))
    } else {
      // The function declares `signal`, so it receives the task's AbortSignal (aborted on cancel and at shutdown).
      handles.push(spawn((signal) => job.run(signal, clock), options))
    }
  }
  return handles
}

/**
 * The task name of a job of `kind`: `${kind}-job` (what logs, `GET /tasks` and `task_done!` show).
 *
 * @example
 * ```ts fragment
 * jobTaskName('email') // 'email-job'
 * ```
 */
export function jobTaskName(kind: string): string {
  return `${kind}-job`
}

/**
 * The job kind of a finished task, or `undefined` when the task is not a job (another owner or name).
 *
 * @example
 * ```ts fragment
 * app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => console.log(jobKindOf(handle)))
 * ```
 */
export function jobKindOf(handle: Pick<TaskHandle, 'name' | 'owner'>): string | undefined {
  if (handle.owner !== JOB_OWNER || !handle.name.endsWith('-job')) return undefined
  const kind = handle.name.slice(0, -'-job'.length)
  return jobKinds.has(kind) ? kind : undefined
}
