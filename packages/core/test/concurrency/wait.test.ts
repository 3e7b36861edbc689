import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/concurrency/sleep.js'
import { wait } from '../../src/concurrency/wait.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

function later<T>(clock: TestClock, ms: number, value: T, fail = false): Promise<T> {
  return sleep(ms, { clock }).then(() => {
    if (fail) throw value
    return value
  })
}

describe('wait()', () => {
  it('ALL_COMPLETED (the default) waits for every task and returns the original objects', async () => {
    const clock = new TestClock()
    const a = later(clock, 10, 'a')
    const b = later(clock, 20, new Error('b'), true)
    const result = outcome(wait([a, b]))
    await clock.advance(10)
    expect(result.state).toBe('pending')
    await clock.advance(10)
    expect(result.state).toBe('resolved')
    expect(result.value!.done).toEqual(new Set([a, b]))
    expect([...result.value!.done][0]).toBe(a)
    expect(result.value!.pending.size).toBe(0)
  })

  it('FIRST_COMPLETED returns as soon as one settles', async () => {
    const clock = new TestClock()
    const a = later(clock, 10, 'a')
    const b = later(clock, 20, 'b')
    const result = outcome(wait([a, b], { returnWhen: 'FIRST_COMPLETED' }))
    await clock.advance(10)
    expect(result.value).toEqual({ done: new Set([a]), pending: new Set([b]) })
    expect(result.value!.pending.has(b)).toBe(true)
    await clock.advance(10)
  })

  it('reports every task that settled in the same turn as done', async () => {
    const a = Promise.resolve(1)
    const b = Promise.resolve(2)
    const { done, pending } = await wait([a, b], { returnWhen: 'FIRST_COMPLETED' })
    expect(done.size).toBe(2)
    expect(pending.size).toBe(0)
  })

  it('FIRST_EXCEPTION returns at the first rejection, resolving (never rejecting)', async () => {
    const clock = new TestClock()
    const ok = later(clock, 5, 'ok')
    const bad = later(clock, 10, new Error('bad'), true)
    const slow = later(clock, 100, 'slow')
    const result = outcome(wait([ok, bad, slow], { returnWhen: 'FIRST_EXCEPTION' }))
    await clock.advance(5)
    expect(result.state).toBe('pending')
    await clock.advance(5)
    expect(result.state).toBe('resolved')
    expect(result.value!.done).toEqual(new Set([ok, bad]))
    expect(result.value!.pending).toEqual(new Set([slow]))
    await clock.advance(90)
  })

  it('FIRST_EXCEPTION without any failure waits for all', async () => {
    const clock = new TestClock()
    const a = later(clock, 5, 'a')
    const b = later(clock, 10, 'b')
    const result = outcome(wait([a, b], { returnWhen: 'FIRST_EXCEPTION' }))
    await clock.advance(5)
    expect(result.state).toBe('pending')
    await clock.advance(5)
    expect(result.value!.done.size).toBe(2)
  })

  it('the timeout returns what is done and cancels nothing; its timer is cleared', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const a = later(clock, 10, 'a')
    const b = sleep(100, { clock, signal: controller.signal }).then(() => 'b')
    const result = outcome(wait([a, b], { timeoutMs: 50, clock }))
    await clock.advance(50)
    expect(result.value).toEqual({ done: new Set([a]), pending: new Set([b]) })
    expect(controller.signal.aborted).toBe(false)
    await clock.advance(50)
    await expect(b).resolves.toBe('b')
    expect(clock.pending).toBe(0)
  })

  it('clears the timeout timer when it returns before the deadline', async () => {
    const clock = new TestClock()
    await wait([Promise.resolve(1)], { timeoutMs: 1_000, clock })
    expect(clock.pending).toBe(0)
  })

  it('de-duplicates the same promise', async () => {
    const a = Promise.resolve(1)
    const { done } = await wait([a, a])
    expect(done.size).toBe(1)
  })

  it('rejects with CancelledError when its signal aborts, leaving the tasks alone and removing its listener', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const a = later(clock, 10, 'a')
    const result = outcome(wait([a], { signal: controller.signal, timeoutMs: 100, clock }))
    controller.abort('stop')
    await turns()
    expect((result.error as CancelledError).reason).toBe('stop')
    expect(abortListeners(controller.signal)).toBe(0)
    expect(clock.pending).toBe(1) // the task's own sleep only
    await clock.advance(10)
    await expect(a).resolves.toBe('a')
  })

  it('throws synchronously for empty or bad input', () => {
    expect(() => wait([])).toThrow(RangeError)
    expect(() => wait(5 as never)).toThrow(TypeError)
    expect(() => wait([5 as never])).toThrow(TypeError)
    expect(() => wait([Promise.resolve()], { returnWhen: 'SOMETIME' as never })).toThrow(RangeError)
    expect(() => wait([Promise.resolve()], { timeoutMs: -1 })).toThrow(RangeError)
  })

  it('accepts any iterable', async () => {
    const set = new Set([Promise.resolve(1)])
    const { done } = await wait(set.values())
    expect(done.size).toBe(1)
  })
})
