/**
 * The blocked-loop warning (spec §2a): `[Application] blocked_loop_warning` (default 500 ms, 0 disables). These
 * tests block the real event loop on purpose (a busy task of 600 ms) and read the one warning it leads to.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Application, type ApplicationOptions } from '../../src/application/application.js'
import { LoopMonitor } from '../../src/application/loop-monitor.js'
import { memoryLogger, type LogLine } from '../support/logs.js'
import { realSleep, until } from '../support/event-loop.js'
import { deferred } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // Blocking the event loop is the point.
  }
}

async function startApp(options: ApplicationOptions = {}) {
  const { logger, lines } = memoryLogger()
  const app = new Application({ name: 'loop', logger, handleSignals: false, ...options })
  apps.push(app)
  await app.start()
  return { app, lines }
}

const blockWarnings = (lines: LogLine[]) => lines.filter((l) => l.level === 40 && /^Event loop blocked/.test(l.msg))

describe('the blocked-loop warning', () => {
  it('names a 600 ms busy task (first) and the tasks running then, with how long the loop was blocked', async () => {
    const { app, lines } = await startApp()
    const idle = app.taskService.spawn((signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)), { name: 'waiting-for-io' })
    await realSleep(20)
    app.taskService.spawn(() => busy(600), { name: 'crunch-numbers' })
    expect(await until(() => blockWarnings(lines).length > 0)).toBe(true)
    const [warning, ...more] = blockWarnings(lines)
    expect(more).toEqual([])
    expect(warning!.blockedMs).toBeGreaterThanOrEqual(500)
    expect(warning!.thresholdMs).toBe(500)
    expect(warning!.lastEnteredTask).toBe('crunch-numbers')
    expect(warning!.tasks).toEqual([{ name: 'crunch-numbers', count: 1 }, { name: 'waiting-for-io', count: 1 }])
    expect(warning!.msg).toMatch(/^Event loop blocked for \d+ ms \(threshold 500 ms\); tasks running then: crunch-numbers \(entered last\), waiting-for-io$/)
    idle.cancel()
  })

  it('does not log a block shorter than the threshold', async () => {
    const { app, lines } = await startApp({ config: { Application: { blocked_loop_warning: '2s' } } })
    app.taskService.spawn(() => busy(600), { name: 'short-burst' })
    await realSleep(100)
    expect(blockWarnings(lines)).toEqual([])
  })

  it('names no task when the block came from outside any task', async () => {
    const { lines } = await startApp()
    await realSleep(20)
    const before = blockWarnings(lines).length
    busy(600)
    expect(await until(() => blockWarnings(lines).length > before)).toBe(true)
    const warning = blockWarnings(lines).at(-1)!
    expect(warning.lastEnteredTask).toBeUndefined()
    expect(warning.tasks).toEqual([])
    expect(warning.msg).toMatch(/tasks running then: \(none\)$/)
  })

  it('does not list tasks (one object each) when more than 10,000 are queued or running: it would block again', async () => {
    const { app, lines } = await startApp()
    const list = vi.spyOn(app.taskService, 'list')
    const gate = deferred()
    // They are all queued (none started yet) when the loop turns again after the block.
    for (let i = 0; i < 20_000; i++) app.taskService.schedule(() => gate.promise)
    busy(600)
    expect(await until(() => blockWarnings(lines).length > 0)).toBe(true)
    expect(list).not.toHaveBeenCalled()
    gate.resolve()
    await app.taskService.onIdle()
  })

  it('blocked_loop_warning = 0 disables it', async () => {
    const { app, lines } = await startApp({ config: { Application: { blocked_loop_warning: 0 } } })
    app.taskService.spawn(() => busy(600), { name: 'unwatched' })
    await realSleep(150)
    expect(blockWarnings(lines)).toEqual([])
  })

  it('stops watching when the app is stopped', async () => {
    const { app, lines } = await startApp()
    await app.stop()
    busy(600)
    await realSleep(150)
    expect(blockWarnings(lines)).toEqual([])
  })
})

describe('LoopMonitor', () => {
  it('checks every tenth of the threshold and reports a late check once, with a lower bound of the block', async () => {
    const blocked: number[] = []
    let samples = 0
    const monitor = new LoopMonitor(200, { sample: () => void samples++, blocked: (ms) => void blocked.push(ms) })
    monitor.start()
    monitor.start()
    await realSleep(100)
    expect(samples).toBeGreaterThanOrEqual(2)
    expect(blocked).toEqual([])
    busy(300)
    await realSleep(60)
    monitor.stop()
    monitor.stop()
    expect(blocked).toHaveLength(1)
    expect(blocked[0]).toBeGreaterThanOrEqual(200)
    expect(blocked[0]).toBeLessThan(300 + 100) // the block itself, plus scheduling noise on a loaded machine
    const after = samples
    await realSleep(60)
    expect(samples).toBe(after)
  })
})
