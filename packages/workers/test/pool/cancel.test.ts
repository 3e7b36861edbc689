/**
 * Stopping a run: cancel(), options.signal and timeoutMs stop it in its thread, through the worker's own signal
 * (a grace period when the function reads it) or by terminating the thread; the task ends `cancelled` and the pool
 * keeps serving.
 */
import { CancelledError, TimeoutError } from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections } from '../../../core/test/support/unhandled.js'
import { hashWorker } from '../../src/index.js'
import { fixture, sharedState, startPool, until } from '../support.js'

collectUnhandledRejections()

const LONG_MS = 30_000

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

async function threadOf(run: { result: Promise<{ threadId: number }> }): Promise<number> {
  return (await run.result).threadId
}

describe('cancelling a run', () => {
  it('terminates the thread of a function that never reads its signal, and the pool replaces it', async () => {
    const { pool } = await startPool({ cancel_grace: '10s' })
    const before = await threadOf(pool.run(fixture('echo.mjs')))
    const handle = pool.run(fixture('spin.mjs'), LONG_MS)
    await until(() => handle.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    expect(handle.cancel('user asked')).toBe(true)
    await handle.settled
    expect(Date.now() - started).toBeLessThan(5_000) // no grace period: it never looked at its signal
    expect(handle.state).toBe('cancelled')
    expect(handle.error).toBeInstanceOf(CancelledError)
    expect((handle.error as CancelledError).reason).toBe('user asked')
    const after = await threadOf(pool.run(fixture('echo.mjs')))
    expect(after).not.toBe(before)
  })

  it('aborts the signal inside the worker of an asynchronous function; the thread stays', async () => {
    const { pool } = await startPool({ cancel_grace: '20s' })
    const before = await threadOf(pool.run(fixture('echo.mjs')))
    const state = sharedState()
    const handle = pool.run(fixture('wait-for-abort.mjs'), { state })
    await until(() => Atomics.load(state, 0) === 1)
    const started = Date.now()
    handle.cancel()
    await handle.settled
    expect(Atomics.load(state, 0)).toBe(2) // the worker saw an AbortError on its own signal
    expect(handle.state).toBe('cancelled')
    expect(Date.now() - started).toBeLessThan(10_000) // it stopped by itself, long before its grace period ended
    expect(await threadOf(pool.run(fixture('echo.mjs')))).toBe(before)
  })

  it('lets a CPU loop that never yields see the cancel through signal.aborted / throwIfAborted()', async () => {
    const { pool } = await startPool({ cancel_grace: '20s' })
    const before = await threadOf(pool.run(fixture('echo.mjs')))
    const state = sharedState()
    const handle = pool.run(fixture('poll.mjs'), { state })
    await until(() => Atomics.load(state, 0) === 1)
    handle.cancel()
    await handle.settled
    expect(Atomics.load(state, 0)).toBe(2)
    expect(handle.state).toBe('cancelled')
    expect(await threadOf(pool.run(fixture('echo.mjs')))).toBe(before)
  })

  it('stops the example hash worker within its loop', async () => {
    const { pool } = await startPool({ cancel_grace: '20s' })
    const handle = pool.run(hashWorker, { input: 'x', iterations: 1e9 })
    await until(() => handle.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 50))
    handle.cancel()
    await handle.settled
    expect(handle.state).toBe('cancelled')
  })

  it('terminates a function that reads its signal but ignores it once cancel_grace has passed', async () => {
    const { pool } = await startPool({ cancel_grace: '300ms' })
    const before = await threadOf(pool.run(fixture('echo.mjs')))
    const handle = pool.run(fixture('watch-and-ignore.mjs'), LONG_MS)
    await until(() => handle.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    handle.cancel()
    await handle.settled
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(10_000)
    expect(handle.state).toBe('cancelled')
    expect(await threadOf(pool.run(fixture('echo.mjs')))).not.toBe(before)
  })

  it('with cancel_grace = 0 terminates at once, even a function that watches its signal', async () => {
    const { pool } = await startPool({ cancel_grace: 0 })
    const before = await threadOf(pool.run(fixture('echo.mjs')))
    const state = sharedState()
    const handle = pool.run(fixture('wait-for-abort.mjs'), { state })
    await until(() => Atomics.load(state, 0) === 1)
    handle.cancel()
    await handle.settled
    expect(handle.state).toBe('cancelled')
    expect(Atomics.load(state, 0)).toBe(1) // terminated before its abort event
    expect(await threadOf(pool.run(fixture('echo.mjs')))).not.toBe(before)
  })

  it('never starts a run cancelled while it waits for a thread', async () => {
    const { pool } = await startPool({ threads: 1 })
    const busy = pool.run(fixture('spin.mjs'), 300)
    const state = sharedState()
    const queued = pool.run(fixture('poll.mjs'), { state })
    await until(() => busy.state === 'running' && queued.state === 'running')
    queued.cancel()
    await queued.settled
    expect(queued.state).toBe('cancelled')
    expect(await busy.result).toBeGreaterThan(0)
    expect(busy.state).toBe('succeeded')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(Atomics.load(state, 0)).toBe(0)
  })

  it('reaches the worker on real time, also in an application on a TestClock', async () => {
    const { pool } = await startPool({ cancel_grace: '300ms' }, { clock: new TestClock() })
    const handle = pool.run(fixture('watch-and-ignore.mjs'), LONG_MS)
    await until(() => handle.state === 'running')
    handle.cancel()
    await handle.settled // nobody advances the TestClock: the sweep and the grace period run on real timers
    expect(handle.state).toBe('cancelled')
  })

  it('leaves no grace timer or abort listener behind', async () => {
    const { pool } = await startPool({ cancel_grace: '30s' })
    await pool.run(fixture('echo.mjs')).result
    await new Promise((resolve) => setTimeout(resolve, 60)) // the pool's cancel sweep stops once no run is in flight
    const baseline = timeouts()
    const state = sharedState()
    const handle = pool.run(fixture('wait-for-abort.mjs'), { state })
    await until(() => Atomics.load(state, 0) === 1)
    handle.cancel()
    await handle.settled
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(timeouts()).toBe(baseline)
    expect(pool.size).toBe(0)
  })
})

describe('timeoutMs and options.signal', () => {
  it('timeoutMs aborts the worker signal with a TimeoutError and the task ends cancelled', async () => {
    const { pool } = await startPool({ cancel_grace: '20s' })
    const state = sharedState()
    const handle = pool.run(fixture('poll.mjs'), { state }, { timeoutMs: 200 })
    await handle.settled
    expect(Atomics.load(state, 0)).toBe(3)
    expect(handle.state).toBe('cancelled')
    expect(handle.signal.reason).toBeInstanceOf(TimeoutError)
  })

  it('timeoutMs stops a function that never reads its signal', async () => {
    const { pool } = await startPool()
    const handle = pool.run(fixture('spin.mjs'), LONG_MS, { timeoutMs: 200 })
    await handle.settled
    expect(handle.state).toBe('cancelled')
    expect(handle.signal.reason).toBeInstanceOf(TimeoutError)
  })

  it('options.signal cancels the run, before it started or while it runs', async () => {
    const { pool } = await startPool({ cancel_grace: '20s' })
    const early = pool.run(fixture('echo.mjs'), 1, { signal: AbortSignal.abort('too late') })
    expect(early.state).toBe('cancelled')
    const controller = new AbortController()
    const state = sharedState()
    const handle = pool.run(fixture('wait-for-abort.mjs'), { state }, { signal: controller.signal })
    await until(() => Atomics.load(state, 0) === 1)
    controller.abort(new Error('client went away'))
    await handle.settled
    expect(handle.state).toBe('cancelled')
    expect(Atomics.load(state, 0)).toBe(2)
  })
})
