/**
 * Test harness shared by the QueueService suites: apps per backend (unique Redis prefix per app group), log
 * capture, Redis key cleanup, and the rule that CI without REDIS_URL is a failure, not a skip.
 */
import { randomUUID } from 'node:crypto'
import { Application, type Clock } from '@tsab/core'
import { Redis } from 'ioredis'
import { QueueService } from '../src/index.js'
// The in-memory logger is the core package's shared test support.
import { memoryLogger, type LogLine } from '../../core/test/support/logs.js'

export const redisUrl = process.env.REDIS_URL || undefined
export const inCi = process.env.CI === 'true'
export const SKIP_REASON = 'skipped: REDIS_URL is not set (start redis-server and export REDIS_URL=redis://127.0.0.1:6390 to run)'

export type BackendKind = 'memory' | 'bullmq'

export { memoryLogger, type LogLine }

/** A fresh Redis key prefix: one per test, so runs never see each other's jobs. */
export function freshPrefix(): string {
  return `tsab-test-${randomUUID().slice(0, 8)}`
}

export interface QueueApp {
  app: Application
  queues: QueueService
  lines: LogLine[]
}

/** Builds (not starts) an app with a QueueService on `backend`; `setup` defines jobs before start. */
export function buildQueueApp(
  backend: BackendKind,
  options: { prefix?: string; clock?: Clock; shutdownTimeout?: string; name?: string; queueConfig?: Record<string, unknown> } = {},
): QueueApp {
  const { logger, lines } = memoryLogger()
  const queueConfig: Record<string, unknown> = { backend, shutdown_timeout: options.shutdownTimeout ?? '5s', ...options.queueConfig }
  // The TaskService waits for handlers that ignore their signal too: keep that short in tests.
  const config: Record<string, Record<string, unknown>> = { QueueService: queueConfig, TaskService: { shutdown_timeout: '1s' } }
  if (backend === 'bullmq') {
    config.redis = { url: redisUrl }
    queueConfig.prefix = options.prefix ?? freshPrefix()
  }
  const app = new Application({ name: options.name ?? `queue-test-${backend}`, logger, handleSignals: false, config, ...(options.clock ? { clock: options.clock } : {}) })
  const queues = app.addService(QueueService)
  return { app, queues, lines }
}

/** Deletes every key under `prefix` (the suite's "obliterate"). */
export async function deletePrefix(prefix: string): Promise<void> {
  if (redisUrl === undefined) return
  const redis = new Redis(redisUrl, { lazyConnect: true })
  await redis.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason)
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true })
  })
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Polls `check` (real time) until it is true or `timeoutMs` passes. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
