import { describe, expect, it } from 'vitest'
import { realClock } from '../../src/clock/clock.js'
import { stamp } from '../../src/internal/stamp.js'
import { TestClock } from '../../src/testing/test-clock.js'

function busyWait(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // spin: time must pass inside one synchronous run
  }
}

describe('stamp()', () => {
  it('reads any clock other than the real one every time', async () => {
    const clock = new TestClock({ now: 5 })
    expect(stamp(clock)).toBe(5)
    await clock.advance(7)
    expect(stamp(clock)).toBe(12)
  })

  it('shares one real-clock reading between at most 32 stamps of one synchronous run', () => {
    const values: number[] = []
    for (let i = 0; i < 96; i++) {
      values.push(stamp(realClock))
      busyWait(0.05)
    }
    // 96 stamps, a fresh reading every 32: exactly three distinct values, never going back.
    expect(new Set(values).size).toBe(3)
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!)
  })

  it('reads the real clock afresh in the next run of code', async () => {
    const first = stamp(realClock)
    busyWait(3)
    expect(stamp(realClock)).toBe(first) // same synchronous run: the shared reading
    await Promise.resolve()
    const next = stamp(realClock)
    expect(next).toBeGreaterThanOrEqual(first + 3)
    expect(next).toBeLessThanOrEqual(realClock.now())
  })
})
