/**
 * The helpers behind `@tsab/core/support` (argument checks, promise observation, the bounded wait, straggler
 * summaries, the heap, the never-throwing logger, wall time on a Clock), tested through that entry point as other
 * tsab packages use them.
 */
import { describe, expect, it } from 'vitest'
import {
  BinaryHeap,
  assertNonEmptyString,
  assertNumber,
  assertOptionalBoolean,
  assertOptionalNumber,
  assertOptionalObject,
  describeValue,
  expectedMessage,
  guardLogger,
  isThenable,
  observed,
  rejected,
  summarizeNames,
  wallTime,
  within,
} from '../../src/support/index.js'
import { TestClock } from '../../src/testing/index.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { memoryLogger, throwingLogger } from '../support/logs.js'
import { deferred } from '../support/promises.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

describe('argument checks', () => {
  it('describe values and build the "Expected …, got …" message', () => {
    expect(describeValue(-5)).toBe('-5 (number)')
    expect(describeValue('x'.repeat(100))).toMatch(/^"x{57}\.\.\." \(string\)$/)
    expect(describeValue({ get a(): never { throw new Error('no') } })).toBe('[object Object] (object)')
    expect(expectedMessage('options.attempts', 'an integer >= 1', 0)).toBe('Expected `options.attempts` to be an integer >= 1, got 0 (number)')
  })

  it('throw TypeError for a wrong type and RangeError for a bad value, and let good values through', () => {
    expect(() => assertNonEmptyString('name', 1)).toThrow(TypeError)
    expect(() => assertNonEmptyString('name', '')).toThrow(RangeError)
    expect(() => assertNumber('n', '1')).toThrow(TypeError)
    expect(() => assertNumber('n', 1.5, { integer: true })).toThrow('Expected `n` to be an integer, got 1.5 (number)')
    expect(() => assertNumber('n', Infinity)).toThrow(RangeError)
    expect(() => assertNumber('n', Infinity, { allowInfinity: true })).not.toThrow()
    expect(() => assertOptionalNumber('n', undefined, { min: 1 })).not.toThrow()
    expect(() => assertOptionalNumber('n', 0, { min: 1 })).toThrow('Expected `n` to be a finite number >= 1, got 0 (number)')
    expect(() => assertOptionalBoolean('b', 'yes')).toThrow('Expected `b` to be a boolean, got "yes" (string)')
    expect(() => assertOptionalObject('options', [])).toThrow(TypeError)
    expect(isThenable({ then: () => {} })).toBe(true)
    expect(isThenable({ then: 1 })).toBe(false)
  })
})

describe('observed() and rejected()', () => {
  it('hand out a rejection nobody handles yet without an unhandledRejection, and still deliver it', async () => {
    const failing = observed(Promise.reject(new Error('late')))
    const refused = rejected<number>(new TypeError('bad'))
    await turns(3)
    expect(unhandled).toEqual([])
    await expect(failing).rejects.toThrow('late')
    await expect(refused).rejects.toThrow(TypeError)
  })
})

describe('within()', () => {
  it('resolves true when the work settles in time (resolved or rejected), false at the deadline; clears its timer', async () => {
    const clock = new TestClock()
    const work = deferred()
    const result = within(work.promise, 100, clock)
    expect(clock.pending).toBe(1)
    work.resolve()
    expect(await result).toBe(true)
    expect(clock.pending).toBe(0)
    expect(await within(Promise.reject(new Error('x')), 100, clock)).toBe(true)
    const late = within(new Promise(() => {}), 100, clock)
    await clock.advance(100)
    expect(await late).toBe(false)
    expect(clock.pending).toBe(0)
  })

  it('gives up when the signal aborts, and removes its listener either way; Infinity arms no timer', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    const waiting = within(new Promise(() => {}), Infinity, clock, controller.signal)
    expect(clock.pending).toBe(0)
    expect(abortListeners(controller.signal)).toBe(1)
    controller.abort()
    expect(await waiting).toBe(false)
    expect(abortListeners(controller.signal)).toBe(0)
    expect(await within(Promise.resolve(), 10, clock, AbortSignal.abort())).toBe(false)
  })
})

describe('summarizeNames()', () => {
  it('groups equal names with counts, most frequent first, and cuts the list after the limit', () => {
    expect(summarizeNames([])).toEqual({ total: 0, groups: [], more: 0, text: '(none)' })
    const summary = summarizeNames(['b', 'a', 'a', 'c', 'a', 'b', 'd'], 2)
    expect(summary.total).toBe(7)
    expect(summary.groups).toEqual([{ name: 'a', count: 3 }, { name: 'b', count: 2 }])
    expect(summary.more).toBe(2)
    expect(summary.text).toBe('a ×3, b ×2 … and 2 more')
    expect(summarizeNames(['x'.repeat(500)]).text).toHaveLength(200)
  })
})

describe('BinaryHeap', () => {
  it('pops in comparator order, FIFO among equals with a sequence number; peek, size and clear', () => {
    const heap = new BinaryHeap<{ p: number; seq: number }>((a, b) => a.p < b.p || (a.p === b.p && a.seq < b.seq))
    const items = [5, 1, 3, 1, 4, 1, 2].map((p, seq) => ({ p, seq }))
    for (const item of items) heap.push(item)
    expect(heap.size).toBe(7)
    expect(heap.peek()).toEqual({ p: 1, seq: 1 })
    const out: string[] = []
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(`${item.p}/${item.seq}`)
    expect(out).toEqual(['1/1', '1/3', '1/5', '2/6', '3/2', '4/4', '5/0'])
    heap.push({ p: 0, seq: 9 })
    heap.clear()
    expect(heap.size).toBe(0)
    expect(heap.pop()).toBeUndefined()
  })

  it('keeps order over many random pushes and pops', () => {
    const heap = new BinaryHeap<number>((a, b) => a < b)
    const values = Array.from({ length: 2_000 }, (_, i) => (i * 7919) % 1_009)
    for (const value of values) heap.push(value)
    const popped: number[] = []
    while (heap.size > 0) popped.push(heap.pop()!)
    expect(popped).toEqual([...values].sort((a, b) => a - b))
  })
})

describe('guardLogger()', () => {
  it('never throws: a broken destination is swallowed, an unprintable object is retried with the message alone', () => {
    const broken = throwingLogger()
    expect(() => guardLogger(broken.logger).error({ task: 'x' }, 'Task "x" failed')).not.toThrow()
    expect(broken.attempts()).toBe(2)
    const { logger, lines } = memoryLogger()
    const unprintable = new Error('placeholder')
    Object.defineProperty(unprintable, 'stack', { get: (): never => { throw new Error('stack getter exploded') } })
    Object.defineProperty(unprintable, 'message', { get: (): never => { throw new Error('message getter exploded') } })
    guardLogger(logger).error({ err: unprintable }, 'Job "resize" failed')
    expect(lines).toEqual([expect.objectContaining({ msg: 'Job "resize" failed', logError: 'the log object could not be written' })])
  })
})

describe('wallTime()', () => {
  it("follows the clock's own wallNow() (a TestClock's wall time moves with advance())", async () => {
    const clock = new TestClock({ wallTime: new Date('2030-01-01T00:00:00Z') })
    const now = wallTime(clock)
    expect(now()).toBe(Date.UTC(2030, 0, 1))
    await clock.advance(60_000)
    expect(now()).toBe(Date.UTC(2030, 0, 1) + 60_000)
  })

  it('derives the wall time from Date.now() and the clock for a clock without wallNow()', async () => {
    const testClock = new TestClock()
    const bare = { now: () => testClock.now(), setTimeout: testClock.setTimeout.bind(testClock), clearTimeout: testClock.clearTimeout.bind(testClock) }
    const before = Date.now()
    const now = wallTime(bare as never)
    const start = now()
    expect(start).toBeGreaterThanOrEqual(before)
    await testClock.advance(60_000)
    expect(now() - start).toBe(60_000)
  })
})
