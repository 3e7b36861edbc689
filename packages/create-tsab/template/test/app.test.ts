import { createTestApplication, TestClock } from '@tsab/core/testing'
import { WebService } from '@tsab/web'
import { afterEach, describe, expect, it } from 'vitest'
import { App } from '../src/app.js'
import { ReportService } from '../src/services/report-service.js'
import { TaskLogService } from '../src/services/task-log-service.js'

// createTestApplication builds the app with a silent logger and no signal handlers, and starts it.
// Port 0: the system picks a free port, so tests never collide with a running `npm run dev`.
const config = { web: { listen: '127.0.0.1:0' }, reports: { build_time: '1ms' } }

let app: App | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
})

describe('App', () => {
  it('builds a report in the background, and the task_done! subscriber counts it', async () => {
    app = await createTestApplication({ config }, App)
    const task = app.getService(ReportService).request('sales')
    expect(await task.result).toBe('report on sales')
    expect(app.getService(TaskLogService).finished.succeeded).toBe(1)
  })

  it('answers the health probes and POST /reports over HTTP', async () => {
    app = await createTestApplication({ config }, App)
    const [address] = await app.getService(WebService).onListening()
    const ready = await fetch(`http://${address}/health/ready`)
    expect(ready.status).toBe(200)
    const accepted = await fetch(`http://${address}/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'sales' }),
    })
    expect(accepted.status).toBe(202)
    await app.taskService.onIdle()
    expect(await (await fetch(`http://${address}/reports`)).json()).toEqual({ built: 1 })
  })

  it('refuses a report without a topic with 400, naming the field', async () => {
    app = await createTestApplication({ config }, App)
    const response = await app.getService(WebService).server.inject({ method: 'POST', url: '/reports', payload: {} })
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toContain('topic')
  })

  it('runs the summary cron job at the start of every minute (on a test clock: no waiting)', async () => {
    const clock = new TestClock({ wallTime: new Date('2030-01-01T00:00:30Z') })
    app = await createTestApplication({ config, clock }, App)
    const reports = app.getService(ReportService)
    await clock.advance(3 * 60_000) // 00:01, 00:02, 00:03
    const info = reports.tasks.cronInfo('ReportService.summary')
    expect(info).toMatchObject({ started: 3, failed: 0 })
    expect(info?.nextRun?.toISOString()).toBe('2030-01-01T00:04:00.000Z')
  })
})
