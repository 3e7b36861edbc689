/**
 * The demo's job kinds (simulated I/O that honours its AbortSignal), the JSON schema of a `POST /jobs` body and
 * the scheduling of jobs as tasks. Add a kind by adding an entry to `jobKinds`; HTTP is in `routes.ts`.
 */
import { OverloadedError, sleep, type Clock, type Schedulable, type TaskHandle, type TaskOptions, type TaskService } from '@tsab/core'

/** The `owner` of every job task: how the StatsService tells jobs from other work. */
export const JOB_OWNER = 'jobs'

/** Most jobs one request may schedule. */
export const MAX_JOBS_PER_REQUEST = 1000

/**
 * One kind of job. `run` must stop promptly when `signal` aborts (at shutdown, or when the task is cancelled)
 * by rejecting; the TaskService then records the task as `cancelled`. `sleep(ms, { signal })` from `@tsab/core`
 * does exactly that: it rejects with `CancelledError` when the signal aborts.
 */
export interface JobKind {
  /** One line for humans (error messages, docs). */
  readonly description: string
  /** The work itself; timers go through `clock` so tests can drive time. */
  run(signal: AbortSignal, clock: Clock): Promise<unknown>
}

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
])

/** A `POST /jobs` body, once Fastify has checked it against {@link jobRequestSchema}. */
export interface JobRequest {
  /** A key of {@link jobKinds}. */
  kind: string
  /** How many jobs to schedule, 1..{@link MAX_JOBS_PER_REQUEST}. */
  count: number
  /** `true`: enqueue on the QueueService (any instance sharing the Redis may run them); `false`: local tasks. */
  distributed?: boolean
}

/**
 * The JSON schema of a `POST /jobs` body: a known `kind`, an integer `count` in 1..1000, an optional boolean
 * `distributed`, nothing else. Fastify checks it before the handler runs (400 naming the field otherwise).
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
    },
    required: ['kind', 'count'],
    additionalProperties: false,
  } as const
}

/** Spawns one task (e.g. `taskService.spawn`, or `web.spawnFromRequest` bound to a request). */
export type Spawn = (task: Schedulable, options: TaskOptions) => TaskHandle

/**
 * Schedules `count` fire-and-forget jobs of `kind`, each a task named `${kind}-job` owned by `'jobs'`. All or
 * nothing: when they would not all fit under `maxQueued` queued tasks, it throws `OverloadedError` and schedules
 * none (the web layer answers 503 with `retry-after`).
 *
 * @example
 * ```ts fragment
 * const handles = scheduleJobs((task, options) => app.taskService.spawn(task, options), app.taskService, { kind: 'email', count: 3 })
 * console.log(handles.map((handle) => handle.id))
 * ```
 */
export function scheduleJobs(
  spawn: Spawn,
  taskService: TaskService,
  request: Pick<JobRequest, 'kind' | 'count'>,
  maxQueued = Infinity,
): TaskHandle[] {
  const job = jobKinds.get(request.kind)
  if (job === undefined) throw new RangeError(`Expected \`kind\` to be one of ${[...jobKinds.keys()].join(', ')}, got ${JSON.stringify(request.kind)}`)
  const queued = taskService.stats().queued
  if (queued + request.count > maxQueued) {
    throw new OverloadedError(`${request.count} job(s) would not fit: ${queued} tasks queued, [TaskService] max_queued = ${maxQueued}`, maxQueued)
  }
  const clock = taskService.clock
  const handles: TaskHandle[] = []
  for (let i = 0; i < request.count; i++) {
    // The function declares `signal`, so it receives the task's AbortSignal (aborted on cancel and at shutdown).
    handles.push(spawn((signal) => job.run(signal, clock), { name: jobTaskName(request.kind), owner: JOB_OWNER }))
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
