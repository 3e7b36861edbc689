/**
 * WorkerPoolService's lifecycle: `[workers]` config checked at start, run() before start and after shutdown,
 * and a finalize that cancels queued runs, stops running ones and terminates every thread within its budget.
 */
import { Application, InvalidStateError, createLogger } from '@tsab/core'
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections } from '../../../core/test/support/unhandled.js'
import { memoryLogger } from '../../../core/test/support/logs.js'
import { WorkerPoolService } from '../../src/index.js'
import { readWorkerPoolConfig } from '../../src/pool/worker-pool-config.js'
import { fixture, sharedState, startPool, until } from '../support.js'

collectUnhandledRejections()

function poolApp(workers: Record<string, unknown>, exitTimeoutMs?: number): { app: Application; pool: WorkerPoolService } {
  const app = new Application({
    logger: createLogger({ level: 'silent' }),
    handleSignals: false,
    config: { workers },
    ...(exitTimeoutMs === undefined ? {} : { exitTimeoutMs }),
  })
  return { app, pool: app.addService(WorkerPoolService) }
}

/** The handles that could keep the process alive, counted by type (a worker's ports appear while ref'd). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1)
  return counts
}

/**
 * Resource types of which there are more than at `baseline` (the test runner's own handles come and go), after
 * two turns of the event loop: a port closed by the pool finishes closing on the next turn.
 */
async function added(baseline: Map<string, number>): Promise<string[]> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve))
  return [...activeResources()].filter(([name, count]) => count > (baseline.get(name) ?? 0)).map(([name]) => name)
}

describe('[workers] config', () => {
  it('defaults: threads = available parallelism - 1 (at least 1), unlimited queue, 30 s idle, 1 s grace', async () => {
    const { app } = poolApp({})
    expect(readWorkerPoolConfig(app.config)).toEqual({
      threads: Math.max(1, availableParallelism() - 1),
      maxQueue: Infinity,
      idleTimeoutMs: 30_000,
      cancelGraceMs: 1_000,
      maxOldGenerationSizeMb: undefined,
    })
  })

  it('reads every key, durations with units and "unlimited"', async () => {
    const { app } = poolApp({ threads: '3', max_queue: 'unlimited', idle_timeout: '5s', cancel_grace: '250ms', max_old_generation_size_mb: 64 })
    expect(readWorkerPoolConfig(app.config)).toEqual({ threads: 3, maxQueue: Infinity, idleTimeoutMs: 5_000, cancelGraceMs: 250, maxOldGenerationSizeMb: 64 })
  })

  it.each([
    ['threads', 0],
    ['threads', 1.5],
    ['threads', 'many'],
    ['max_queue', -1],
    ['max_queue', 2.5],
    ['idle_timeout', 'soon'],
    ['idle_timeout', -5],
    ['cancel_grace', 'x'],
    ['max_old_generation_size_mb', 0],
  ])('rejects start() naming [workers] %s = %s', async (key, value) => {
    const { app, pool } = poolApp({ [key]: value })
    await expect(app.start()).rejects.toThrow(new RegExp(`\\[workers\\] ${key}`))
    expect(pool.threads).toBe(0)
    await app.stop()
  })
})

describe('run() outside the running state', () => {
  it('throws InvalidStateError before the application started', () => {
    const { pool } = poolApp({ threads: 1 })
    expect(() => pool.run(fixture('echo.mjs'))).toThrow(InvalidStateError)
  })

  it('returns a cancelled handle after shutdown began; the function never runs', async () => {
    const { logger, lines } = memoryLogger()
    const app = new Application({ logger, handleSignals: false, config: { workers: { threads: 1 } } })
    const pool = app.addService(WorkerPoolService)
    await app.start()
    await app.stop()
    const state = sharedState()
    const handle = pool.run(fixture('poll.mjs'), { state }, { meta: { requestId: 'late' } })
    expect(handle.state).toBe('cancelled')
    await handle.settled
    expect(Atomics.load(state, 0)).toBe(0)
    expect(lines.some((line) => line.msg === 'Worker run requested after shutdown; cancelled' && line.requestId === 'late')).toBe(true)
  })
})

describe('finalize', () => {
  it('cancels queued runs, stops running ones and terminates every thread; nothing is left behind', async () => {
    const baseline = activeResources()
    const { app, pool } = poolApp({ threads: 2, cancel_grace: '20s' })
    await app.start()
    const state = sharedState()
    const cooperative = pool.run(fixture('wait-for-abort.mjs'), { state })
    const stubborn = pool.run(fixture('spin.mjs'), 60_000)
    const queued = pool.run(fixture('echo.mjs'), 'never')
    await until(() => Atomics.load(state, 0) === 1 && stubborn.state === 'running')
    expect(pool.threads).toBe(2)
    const started = Date.now()
    await app.stop()
    expect(Date.now() - started).toBeLessThan(8_000)
    expect([cooperative.state, stubborn.state, queued.state]).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(Atomics.load(state, 0)).toBe(2) // the cooperative one saw its signal abort
    expect(pool.threads).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(pool.threads).toBe(0) // no thread started late (a terminated thread's exit must not bring a new one)
    expect(pool.size).toBe(0)
    expect(app.taskService.size).toBe(0)
    expect(await added(baseline)).toEqual([])
  })

  it('terminates a run still inside its grace period when the service budget ends', async () => {
    const { app, pool } = poolApp({ threads: 1, cancel_grace: '1h' }, 2_000)
    await app.start()
    const handle = pool.run(fixture('watch-and-ignore.mjs'), 60_000)
    await until(() => handle.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await app.stop()
    expect(Date.now() - started).toBeLessThan(6_000)
    expect(handle.state).toBe('cancelled')
    expect(pool.threads).toBe(0)
  })

  it('finalizes a pool that never ran anything', async () => {
    const baseline = activeResources()
    const { pool } = await startPool({ threads: 2 })
    expect(pool.threads).toBe(1)
    await pool.app.stop()
    expect(pool.threads).toBe(0)
    expect(await added(baseline)).toEqual([])
  })

  it('is idempotent', async () => {
    const { pool } = await startPool()
    await pool.finalize()
    await pool.finalize()
    expect(pool.threads).toBe(0)
  })
})

describe('onIdle()', () => {
  it('resolves at once when nothing runs, else when the last run settles', async () => {
    const { pool } = await startPool({ threads: 1 })
    await pool.onIdle()
    const runs = [50, 50, 50].map((ms) => pool.run(fixture('spin.mjs'), ms))
    expect(pool.size).toBe(3)
    await pool.onIdle()
    expect(runs.map((h) => h.state)).toEqual(['succeeded', 'succeeded', 'succeeded'])
  })
})
