import { describe, expect, it } from 'vitest'
import { asCompleted } from '../../src/concurrency/as-completed.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

function later<T>(clock: TestClock, ms: number, value: T, fail = false): Promise<T> {
  return sleep(ms, { clock }).then(() => {
    if (fail) throw value
    return value
  })
}

async function collect<T>(iterable: AsyncIterable<T>, into: T[]): Promise<void> {
  for await (const item of iterable) into.push(item)
}

describe('asCompleted()', () => {
  it('yields the original objects in completion order, failures included', async () => {
    const clock = new TestClock()
    const a = later(clock, 30, 'a')
    const b = later(clock, 10, new Error('b'), true)
    const c = later(clock, 20, 'c')
    const seen: Array<Promise<unknown>> = []
    const done = collect(asCompleted<Promise<unknown>>([a, b, c]), seen)
    await clock.advance(30)
    await done
    expect(seen[0]).toBe(b)
    expect(seen[1]).toBe(c)
    expect(seen[2]).toBe(a)
    await expect(b).rejects.toThrow('b')
  })

  it('ends at once for no tasks', async () => {
    const seen: unknown[] = []
    await collect(asCompleted([]), seen)
    expect(seen).toEqual([])
  })

  it('at the timeout throws TimeoutError after what settled before, and leaves the rest running', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const fast = later(clock, 10, 'fast')
    const slow = sleep(100, { clock, signal: controller.signal }).then(() => 'slow')
    const iterator = asCompleted([fast, slow], { timeoutMs: 50, clock })[Symbol.asyncIterator]()
    await clock.advance(50)
    expect(await iterator.next()).toEqual({ value: fast, done: false })
    const error = await iterator.next().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).timeoutMs).toBe(50)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    expect(controller.signal.aborted).toBe(false)
    await clock.advance(50)
    await expect(slow).resolves.toBe('slow')
    expect(clock.pending).toBe(0)
  })

  it('rejects a pending next() at the deadline', async () => {
    const clock = new TestClock()
    const slow = later(clock, 100, 'slow')
    const iterator = asCompleted([slow], { timeoutMs: 10, clock })[Symbol.asyncIterator]()
    const next = iterator.next()
    next.catch(() => {})
    await clock.advance(10)
    await expect(next).rejects.toBeInstanceOf(TimeoutError)
    await clock.advance(90)
  })

  it('clears its timer once every task has settled', async () => {
    const clock = new TestClock()
    const seen: unknown[] = []
    await collect(asCompleted([Promise.resolve(1)], { timeoutMs: 1_000, clock }), seen)
    expect(seen).toHaveLength(1)
    expect(clock.pending).toBe(0)
  })

  it('clears its timer and listener when the loop is left early', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const tasks = [Promise.resolve(1), later(clock, 100, 2)]
    for await (const task of asCompleted(tasks, { timeoutMs: 1_000, clock, signal: controller.signal })) {
      expect(task).toBe(tasks[0])
      break
    }
    expect(abortListeners(controller.signal)).toBe(0)
    expect(clock.pending).toBe(1) // the task's own sleep
    await clock.advance(100)
  })

  it('throws CancelledError(reason) when its signal aborts', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const slow = later(clock, 100, 'slow')
    const iterator = asCompleted([slow], { signal: controller.signal })[Symbol.asyncIterator]()
    const next = iterator.next()
    next.catch(() => {})
    controller.abort('stop')
    await expect(next).rejects.toMatchObject({ reason: 'stop' })
    await expect(next).rejects.toBeInstanceOf(CancelledError)
    expect(abortListeners(controller.signal)).toBe(0)
    await clock.advance(100)
  })

  it('with an already aborted signal throws on the first next() and adds no listener', async () => {
    const controller = new AbortController()
    controller.abort('before')
    const iterable = asCompleted([Promise.resolve(1)], { signal: controller.signal })
    expect(abortListeners(controller.signal)).toBe(0)
    await expect(iterable[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(CancelledError)
    await turns()
  })

  it('validates its input synchronously', () => {
    expect(() => asCompleted(3 as never)).toThrow(TypeError)
    expect(() => asCompleted([1 as never])).toThrow(TypeError)
    expect(() => asCompleted([], { timeoutMs: -1 })).toThrow(RangeError)
  })
})
