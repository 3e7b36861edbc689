/**
 * Timers that fire in deadline order, equal deadlines in the order they were armed, with each one's promise jobs
 * run before the next fires. Used by the TaskManager's delays and intervals. Internal: not exported.
 *
 * A `TestClock` keeps that promise itself, so its entries are plain clock timers. Node's timers do not under load:
 * a timer armed from a callback counts from the event loop's cached time, which lags `performance.now()` while the
 * loop is busy, so a timer armed later for a later moment can fire first. For the real clock every deadline is an
 * exact clock time, one Node timer is armed for the earliest, and the entries that are due fire in order, one per
 * turn of the event loop (as separate timers would, each with its promise jobs run before the next).
 */
import { realClock, type Clock } from '../clock/clock.js'
import { BinaryHeap } from './binary-heap.js'
import { nextMacrotask } from './macrotask.js'

/** One armed deadline; pass it to {@link OrderedTimers.cancel} to disarm it. */
export interface OrderedTimer {
  readonly deadline: number
  readonly seq: number
  readonly fire: () => void
  armed: boolean
  // The clock timer of an entry on a clock that orders timers itself.
  handle?: unknown
}

function wholeMsUntil(clock: Clock, deadline: number): number {
  // Rounded up: a fractional remainder must never make a timer due before its deadline.
  return Math.max(0, Math.ceil(deadline - clock.now()))
}

/** The ordered timers of one clock. */
export class OrderedTimers {
  readonly #clock: Clock
  // The real clock needs the ordering done here; any other clock (TestClock) does it itself.
  readonly #ordered: boolean
  readonly #heap = new BinaryHeap<OrderedTimer>((a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq))
  // Arming counter: the tie-breaker for equal deadlines.
  #seq = 0
  // Armed entries; at 0 the underlying timer is cleared, so nothing is left on the clock.
  #live = 0
  // The underlying clock timer and the deadline it was armed for.
  #timer: unknown
  #timerDeadline = Infinity
  // Due entries are being fired one per turn; the next turn continues.
  #firing = false

  constructor(clock: Clock) {
    this.#clock = clock
    this.#ordered = clock === realClock
  }

  /** Arms `fire` for clock time `deadline`. */
  at(deadline: number, fire: () => void): OrderedTimer {
    const entry: OrderedTimer = { deadline, seq: this.#seq++, fire, armed: true }
    if (!this.#ordered) {
      entry.handle = this.#clock.setTimeout(() => {
        entry.armed = false
        fire()
      }, wholeMsUntil(this.#clock, deadline))
      return entry
    }
    this.#heap.push(entry)
    this.#live++
    this.#arm()
    return entry
  }

  /** Disarms an entry (nothing happens if it already fired or was cancelled). */
  cancel(entry: OrderedTimer): void {
    if (!entry.armed) return
    entry.armed = false
    if (!this.#ordered) {
      this.#clock.clearTimeout(entry.handle)
      return
    }
    this.#live--
    if (this.#live === 0) this.#disarm()
  }

  // Arms the underlying timer for the earliest armed entry, unless it is already armed for that moment or earlier.
  #arm(): void {
    if (this.#firing) return
    const next = this.#peekArmed()
    if (next === undefined) {
      this.#disarm()
      return
    }
    if (this.#timer !== undefined && this.#timerDeadline <= next.deadline) return
    this.#disarm()
    this.#timerDeadline = next.deadline
    this.#timer = this.#clock.setTimeout(this.#onTimer, wholeMsUntil(this.#clock, next.deadline))
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#timerDeadline = Infinity
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined
    this.#timerDeadline = Infinity
    this.#fireDue()
  }

  // Fires the earliest entry if it is due (a timer that fired early is re-armed for the rest); when another one is
  // due too, it fires on the next turn, after the promise jobs the first one started.
  readonly #fireDue = (): void => {
    this.#firing = false
    const next = this.#peekArmed()
    if (next !== undefined && next.deadline <= this.#clock.now()) {
      this.#heap.pop()
      next.armed = false
      this.#live--
      try {
        next.fire()
      } finally {
        const after = this.#peekArmed()
        if (after !== undefined && after.deadline <= this.#clock.now()) {
          this.#firing = true
          nextMacrotask(this.#fireDue)
        }
      }
      if (this.#firing) return
    }
    this.#arm()
  }

  #peekArmed(): OrderedTimer | undefined {
    let top = this.#heap.peek()
    while (top !== undefined && !top.armed) {
      this.#heap.pop()
      top = this.#heap.peek()
    }
    return top
  }
}

// One instance per clock, so the tasks of all managers on one clock are ordered together.
const byClock = new WeakMap<Clock, OrderedTimers>()

/** The ordered timers of `clock`. */
export function orderedTimers(clock: Clock): OrderedTimers {
  let timers = byClock.get(clock)
  if (timers === undefined) {
    timers = new OrderedTimers(clock)
    byClock.set(clock, timers)
  }
  return timers
}
