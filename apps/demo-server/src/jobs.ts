/**
 * The demo's job kinds (simulated I/O that honours its AbortSignal), the validation of a `POST /jobs` body and
 * the scheduling of jobs on the TaskService. Add a kind by adding an entry to `jobKinds`; HTTP is elsewhere.
 */
import { sleep, type Clock, type TaskHandle, type TaskService } from '@tsab/core'
import { HttpError } from './http-error.js'

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
 * The job kinds `POST /jobs` accepts, by name. To add a kind, add an entry: validation, error messages and the
 * per-kind counters pick it up.
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

/** A validated `POST /jobs` body. */
export interface JobRequest {
  /** A key of {@link jobKinds}. */
  kind: string
  /** How many jobs to schedule, 1..{@link MAX_JOBS_PER_REQUEST}. */
  count: number
  /** `true`: enqueue on the QueueService (any instance sharing the Redis may run them); `false`: local tasks. */
  distributed: boolean
}

const KNOWN_FIELDS = new Set(['kind', 'count', 'distributed'])

/** A value as it appears in an error message: short, and numbers like `Infinity` stay readable. */
function show(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * Checks a parsed `POST /jobs` body: an object with a known `kind`, an integer `count` in 1..1000 and an optional
 * boolean `distributed` (default `false`), nothing else. Every problem is a 400 with a message that says what to
 * send instead.
 *
 * @throws {@link HttpError} 400
 * @example
 * ```ts fragment
 * parseJobRequest({ kind: 'email', count: 3 })                    // { kind: 'email', count: 3, distributed: false }
 * parseJobRequest({ kind: 'email', count: 3, distributed: true }) // { kind: 'email', count: 3, distributed: true }
 * parseJobRequest({ kind: 'fax', count: 3 })                      // throws HttpError 400: Unknown job kind "fax"; ...
 * ```
 */
export function parseJobRequest(body: unknown): JobRequest {
  const kinds = [...jobKinds.keys()].join(', ')
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `Expected a JSON object like {"kind": "email", "count": 3}, got ${show(body)}`)
  }
  const fields = body as Record<string, unknown>
  const unknown = Object.keys(fields).filter((key) => !KNOWN_FIELDS.has(key))
  if (unknown.length > 0) {
    throw new HttpError(400, `Unknown field(s) ${unknown.map((key) => `\`${key}\``).join(', ')}; expected only \`kind\`, \`count\` and \`distributed\``)
  }
  const { kind, count, distributed } = fields
  if (kind === undefined) throw new HttpError(400, `Missing field \`kind\`; expected one of: ${kinds}`)
  if (typeof kind !== 'string' || !jobKinds.has(kind)) {
    throw new HttpError(400, `Unknown job kind ${show(kind)}; expected one of: ${kinds}`)
  }
  if (count === undefined) {
    throw new HttpError(400, `Missing field \`count\`; expected an integer from 1 to ${MAX_JOBS_PER_REQUEST}`)
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_JOBS_PER_REQUEST) {
    throw new HttpError(
      400,
      `Expected \`count\` to be an integer from 1 to ${MAX_JOBS_PER_REQUEST}, got ${show(count)} (${typeof count})`,
    )
  }
  if (distributed !== undefined && typeof distributed !== 'boolean') {
    const type = distributed === null ? 'null' : typeof distributed
    throw new HttpError(400, `Expected \`distributed\` to be true or false, got ${show(distributed)} (${type})`)
  }
  return { kind, count, distributed: distributed ?? false }
}

/**
 * Schedules `count` fire-and-forget jobs of `kind`, each a task named `${kind}-job` owned by `'jobs'`.
 * The caller gets the handles at once; the jobs start on a later turn of the event loop.
 *
 * @example
 * ```ts fragment
 * const handles = scheduleJobs(app.taskService, { kind: 'email', count: 3 })
 * console.log(handles.map((handle) => handle.id))
 * ```
 */
export function scheduleJobs(taskService: TaskService, request: Pick<JobRequest, 'kind' | 'count'>): TaskHandle[] {
  const job = jobKinds.get(request.kind)
  if (job === undefined) throw new HttpError(400, `Unknown job kind ${JSON.stringify(request.kind)}`)
  const clock = taskService.clock
  const handles: TaskHandle[] = []
  for (let i = 0; i < request.count; i++) {
    // The function declares `signal`, so it receives the task's AbortSignal (aborted on cancel and at shutdown).
    handles.push(taskService.spawn((signal) => job.run(signal, clock), { name: jobTaskName(request.kind), owner: JOB_OWNER }))
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
