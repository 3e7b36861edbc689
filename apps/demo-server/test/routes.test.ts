import { CancelledError, Messages, type TaskHandle } from '@tsab/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { scheduleJobs } from '../src/jobs.js'
import { collectUnhandledRejections, memoryLogger, postJson, startDemo, waitUntil } from './helpers.js'

collectUnhandledRejections()

let app: DemoApp | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
})

async function start(): Promise<string> {
  const started = await startDemo()
  app = started.app
  return started.url
}

describe('GET /health', () => {
  it('answers 200 JSON with the app name, state and uptime', async () => {
    const url = await start()
    const res = await fetch(`${url}/health`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const body = (await res.json()) as { uptimeMs: number }
    expect(body).toEqual({ status: 'ok', app: 'demo-server', state: 'running', uptimeMs: expect.any(Number) })
    expect(body.uptimeMs).toBeGreaterThanOrEqual(0)
  })
})

describe('POST /jobs', () => {
  it('schedules `count` jobs named after their kind, owned by "jobs", and answers 202 with their ids', async () => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 3 })
    expect(res.status).toBe(202)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const { ids } = (await res.json()) as { ids: number[] }
    expect(ids).toHaveLength(3)
    expect(new Set(ids).size).toBe(3)
    expect(app!.taskService.stats().scheduled).toBe(before + 3)
    const jobs = app!.taskService.list().filter((info) => ids.includes(info.id))
    expect(jobs.map((info) => [info.name, info.owner])).toEqual([
      ['email-job', 'jobs'],
      ['email-job', 'jobs'],
      ['email-job', 'jobs'],
    ])
    await waitUntil(() => app!.stats.byKind().email!.succeeded === 3)
  })

  it('accepts up to 1000 jobs at once', async () => {
    const url = await start()
    const res = await postJson(`${url}/jobs`, { kind: 'email', count: 1000 })
    expect(res.status).toBe(202)
    expect(((await res.json()) as { ids: number[] }).ids).toHaveLength(1000)
  })
})

describe('GET /tasks', () => {
  it('answers the task list, the TaskService stats and the per-kind counters', async () => {
    const url = await start()
    await postJson(`${url}/jobs`, { kind: 'resize', count: 2 })
    const res = await fetch(`${url}/tasks`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { tasks: Array<{ name: string }>; stats: unknown; byKind: unknown }
    expect(body.stats).toEqual(app!.taskService.stats())
    expect(body.tasks.map((task) => task.name).sort()).toEqual(['heartbeat', 'resize-job', 'resize-job'])
    expect(body.byKind).toEqual({
      email: { succeeded: 0, failed: 0, cancelled: 0 },
      resize: { succeeded: 0, failed: 0, cancelled: 0 },
      fail: { succeeded: 0, failed: 0, cancelled: 0 },
    })
  })
})

describe('unknown routes and methods', () => {
  it('answers 404 JSON naming the method and path for an unknown path', async () => {
    const url = await start()
    const res = await fetch(`${url}/nope?x=1`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await res.json()).toEqual({ error: 'No route for GET /nope', statusCode: 404 })
  })

  it.each([
    ['PUT', '/jobs', 'POST'],
    ['GET', '/jobs', 'POST'],
    ['DELETE', '/health', 'GET, HEAD'],
    ['POST', '/tasks', 'GET, HEAD'],
  ])('answers 405 with an Allow header for %s %s', async (method, path, allow) => {
    const url = await start()
    const before = app!.taskService.stats().scheduled
    const res = await fetch(`${url}${path}`, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(allow)
    expect(await res.json()).toEqual({ error: `Method ${method} is not allowed on ${path}; use ${allow}`, statusCode: 405 })
    expect(app!.taskService.stats().scheduled).toBe(before)
  })
})

describe('the WebService probes', () => {
  it('GET /health/live and /health/ready answer next to the demo\'s own GET /health', async () => {
    const url = await start()
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${url}/health/ready`)).json()).toEqual({ status: 'ready' })
  })
})

describe('job kinds and the StatsService counters', () => {
  it('counts finished jobs per kind and final state', async () => {
    const url = await start()
    await postJson(`${url}/jobs`, { kind: 'email', count: 2 })
    await postJson(`${url}/jobs`, { kind: 'fail', count: 2 })
    const [resize] = scheduleJobs((task, options) => app!.taskService.spawn(task, options), app!.taskService, { kind: 'resize', count: 1 })
    resize!.cancel('not needed')
    await waitUntil(() => {
      const { email, fail } = app!.stats.byKind()
      return email!.succeeded === 2 && fail!.failed === 2
    })
    expect(app!.stats.byKind()).toEqual({
      email: { succeeded: 2, failed: 0, cancelled: 0 },
      resize: { succeeded: 0, failed: 0, cancelled: 1 },
      fail: { succeeded: 0, failed: 2, cancelled: 0 },
    })
    const tasks = (await (await fetch(`${url}/tasks`)).json()) as { byKind: unknown }
    expect(tasks.byKind).toEqual(app!.stats.byKind())
  })

  it('ignores tasks that are not jobs', async () => {
    await start()
    const handle = app!.taskService.spawn(async () => 'x', { name: 'email-job', owner: 'someone-else' })
    const other = app!.taskService.spawn(async () => 'y', { name: 'other', owner: 'jobs' })
    await Promise.all([handle.settled, other.settled])
    expect(Object.values(app!.stats.byKind()).every((c) => c.succeeded + c.failed + c.cancelled === 0)).toBe(true)
  })

  it('a running job stops as soon as its signal aborts and ends cancelled', async () => {
    await start()
    const [job] = scheduleJobs((task, options) => app!.taskService.spawn(task, options), app!.taskService, { kind: 'resize', count: 1 }) // 200-600 ms of simulated I/O
    await waitUntil(() => job!.state === 'running')
    job!.cancel('changed my mind')
    await job!.settled
    // Ignoring the signal would have let it finish as 'succeeded'; it rejected with the abort reason instead.
    expect(job!.state).toBe('cancelled')
    expect(job!.error).toBeInstanceOf(CancelledError)
    expect((job!.error as CancelledError).reason).toBe('changed my mind')
  })

  it('jobs still running at shutdown are cancelled through their signal', async () => {
    const url = await start()
    const done: TaskHandle[] = []
    app!.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => void done.push(handle))
    const { ids } = (await (await postJson(`${url}/jobs`, { kind: 'resize', count: 5 })).json()) as { ids: number[] }
    await waitUntil(() => app!.taskService.stats().running === 6) // 5 jobs + the heartbeat
    expect(await app!.stop()).toBe(0)
    const jobs = done.filter((handle) => ids.includes(handle.id))
    expect(jobs.map((handle) => handle.state)).toEqual(Array(5).fill('cancelled'))
  })
})

describe('request-scoped jobs', () => {
  it('each job task carries the id of the request that scheduled it', async () => {
    const url = await start()
    const res = await postJson(`${url}/jobs`, { kind: 'resize', count: 2 })
    const { ids } = (await res.json()) as { ids: number[] }
    const jobs = app!.taskService.list().filter((info) => ids.includes(info.id))
    expect(jobs).toHaveLength(2)
    const [first, second] = jobs.map((info) => info.meta?.['requestId'])
    expect(first).toEqual(expect.any(String))
    expect(second).toBe(first)
  })
})

describe('load shedding with [TaskService] max_queued', () => {
  it('refuses a request whose jobs would not all fit with 503 and retry-after, scheduling none of them', async () => {
    const started = await startDemo({ config: { TaskService: { max_concurrency: 1, max_queued: 10 } } })
    app = started.app
    expect((await postJson(`${started.url}/jobs`, { kind: 'resize', count: 8 })).status).toBe(202)
    await waitUntil(() => app!.taskService.stats().running >= 1)
    const before = app!.taskService.stats().scheduled
    const refused = await postJson(`${started.url}/jobs`, { kind: 'resize', count: 5 })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toEqual({ error: 'The server is overloaded; retry in 1 s', statusCode: 503, code: 'TSAB_OVERLOADED' })
    expect(app!.taskService.stats().scheduled).toBe(before)
    expect((await postJson(`${started.url}/jobs`, { kind: 'resize', count: 2 })).status).toBe(202)
  })
})
