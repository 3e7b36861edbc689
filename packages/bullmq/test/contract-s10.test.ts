/**
 * Contract §10 at the level the contract states, black-box through `@tsab/core`, `@tsab/core/testing` and
 * `@tsab/bullmq`: the memory backend without Redis — define/enqueue, attempts from 1, retries, job_done!, shutdown.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { Application, CancelledError, type TaskService } from '@tsab/core'
import { createTestApplication, TestClock } from '@tsab/core/testing'
import { QueueService, type JobContext, type JobDone } from '@tsab/bullmq'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
const savedUrl = process.env.REDIS_URL
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
  delete process.env.REDIS_URL // the memory backend is what this file is about, also in CI with Redis
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
  if (savedUrl !== undefined) process.env.REDIS_URL = savedUrl
})

let app: Application
let clock: TestClock
afterEach(async () => {
  if (app.state !== 'stopped') await app.stop()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

async function start(): Promise<QueueService> {
  clock = new TestClock()
  app = await createTestApplication({ clock })
  return app.addService(QueueService)
}

it("QueueService is named 'QueueService' and uses the memory backend without [redis] url or REDIS_URL", async () => {
  const qs = await start()
  expect(qs.backend).toBe('memory')
  expect(app.getService(QueueService)).toBe(qs)
  expect(app.hasService('QueueService')).toBe(true)
})

it('runs a defined job once per attempt, job.attempt counting from 1, retrying per attempts/backoff; publishes job_done! once', async () => {
  const qs = await start()
  const attempts: number[] = []
  const done: JobDone[] = []
  app.pubsub.subscribe('QueueService.job_done!', (_m: string, info: JobDone) => void done.push(info))
  qs.define(
    'flaky',
    (payload: { n: number }, job: JobContext) => {
      attempts.push(job.attempt)
      if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`)
      return payload.n * 2
    },
    { attempts: 3, backoff: { type: 'fixed', delayMs: 100 } },
  )
  const handle = await qs.enqueue('flaky', { n: 21 })
  await clock.advance(0)
  expect(attempts).toEqual([1])
  await clock.advance(100)
  expect(attempts).toEqual([1, 2])
  await clock.advance(100)
  expect(await handle.result).toBe(42)
  expect(attempts).toEqual([1, 2, 3])
  await clock.advance(0)
  expect(done.map((d) => [d.name, d.state, d.attempt])).toEqual([['flaky', 'completed', 3]])
})

it('memory jobs run through the local TaskService', async () => {
  const qs = await start()
  let release!: () => void
  qs.define('slow', () => new Promise<void>((resolve) => (release = resolve)))
  const handle = await qs.enqueue('slow', {})
  await clock.advance(0)
  expect(app.getService<TaskService>('TaskService').size).toBeGreaterThan(0)
  release()
  await handle.result
})

it('JobContext.signal aborts on cancel and at shutdown; the result rejects with CancelledError', async () => {
  const qs = await start()
  const signals: AbortSignal[] = []
  qs.define('wait', (_p: unknown, job: JobContext) => {
    signals.push(job.signal)
    return new Promise((_r, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)))
  }, { concurrency: 2 })
  const a = await qs.enqueue('wait', {})
  const b = await qs.enqueue('wait', {})
  await clock.advance(0)
  expect(signals.length).toBe(2)
  expect(await a.cancel('not needed')).toBe(true)
  expect(signals[0]!.aborted).toBe(true)
  await expect(a.result).rejects.toBeInstanceOf(CancelledError)
  const bResult = b.result.catch((e: unknown) => e)
  await app.stop()
  expect(signals[1]!.aborted).toBe(true)
  expect(await bResult).toBeInstanceOf(CancelledError)
})
