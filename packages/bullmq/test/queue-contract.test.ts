/**
 * The QueueService contract (spec §10, issue 7), one suite run against both backends: memory always, bullmq when
 * REDIS_URL is set (skipped with a visible reason otherwise; a failure when CI=true). Real time, short delays;
 * exact timings are proven with a TestClock in memory-backend.test.ts.
 */
import { CancelledError, InvalidStateError, Messages, TimeoutError } from '@tsab/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { JobFailedError, QueueService, UndefinedJobError, type JobContext, type JobDone } from '../src/index.js'
import {
  aborted,
  buildQueueApp,
  deferred,
  deletePrefix,
  freshPrefix,
  inCi,
  redisUrl,
  SKIP_REASON,
  until,
  type BackendKind,
  type QueueApp,
} from './harness.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
beforeAll(() => void process.on('unhandledRejection', onUnhandled))
afterAll(() => void process.off('unhandledRejection', onUnhandled))

if (inCi && redisUrl === undefined) {
  describe('QueueService contract (bullmq)', () => {
    it('needs Redis in CI', () => {
      throw new Error('CI=true but REDIS_URL is not set: the bullmq backend must be tested in CI (start redis-server, export REDIS_URL)')
    })
  })
}

const backends: Array<[BackendKind, boolean]> = [
  ['memory', false],
  ['bullmq', redisUrl === undefined],
]

for (const [kind, skip] of backends) {
  describe.skipIf(skip)(`QueueService contract (${kind})${skip ? ` — ${SKIP_REASON}` : ''}`, { timeout: 30_000 }, () => {
    const started: QueueApp[] = []
    const prefixes: string[] = []

    async function start(setup: (queues: QueueService) => void = () => {}, options: { prefix?: string; name?: string } = {}): Promise<QueueApp & { done: JobDone[] }> {
      const prefix = options.prefix ?? freshPrefix()
      if (kind === 'bullmq' && !prefixes.includes(prefix)) prefixes.push(prefix)
      const qa = buildQueueApp(kind, { prefix, ...(options.name ? { name: options.name } : {}) })
      const done: JobDone[] = []
      qa.app.pubsub.subscribe(Messages.JobDone, (_m: string, job: JobDone) => void done.push(job))
      setup(qa.queues)
      await qa.app.start()
      started.push(qa)
      return { ...qa, done }
    }

    afterEach(async () => {
      for (const qa of started.splice(0)) await qa.app.stop()
      for (const prefix of prefixes.splice(0)) await deletePrefix(prefix)
      expect(unhandled).toEqual([])
    })

    it(`selects the ${kind} backend from the config`, async () => {
      const { queues } = await start()
      expect(queues.backend).toBe(kind)
      expect(queues.name).toBe('QueueService')
    })

    it('runs a job and resolves its result with the handler value; the handler gets a copy of the payload and its context', async () => {
      const seen: Array<{ payload: unknown; id: string; name: string; attempt: number; signal: boolean; logger: boolean }> = []
      const { queues, done } = await start((q) =>
        q.define('double', async (payload: { n: number; list: number[] }, job: JobContext) => {
          seen.push({ payload, id: job.id, name: job.name, attempt: job.attempt, signal: job.signal instanceof AbortSignal, logger: typeof job.logger.info === 'function' })
          return { doubled: payload.n * 2 }
        }),
      )
      const payload = { n: 21, list: [1, 2] }
      const job = await queues.enqueue('double', payload)
      payload.list.push(3) // mutations after enqueue are not seen
      expect(typeof job.id).toBe('string')
      expect(job.name).toBe('double')
      await expect(job.result).resolves.toEqual({ doubled: 42 })
      expect(job.state).toBe('completed')
      expect(seen).toEqual([{ payload: { n: 21, list: [1, 2] }, id: job.id, name: 'double', attempt: 1, signal: true, logger: true }])
      await until(() => done.length === 1, 5_000, 'job_done')
      expect(done[0]).toMatchObject({ id: job.id, name: 'double', state: 'completed', attempt: 1, value: { doubled: 42 } })
    })

    it('resolves null for a handler that returns nothing (JSON has no undefined)', async () => {
      const { queues } = await start((q) => q.define('noop', () => undefined))
      const job = await queues.enqueue('noop', null)
      const value = await job.result
      expect(value === null || value === undefined).toBe(true)
    })

    it('retries a failing job with attempt counting from 1 and logs each failure with name, id and attempt', async () => {
      const attempts: number[] = []
      const { queues, lines, done } = await start((q) =>
        q.define(
          'flaky',
          (_p: unknown, job: JobContext) => {
            attempts.push(job.attempt)
            if (job.attempt < 3) throw new Error(`boom ${job.attempt}`)
            return 'ok'
          },
          { attempts: 3, backoff: { type: 'fixed', delayMs: 20 } },
        ),
      )
      const job = await queues.enqueue('flaky', {})
      await expect(job.result).resolves.toBe('ok')
      expect(attempts).toEqual([1, 2, 3])
      const failures = lines.filter((l) => l.level === 50 && l.job === 'flaky')
      expect(failures.map((l) => [l.jobId, l.attempt])).toEqual([
        [job.id, 1],
        [job.id, 2],
      ])
      expect(failures[0]!.msg).toContain('flaky')
      await until(() => done.length === 1, 5_000, 'job_done')
      expect(done.map((d) => [d.state, d.attempt])).toEqual([['completed', 3]])
    })

    it('fails for good after the last attempt with JobFailedError and publishes job_done once', async () => {
      const { queues, done } = await start((q) =>
        q.define('doomed', () => {
          throw new Error('always')
        }, { attempts: 2, backoff: { type: 'exponential', delayMs: 10 } }),
      )
      const job = await queues.enqueue('doomed', { x: 1 })
      const error = await job.result.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(JobFailedError)
      expect(error).toMatchObject({ code: 'TSAB_JOB_FAILED', jobId: job.id, jobName: 'doomed', attempts: 2, failedReason: 'always' })
      expect(job.state).toBe('failed')
      await until(() => done.length === 1, 5_000, 'job_done')
      expect(done[0]).toMatchObject({ id: job.id, state: 'failed', attempt: 2 })
      expect(await queues.stats('doomed')).toMatchObject({ failed: 1, completed: 0, waiting: 0, active: 0 })
    })

    it('enqueue attempts override the definition (no retry with attempts: 1)', async () => {
      let runs = 0
      const { queues } = await start((q) => q.define('once', () => {
        runs++
        throw new Error('no')
      }, { attempts: 5 }))
      const job = await queues.enqueue('once', {}, { attempts: 1 })
      await expect(job.result).rejects.toBeInstanceOf(JobFailedError)
      expect(runs).toBe(1)
    })

    it('delays a job by delayMs (state delayed first)', async () => {
      const { queues } = await start((q) => q.define('later', () => 'done'))
      const job = await queues.enqueue('later', {}, { delayMs: 150 })
      expect(job.state).toBe('delayed')
      expect((await queues.stats('later')).delayed).toBe(1)
      await expect(job.result).resolves.toBe('done')
    })

    it('starts jobs by priority (1 first), unprioritised before prioritised, FIFO among equals', async () => {
      const order: string[] = []
      const gate = deferred()
      const running = deferred()
      const { queues } = await start((q) =>
        q.define('prio', async (p: { tag: string }) => {
          if (p.tag === 'block') {
            running.resolve()
            await gate.promise
          }
          order.push(p.tag)
        }, { concurrency: 1 }),
      )
      const blocker = await queues.enqueue('prio', { tag: 'block' })
      await running.promise
      const jobs = [
        await queues.enqueue('prio', { tag: 'p3' }, { priority: 3 }),
        await queues.enqueue('prio', { tag: 'p1a' }, { priority: 1 }),
        await queues.enqueue('prio', { tag: 'none' }),
        await queues.enqueue('prio', { tag: 'p1b' }, { priority: 1 }),
        await queues.enqueue('prio', { tag: 'p2' }, { priority: 2 }),
      ]
      gate.resolve()
      await Promise.all([blocker.result, ...jobs.map((j) => j.result)])
      expect(order).toEqual(['block', 'none', 'p1a', 'p1b', 'p2', 'p3'])
    })

    it('respects concurrency', async () => {
      let active = 0
      let peak = 0
      const { queues } = await start((q) =>
        q.define('limited', async () => {
          active++
          peak = Math.max(peak, active)
          await new Promise((r) => setTimeout(r, 15))
          active--
        }, { concurrency: 2 }),
      )
      const jobs = await Promise.all(Array.from({ length: 6 }, () => queues.enqueue('limited', {})))
      await Promise.all(jobs.map((j) => j.result))
      expect(peak).toBe(2)
    })

    it('aborts the signal at timeoutMs with a TimeoutError and fails the attempt', async () => {
      const reasons: unknown[] = []
      const { queues } = await start((q) =>
        q.define('slow', async (_p: unknown, job: JobContext) => {
          reasons.push(await aborted(job.signal))
          throw job.signal.reason
        }, { timeoutMs: 50, attempts: 2 }),
      )
      const job = await queues.enqueue('slow', {})
      const error = await job.result.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(JobFailedError)
      expect((error as JobFailedError).failedReason).toMatch(/50 ms/)
      expect(reasons).toHaveLength(2)
      expect(reasons[0]).toBeInstanceOf(TimeoutError)
    })

    it('cancels a waiting job: it never runs and its result rejects with CancelledError', async () => {
      let ran = false
      const { queues } = await start((q) => q.define('never', () => void (ran = true)))
      const job = await queues.enqueue('never', {}, { delayMs: 5_000 })
      await expect(job.cancel('changed my mind')).resolves.toBe(true)
      const error = await job.result.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe('changed my mind')
      expect(job.state).toBe('cancelled')
      expect(await job.cancel()).toBe(false)
      expect(ran).toBe(false)
      expect((await queues.stats('never')).delayed).toBe(0)
    })

    it('cancels a running job: its signal aborts with a CancelledError, it is not retried, job_done says cancelled', async () => {
      const started = deferred()
      const reasons: unknown[] = []
      let runs = 0
      const { queues, done } = await start((q) =>
        q.define('long', async (_p: unknown, job: JobContext) => {
          runs++
          started.resolve()
          reasons.push(await aborted(job.signal))
          throw job.signal.reason
        }, { attempts: 3 }),
      )
      const job = await queues.enqueue('long', {})
      await started.promise
      await until(() => job.state === 'active', 5_000, 'active state')
      await expect(job.cancel('stop it')).resolves.toBe(true)
      await expect(job.result).rejects.toBeInstanceOf(CancelledError)
      expect(job.state).toBe('cancelled')
      expect(reasons[0]).toBeInstanceOf(CancelledError)
      expect((reasons[0] as CancelledError).reason).toBe('stop it')
      expect(runs).toBe(1)
      await until(() => done.length === 1, 5_000, 'job_done')
      expect(done[0]).toMatchObject({ id: job.id, state: 'cancelled', attempt: 1 })
    })

    it('returns false when cancelling a finished job', async () => {
      const { queues } = await start((q) => q.define('quick', () => 1))
      const job = await queues.enqueue('quick', {})
      await job.result
      await expect(job.cancel()).resolves.toBe(false)
      await expect(job.cancel(42 as unknown as string)).rejects.toBeInstanceOf(TypeError)
    })

    it('deduplicates by jobId: the same job, run once, also after it finished', async () => {
      let runs = 0
      const { queues } = await start((q) => q.define('dedup', async () => ++runs))
      const a = await queues.enqueue('dedup', { v: 1 }, { jobId: 'order-7' })
      const b = await queues.enqueue('dedup', { v: 2 }, { jobId: 'order-7' })
      expect(a.id).toBe('order-7')
      expect(b.id).toBe('order-7')
      await expect(a.result).resolves.toBe(1)
      await expect(b.result).resolves.toBe(1)
      const c = await queues.enqueue('dedup', { v: 3 }, { jobId: 'order-7' })
      await expect(c.result).resolves.toBe(1)
      expect(runs).toBe(1)
    })

    it('rejects a name that was never defined, unless allowUndefined (the job then waits)', async () => {
      const { queues } = await start((q) => q.define('known', () => 1))
      expect(() => queues.enqueue('unknown', {})).toThrow(UndefinedJobError)
      expect(() => queues.enqueue('unknown', {})).toThrow(/No job named "unknown".*defined: known.*allowUndefined/)
      const job = await queues.enqueue('unknown', { a: 1 }, { allowUndefined: true })
      expect(job.state).toBe('waiting')
      expect((await queues.stats('unknown')).waiting).toBe(1)
      expect((await queues.list('unknown')).map((j) => [j.id, j.name, j.state])).toEqual([[job.id, 'unknown', 'waiting']])
    })

    it('refuses payloads JSON cannot carry with a TypeError naming the path; nothing is enqueued', async () => {
      const { queues } = await start((q) => q.define('json', () => 1))
      const cycle: Record<string, unknown> = { a: 1 }
      cycle.self = cycle
      const cases: Array<[unknown, RegExp]> = [
        [undefined, /`payload` .* got undefined/],
        [() => 1, /`payload` .* got a function/],
        [{ f: function named() {} }, /`payload\.f` .* a function \(named\)/],
        [{ s: Symbol('x') }, /`payload\.s` .* a symbol/],
        [{ n: 10n }, /`payload\.n` .* a bigint/],
        [{ nested: { list: [1, NaN] } }, /`payload\.nested\.list\[1\]` .* non-finite/],
        [cycle, /`payload\.self` .* circular/],
        [{ m: new Map() }, /`payload\.m` .* instance of Map/],
        [{ d: new Date(0) }, /`payload\.d` .* instance of Date/],
        [[1, undefined], /`payload\[1\]` .* undefined/],
        [{ 'odd key': new Set() }, /`payload\["odd key"\]` .* instance of Set/],
      ]
      for (const [payload, message] of cases) {
        expect(() => queues.enqueue('json', payload), String(message)).toThrow(TypeError)
        expect(() => queues.enqueue('json', payload)).toThrow(message)
      }
      // Allowed: plain data, null, undefined properties (dropped), Object.create(null).
      const ok = await queues.enqueue('json', { a: null, b: undefined, c: [true, 'x', 1.5], d: Object.assign(Object.create(null), { e: 1 }) })
      await ok.result
      expect(await queues.stats('json')).toMatchObject({ completed: 1, waiting: 0, failed: 0 })
    })

    it('validates define, enqueue and repeat options synchronously', async () => {
      const { queues } = await start((q) => q.define('v', () => 1))
      const handler = (): number => 1
      expect(() => queues.define('', handler)).toThrow(RangeError)
      expect(() => queues.define(5 as unknown as string, handler)).toThrow(TypeError)
      expect(() => queues.define('x', 'nope' as never)).toThrow(/Expected `handler` to be a function/)
      expect(() => queues.define('x', handler, { concurrency: 0 })).toThrow(RangeError)
      expect(() => queues.define('x', handler, { concurrency: 1.5 })).toThrow(RangeError)
      expect(() => queues.define('x', handler, { attempts: 0 })).toThrow(/Expected `options.attempts` to be an integer >= 1, got 0 \(number\)/)
      expect(() => queues.define('x', handler, { timeoutMs: -1 })).toThrow(RangeError)
      expect(() => queues.define('x', handler, { backoff: { type: 'linear' as never, delayMs: 1 } })).toThrow(TypeError)
      expect(() => queues.define('x', handler, { backoff: { type: 'fixed', delayMs: -5 } })).toThrow(RangeError)
      expect(() => queues.define('x', handler, 'opts' as never)).toThrow(TypeError)
      expect(() => queues.define('v', handler)).toThrow(InvalidStateError)
      expect(() => queues.enqueue('v', {}, { delayMs: -1 })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { delayMs: '5' as never })).toThrow(TypeError)
      expect(() => queues.enqueue('v', {}, { priority: 0 })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { priority: 2_097_153 })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { attempts: 0 })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { jobId: '' })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { jobId: '123' })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { jobId: 'a:b' })).toThrow(RangeError)
      expect(() => queues.enqueue('v', {}, { allowUndefined: 'yes' as never })).toThrow(TypeError)
      expect(() => queues.repeat('v', {}, {} as never)).toThrow(TypeError)
      expect(() => queues.repeat('v', {}, { everyMs: 10, cron: '* * * * *' } as never)).toThrow(TypeError)
      expect(() => queues.repeat('v', {}, { everyMs: 0 })).toThrow(RangeError)
      expect(() => queues.repeat('v', {}, { cron: '' })).toThrow(RangeError)
      expect(() => queues.repeat('nope', {}, { everyMs: 10 })).toThrow(UndefinedJobError)
      expect(() => queues.repeat('v', () => 1, { everyMs: 10 })).toThrow(TypeError)
      expect(() => queues.list(3 as never)).toThrow(TypeError)
      expect(() => queues.stats('')).toThrow(RangeError)
      expect(await queues.stats()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 })
    })

    it('repeats a job every period until the scheduler is cancelled', async () => {
      const runs: number[] = []
      const { queues } = await start((q) => q.define('tick', (p: { k: string }, job: JobContext) => {
        runs.push(job.attempt)
        return p.k
      }))
      const scheduler = await queues.repeat('tick', { k: 'v' }, { everyMs: 60 })
      expect(scheduler.id).toBe('tick@every:60')
      await until(() => runs.length >= 3, 10_000, 'three repeats')
      await expect(scheduler.cancel()).resolves.toBe(true)
      await new Promise((r) => setTimeout(r, 100)) // a run already enqueued may still finish
      const after = runs.length
      await new Promise((r) => setTimeout(r, 250))
      expect(runs.length).toBe(after)
      await expect(scheduler.cancel()).resolves.toBe(false)
    })

    it('rejects a bad cron pattern and leaves nothing scheduled', async () => {
      const { queues } = await start((q) => q.define('cronjob', () => 1))
      await expect(queues.repeat('cronjob', {}, { cron: 'not a cron' })).rejects.toThrow()
      expect((await queues.stats('cronjob')).delayed + (await queues.stats('cronjob')).waiting).toBe(0)
    })

    it('lists unfinished jobs and counts every state', async () => {
      const gate = deferred()
      const { queues } = await start((q) => {
        q.define('blocker', async () => gate.promise, { concurrency: 1 })
        q.define('failing', () => {
          throw new Error('x')
        })
      })
      const first = await queues.enqueue('blocker', {})
      await until(async () => (await queues.stats('blocker')).active === 1, 5_000, 'active')
      const second = await queues.enqueue('blocker', {})
      const third = await queues.enqueue('blocker', {}, { delayMs: 10_000 })
      const failing = await queues.enqueue('failing', {})
      await failing.result.catch(() => {})
      const list = await queues.list('blocker')
      expect(list.map((j) => [j.id, j.state]).sort()).toEqual([[first.id, 'active'], [second.id, 'waiting'], [third.id, 'delayed']].sort())
      expect(list.find((j) => j.id === first.id)!.attempt).toBe(1)
      expect(list.every((j) => j.name === 'blocker' && j.ageMs >= 0)).toBe(true)
      expect(await queues.stats('blocker')).toEqual({ waiting: 1, active: 1, delayed: 1, completed: 0, failed: 0 })
      expect(await queues.stats()).toEqual({ waiting: 1, active: 1, delayed: 1, completed: 0, failed: 1 })
      expect((await queues.list()).length).toBe(3)
      await third.cancel()
      gate.resolve()
      await Promise.all([first.result, second.result])
      expect(await queues.stats('blocker')).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 2 })
    })

    it('aborts running jobs at shutdown and refuses work afterwards', async () => {
      const started = deferred()
      const reasons: unknown[] = []
      const qa = await start((q) =>
        q.define('interrupted', async (_p: unknown, job: JobContext) => {
          started.resolve()
          reasons.push(await aborted(job.signal))
          throw job.signal.reason
        }),
      )
      const job = await qa.queues.enqueue('interrupted', {})
      await started.promise
      await qa.app.stop()
      expect(reasons).toHaveLength(1)
      expect(reasons[0]).toBeInstanceOf(CancelledError)
      expect(String((reasons[0] as Error).message)).toMatch(/shutting down/)
      expect(job.state).toBe('cancelled')
      expect(() => qa.queues.enqueue('interrupted', {})).toThrow(InvalidStateError)
      expect(() => qa.queues.define('other', () => 1)).toThrow(InvalidStateError)
    })
  })
}

