/**
 * Several app instances in one process sharing one Redis (bullmq backend only): results and job_done across
 * instances, cancellation broadcast, one scheduler run per period, shutdown hand-over and forced close.
 * The three-process SIGKILL test is in multi-process.test.ts.
 */
import { CancelledError, Messages } from '@tsab/core'
import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JobContext, JobDone, QueueService } from '../src/index.js'
import { aborted, buildQueueApp, deferred, deletePrefix, freshPrefix, redisUrl, SKIP_REASON, until, type QueueApp } from './harness.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
beforeAll(() => void process.on('unhandledRejection', onUnhandled))
afterAll(() => void process.off('unhandledRejection', onUnhandled))

const skip = redisUrl === undefined
describe.skipIf(skip)(`QueueService across instances (bullmq)${skip ? ` — ${SKIP_REASON}` : ''}`, { timeout: 30_000 }, () => {
  let prefix: string
  const apps: QueueApp[] = []

  async function instance(name: string, setup: (queues: QueueService) => void, queueConfig: Record<string, unknown> = {}, shutdownTimeout = '5s'): Promise<QueueApp & { done: JobDone[] }> {
    const qa = buildQueueApp('bullmq', { prefix, name, queueConfig, shutdownTimeout })
    const done: JobDone[] = []
    qa.app.pubsub.subscribe(Messages.JobDone, (_m: string, job: JobDone) => void done.push(job))
    setup(qa.queues)
    await qa.app.start()
    apps.push(qa)
    return { ...qa, done }
  }

  async function rawState(queue: string, id: string): Promise<string> {
    const raw = new Queue(queue, { connection: { url: redisUrl! } as never, prefix })
    try {
      return await raw.getJobState(id)
    } finally {
      await raw.close()
    }
  }

  beforeAll(() => void (prefix = ''))
  afterEach(async () => {
    for (const qa of apps.splice(0)) if (qa.app.state !== 'stopped') await qa.app.stop()
    await deletePrefix(prefix)
    expect(unhandled).toEqual([])
  })

  it('runs a job enqueued by a producer-only instance on a worker instance; job_done is published where it ran', async () => {
    prefix = freshPrefix()
    const worker = await instance('worker', (q) => q.define('square', (p: { n: number }) => p.n * p.n))
    const producer = await instance('producer', () => {})
    const job = await producer.queues.enqueue('square', { n: 9 }, { allowUndefined: true })
    await expect(job.result).resolves.toBe(81)
    expect(job.state).toBe('completed')
    await until(() => worker.done.length === 1, 5_000, 'job_done on the worker')
    expect(worker.done[0]).toMatchObject({ id: job.id, state: 'completed', value: 81 })
    expect(producer.done).toEqual([])
    expect(await producer.queues.stats('square')).toMatchObject({ completed: 1 })
  })

  it('carries a cancel to the instance that runs the job', async () => {
    prefix = freshPrefix()
    const started = deferred()
    const reasons: unknown[] = []
    await instance('worker', (q) =>
      q.define('long', async (_p: unknown, job: JobContext) => {
        started.resolve()
        reasons.push(await aborted(job.signal))
        throw job.signal.reason
      }, { attempts: 3 }),
    )
    const producer = await instance('producer', () => {})
    const job = await producer.queues.enqueue('long', {}, { allowUndefined: true })
    await started.promise
    await until(() => job.state === 'active', 5_000, 'active')
    await expect(job.cancel('from afar')).resolves.toBe(true)
    const error = await job.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect(String((error as Error).message)).toContain('from afar')
    expect(reasons).toHaveLength(1)
    expect((reasons[0] as CancelledError).reason).toBe('from afar')
    expect(await rawState('long', job.id)).toBe('failed')
  })

  it('runs a scheduler once per period however many instances upsert it', async () => {
    prefix = freshPrefix()
    const runs: Array<{ by: string; id: string }> = []
    const a = await instance('a', (q) => q.define('beat', (_p: unknown, job: JobContext) => void runs.push({ by: 'a', id: job.id }), { concurrency: 4 }))
    const b = await instance('b', (q) => q.define('beat', (_p: unknown, job: JobContext) => void runs.push({ by: 'b', id: job.id }), { concurrency: 4 }))
    const [sa, sb] = await Promise.all([a.queues.repeat('beat', {}, { everyMs: 200 }), b.queues.repeat('beat', {}, { everyMs: 200 })])
    expect(sa.id).toBe(sb.id)
    const t0 = Date.now()
    await until(() => runs.length >= 5, 10_000, 'five runs')
    const elapsed = Date.now() - t0
    await sa.cancel()
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length) // no period ran twice
    // At most one run per 200 ms period (plus the first, immediate one).
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 200) + 2)
  })

  it('hands a job interrupted by shutdown back to the queue; another instance runs it', async () => {
    prefix = freshPrefix()
    const startedA = deferred()
    const seen: Array<{ by: string; attempt: number }> = []
    const a = await instance('a', (q) =>
      q.define('handover', async (_p: unknown, job: JobContext) => {
        seen.push({ by: 'a', attempt: job.attempt })
        startedA.resolve()
        await aborted(job.signal)
        throw job.signal.reason
      }),
    )
    const job = await a.queues.enqueue('handover', { x: 1 })
    await startedA.promise
    await a.app.stop()
    expect(await rawState('handover', job.id)).toBe('waiting')
    const b = await instance('b', (q) =>
      q.define('handover', (p: { x: number }, job: JobContext) => {
        seen.push({ by: 'b', attempt: job.attempt })
        return p.x
      }),
    )
    await until(async () => (await rawState('handover', job.id)) === 'completed', 10_000, 'completion on b')
    expect(seen).toEqual([{ by: 'a', attempt: 1 }, { by: 'b', attempt: 1 }])
    expect(b.done.map((d) => d.state)).toEqual(['completed'])
  })

  it('bounds shutdown when a handler ignores its signal, names what was cut off, and the job is recovered as stalled', async () => {
    prefix = freshPrefix()
    const fast = { lock_duration: '1s', stalled_interval: '500ms' }
    const startedA = deferred()
    const a = await instance('a', (q) => q.define('stuck', () => {
      startedA.resolve()
      return new Promise(() => {})
    }), fast, '300ms')
    const job = await a.queues.enqueue('stuck', {})
    await startedA.promise
    const t0 = Date.now()
    await a.app.stop()
    expect(Date.now() - t0).toBeLessThan(5_000)
    const warn = a.lines.find((l) => l.level === 40 && /did not close within 300 ms/.test(l.msg))
    expect(warn?.msg).toContain(`stuck#${job.id}`)
    let ranOnB = 0
    await instance('b', (q) => q.define('stuck', () => ++ranOnB), fast)
    await until(async () => (await rawState('stuck', job.id)) === 'completed', 15_000, 'stalled recovery on b')
    expect(ranOnB).toBe(1)
  })
})
