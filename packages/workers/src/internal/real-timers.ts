/**
 * The real `setTimeout` / `clearTimeout` / `setImmediate`, captured when the package is loaded: the pool's timers pace real threads,
 * so neither an application's `TestClock` nor fake timers installed later by a test framework may stop them. The
 * timers are unref'd: a run in flight keeps the process alive through its thread's port, not through them.
 */
const originalSetTimeout = globalThis.setTimeout
const originalClearTimeout = globalThis.clearTimeout
const originalSetImmediate = globalThis.setImmediate

/** A handle of {@link startTimer}. */
export type RealTimer = ReturnType<typeof originalSetTimeout>

/** Calls `fn` after `ms` milliseconds of real time. */
export function startTimer(fn: () => void, ms: number): RealTimer {
  const timer = originalSetTimeout(fn, ms)
  timer.unref()
  return timer
}

/** Cancels a timer of {@link startTimer}. */
export function stopTimer(timer: RealTimer): void {
  originalClearTimeout(timer)
}

/** Calls `fn` on the next turn of the event loop (check phase), after the promise jobs queued before. */
export function nextTurn(fn: () => void): void {
  originalSetImmediate(fn)
}
