/**
 * The real `setImmediate`, captured when tsab is loaded, so fake timers installed later by a test
 * framework never stop the TaskService from starting work or `TestClock` from flushing.
 */
const originalSetImmediate = globalThis.setImmediate

/** Runs `fn` on the next turn of the event loop (check phase) with the real `setImmediate`. */
export function nextMacrotask(fn: () => void): void {
  originalSetImmediate(fn)
}

/** Resolves on the next turn of the event loop, after the promise jobs queued before it. */
export function yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => originalSetImmediate(resolve))
}
