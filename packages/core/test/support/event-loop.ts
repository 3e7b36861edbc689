/**
 * Real event-loop waits for tests: turns of the loop and short sleeps on the timers captured at load (so vi fake
 * timers never stop them), and polling a condition turn by turn.
 */

// Captured at load, so vi fake timers never stop these waits.
const realSetImmediate = globalThis.setImmediate
const realSetTimeout = globalThis.setTimeout

/** Lets promise jobs and `n` real macrotasks (check phase) run. */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => realSetImmediate(resolve))
}

/** Waits about `ms` real milliseconds. */
export function realSleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => realSetTimeout(resolve, ms))
}

/** Waits (by event-loop turns, at most `maxTurns`) until `condition()` holds; returns whether it did. */
export async function until(condition: () => boolean, maxTurns = 2_000): Promise<boolean> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return true
    await turns(1)
  }
  return condition()
}
