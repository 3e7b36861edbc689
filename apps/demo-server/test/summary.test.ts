/**
 * The demo's per-minute summary: a cron job of the StatsService (second 0 of every minute), driven here by a
 * TestClock with a wall time, so a few minutes pass in milliseconds.
 */
import { TestClock } from '@tsab/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { DemoApp } from '../src/demo-app.js'
import { collectUnhandledRejections, memoryLogger, postJson, startDemo, waitUntil } from './helpers.js'

collectUnhandledRejections()

let app: DemoApp | undefined
afterEach(async () => {
  await app?.stop()
  app = undefined
})

describe('the per-minute summary', () => {
  it('logs one summary line at second 0 of every minute, with the job counters', async () => {
    const clock = new TestClock({ wallTime: new Date('2030-01-01T12:00:30Z') })
    const { logger, lines } = memoryLogger('info')
    const started = await startDemo({ clock, logger })
    app = started.app
    expect(app.stats.tasks.nextRuns('StatsService.summary', 2).map((date) => date.toISOString())).toEqual([
      '2030-01-01T12:01:00.000Z',
      '2030-01-01T12:02:00.000Z',
    ])
    await postJson(`${started.url}/jobs`, { kind: 'fail', count: 1 })
    await clock.advance(100) // the fail job sleeps 20-80 ms on the app's clock
    await waitUntil(() => app!.stats.byKind().fail!.failed === 1)
    const summaries = () => lines.filter((line) => line.msg.startsWith('Summary: '))
    expect(summaries()).toHaveLength(0)
    await clock.advance(30_000)
    await waitUntil(() => summaries().length === 1)
    expect(summaries()[0]).toMatchObject({ service: 'StatsService', jobs: { fail: { failed: 1 } }, tasks: { failed: 1 } })
    await clock.advance(120_000)
    await waitUntil(() => summaries().length === 3)
  })
})
