/**
 * Late awaits on the QueueService (memory backend, TestClock): every promise it hands out that can reject is
 * observed first, so a caller who attaches its handler a macrotask after the rejection gets it and Node reports no
 * `unhandledRejection`. Backend failures are simulated by making the memory backend's methods reject.
 */
import { TestClock } from '@tsab/core/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { JobRecordHandle } from '../src/internal/job-handle.js'
import { MemoryBackend } from '../src/internal/memory-backend.js'
import { JobFailedError } from '../src/index.js'
import { buildQueueApp, type QueueApp } from './harness.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
beforeAll(() => void process.on('unhandledRejection', onUnhandled))
afterAll(() => void process.off('unhandledRejection', onUnhandled))

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await macrotask()
}
const boom = new Error('backend down')

describe('QueueService: late awaits (memory backend)', () => {
  let clock: TestClock
  let qa: QueueApp

  async function start(): Promise<QueueApp> {
    clock = new TestClock()
    qa = buildQueueApp('memory', { clock })
    qa.queues.define('fails', () => {
      throw new Error('handler failed')
    })
    qa.queues.define('ok', () => 1)
    await qa.app.start()
    return qa
  }

  afterEach(async () => {
    vi.restoreAllMocks()
    if (qa.app.state !== 'stopped') await qa.app.stop()
    await turns(2)
    expect(clock.pending).toBe(0)
    expect(unhandled.splice(0)).toEqual([])
  })

  it('JobHandle.result: the job fails before anyone reads or awaits the result', async () => {
    const { queues } = await start()
    const job = await queues.enqueue('fails', {})
    for (let i = 0; i < 100 && job.state !== 'failed'; i++) await macrotask()
    expect(job.state).toBe('failed')
    await turns(2)
    await expect(job.result).rejects.toBeInstanceOf(JobFailedError)
  })

  it('JobHandle.cancel(): a bad reason and a failing backend, awaited later', async () => {
    await start()
    const job = await qa.queues.enqueue('ok', {}, { delayMs: 1_000 })
    const badReason = job.cancel(42 as unknown as string)
    await turns(2)
    await expect(badReason).rejects.toBeInstanceOf(TypeError)
    await job.cancel()

    const handle = new JobRecordHandle('1', 'x', 'waiting', () => Promise.reject(boom))
    const failing = handle.cancel('stop')
    await turns(2)
    await expect(failing).rejects.toBe(boom)
  })

  it('enqueue(), list(), stats(): the backend rejects, awaited later', async () => {
    const { queues } = await start()
    vi.spyOn(MemoryBackend.prototype, 'enqueue').mockRejectedValueOnce(boom)
    vi.spyOn(MemoryBackend.prototype, 'list').mockRejectedValueOnce(boom)
    vi.spyOn(MemoryBackend.prototype, 'stats').mockRejectedValueOnce(boom)
    const calls = [queues.enqueue('ok', {}), queues.list(), queues.stats()]
    await turns(2)
    for (const call of calls) await expect(call).rejects.toBe(boom)
  })

  it('repeat(): a bad cron pattern rejects, awaited later; so does a failing RepeatHandle.cancel()', async () => {
    const { queues } = await start()
    const bad = queues.repeat('ok', {}, { cron: 'not a cron pattern' })
    await turns(2)
    await expect(bad).rejects.toBeInstanceOf(Error)

    vi.spyOn(MemoryBackend.prototype, 'repeat').mockResolvedValueOnce({ id: 'ok@every:1000', cancel: () => Promise.reject(boom) })
    const scheduler = await queues.repeat('ok', {}, { everyMs: 1_000 })
    const cancelling = scheduler.cancel()
    await turns(2)
    await expect(cancelling).rejects.toBe(boom)
  })

  it('still throws synchronously on bad input', async () => {
    const { queues } = await start()
    expect(() => queues.enqueue('', {})).toThrow(RangeError)
    expect(() => queues.repeat('ok', {}, { everyMs: Infinity })).toThrow(RangeError)
    expect(() => queues.list(5 as never)).toThrow(TypeError)
    expect(() => queues.stats('')).toThrow(RangeError)
  })
})
