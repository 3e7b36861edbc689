/**
 * The demo turns the live task dashboard on: `/tsab/api/tasks` shows its jobs grouped under the owner `jobs` and
 * their names, the heartbeat as a forever runner, and a failed job with its stack. (The page itself is checked in
 * a real browser by `dashboard-browser.test.ts`.)
 */
import type { DashboardSnapshot } from '@tsab/web'
import { afterEach, describe, expect, it } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { collectUnhandledRejections, postJson, startDemo, waitUntil } from './helpers.js'

collectUnhandledRejections()

let app: DemoApp | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
})

describe('the demo dashboard', () => {
  it('is on by default and groups the jobs by owner and name, with the failures and their stacks', async () => {
    const started = await startDemo()
    app = started.app
    const { url } = started
    expect((await fetch(`${url}/tsab/`)).status).toBe(200)
    expect((await postJson(`${url}/jobs`, { kind: 'email', count: 3 })).status).toBe(202)
    expect((await postJson(`${url}/jobs`, { kind: 'fail', count: 2 })).status).toBe(202)
    await waitUntil(() => app!.taskService.stats().succeeded >= 3 && app!.taskService.stats().failed >= 2)
    const body = (await (await fetch(`${url}/tsab/api/tasks`)).json()) as DashboardSnapshot
    expect(body.app).toBe('demo-server')
    expect(body.byName).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ owner: 'jobs', name: 'email-job', succeeded: 3, failed: 0 }),
        expect.objectContaining({ owner: 'jobs', name: 'fail-job', failed: 2, lastError: 'Simulated failure: this job kind always fails' }),
      ]),
    )
    expect(body.forever).toEqual([expect.objectContaining({ name: 'heartbeat', running: true })])
    expect(body.failures).toHaveLength(2)
    expect(body.failures[0]).toMatchObject({
      name: 'fail-job',
      owner: 'jobs',
      meta: { requestId: expect.any(String) },
      error: { message: 'Simulated failure: this job kind always fails', stack: expect.stringContaining('at ') },
    })
  })

  it('can be turned off with [web] dashboard = false', async () => {
    const started = await startDemo({ web: { dashboard: false } })
    app = started.app
    expect((await fetch(`${started.url}/tsab/api/tasks`)).status).toBe(404)
  })
})
