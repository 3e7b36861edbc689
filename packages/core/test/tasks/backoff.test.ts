/**
 * Backoff options and the delay formula used by `runForever` restarts: defaults, validation, exponential growth,
 * the cap, and the jitter bounds.
 */
import { describe, expect, it } from 'vitest'
import { backoffDelay, resolveBackoff } from '../../src/tasks/backoff.js'

describe('resolveBackoff()', () => {
  it('fills in the documented defaults', () => {
    expect(resolveBackoff(undefined)).toEqual({ initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2, resetAfterMs: 60_000 })
    expect(resolveBackoff({})).toEqual(resolveBackoff(undefined))
  })

  it('keeps the given values', () => {
    const options = { initialMs: 5, maxMs: 50, factor: 1.5, jitter: 0, resetAfterMs: 0 }
    expect(resolveBackoff(options)).toEqual(options)
    expect(resolveBackoff({ initialMs: 0, maxMs: 0, jitter: 1, factor: 1 })).toMatchObject({ initialMs: 0, maxMs: 0, jitter: 1, factor: 1 })
  })

  it.each([
    [null, TypeError, 'Expected `backoff` to be an object, got null (null)'],
    [[], TypeError, /^Expected `backoff` to be an object, got \[\] \(array\)/],
    [{ initialMs: -1 }, RangeError, 'Expected `backoff.initialMs` to be a finite number >= 0, got -1 (number)'],
    [{ initialMs: Infinity }, RangeError, /^Expected `backoff.initialMs`/],
    [{ initialMs: '1' }, TypeError, /^Expected `backoff.initialMs`/],
    [{ maxMs: 50 }, RangeError, 'Expected `backoff.maxMs` to be a finite number >= 100, got 50 (number)'],
    [{ maxMs: Number.NaN }, RangeError, /^Expected `backoff.maxMs`/],
    [{ factor: 0.99 }, RangeError, /^Expected `backoff.factor` to be a finite number >= 1/],
    [{ jitter: -0.1 }, RangeError, /^Expected `backoff.jitter` to be a finite number >= 0 <= 1/],
    [{ jitter: 1.01 }, RangeError, /^Expected `backoff.jitter`/],
    [{ resetAfterMs: -5 }, RangeError, /^Expected `backoff.resetAfterMs`/],
  ])('rejects %j', (options, ErrorType, message) => {
    expect(() => resolveBackoff(options as never)).toThrow(ErrorType)
    expect(() => resolveBackoff(options as never)).toThrow(message)
  })

  it('names the given path in errors', () => {
    expect(() => resolveBackoff({ factor: 0 }, 'fns[3].backoff')).toThrow(/^Expected `fns\[3\].backoff.factor`/)
  })
})

describe('backoffDelay()', () => {
  const mid = (): number => 0.5 // no spread

  it('starts at initialMs and grows by factor per consecutive attempt, capped at maxMs', () => {
    const b = resolveBackoff({ initialMs: 100, factor: 2, maxMs: 1_000 })
    expect([1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffDelay(b, attempt, mid))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000])
  })

  it('treats attempt 0 like the first attempt', () => {
    const b = resolveBackoff({ initialMs: 100 })
    expect(backoffDelay(b, 0, mid)).toBe(100)
  })

  it('stays constant with factor 1', () => {
    const b = resolveBackoff({ initialMs: 250, factor: 1 })
    expect([1, 5, 50].map((attempt) => backoffDelay(b, attempt, mid))).toEqual([250, 250, 250])
  })

  it('spreads by ±jitter: the ends of the range at random 0 and 1', () => {
    const b = resolveBackoff({ initialMs: 100, factor: 2, maxMs: 10_000, jitter: 0.2 })
    expect(backoffDelay(b, 1, () => 0)).toBeCloseTo(80)
    expect(backoffDelay(b, 1, () => 1)).toBeCloseTo(120)
    expect(backoffDelay(b, 3, () => 0)).toBeCloseTo(320)
    expect(backoffDelay(b, 3, () => 1)).toBeCloseTo(480)
  })

  it('never exceeds maxMs, even with jitter, and is never negative', () => {
    const b = resolveBackoff({ initialMs: 100, maxMs: 300, jitter: 1 })
    expect(backoffDelay(b, 10, () => 1)).toBe(300)
    expect(backoffDelay(b, 1, () => 0)).toBe(0)
    expect(backoffDelay(resolveBackoff({ initialMs: 0, maxMs: 0 }), 7, () => 1)).toBe(0)
  })

  it('stays within the bounds with the real random source', () => {
    const b = resolveBackoff({ initialMs: 100, factor: 3, maxMs: 5_000, jitter: 0.25 })
    const seen = new Set<number>()
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(5_000, 100 * 3 ** (attempt - 1))
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(b, attempt)
        expect(delay).toBeGreaterThanOrEqual(base * 0.75)
        expect(delay).toBeLessThanOrEqual(Math.min(5_000, base * 1.25))
        if (attempt === 1) seen.add(Math.round(delay))
      }
    }
    expect(seen.size).toBeGreaterThan(5) // it is actually spread
  })

  it('stays a finite delay in [0, maxMs] however many restarts there were (initialMs 0 once overflowed to NaN)', () => {
    const zero = resolveBackoff({ initialMs: 0, maxMs: 0, jitter: 0 })
    const zeroWithRoom = resolveBackoff({ initialMs: 0, maxMs: 1_000, jitter: 1 })
    const grows = resolveBackoff({ initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 })
    const flat = resolveBackoff({ initialMs: 50, maxMs: 50, factor: 1 })
    for (const attempt of [1, 1_024, 1_025, 1_026, 2_000, 1e6, Number.MAX_SAFE_INTEGER]) {
      for (const random of [() => 0, () => 0.5, () => 0.999999]) {
        expect(backoffDelay(zero, attempt, random)).toBe(0)
        expect(backoffDelay(zeroWithRoom, attempt, random)).toBe(0)
        const delay = backoffDelay(grows, attempt, random)
        expect(Number.isFinite(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(30_000)
        expect(backoffDelay(flat, attempt, random)).toBeCloseTo(Math.min(50, 50 + 50 * 0.2 * (2 * random() - 1)))
      }
    }
    expect(backoffDelay(grows, 2_000, () => 0.5)).toBe(30_000)
  })
})
