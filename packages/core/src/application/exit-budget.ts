/**
 * The budget rules of exit-time (spec §2a): every finalize step gets its own deadline, bounded by
 * `[Application] finalize_timeout` and by what is left of `exitTimeoutMs`, minus the share reserved for the steps
 * after it. How a step runs is `finalize-step.ts`'s; the order of the steps is the lifecycle runner's.
 */
import type { Clock } from '../clock/clock.js'

// At most this long between a step's signal and its deadline: time to wrap up and say what it leaves behind.
const MAX_GRACE_MS = 250

/** When a finalize step's signal aborts and when the step is abandoned (clock time). @internal */
export interface StepDeadline {
  readonly signalAt: number
  readonly deadline: number
}

const grace = (ms: number): number => Math.min(MAX_GRACE_MS, ms / 10)

/**
 * Deadlines for a known sequence of finalize steps.
 *
 * Every step that may take time (weight 1; a no-op hook has weight 0) is guaranteed an equal share of the exit
 * budget: `min(finalizeTimeoutMs, exitTimeoutMs / total weight)`. A step may use whatever earlier steps left over,
 * but never the shares of the weighted steps after it, and its signal aborts after `finalizeTimeoutMs` at most. A
 * step is abandoned a grace period after its signal (a tenth of its time, at most 250 ms); when the budget is what
 * limits it, that grace is taken from its own time. So one step that hangs for ever is abandoned, every later step
 * still gets at least its share, and the whole of exit-time ends within `exitTimeoutMs`.
 *
 * @internal
 */
export class ExitBudget {
  /** When the whole of exit-time must be over (clock time). */
  readonly deadline: number
  /** What each weighted step is guaranteed, in ms. */
  readonly shareMs: number
  readonly #clock: Clock
  readonly #finalizeTimeoutMs: number
  // Weight of the steps that have not started yet: their shares are off limits to the current one.
  #weightLeft: number

  constructor(clock: Clock, exitTimeoutMs: number, finalizeTimeoutMs: number, totalWeight: number) {
    this.#clock = clock
    this.#finalizeTimeoutMs = finalizeTimeoutMs
    this.#weightLeft = totalWeight
    this.deadline = clock.now() + exitTimeoutMs
    this.shareMs = Math.min(finalizeTimeoutMs, exitTimeoutMs / Math.max(1, totalWeight))
  }

  /** The signal time and deadline of the step starting now, whose weight is `weight`. */
  next(weight: number): StepDeadline {
    this.#weightLeft = Math.max(0, this.#weightLeft - weight)
    const now = this.#clock.now()
    const budgetEnd = this.deadline - this.shareMs * this.#weightLeft
    const timeout = this.#finalizeTimeoutMs
    if (now + timeout + grace(timeout) <= budgetEnd) return { signalAt: now + timeout, deadline: now + timeout + grace(timeout) }
    const deadline = Math.max(now, budgetEnd)
    return { signalAt: deadline - grace(deadline - now), deadline }
  }
}
