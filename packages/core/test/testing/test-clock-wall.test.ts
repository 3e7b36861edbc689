import { afterEach, describe, expect, it, vi } from 'vitest'
import { realClock } from '../../src/clock/clock.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { silentLogger } from '../support/logs.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('TestClock wall time', () => {
  it('starts at options.wallTime (a number or a Date) and moves with advance()', async () => {
    const clock = new TestClock({ now: 500, wallTime: new Date('2030-06-01T00:00:00Z') })
    expect(clock.wallNow()).toBe(Date.UTC(2030, 5, 1))
    await clock.advance(1_500)
    expect(clock.now()).toBe(2_000)
    expect(clock.wallNow()).toBe(Date.UTC(2030, 5, 1) + 1_500)
    expect(new TestClock({ wallTime: 42 }).wallNow()).toBe(42)
  })

  it('defaults to the real wall time when created', () => {
    const before = Date.now()
    const wall = new TestClock().wallNow()
    expect(wall).toBeGreaterThanOrEqual(before)
    expect(wall).toBeLessThanOrEqual(Date.now())
  })

  it('moves with runAll() to each timer it fires', async () => {
    const clock = new TestClock({ wallTime: 1_000_000 })
    const seen: number[] = []
    clock.setTimeout(() => seen.push(clock.wallNow()), 250)
    clock.setTimeout(() => seen.push(clock.wallNow()), 100)
    await clock.runAll()
    expect(seen).toEqual([1_000_100, 1_000_250])
  })

  it('setWallTime() changes the wall time only: now() and the armed timers stay', async () => {
    const clock = new TestClock({ wallTime: 0 })
    let fired = 0
    clock.setTimeout(() => fired++, 1_000)
    clock.setWallTime(new Date('2031-01-01T00:00:00Z'))
    expect(clock.now()).toBe(0)
    expect(clock.wallNow()).toBe(Date.UTC(2031, 0, 1))
    await clock.advance(999)
    expect(fired).toBe(0)
    await clock.advance(1)
    expect(fired).toBe(1)
    expect(clock.wallNow()).toBe(Date.UTC(2031, 0, 1) + 1_000)
    clock.setWallTime(5)
    expect(clock.wallNow()).toBe(5)
  })

  it('rejects a bad wall time, naming it', () => {
    expect(() => new TestClock({ wallTime: 'today' as never })).toThrow(/Expected `options.wallTime` to be a Date or a finite number/)
    expect(() => new TestClock({ wallTime: Number.NaN })).toThrow(RangeError)
    expect(() => new TestClock({ wallTime: new Date('not a date') })).toThrow(/Expected `options.wallTime` to be a valid Date/)
    const clock = new TestClock()
    expect(() => clock.setWallTime(Infinity)).toThrow(/Expected `time` to be a finite number/)
    expect(() => clock.setWallTime(null as never)).toThrow(TypeError)
  })
})

describe('realClock.wallNow()', () => {
  it('is Date.now(), looked up at call time so fake timers apply', () => {
    expect(Math.abs(realClock.wallNow() - Date.now())).toBeLessThan(50)
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1), toFake: ['Date'] })
    expect(realClock.wallNow()).toBe(Date.UTC(2030, 0, 1))
  })

  it('drives a cron schedule on the real clock (under fake timers)', async () => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const manager = new TaskManager({ logger: silentLogger() })
    const fires: string[] = []
    manager.registerCron('beat', '* * * * * *', () => void fires.push(new Date().toISOString()))
    await turns() // the schedule starts on the next turn and arms its timer
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1_000)
      await turns()
    }
    expect(fires).toEqual(['2030-01-01T00:00:01.000Z', '2030-01-01T00:00:02.000Z', '2030-01-01T00:00:03.000Z'])
    await manager.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })
})
