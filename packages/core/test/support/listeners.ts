/**
 * Listener accounting for tests: how many `abort` listeners a signal holds, to prove that every listener an
 * operation added is removed again.
 */
import { getEventListeners } from 'node:events'

/** The number of `abort` listeners currently on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}
