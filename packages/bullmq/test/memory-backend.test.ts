/**
 * The memory backend's timing on a TestClock: exact delays, backoff spacing, timeouts, drift-free and cron repeats,
 * shutdown of waiting jobs, and cleanup (no timer left, no listener left, no unhandled rejection).
 */
import { getEventListeners } from 'node:events'
import { CancelledError, TimeoutError } from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { JobFailedError, type JobContext } from '../src/index.js'
import { aborted, buildQueueApp, type QueueApp } from './harness.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
beforeAll(() => void process.on('unhandledRejection', onUnhandled))
afterAll(() => void process.off('unhandledRejection', onUnhandled))

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await turn()
}

describe('QueueService memory backend (TestClock)', () => {
  let clock: TestClock
  let qa: QueueApp

  async function start(setup: (qa: QueueApp) => void, shutdownTimeout = '1s'): Promise<QueueApp> {
    clock = new TestClock()
    qa = buildQueueApp('memory', { clock, shutdownTimeout })
    setup(qa)
    await qa.app.start()
    return qa
  }

  afterEach(async () => {
    if (qa.app.state !== 'stopped') await qa.app.stop()
    expect(clock.pending).toBe(0)
    expect(unhandled).toEqual([])
  })

  it('defaults to memory without [redis] url or REDIS_URL', async () => {
    const saved = process.env.REDIS_URL
    delete process.env.REDIS_URL
    try {
      clock = new TestClock()
      qa = buildQueueApp('memory', { clock })
      const { Application, createLogger } = await import('@tsab/core')
      const { QueueService } = await import('../src/index.js')
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
      expect(app.addService(QueueService).backend).toBe('memory')
      const forced = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false, config: { QueueService: { backend: 'redis' } } })
      forced.addService(QueueService)
      await expect(forced.start()).rejects.toThrow('Config [QueueService] backend: expected one of "memory", "bullmq", got "redis" (string)')
      const noUrl = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false, config: { QueueService: { backend: 'bullmq' } } })
      noUrl.addService(QueueService)
      await expect(noUrl.start()).rejects.toThrow(/"bullmq" needs config \[redis\] url or env REDIS_URL/)
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved
    }
  })

  it('starts a delayed job exactly at delayMs', async () => {
    let ran = 0
    await start(({ queues }) => queues.define('d', () => void ran++))
    const job = await qa.queues.enqueue('d', {}, { delayMs: 1_000 })
    await clock.advance(999)
    await turns()
    expect(ran).toBe(0)
    expect(job.state).toBe('delayed')
    await clock.advance(1)
    await job.result
    expect(ran).toBe(1)
  })

  it('spaces retries by the backoff: exponential doubles, fixed repeats', async () => {
    const at: number[] = []
    await start(({ queues }) => {
      queues.define('exp', () => {
        at.push(clock.now())
        throw new Error('no')
      }, { attempts: 4, backoff: { type: 'exponential', delayMs: 100 } })
      queues.define('fixed', () => {
        at.push(clock.now())
        throw new Error('no')
      }, { attempts: 3, backoff: { type: 'fixed', delayMs: 50 } })
    })
    const exp = await qa.queues.enqueue('exp', {})
    await turns()
    for (const step of [100, 200, 400]) {
      await clock.advance(step - 1)
      await turns()
      const before = at.length
      await clock.advance(1)
      await turns()
      expect(at.length).toBe(before + 1)
    }
    await expect(exp.result).rejects.toMatchObject({ attempts: 4 })
    expect(at.map((t) => t - at[0]!)).toEqual([0, 100, 300, 700])
    at.length = 0
    const fixed = await qa.queues.enqueue('fixed', {})
    await turns()
    await clock.advance(50)
    await clock.advance(50)
    await expect(fixed.result).rejects.toBeInstanceOf(JobFailedError)
    expect(at.map((t) => t - at[0]!)).toEqual([0, 50, 100])
  })

  it('aborts at timeoutMs; a handler that ignores the signal and resolves still completes', async () => {
    const reasons: unknown[] = []
    await start(({ queues }) => {
      queues.define('honours', async (_p: unknown, job: JobContext) => {
        reasons.push(await aborted(job.signal))
        throw job.signal.reason
      }, { timeoutMs: 500 })
      queues.define('ignores', async (_p: unknown, job: JobContext) => {
        await aborted(job.signal)
        return 'late'
      }, { timeoutMs: 500 })
    })
    const a = await qa.queues.enqueue('honours', {})
    const b = await qa.queues.enqueue('ignores', {})
    await turns()
    await clock.advance(499)
    expect(reasons).toEqual([])
    await clock.advance(1)
    const error = await a.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobFailedError)
    expect((error as JobFailedError).cause).toBeInstanceOf(TimeoutError)
    await expect(b.result).resolves.toBe('late')
  })

  it('repeats everyMs on a drift-free schedule (first run at once) and stops on cancel', async () => {
    const at: number[] = []
    await start(({ queues }) => queues.define('beat', () => void at.push(clock.now())))
    const scheduler = await qa.queues.repeat('beat', {}, { everyMs: 1_000 })
    await turns()
    await clock.advance(3_500)
    await turns()
    expect(at).toEqual([0, 1_000, 2_000, 3_000])
    await scheduler.cancel()
    await clock.advance(5_000)
    expect(at).toHaveLength(4)
  })

  it('repeating with the same name and period replaces the payload and keeps the timing (no double runs)', async () => {
    const payloads: unknown[] = []
    await start(({ queues }) => queues.define('beat', (p: unknown) => void payloads.push(p)))
    await qa.queues.repeat('beat', { v: 1 }, { everyMs: 1_000 })
    await turns()
    const again = await qa.queues.repeat('beat', { v: 2 }, { everyMs: 1_000 })
    await turns()
    await clock.advance(1_000)
    await turns()
    expect(payloads).toEqual([{ v: 1 }, { v: 2 }])
    await again.cancel()
  })

  it('follows a cron pattern on the app clock', async () => {
    let runs = 0
    await start(({ queues }) => queues.define('cron', () => void runs++))
    const scheduler = await qa.queues.repeat('cron', {}, { cron: '*/2 * * * * *' }) // every 2 s (seconds field)
    await clock.advance(10_000)
    await turns()
    expect(runs).toBeGreaterThanOrEqual(4)
    expect(runs).toBeLessThanOrEqual(6)
    await scheduler.cancel()
  })

  it('cancels waiting and delayed jobs at shutdown, logs how many, and leaves no timer', async () => {
    const gate: Array<() => void> = []
    await start(({ queues }) => queues.define('slow', (_p: unknown, job: JobContext) => new Promise((_r, reject) => {
      gate.push(() => reject(job.signal.reason))
      job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true })
    })))
    const active = await qa.queues.enqueue('slow', {})
    const waiting = await qa.queues.enqueue('slow', {})
    const delayed = await qa.queues.enqueue('slow', {}, { delayMs: 60_000 })
    await qa.queues.repeat('slow', {}, { everyMs: 60_000 })
    await turns()
    expect(active.state).toBe('active')
    await qa.app.stop()
    for (const job of [active, waiting, delayed]) {
      expect(job.state).toBe('cancelled')
      await expect(job.result).rejects.toBeInstanceOf(CancelledError)
    }
    const warn = qa.lines.find((l) => l.level === 40 && /dropped at shutdown/.test(l.msg))
    expect(warn?.dropped).toBe(3) // the waiting one, the delayed one and the repeat's first run
  })

  it('names running jobs that ignore the shutdown past shutdown_timeout', async () => {
    await start(({ queues }) => queues.define('stubborn', () => new Promise(() => {})), '200ms')
    const job = await qa.queues.enqueue('stubborn', {})
    await turns()
    const stopping = qa.app.stop()
    await turns()
    await clock.advance(200)
    await clock.runAll()
    await stopping
    const warn = qa.lines.find((l) => l.level === 40 && /did not stop within 200 ms/.test(l.msg))
    expect(warn?.msg).toContain(`stubborn#${job.id}`)
  })

  it('removes its abort listeners once jobs finish', async () => {
    const signals: AbortSignal[] = []
    await start(({ queues }) => queues.define('plain', (_p: unknown, job: JobContext) => void signals.push(job.signal)))
    const jobs = await Promise.all([1, 2, 3].map(() => qa.queues.enqueue('plain', {})))
    await Promise.all(jobs.map((j) => j.result))
    for (const signal of signals) expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })
})
