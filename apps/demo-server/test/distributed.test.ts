/**
 * `POST /jobs` with `"distributed": true`: jobs enqueued on the QueueService, run, counted apart from local jobs and
 * shown in `GET /tasks`, first with the memory backend, then (when REDIS_URL is set) on Redis with two instances.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { collectUnhandledRejections, postJson, startDemo, waitUntil } from './helpers.js'

collectUnhandledRejections()

const redisUrl = process.env['REDIS_URL'] || undefined
const inCi = process.env['CI'] === 'true'

const apps: DemoApp[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
  vi.unstubAllEnvs()
})

async function start(queueService: Record<string, unknown> = {}): Promise<{ app: DemoApp; url: string }> {
  const started = await startDemo({ queueService })
  apps.push(started.app)
  return started
}

interface TasksBody {
  tasks: Array<{ name: string; owner: string }>
  byKind: Record<string, unknown>
  distributedByKind: Record<string, { succeeded: number; failed: number; cancelled: number }>
  queues: { backend: string; stats: { waiting: number; active: number; delayed: number; completed: number; failed: number } }
}

async function getTasks(url: string): Promise<TasksBody> {
  const res = await fetch(`${url}/tasks`)
  expect(res.status).toBe(200)
  return (await res.json()) as TasksBody
}

const ZERO = { succeeded: 0, failed: 0, cancelled: 0 }
const NO_JOBS = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }

describe('distributed jobs on the memory backend', () => {
  it('uses the memory backend when [QueueService] backend = memory, even with REDIS_URL set', async () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1') // nothing listens there: using it would fail
    const { app, url } = await start({ backend: 'memory' })
    expect(app.queues.backend).toBe('memory')
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1, distributed: true })
    expect(res.status).toBe(202)
    await waitUntil(() => app.stats.distributedByKind().email!.succeeded === 1)
  })

  it('enqueues `count` jobs and answers 202 with their job ids, the flag and the backend', async () => {
    const { app, url } = await start()
    const before = app.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 3, distributed: true })
    expect(res.status).toBe(202)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const body = (await res.json()) as { ids: string[]; distributed: boolean; backend: string }
    expect(body).toEqual({ ids: [expect.any(String), expect.any(String), expect.any(String)], distributed: true, backend: 'memory' })
    expect(new Set(body.ids).size).toBe(3)

    // They ran as queue jobs, not as local `email-job` tasks, and are counted apart from local jobs.
    await waitUntil(() => app.stats.distributedByKind().email!.succeeded === 3)
    expect(app.stats.distributedByKind()).toEqual({ email: { succeeded: 3, failed: 0, cancelled: 0 }, resize: ZERO, fail: ZERO })
    expect(app.stats.byKind()).toEqual({ email: ZERO, resize: ZERO, fail: ZERO })
    expect(app.taskService.list().some((info) => info.owner === 'jobs')).toBe(false)
    // The memory backend runs each job as one task of the TaskService (owner QueueService).
    expect(app.taskService.stats().scheduled).toBe(before + 3)

    const tasks = await getTasks(url)
    expect(tasks.queues).toEqual({ backend: 'memory', stats: { ...NO_JOBS, completed: 3 } })
    expect(tasks.distributedByKind).toEqual(app.stats.distributedByKind())
    expect(tasks.byKind).toEqual(app.stats.byKind())
  })

  it('counts failed queue jobs and shows waiting/active ones in GET /tasks', async () => {
    const { app, url } = await start()
    expect((await postJson(`${url}/jobs`, { kind: 'fail', count: 2, distributed: true })).status).toBe(202)
    await waitUntil(() => app.stats.distributedByKind().fail!.failed === 2)

    expect((await postJson(`${url}/jobs`, { kind: 'resize', count: 2, distributed: true })).status).toBe(202)
    const during = await getTasks(url) // resize jobs take 200-600 ms: still unfinished
    expect(during.queues.backend).toBe('memory')
    expect(during.queues.stats.waiting + during.queues.stats.active).toBe(2)
    expect(during.queues.stats.failed).toBe(2)

    await waitUntil(() => app.stats.distributedByKind().resize!.succeeded === 2)
    expect((await getTasks(url)).queues.stats).toEqual({ ...NO_JOBS, completed: 2, failed: 2 })
    expect(app.stats.distributedByKind()).toEqual({
      email: ZERO,
      resize: { succeeded: 2, failed: 0, cancelled: 0 },
      fail: { succeeded: 0, failed: 2, cancelled: 0 },
    })
  })

  it('`"distributed": false` schedules local tasks as before', async () => {
    const { app, url } = await start()
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 2, distributed: false })
    expect(res.status).toBe(202)
    const body = (await res.json()) as { ids: number[] }
    expect(body).toEqual({ ids: [expect.any(Number), expect.any(Number)] })
    await waitUntil(() => app.stats.byKind().email!.succeeded === 2)
    expect((await getTasks(url)).queues.stats).toEqual(NO_JOBS)
    expect(app.stats.distributedByKind().email).toEqual(ZERO)
  })

  it('shutdown aborts running queue jobs through job.signal and counts them as cancelled', async () => {
    const { app, url } = await start()
    expect((await postJson(`${url}/jobs`, { kind: 'resize', count: 3, distributed: true })).status).toBe(202)
    await waitUntil(() => app.taskService.list().filter((info) => info.owner === 'QueueService').length === 3)
    apps.splice(apps.indexOf(app), 1)
    expect(await app.stop()).toBe(0)
    // Ignoring the signal would have let them finish as succeeded after up to 600 ms; they stopped at once instead.
    expect(app.stats.distributedByKind().resize).toEqual({ succeeded: 0, failed: 0, cancelled: 3 })
    expect(app.taskService.list()).toEqual([])
  })
})

describe('POST /jobs with a bad `distributed` answers 400 and enqueues nothing', () => {
  it.each([
    ['a string', '"true"'],
    ['a number', '1'],
    ['zero', '0'],
    ['null', 'null'],
    ['an object', '{}'],
    ['an array', '[true]'],
  ])('%s', async (_what, value) => {
    const { app, url } = await start()
    const before = app.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, `{"kind": "email", "count": 2, "distributed": ${value}}`)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'Invalid request body: `distributed` must be boolean', statusCode: 400, code: 'FST_ERR_VALIDATION' })
    expect(await app.queues.stats()).toEqual(NO_JOBS)
    expect(await app.queues.list()).toEqual([])
    expect(app.taskService.stats().scheduled).toBe(before)
  })

  it.each([
    ['an unknown kind', { kind: 'fax', count: 2, distributed: true }, 'Invalid request body: `kind` must be one of: "email", "resize", "fail"'],
    ['a bad count', { kind: 'email', count: 1001, distributed: true }, 'Invalid request body: `count` must be <= 1000'],
    ['an unknown field', { kind: 'email', count: 2, distributed: true, delayMs: 5 }, 'Invalid request body: unknown field `delayMs`'],
  ])('the whole request is validated before anything is enqueued: %s', async (_what, body, message) => {
    const { app, url } = await start()
    const res = await postJson(`${url}/jobs`, body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toContain(message)
    expect(await app.queues.stats()).toEqual(NO_JOBS)
  })
})

if (inCi && redisUrl === undefined) {
  describe('distributed jobs on Redis', () => {
    it('needs Redis in CI', () => {
      throw new Error('CI=true but REDIS_URL is not set: the demo must be tested against Redis in CI (start redis-server, export REDIS_URL)')
    })
  })
}

/** Deletes every key under `prefix`. */
async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

async function countKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  try {
    return (await redis.keys(`${prefix}:*`)).length
  } finally {
    redis.disconnect()
  }
}

const skipRedis = redisUrl === undefined
const SKIP_REASON = ' — skipped: REDIS_URL is not set (start redis-server and export REDIS_URL=redis://127.0.0.1:6379 to run)'

describe.skipIf(skipRedis)(`distributed jobs on Redis (two instances)${skipRedis ? SKIP_REASON : ''}`, { timeout: 30_000 }, () => {
  const prefix = `demo-test-${randomUUID().slice(0, 8)}`
  const queueService = { backend: 'bullmq', prefix, shutdown_timeout: '5s' }

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop()
    await deletePrefix(redisUrl!, prefix)
    expect(await countKeys(redisUrl!, prefix)).toBe(0)
  })

  it('jobs enqueued on one instance run on both, are counted where they ran and show in GET /tasks', async () => {
    const a = await start(queueService)
    const b = await start(queueService)
    expect(a.app.queues.backend).toBe('bullmq')

    const res = await postJson(`${a.url}/jobs`, { kind: 'email', count: 40, distributed: true })
    expect(res.status).toBe(202)
    const body = (await res.json()) as { ids: string[]; distributed: boolean; backend: string }
    expect(body.distributed).toBe(true)
    expect(body.backend).toBe('bullmq')
    expect(new Set(body.ids).size).toBe(40)
    expect((await postJson(`${a.url}/jobs`, { kind: 'fail', count: 2, distributed: true })).status).toBe(202)

    const ran = (app: DemoApp): number => app.stats.distributedByKind().email!.succeeded
    const failed = (app: DemoApp): number => app.stats.distributedByKind().fail!.failed
    await waitUntil(() => ran(a.app) + ran(b.app) === 40 && failed(a.app) + failed(b.app) === 2, 20_000)
    // Each instance ran some of them (10 at a time each, 50-150 ms per job): the work was shared.
    expect(ran(a.app)).toBeGreaterThan(0)
    expect(ran(b.app)).toBeGreaterThan(0)
    expect(a.app.stats.byKind().email).toEqual(ZERO)

    // Both instances see the same queues in Redis.
    for (const { url } of [a, b]) {
      const tasks = await getTasks(url)
      expect(tasks.queues).toEqual({ backend: 'bullmq', stats: { ...NO_JOBS, completed: 40, failed: 2 } })
    }
  })

  it('a bad `distributed` enqueues nothing in Redis', async () => {
    const { app, url } = await start(queueService)
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 2, distributed: 'yes' })
    expect(res.status).toBe(400)
    expect(await app.queues.stats()).toEqual(NO_JOBS)
    expect((await getTasks(url)).queues).toEqual({ backend: 'bullmq', stats: NO_JOBS })
  })
})
