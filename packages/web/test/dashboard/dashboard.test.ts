/**
 * The live task dashboard through HTTP, on a real WebService: off by default, the page and its files, the JSON
 * snapshot (groups, run times, failures with stacks, forever runners, the oldest 500 tasks), the event stream
 * (`stats` at least once a second, `task` events with failures), read-only routes, and the token.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { TaskManager, type TaskHandle } from '@tsab/core'
import { describe, expect, it } from 'vitest'
import type { DashboardSnapshot, DashboardStatsEvent, DashboardTaskEvent, TaskGroupSummary } from '../../src/index.js'
import { openEventStream } from '../support/sse.js'
import { collectUnhandledRejections, memoryLogger, startWeb, stopAppsAfterEach, waitUntil } from '../support/web-app.js'

collectUnhandledRejections()
stopAppsAfterEach()

const DASHBOARD = { dashboard: true }

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

async function snapshot(url: string, headers: Record<string, string> = {}): Promise<DashboardSnapshot> {
  const res = await fetch(`${url}/tsab/api/tasks`, { headers })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return (await res.json()) as DashboardSnapshot
}

describe('[web] dashboard off (the default)', () => {
  it('serves nothing under /tsab/', async () => {
    const { url } = await startWeb()
    for (const path of ['/tsab/', '/tsab/api/tasks', '/tsab/api/events', '/tsab/assets/dashboard.js']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404)
    }
  })
})

describe('the page and its files', () => {
  it('serves the page with a strict content security policy, its script and styles, and uPlot from node_modules', async () => {
    const { url } = await startWeb({ web: DASHBOARD })
    const page = await fetch(`${url}/tsab/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await page.text()
    for (const file of ['assets/dashboard.js', 'assets/dashboard.css', 'assets/uPlot.iife.min.js', 'assets/uPlot.min.css']) expect(html).toContain(file)
    for (const state of ['running', 'queued', 'succeeded', 'failed', 'cancelled']) expect(html).toContain(`data-state="${state}"`)

    const require = createRequire(import.meta.url)
    const uplot = await fetch(`${url}/tsab/assets/uPlot.iife.min.js`)
    expect(uplot.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(Buffer.from(await uplot.arrayBuffer()).equals(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')))).toBe(true)
    const css = await fetch(`${url}/tsab/assets/uPlot.min.css`)
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const script = await (await fetch(`${url}/tsab/assets/dashboard.js`)).text()
    // Text only: the page never turns data into markup.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
    expect((await fetch(`${url}/tsab/assets/..%2Fpackage.json`)).status).toBe(404)
    expect((await fetch(`${url}/tsab/assets/nope.js`)).status).toBe(404)
  })

  it('redirects /tsab to /tsab/ (relative, the query kept)', async () => {
    const { url } = await startWeb({ web: DASHBOARD })
    const res = await fetch(`${url}/tsab?token=abc`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('tsab/?token=abc')
  })

  it('is read-only: no other method on its routes', async () => {
    const { url } = await startWeb({ web: DASHBOARD })
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${url}/tsab/api/tasks`, { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
    }
  })
})

describe('GET /tsab/api/tasks', () => {
  it('groups tasks by owner and bounded name with counts, p50/p95 and the last error; lists failures with stacks', async () => {
    const { app, url } = await startWeb({ web: DASHBOARD })
    const hold = gate()
    const ts = app.taskService
    const handles: TaskHandle[] = [
      ts.spawn(() => hold.promise, { name: 'sync', owner: 'Sync' }),
      ts.spawn(() => hold.promise), // task-<id>: anonymous
      ts.spawn(async () => {
        throw new TypeError('bad <b>input</b>')
      }, { name: 'import', owner: 'POST /imports', meta: { requestId: 'req-9' } }),
    ]
    for (let i = 0; i < 4; i++) handles.push(ts.spawn(async () => 'ok', { name: 'import', owner: 'POST /imports' }))
    const manager = new TaskManager({ taskService: ts, name: 'Downloads' })
    handles.push(manager.registerAnonymousTask('download', () => hold.promise), manager.registerAnonymousTask('download', () => hold.promise))
    const [runner] = ts.runForever({ name: 'ticker', run: () => new Promise((resolve) => setTimeout(resolve, 5)), backoff: { initialMs: 1 } })
    await waitUntil(() => ts.stats().succeeded >= 4 && ts.stats().failed === 1 && ts.stats().restarts >= 2)

    const body = await snapshot(url)
    expect(body.app).toBe(app.name)
    expect(body.stats).toMatchObject({ failed: 1, running: ts.stats().running })
    const group = (owner: string | undefined, name: string): TaskGroupSummary | undefined =>
      body.byName.find((item) => item.owner === owner && item.name === name)
    expect(group('Sync', 'sync')).toMatchObject({ running: 1, queued: 0, succeeded: 0, p50Ms: null })
    expect(group(undefined, 'anonymous')).toMatchObject({ running: 1 })
    expect(group('Downloads', 'download')).toMatchObject({ running: 2 })
    const imports = group('POST /imports', 'import')!
    expect(imports).toMatchObject({ running: 0, queued: 0, succeeded: 4, failed: 1, cancelled: 0, lastError: 'bad <b>input</b>' })
    expect(typeof imports.p50Ms).toBe('number')
    expect(imports.p95Ms).toBeGreaterThanOrEqual(imports.p50Ms!)
    expect(body.byName.some((item) => /download \d/.test(item.name) || /^task-\d+$/.test(item.name))).toBe(false)

    expect(body.failures).toEqual([
      expect.objectContaining({
        name: 'import',
        owner: 'POST /imports',
        state: 'failed',
        meta: { requestId: 'req-9' },
        error: expect.objectContaining({ name: 'TypeError', message: 'bad <b>input</b>', stack: expect.stringContaining('TypeError: bad <b>input</b>\n    at ') }),
      }),
    ])
    expect(body.forever).toEqual([expect.objectContaining({ name: 'ticker', running: true })])
    expect(body.forever[0]!.restarts).toBeGreaterThanOrEqual(2)
    expect(body.tasks.map((task) => task.name)).toEqual(expect.arrayContaining(['sync', `task-${handles[1]!.id}`, 'download 1', 'download 2', 'ticker']))
    expect(body.total).toBe(ts.size)
    expect(body.loop).toEqual({ delayP99Ms: expect.any(Number), utilization: expect.any(Number) })
    expect(body.history).toEqual({ at: expect.any(Array), succeeded: expect.any(Array), failed: expect.any(Array), cancelled: expect.any(Array) })

    runner!.cancel()
    hold.open()
    await manager.shutdownTaskManager()
  })

  it('lists the 500 oldest queued or running tasks, oldest first, and the total', async () => {
    const { app, url } = await startWeb({ web: DASHBOARD, config: { TaskService: { max_concurrency: 100 } } })
    const hold = gate()
    const first = app.taskService.spawn(() => hold.promise, { name: 'first' })
    await new Promise((resolve) => setTimeout(resolve, 5)) // so that `first` is measurably older
    for (let i = 0; i < 699; i++) app.taskService.spawn(() => hold.promise, { name: 'later' })
    await waitUntil(() => app.taskService.stats().running === 100)
    const body = await snapshot(url)
    expect(body.total).toBe(700)
    expect(body.tasks).toHaveLength(500)
    expect(body.tasks[0]).toMatchObject({ id: first.id, name: 'first', state: 'running' })
    for (let i = 1; i < body.tasks.length; i++) expect(body.tasks[i - 1]!.ageMs).toBeGreaterThanOrEqual(body.tasks[i]!.ageMs)
    expect(body.byName.find((group) => group.name === 'later')).toMatchObject({ running: 99, queued: 600 })
    hold.open()
    await app.taskService.onIdle()
  })
})

describe('GET /tsab/api/events', () => {
  it('sends a stats event at once and then at least once a second, and task events for finished tasks', async () => {
    const { app, url } = await startWeb({ web: DASHBOARD })
    const stream = await openEventStream(`${url}/tsab/api/events`)
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    await stream.waitFor<DashboardStatsEvent>('stats')
    const before = app.taskService.stats().scheduled
    app.taskService.spawn(async () => 'ok', { name: 'fine', owner: 'test' })
    app.taskService.spawn(async () => {
      throw new Error('Simulated failure')
    }, { name: 'broken', owner: 'test' })
    const failure = await stream.waitFor<DashboardTaskEvent>('task', (event) => event.tasks.some((task) => task.state === 'failed'))
    expect(failure.tasks.find((task) => task.name === 'broken')).toMatchObject({ error: { message: 'Simulated failure', stack: expect.stringContaining('at ') } })
    const stats = await stream.waitFor<DashboardStatsEvent>('stats', (event) => event.stats.scheduled >= before + 2 && event.stats.failed >= 1)
    expect(stats.byName.find((group) => group.name === 'broken')).toMatchObject({ owner: 'test', failed: 1, lastError: 'Simulated failure' })

    // At least once a second: watch for a while and measure the gaps (generous: timers on a loaded machine).
    const since = stream.events.length
    await new Promise((resolve) => setTimeout(resolve, 3_200))
    const times = stream.events.slice(since).filter((event) => event.event === 'stats').map((event) => event.at)
    expect(times.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThan(1_600)
    stream.close()
  })

  it('refuses more streams than it serves at once with 503 and retry-after', async () => {
    const { url } = await startWeb({ web: DASHBOARD })
    const streams = []
    for (let i = 0; i < 32; i++) streams.push(await openEventStream(`${url}/tsab/api/events`))
    const refused = await fetch(`${url}/tsab/api/events`)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    for (const stream of streams) stream.close()
  })
})

describe('[web] dashboard_token', () => {
  const token = 'correct-horse-battery-staple'

  it('answers 401 to the page and the API without the token, and serves them with a bearer token or ?token=', async () => {
    const { url } = await startWeb({ web: { ...DASHBOARD, dashboard_token: token } })
    for (const path of ['/tsab/', '/tsab/api/tasks', '/tsab/api/events']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${token}` }] as Array<Record<string, string>>) {
        const res = await fetch(`${url}${path}`, { headers })
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401)
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tsab dashboard"')
        expect(await res.json()).toMatchObject({ statusCode: 401, error: expect.stringContaining('[web] dashboard_token') })
      }
      expect((await fetch(`${url}${path}?token=wrong`)).status).toBe(401)
    }
    await snapshot(url, { authorization: `Bearer ${token}` })
    expect((await fetch(`${url}/tsab/api/tasks?token=${token}`)).status).toBe(200)
    expect((await fetch(`${url}/tsab/?token=${token}`)).status).toBe(200)
    const stream = await openEventStream(`${url}/tsab/api/events?token=${token}`)
    await stream.waitFor('stats')
    stream.close()
    // The page's static files are the same for everyone: no token needed.
    expect((await fetch(`${url}/tsab/assets/dashboard.js`)).status).toBe(200)
  })

  it('keeps the token out of the request log', async () => {
    const { logger, lines } = memoryLogger()
    const { url } = await startWeb({ logger, web: { ...DASHBOARD, dashboard_token: token } })
    await fetch(`${url}/tsab/api/tasks?token=${token}`)
    await fetch(`${url}/tsab/api/tasks?a=1&TOKEN=${token}`)
    await waitUntil(() => lines.filter((line) => String(line['url']).startsWith('/tsab/api/tasks')).length === 2)
    const logged = JSON.stringify(lines)
    expect(logged).not.toContain(token)
    expect(logged).toContain('/tsab/api/tasks?token=[redacted]')
  })

  it('serves a non-loopback address when a token is set', async () => {
    const { url } = await startWeb({ web: { ...DASHBOARD, dashboard_token: token, listen: '0.0.0.0:0' } })
    const local = url.replace('0.0.0.0', '127.0.0.1')
    expect((await fetch(`${local}/tsab/api/tasks`)).status).toBe(401)
    expect((await fetch(`${local}/tsab/api/tasks`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
  })
})
