/**
 * Exponential backoff with jitter for `runForever` restarts: the options type, validation and the delay formula.
 * When to wait and what to log is decided by the forever runner.
 */
import { assertNumber, assertOptionalObject } from '../internal/validate.js'

/**
 * How `runForever` waits between two runs of a function.
 *
 * The n-th consecutive restart waits `min(maxMs, initialMs * factor ** (n - 1))`, spread by ±`jitter`.
 * A run that lasted at least `resetAfterMs` counts as healthy and resets n.
 *
 * @example
 * ```ts
 * app.taskService.runForever({ name: 'consumer', run: consume, backoff: { initialMs: 500, maxMs: 60_000 } })
 * ```
 */
export interface BackoffOptions {
  /** First delay in ms. @default 100 */
  initialMs?: number
  /** Largest delay in ms. @default 30000 */
  maxMs?: number
  /** Growth per consecutive restart (>= 1). @default 2 */
  factor?: number
  /** Random spread as a fraction of the delay, in [0, 1]. @default 0.2 */
  jitter?: number
  /** A run lasting at least this many ms resets the delay to `initialMs`. @default 60000 */
  resetAfterMs?: number
}

/** Backoff options with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>

/** Validates `options` (naming `path` in errors) and fills in the defaults. */
export function resolveBackoff(options: BackoffOptions | undefined, path = 'backoff'): ResolvedBackoff {
  assertOptionalObject(path, options)
  const { initialMs = 100, maxMs = 30_000, factor = 2, jitter = 0.2, resetAfterMs = 60_000 } = options ?? {}
  assertNumber(`${path}.initialMs`, initialMs, { min: 0 })
  assertNumber(`${path}.maxMs`, maxMs, { min: initialMs })
  assertNumber(`${path}.factor`, factor, { min: 1 })
  assertNumber(`${path}.jitter`, jitter, { min: 0, max: 1 })
  assertNumber(`${path}.resetAfterMs`, resetAfterMs, { min: 0 })
  return { initialMs, maxMs, factor, jitter, resetAfterMs }
}

/**
 * The delay before restart number `attempt` (1 for the first restart after a healthy period): always a finite
 * number in `[0, maxMs]`, however large `attempt` grows (`factor ** attempt` overflows to `Infinity`, and
 * `0 * Infinity` would be `NaN`).
 */
export function backoffDelay(backoff: ResolvedBackoff, attempt: number, random: () => number = Math.random): number {
  const { initialMs, maxMs, factor, jitter } = backoff
  const base = initialMs === 0 ? 0 : Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1))
  const spread = base * jitter * (2 * random() - 1)
  const delay = Math.min(maxMs, base + spread)
  return delay > 0 ? delay : 0
}
