/**
 * The budget rules of exit-time (spec §2a) in isolation: equal guaranteed shares, leftovers usable, later shares off
 * limits, `finalize_timeout` as the upper bound with a grace period after the signal, never past the exit deadline.
 */
import { describe, expect, it } from 'vitest'
import { ExitBudget } from '../../src/application/exit-budget.js'
import { TestClock } from '../../src/testing/test-clock.js'

describe('ExitBudget', () => {
  it('guarantees each weighted step min(finalize_timeout, exitTimeoutMs / total weight)', () => {
    expect(new ExitBudget(new TestClock(), 3_000, 10_000, 4).shareMs).toBe(750)
    expect(new ExitBudget(new TestClock(), 30_000, 2_000, 4).shareMs).toBe(2_000)
    expect(new ExitBudget(new TestClock(), 3_000, 10_000, 0).shareMs).toBe(3_000)
  })

  it('gives a step what earlier steps left over, minus the shares of the weighted steps after it', async () => {
    const clock = new TestClock()
    const budget = new ExitBudget(clock, 3_000, 10_000, 4)
    expect(budget.next(1)).toEqual({ signalAt: 750 - 75, deadline: 750 })
    await clock.advance(10) // the first step took 10 ms
    expect(budget.next(1)).toEqual({ signalAt: 1_500 - 149, deadline: 1_500 })
    expect(budget.next(0)).toEqual({ signalAt: 1_500 - 149, deadline: 1_500 }) // a no-op step reserves nothing and frees nothing
    expect(budget.next(1)).toEqual({ signalAt: 2_250 - 224, deadline: 2_250 })
    expect(budget.next(1)).toEqual({ signalAt: 3_000 - 250, deadline: 3_000 })
  })

  it('bounds a step by finalize_timeout: the signal at finalize_timeout, the deadline a tenth of it (at most 250 ms) later', async () => {
    const clock = new TestClock()
    const budget = new ExitBudget(clock, 60_000, 10_000, 3)
    expect(budget.next(1)).toEqual({ signalAt: 10_000, deadline: 10_250 })
    const small = new ExitBudget(clock, 60_000, 1_000, 3)
    expect(small.next(1)).toEqual({ signalAt: 1_000, deadline: 1_100 })
  })

  it('never gives a deadline past the end of the exit budget, nor in the past', async () => {
    const clock = new TestClock()
    const budget = new ExitBudget(clock, 1_000, 10_000, 2)
    await clock.advance(5_000) // something overran
    expect(budget.next(1)).toEqual({ signalAt: 5_000, deadline: 5_000 })
    const zero = new ExitBudget(clock, 0, 10_000, 1)
    expect(zero.next(1)).toEqual({ signalAt: clock.now(), deadline: clock.now() })
  })
})
