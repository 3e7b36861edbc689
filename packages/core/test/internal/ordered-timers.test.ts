import { afterEach, describe, expect, it, vi } from 'vitest'
import { realClock } from '../../src/clock/clock.js'
import { OrderedTimers } from '../../src/internal/ordered-timers.js'
import { TestClock } from '../../src/testing/test-clock.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('OrderedTimers on the real clock', () => {
  it('fires equal deadlines in arming order, each after the promise jobs of the one before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const timers = new OrderedTimers(realClock)
    const log: string[] = []
    const now = realClock.now()
    timers.at(now + 50, () => {
      log.push('a')
      void Promise.resolve().then(() => log.push('a-job')).then(() => log.push('a-job-2'))
    })
    timers.at(now + 50, () => log.push('b'))
    timers.at(now + 20, () => log.push('early'))
    expect(vi.getTimerCount()).toBe(1) // one Node timer for all of them
    await vi.advanceTimersByTimeAsync(60)
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['early', 'a', 'a-job', 'a-job-2', 'b'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('fires a later deadline after an earlier one even when its Node timer would be due first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const timers = new OrderedTimers(realClock)
    const log: string[] = []
    const now = realClock.now()
    timers.at(now + 100.4, () => log.push('later'))
    timers.at(now + 100.2, () => log.push('sooner'))
    await vi.advanceTimersByTimeAsync(101)
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['sooner', 'later'])
  })

  it('clears its Node timer when the last entry is cancelled', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const timers = new OrderedTimers(realClock)
    const a = timers.at(realClock.now() + 10, () => {})
    const b = timers.at(realClock.now() + 20, () => {})
    timers.cancel(a)
    expect(vi.getTimerCount()).toBe(1)
    timers.cancel(b)
    timers.cancel(b)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('OrderedTimers on another clock', () => {
  it('arms one clock timer per entry and leaves the ordering to that clock', async () => {
    const clock = new TestClock()
    const timers = new OrderedTimers(clock)
    const log: string[] = []
    timers.at(10, () => log.push('a'))
    const b = timers.at(10, () => log.push('b'))
    timers.at(10, () => log.push('c'))
    expect(clock.pending).toBe(3)
    timers.cancel(b)
    expect(clock.pending).toBe(2)
    await clock.advance(10)
    expect(log).toEqual(['a', 'c'])
    expect(clock.pending).toBe(0)
  })
})
