/**
 * Run-time ticks (spec §2): `Application.tick!` every `tickPeriodMs` on a drift-free schedule, `tick/N!` every
 * Nth tick, late services initialized before the next tick, and no tick after stop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Application } from '../../src/application/application.js'
import { Messages, TICK_PERIODS } from '../../src/pubsub/messages.js'
import { Module } from '../../src/service/module.js'
import { Service } from '../../src/service/service.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { memoryLogger } from '../support/logs.js'
import { SlowClock } from '../support/slow-clock.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

function make(clock: TestClock | SlowClock, tickPeriodMs?: number) {
  const app = new Application({ logger: memoryLogger().logger, clock, handleSignals: false, ...(tickPeriodMs === undefined ? {} : { tickPeriodMs }) })
  apps.push(app)
  const ticks: number[] = []
  app.pubsub.subscribe(Messages.ApplicationTick, () => void ticks.push(clock.now()))
  return { app, ticks }
}

describe('ticks', () => {
  it('publishes Application.tick! every tickPeriodMs (default 1000 ms) while running, advancing in uneven steps', async () => {
    const clock = new TestClock()
    const { app, ticks } = make(clock)
    await app.start()
    for (const step of [1, 998, 2, 1499, 700, 300, 2500]) await clock.advance(step)
    expect(clock.now()).toBe(6_000)
    expect(ticks).toEqual([1000, 2000, 3000, 4000, 5000, 6000])
    await app.stop()
    expect(clock.pending).toBe(0)
    await clock.advance(10_000)
    expect(ticks).toHaveLength(6)
  })

  it('honours a custom tickPeriodMs', async () => {
    const clock = new TestClock()
    const { app, ticks } = make(clock, 250)
    await app.start()
    await clock.advance(1_100)
    expect(ticks).toEqual([250, 500, 750, 1000])
  })

  it('publishes no tick before running', async () => {
    const clock = new TestClock()
    const { app, ticks } = make(clock)
    await clock.advance(5_000)
    expect(ticks).toEqual([])
    expect(clock.pending).toBe(0)
    await app.start()
    await clock.advance(1_000)
    expect(ticks).toEqual([6_000])
  })

  it('publishes tick/N! every Nth tick for every N in 10, 60, 300, 600, 1800, 3600, 43200, 86400', async () => {
    const clock = new TestClock({ loopLimit: 100_000 })
    const app = new Application({ logger: memoryLogger().logger, clock, handleSignals: false, tickPeriodMs: 1 })
    apps.push(app)
    const counts = new Map<string, number[]>()
    for (const period of TICK_PERIODS) {
      const name = `Application.tick/${period}!`
      counts.set(name, [])
      app.pubsub.subscribe(name, () => void counts.get(name)!.push(clock.now()))
    }
    await app.start()
    await clock.advance(86_400)
    expect(counts.get(Messages.ApplicationTick10)).toHaveLength(8_640)
    expect(counts.get(Messages.ApplicationTick10)!.slice(0, 3)).toEqual([10, 20, 30])
    expect(counts.get(Messages.ApplicationTick60)!.slice(0, 2)).toEqual([60, 120])
    expect(counts.get(Messages.ApplicationTick60)).toHaveLength(1_440)
    expect(counts.get(Messages.ApplicationTick300)).toHaveLength(288)
    expect(counts.get(Messages.ApplicationTick600)).toHaveLength(144)
    expect(counts.get(Messages.ApplicationTick1800)).toHaveLength(48)
    expect(counts.get(Messages.ApplicationTick3600)).toHaveLength(24)
    expect(counts.get(Messages.ApplicationTick43200)).toEqual([43_200, 86_400])
    expect(counts.get(Messages.ApplicationTick86400)).toEqual([86_400])
  }, 60_000)

  it('tick/10! follows the 10th tick! (same turn, after it)', async () => {
    const clock = new TestClock()
    const { app } = make(clock, 100)
    const order: string[] = []
    app.pubsub.subscribe(Messages.ApplicationTick, () => void order.push('tick'))
    app.pubsub.subscribe(Messages.ApplicationTick10, () => void order.push('tick/10'))
    await app.start()
    await clock.advance(1_000)
    expect(order.slice(-2)).toEqual(['tick', 'tick/10'])
    expect(order.filter((o) => o === 'tick')).toHaveLength(10)
  })

  it('is drift-free: a slow subscriber does not shift later ticks', async () => {
    const inner = new TestClock()
    const clock = new SlowClock(inner)
    const { app, ticks } = make(clock)
    // Every tick costs 300 ms of (virtual) wall time; a schedule re-armed "period after the last tick" would drift.
    app.pubsub.subscribe(Messages.ApplicationTick, () => clock.spend(300))
    await app.start()
    for (let i = 0; i < 20; i++) await inner.advance(350)
    expect(ticks.length).toBeGreaterThanOrEqual(8)
    expect(ticks).toEqual(ticks.map((_, i) => (i + 1) * 1000))
  })

  it('is drift-free: timers that fire late do not accumulate lateness', async () => {
    const inner = new TestClock()
    const clock = new SlowClock(inner, 7)
    const { app, ticks } = make(clock, 100)
    await app.start()
    await inner.advance(100 * 100 + 50)
    // Every tick is 7 ms late, but the next one is still due at origin + n * period: exactly 100 ticks.
    expect(ticks).toHaveLength(100)
    expect(ticks.at(-1)).toBe(100 * 100 + 7)
  })

  it('a late tick does not skip a beat: missed ticks are published as soon as possible', async () => {
    const inner = new TestClock()
    const clock = new SlowClock(inner)
    const { app, ticks } = make(clock, 100)
    let first = true
    app.pubsub.subscribe(Messages.ApplicationTick, () => {
      if (first) clock.spend(250)
      first = false
    })
    await app.start()
    await inner.advance(100)
    await inner.advance(0)
    // The first tick took 250 ms: ticks 2 and 3 are overdue and follow at once, tick 4 is back on schedule.
    expect(ticks).toEqual([100, 350, 350])
    await inner.advance(50)
    expect(ticks).toEqual([100, 350, 350, 400])
  })
})

describe('services added while running', () => {
  it('are initialized before the next tick', async () => {
    const clock = new TestClock()
    const { app } = make(clock)
    const calls: string[] = []
    app.pubsub.subscribe(Messages.ApplicationTick, () => void calls.push(`tick@${clock.now()}`))
    await app.start()
    await clock.advance(1_000)
    class LateService extends Service {
      override async initialize() {
        calls.push('late:init-begin')
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 1_500))
        calls.push('late:init-end')
      }
    }
    class LateModule extends Module {
      override initialize() {
        calls.push('module:init')
      }
    }
    app.addService(LateService)
    app.addModule(LateModule)
    await clock.advance(3_000)
    // The tick due at 2000 waited for the late initializers (done at 2500); the schedule then goes on as before.
    expect(calls).toEqual(['tick@1000', 'late:init-begin', 'late:init-end', 'module:init', 'tick@2500', 'tick@3000', 'tick@4000'])
  })

  it('a late service whose initialize() fails stops the app with exit code 1', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = new Application({ logger, clock, handleSignals: false })
    apps.push(app)
    await app.start()
    class Broken extends Service {
      override initialize(): void {
        throw new Error('late init failed')
      }
    }
    app.addService(Broken)
    await expect(app.run()).resolves.toBe(1)
    expect(lines.find((l) => l.service === 'Broken' && l.level === 50)?.msg).toMatch(/Broken/)
  })
})

describe('the clock of the options', () => {
  it('drives the ticks, the TaskService timeouts and Service.tasks', async () => {
    const clock = new TestClock()
    class Poller extends Service {
      runs = 0
      override initialize() {
        this.tasks.registerTask('poll', () => void this.runs++, { interval: 50 })
      }
    }
    const { app, ticks } = make(clock, 100)
    const poller = app.addService(Poller)
    await app.start()
    const handle = app.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { timeoutMs: 120 })
    await clock.advance(250)
    expect(ticks).toEqual([100, 200])
    expect(poller.runs).toBe(5)
    expect(handle.state).toBe('cancelled')
    await app.stop()
    expect(clock.pending).toBe(0)
  })

  it('with the default real clock under vi fake timers: ticks, task timeouts and waitFor follow the faked timers', async () => {
    vi.useFakeTimers()
    try {
      const app = await createTestApplication()
      let ticks = 0
      app.pubsub.subscribe(Messages.ApplicationTick, () => void ticks++)
      const [quick] = app.taskService.schedule(async () => 5)
      expect(await quick!.result).toBe(5)
      const slow = app.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { timeoutMs: 100 })
      await vi.advanceTimersByTimeAsync(3000)
      expect(ticks).toBe(3)
      expect(slow.state).toBe('cancelled')
      const waiting = app.pubsub.waitFor('Never!', { timeoutMs: 50 }).catch((e: unknown) => e)
      await vi.advanceTimersByTimeAsync(50)
      expect(((await waiting) as Error).name).toBe('TimeoutError')
      const stopping = app.stop()
      await vi.advanceTimersByTimeAsync(10)
      expect(await stopping).toBe(0)
      // The loop monitor runs on the real timers, captured at load: it leaves no faked timer behind either.
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
