/**
 * What a TaskManager registration is made of before anything is registered: the checked timing options, and the
 * small rules the manager's parts share (when a handle is final, how a registered Future follows its task).
 * The registry itself is `task-registry.ts`, the public API `task-manager.ts`.
 */
import type { Clock } from '../clock/clock.js'
import { Future } from '../futures/future.js'
import {
  assertBoolean,
  assertFunction,
  assertNonEmptyString,
  assertNumber,
  assertOptionalObject,
  expectedMessage,
  isThenable,
} from '../internal/validate.js'
import { checkCronOptions, firstFireTime, type CronSpec } from './cron-options.js'
import type { TaskHandle } from './task-types.js'

/** The timing of one registration, checked. @internal */
export interface Timing {
  /** Milliseconds from registration to the (first) run; `undefined` runs on the next turn. */
  readonly delay: number | undefined
  /** Milliseconds between the end of one run and the start of the next; `undefined` runs once. */
  readonly interval: number | undefined
  readonly stopOnError: boolean
}

/** The raw timing options as `registerTask()` takes them (`RegisterOptions`). @internal */
export interface TimingOptions {
  delay?: number
  interval?: number
  stopOnError?: boolean
}

/** Checks a task and its options before anything is registered, so bad input leaves no trace. @internal */
export function checkRegistration(task: unknown, options: TimingOptions | undefined): Timing {
  if (typeof task !== 'function' && !isThenable(task)) {
    throw new TypeError(expectedMessage('task', 'a function or a promise (thenable)', task))
  }
  assertOptionalObject('options', options)
  const { delay, interval, stopOnError = true } = options ?? {}
  if (delay !== undefined) assertNumber('delay', delay, { min: 0 })
  if (interval !== undefined) assertNumber('interval', interval, { min: 0, exclusiveMin: true })
  assertBoolean('stopOnError', stopOnError)
  if (typeof task !== 'function' && (delay !== undefined || interval !== undefined)) {
    throw new TypeError(expectedMessage('task', 'a function when `delay` or `interval` is given', task))
  }
  return { delay: delay ?? interval, interval, stopOnError }
}

/** True once a handle is `succeeded`, `failed` or `cancelled`. @internal */
export function isFinal(handle: TaskHandle<unknown>): boolean {
  const state = handle.state
  return state !== 'queued' && state !== 'running'
}

/**
 * IPv8: cancelling a task cancels the tsab `Future` it was registered with (with the same reason), also when the
 * task is cancelled before it started. Anything else is left alone. @internal
 */
export function cancelFutureWith(handle: TaskHandle<unknown>, work: unknown): void {
  if (!(work instanceof Future)) return
  const signal = handle.signal
  if (signal.aborted) work.cancel(signal.reason)
  else signal.addEventListener('abort', () => work.cancel(signal.reason), { once: true })
}

/**
 * Checks a `registerCron()` call before anything is registered: the name, the function, the pattern and options
 * (parsed by croner), and that the clock has a wall time. Returns the parsed schedule and its first fire time.
 * @internal
 */
export function checkCron(name: unknown, pattern: unknown, task: unknown, options: unknown, clock: Clock): { spec: CronSpec; firstAt: number } {
  assertNonEmptyString('name', name)
  assertFunction('task', task)
  const spec = checkCronOptions(pattern, options)
  if (typeof clock.wallNow !== 'function') {
    throw new TypeError(expectedMessage('options.clock', 'a Clock with wallNow() (cron schedules need the wall time)', clock))
  }
  return { spec, firstAt: firstFireTime(spec, clock.wallNow()) }
}
