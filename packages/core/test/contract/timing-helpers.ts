/**
 * Fixtures of the §6–§9 contract tests: a collecting logger, an unhandled-rejection collector, real event-loop
 * turns (immune to vi fake timers) and abort-listener counting. Only the public API of `@tsab/core` is used.
 */
import { getEventListeners } from 'node:events'
import { afterAll, beforeAll } from 'vitest'
import { createLogger, type Logger } from '@tsab/core'

/** One parsed pino line. */
export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

/** A logger at debug level whose parsed lines land in `lines`. */
export function collectingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } })
  return { logger, lines }
}

/** A silent logger. */
export const silent = (): Logger => createLogger({ level: 'silent' })

/** Installs a process-wide `unhandledRejection` collector for the file; tests assert it stays empty. */
export function collectUnhandledRejections(): unknown[] {
  const seen: unknown[] = []
  const onUnhandled = (reason: unknown): void => void seen.push(reason)
  beforeAll(() => void process.on('unhandledRejection', onUnhandled))
  afterAll(() => void process.off('unhandledRejection', onUnhandled))
  return seen
}

// Captured at load, so vi fake timers never stop these turns.
const realSetImmediate = globalThis.setImmediate
const realSetTimeout = globalThis.setTimeout

/** Lets a few real turns of the event loop pass. */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => realSetImmediate(resolve))
}

/** Waits about `ms` real milliseconds. */
export function realSleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => realSetTimeout(resolve, ms))
}

/** The number of `abort` listeners currently on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}

type Outcome<T> = { state: 'pending' } | { state: 'fulfilled'; value: T } | { state: 'rejected'; reason: unknown }

/** The outcome of a promise after a few real turns: 'pending', or how it settled. */
export async function peek<T>(promise: PromiseLike<T>): Promise<Outcome<T>> {
  let outcome: Outcome<T> = { state: 'pending' }
  Promise.resolve(promise).then(
    (value) => (outcome = { state: 'fulfilled', value }),
    (reason: unknown) => (outcome = { state: 'rejected', reason }),
  )
  await turns(2)
  return outcome
}
