/**
 * TestClock and realClock (spec §8), black-box through `@tsab/core` and `@tsab/core/testing`: deadline order, the
 * promise jobs between timers, `pending`, `runAll`, TestClock next to vitest's fake timers, and an application driven
 * by it through `createTestApplication`. The wall time is in test-clock-wall.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Application, Messages, realClock, sleep, TaskManager, TimeoutError, withTimeout, type Clock } from '@tsab/core'
import { createTestApplication, TestClock } from '@tsab/core/testing'
import { realSleep, turns } from '../support/event-loop.js'
import { silentLogger } from '../support/logs.js'
import { peek } from '../support/promises.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

afterEach(async () => {
  vi.useRealTimers()
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

describe('realClock', () => {
  it('is a Clock exported from @tsab/core: now() in ms, setTimeout fires, clearTimeout disarms', async () => {
    const clock: Clock = realClock
    const t0 = clock.now()
    const fired: string[] = []
    clock.setTimeout(() => void fired.push('a'), 5)
    const h = clock.setTimeout(() => void fired.push('b'), 5)
    clock.clearTimeout(h)
    await realSleep(60)
    expect(fired).toEqual(['a'])
    expect(clock.now() - t0).toBeGreaterThanOrEqual(4)
  })
})

describe('TestClock', () => {
  it('fires due timers in deadline order, equal deadlines in creation order; now() is the deadline inside', async () => {
    const clock = new TestClock()
    const fired: Array<[string, number]> = []
    const at = (name: string) => () => void fired.push([name, clock.now()])
    clock.setTimeout(at('c30'), 30)
    clock.setTimeout(at('a10'), 10)
    clock.setTimeout(at('b10'), 10)
    clock.setTimeout(at('d0'), 0)
    clock.setTimeout(at('late'), 101)
    expect(clock.pending).toBe(5)
    await clock.advance(100)
    expect(fired).toEqual([['d0', 0], ['a10', 10], ['b10', 10], ['c30', 30]])
    expect(clock.now()).toBe(100)
    expect(clock.pending).toBe(1)
    await clock.advance(1)
    expect(fired.at(-1)).toEqual(['late', 101])
    expect(clock.pending).toBe(0)
  })

  it('equal deadlines from different arming times and delays fire in creation order', async () => {
    const clock = new TestClock()
    const order: string[] = []
    clock.setTimeout(() => void order.push('first (armed at 0 for 50)'), 50)
    await clock.advance(20)
    clock.setTimeout(() => void order.push('second (armed at 20 for 30)'), 30)
    await clock.advance(30)
    expect(order).toEqual(['first (armed at 0 for 50)', 'second (armed at 20 for 30)'])
  })

  it('after each timer lets promise jobs and immediates run: work a timer starts, and the timers it arms, run in the same advance', async () => {
    const clock = new TestClock()
    const log: string[] = []
    clock.setTimeout(() => {
      log.push('t1')
      void (async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve()
        await new Promise<void>((resolve) => setImmediate(resolve))
        log.push('after immediate')
        clock.setTimeout(() => {
          log.push('t2')
          setImmediate(() => clock.setTimeout(() => void log.push('t3'), 10))
        }, 10)
      })()
    }, 10)
    clock.setTimeout(() => void log.push('other at 15'), 15)
    await clock.advance(30)
    expect(log).toEqual(['t1', 'after immediate', 'other at 15', 't2', 't3'])
    expect(clock.now()).toBe(30)
    expect(clock.pending).toBe(0)
  })

  it('a timer armed by a callback but due after the target stays armed', async () => {
    const clock = new TestClock()
    const log: number[] = []
    clock.setTimeout(() => clock.setTimeout(() => void log.push(clock.now()), 50), 10)
    await clock.advance(30)
    expect(log).toEqual([])
    expect(clock.pending).toBe(1)
    await clock.advance(30)
    expect(log).toEqual([60])
  })

  it('pending counts armed timers: clearTimeout and firing both decrement it; clearing twice changes nothing', async () => {
    const clock = new TestClock()
    const a = clock.setTimeout(() => {}, 10)
    clock.setTimeout(() => {}, 20)
    expect(clock.pending).toBe(2)
    clock.clearTimeout(a)
    clock.clearTimeout(a)
    expect(clock.pending).toBe(1)
    await clock.advance(20)
    expect(clock.pending).toBe(0)
  })

  it('runAll fires every timer, also those armed while running', async () => {
    const clock = new TestClock()
    let n = 0
    const again = (): void => { if (++n < 5) clock.setTimeout(again, 1_000) }
    clock.setTimeout(again, 1_000)
    await clock.runAll()
    expect(n).toBe(5)
    expect(clock.now()).toBe(5_000)
    expect(clock.pending).toBe(0)
  })

  it('advance with a bad number throws synchronously', () => {
    const clock = new TestClock()
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError)
    expect(() => clock.advance('1' as never)).toThrow(TypeError)
  })

  it('drives sleep and withTimeout through their { clock } option', async () => {
    const clock = new TestClock()
    const slept = sleep(1_000, { clock })
    expect((await peek(slept)).state).toBe('pending')
    await clock.advance(1_000)
    expect((await peek(slept)).state).toBe('fulfilled')
    const timed = withTimeout((signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))), 500, { clock }).catch((e: unknown) => e)
    await clock.advance(499)
    expect((await peek(timed)).state).toBe('pending')
    await clock.advance(1)
    const error = await timed
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).timeoutMs).toBe(500)
    expect(clock.pending).toBe(0)
  })

  it('is independent of vitest fake timers (default toFake): advancing one never moves the other', async () => {
    vi.useFakeTimers()
    const clock = new TestClock()
    const tm = new TaskManager({ clock, logger: silentLogger() })
    const runs: number[] = []
    tm.registerTask('tick', async () => { await Promise.resolve(); runs.push(clock.now()) }, { interval: 100 })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs).toEqual([])
    await clock.advance(300)
    expect(runs).toEqual([100, 200, 300])
    const slept = sleep(50, { clock })
    await clock.advance(50)
    await expect(slept).resolves.toBeUndefined()
    await tm.shutdownTaskManager()
    expect(clock.pending).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('TestClock driving an application', () => {
  it('builds the given class with the given options; the app clock drives ticks and Service.tasks', async () => {
    const clock = new TestClock()
    class MyApp extends Application {
      mainCalled = false
      protected override main(): void { this.mainCalled = true }
    }
    const app = await createTestApplication({ clock, name: 't' }, MyApp)
    expect(app).toBeInstanceOf(MyApp)
    expect(app.mainCalled).toBe(true)
    expect(app.name).toBe('t')
    let ticks = 0
    app.pubsub.subscribe(Messages.ApplicationTick, () => void ticks++)
    await clock.advance(3_000)
    expect(ticks).toBe(3)
    await app.stop()
    expect(clock.pending).toBe(0)
  })
})
