/**
 * Shared helpers of the @tsab/workers tests: an application with a WorkerPoolService and an in-memory logger,
 * stopped after each test, the fixture modules, and a shared state cell a fixture reports through.
 */
import { afterEach } from 'vitest'
import { Application, type Clock } from '@tsab/core'
import { memoryLogger, type LogLine } from '../../core/test/support/logs.js'
import { WorkerPoolService } from '../src/index.js'

/** The file URL of `test/fixtures/<name>`. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url)
}

/** An Int32Array over shared memory: a fixture writes its progress there, the test reads it without a message. */
export function sharedState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4))
}

/** Resolves once `read()` is true, polling every few milliseconds (for progress a worker reports in shared memory). */
export async function until(read: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!read()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const started: Application[] = []
afterEach(async () => {
  for (const app of started.splice(0)) await app.stop()
})

/** A started application with a WorkerPoolService configured by `workers`; stopped after the test. */
export async function startPool(
  workers: Record<string, unknown> = {},
  options: { exitTimeoutMs?: number; clock?: Clock } = {},
): Promise<{ app: Application; pool: WorkerPoolService; lines: LogLine[] }> {
  const { logger, lines } = memoryLogger()
  const app = new Application({
    logger,
    handleSignals: false,
    config: { workers: { threads: 1, ...workers } },
    ...(options.exitTimeoutMs === undefined ? {} : { exitTimeoutMs: options.exitTimeoutMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  })
  const pool = app.addService(WorkerPoolService)
  started.push(app)
  await app.start()
  return { app, pool, lines }
}
