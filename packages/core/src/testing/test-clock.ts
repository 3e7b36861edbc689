/**
 * `TestClock`: a controllable {@link Clock} for tests. It owns virtual time and the timers armed on it;
 * it does not patch globals (unlike a test framework's fake timers).
 */
import type { Clock } from '../clock/clock.js'
import { InvalidStateError } from '../errors/errors.js'
import { BinaryHeap } from '../internal/binary-heap.js'
import { yieldMacrotask } from '../internal/macrotask.js'
import { observed } from '../internal/observed.js'
import { assertFunction, assertNumber, assertOptionalObject, expectedMessage } from '../internal/validate.js'

interface VirtualTimer {
  readonly deadline: number
  readonly seq: number
  readonly fn: () => void
  armed: boolean
}

/**
 * Options for {@link TestClock}.
 *
 * @example
 * ```ts
 * import { TestClock, type TestClockOptions } from '@tsab/core/testing'
 * const options: TestClockOptions = { now: 0, wallTime: new Date('2030-01-01T00:00:00Z'), loopLimit: 1_000 }
 * const clock = new TestClock(options)
 * console.log(new Date(clock.wallNow()).toISOString()) // 2030-01-01T00:00:00.000Z
 * ```
 */
export interface TestClockOptions {
  /** The monotonic time `now()` starts at, in ms. @default 0 */
  now?: number
  /**
   * The wall-clock time `wallNow()` starts at: ms since the epoch, or a `Date`. It moves with `now()`
   * (`advance()`, `runAll()`), and {@link TestClock.setWallTime} sets it like a system clock change.
   * @default the real `Date.now()` when the clock is created
   */
  wallTime?: number | Date
  /** How many timers `runAll()` fires before it gives up (a periodic task never runs out). @default 10000 */
  loopLimit?: number
}

/**
 * A clock whose time moves only when the test says so. Pass it as `clock` to an `Application`,
 * `TaskManager`, `RequestCache`, `sleep` or `withTimeout`.
 *
 * `advance(ms)` fires due timers in deadline order (equal deadlines in the order they were armed) and,
 * after each, lets promise jobs and immediates run, so work that a timer starts, and the timers that work
 * arms, are handled within the same `advance`.
 *
 * It has a wall-clock time too (`wallNow()`, set with the `wallTime` option), which moves with `now()`: cron
 * schedules (`TaskManager.registerCron`, `@cron`) compute their fire times from it, so `advance(86_400_000)` runs a
 * whole day of cron fires without waiting for it.
 *
 * @example
 * ```ts
 * import { TaskManager } from '@tsab/core'
 * import { TestClock } from '@tsab/core/testing'
 * const clock = new TestClock()
 * const manager = new TaskManager({ clock })
 * let runs = 0
 * manager.registerTask('beat', () => { runs++ }, { interval: 1000 })
 * await clock.advance(3000)
 * console.log(runs) // 3
 * await manager.shutdownTaskManager()
 * ```
 */
export class TestClock implements Clock {
  // Virtual now, in ms.
  #now: number
  // Wall time minus virtual now: wall time moves with now, and setWallTime() moves it alone.
  #wallOffset: number
  // Armed timers, earliest deadline first, ties by arming order.
  readonly #heap = new BinaryHeap<VirtualTimer>((a, b) => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq))
  // Arming counter: the tie-breaker for equal deadlines.
  #seq = 0
  // Armed and not yet fired or cleared.
  #pending = 0
  readonly #loopLimit: number

  constructor(options: TestClockOptions = {}) {
    assertOptionalObject('options', options)
    const { now = 0, wallTime = Date.now(), loopLimit = 10_000 } = options
    assertNumber('options.now', now)
    const wall = wallTimeMs('options.wallTime', wallTime)
    assertNumber('options.loopLimit', loopLimit, { min: 1, integer: true })
    this.#now = now
    this.#wallOffset = wall - now
    this.#loopLimit = loopLimit
  }

  /** The number of armed timers. */
  get pending(): number {
    return this.#pending
  }

  /** Virtual time in ms. */
  now(): number {
    return this.#now
  }

  /** Virtual wall-clock time in ms since the epoch: the `wallTime` option plus the time advanced since. */
  wallNow(): number {
    return this.#now + this.#wallOffset
  }

  /**
   * Sets the wall-clock time without moving `now()` or firing timers, as when the system clock is changed
   * (NTP, a resumed laptop): timers armed for a monotonic delay still fire when that delay has passed.
   *
   * @example
   * ```ts
   * import { TestClock } from '@tsab/core/testing'
   * const clock = new TestClock({ wallTime: 0 })
   * clock.setWallTime(new Date('2031-05-01T12:00:00Z'))
   * console.log(clock.now(), new Date(clock.wallNow()).toISOString()) // 0 2031-05-01T12:00:00.000Z
   * ```
   */
  setWallTime(time: number | Date): void {
    this.#wallOffset = wallTimeMs('time', time) - this.#now
  }

  /** Arms `fn` at `now() + ms` (negative or NaN `ms` count as 0, like the global `setTimeout`). */
  setTimeout(fn: () => void, ms: number): unknown {
    assertFunction('fn', fn)
    const delay = typeof ms === 'number' && ms > 0 ? ms : 0
    const timer: VirtualTimer = { deadline: this.#now + delay, seq: this.#seq++, fn, armed: true }
    this.#heap.push(timer)
    this.#pending++
    return timer
  }

  /** Disarms a timer returned by {@link TestClock.setTimeout}; anything else is ignored. */
  clearTimeout(handle: unknown): void {
    const timer = handle as VirtualTimer | undefined
    if (timer && typeof timer === 'object' && timer.armed === true) {
      timer.armed = false
      this.#pending--
    }
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (also timers armed by the
   * work the earlier ones started). Resolves when time has reached `now() + ms` and the work has settled.
   */
  advance(ms: number): Promise<void> {
    // Checked before any await, so bad input throws at the call site like everywhere else in tsab.
    assertNumber('ms', ms, { min: 0 })
    // Observed: a timer callback that throws rejects it, and the caller may look only later.
    return observed(this.#advance(ms))
  }

  async #advance(ms: number): Promise<void> {
    const target = this.#now + ms
    await this.#settle()
    for (;;) {
      const timer = this.#nextArmed()
      if (timer === undefined || timer.deadline > target) break
      await this.#fire(timer)
    }
    this.#now = target
    await this.#settle()
  }

  /**
   * Fires timers until none is armed, moving time to each deadline. Throws `InvalidStateError` after
   * `loopLimit` timers (a periodic task re-arms for ever).
   */
  runAll(): Promise<void> {
    return observed(this.#runAll())
  }

  async #runAll(): Promise<void> {
    await this.#settle()
    for (let fired = 0; ; fired++) {
      const timer = this.#nextArmed()
      if (timer === undefined) return
      if (fired >= this.#loopLimit) {
        throw new InvalidStateError(`TestClock.runAll() fired ${this.#loopLimit} timers and more are armed; is a periodic task running?`)
      }
      await this.#fire(timer)
    }
  }

  #nextArmed(): VirtualTimer | undefined {
    let timer = this.#heap.peek()
    while (timer !== undefined && !timer.armed) {
      this.#heap.pop()
      timer = this.#heap.peek()
    }
    return timer
  }

  async #fire(timer: VirtualTimer): Promise<void> {
    this.#heap.pop()
    timer.armed = false
    this.#pending--
    if (timer.deadline > this.#now) this.#now = timer.deadline
    try {
      timer.fn()
    } finally {
      await this.#settle()
    }
  }

  // Lets promise jobs and immediates run until a few turns pass without new timers being armed.
  async #settle(): Promise<void> {
    let quiet = 0
    for (let turns = 0; turns < 50 && quiet < 3; turns++) {
      const before = this.#seq
      await yieldMacrotask()
      quiet = this.#seq === before ? quiet + 1 : 0
    }
  }
}

// A wall time given as ms since the epoch or as a valid Date.
function wallTimeMs(name: string, value: unknown): number {
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw new RangeError(expectedMessage(name, 'a valid Date or a finite number of ms since the epoch', value))
    return ms
  }
  if (typeof value !== 'number') throw new TypeError(expectedMessage(name, 'a Date or a finite number of ms since the epoch', value))
  assertNumber(name, value)
  return value
}
