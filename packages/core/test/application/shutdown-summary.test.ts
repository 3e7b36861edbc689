/**
 * The shutdown summary (spec §2a): exit-time ends with one info record saying how long it took, how many tasks
 * finished, were cancelled or abandoned (top names), and every service that failed or was abandoned at finalize.
 */
import { describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { Service } from '../../src/service/service.js'
import { testOptions, useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import type { LogLine } from '../support/logs.js'
import { hang, untilAborted } from '../support/promises.js'

const { apps } = useTestApps()

const summaries = (lines: LogLine[]) => lines.filter((l) => l.level === 30 && /^Application ".*" stopped in /.test(l.msg))

describe('the shutdown summary', () => {
  it('names the cancelled and abandoned tasks and the services that failed or were abandoned', async () => {
    const options = testOptions({ name: 'shop', exitTimeoutMs: 4_000 })
    const stuck = hang()
    class Broken extends Service {
      override finalize() {
        throw new Error('cannot close')
      }
    }
    class Stuck extends Service {
      override finalize() {
        return stuck.promise
      }
    }
    const app = new Application(options)
    apps.push(app)
    app.addService(Broken)
    app.addService(Stuck)
    await app.start()
    const ts = app.taskService
    for (let i = 0; i < 3; i++) ts.spawn(untilAborted, { name: 'poll-inventory' })
    for (let i = 0; i < 2; i++) ts.spawn(untilAborted, { name: 'send-mail' })
    ts.spawn((signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('flushed'))), { name: 'flush' })
    ts.spawn(() => new Promise(() => {}), { name: 'deaf' })
    await turns(2)
    const stopping = app.stop()
    await options.clock.runAll()
    await expect(stopping).resolves.toBe(1)
    const [summary, ...others] = summaries(options.lines)
    expect(others).toEqual([])
    expect(options.lines.at(-1)).toBe(summary)
    expect(summary).toMatchObject({
      exitCode: 1,
      tasks: { finished: 1, cancelled: 5, abandoned: 1 },
      cancelledTasks: [{ name: 'poll-inventory', count: 3 }, { name: 'send-mail', count: 2 }],
      abandonedTasks: [{ name: 'deaf', count: 1 }],
      failedServices: ['Broken'],
      abandonedServices: ['Stuck'],
    })
    expect(summary!.durationMs).toBe(options.clock.now())
    expect(summary!.msg).toBe(
      `Application "shop" stopped in ${summary!.durationMs} ms with exit code 1: 1 task finished, 5 cancelled (poll-inventory ×3, send-mail ×2), ` +
        '1 abandoned (deaf); finalize failed: Broken; finalize abandoned: Stuck',
    )
    stuck.release()
  })

  it('is written for a clean shutdown too, and not for an app stopped before it started', async () => {
    const options = testOptions()
    const app = new Application(options)
    apps.push(app)
    await app.start()
    app.taskService.spawn(untilAborted, { name: 'ticker' })
    await turns(2)
    await expect(app.stop()).resolves.toBe(0)
    expect(summaries(options.lines).map((l) => l.msg)).toEqual([
      'Application "Application" stopped in 0 ms with exit code 0: 0 tasks finished, 1 cancelled (ticker), 0 abandoned',
    ])
    const never = testOptions()
    const idle = new Application(never)
    apps.push(idle)
    await idle.stop()
    expect(summaries(never.lines)).toEqual([])
  })

  it('shows the ten most frequent names and counts the rest', async () => {
    const options = testOptions()
    const app = new Application(options)
    apps.push(app)
    await app.start()
    for (let i = 0; i < 30; i++) app.taskService.spawn(untilAborted, { name: `job-${i % 15}` })
    await turns(2)
    await app.stop()
    const [summary] = summaries(options.lines)
    expect(summary!.tasks.cancelled).toBe(30)
    expect(summary!.cancelledTasks).toHaveLength(10)
    expect(summary!.msg).toContain('30 cancelled (job-0 ×2, job-1 ×2,')
    expect(summary!.msg).toContain('job-9 ×2 … and 5 more)')
  })
})
