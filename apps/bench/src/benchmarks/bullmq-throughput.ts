/**
 * Benchmark 8, distributed jobs: N trivial jobs through `@tsab/bullmq`'s QueueService (bullmq backend) against raw
 * BullMQ (Queue + Worker + QueueEvents) on the same Redis in the same round, and the latency from enqueue to the
 * first line of the handler for both. Needs `REDIS_URL`; without it the benchmark is skipped with a visible line.
 */
import { randomUUID } from 'node:crypto'
import { QueueService } from '@tsab/bullmq'
import { Application, createLogger } from '@tsab/core'
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq'
import { Redis } from 'ioredis'
import { collectGarbage, median, percentile, type Benchmark } from '../harness.js'
import { perSecond } from '../fixtures.js'

// Jobs per throughput batch and latency samples per variant: quick mode must finish in seconds.
const QUICK = { jobs: 200, samples: 100 }
const FULL = { jobs: 5_000, samples: 1_000 }
// Jobs each side runs before it is measured (JIT, Lua script loading on fresh connections): with fewer, the
// side measured first in the first round pays for the JIT and the ratio of that round drops to about 0.4.
const WARMUP_JOBS = 500
// Both sides run jobs 10 at a time, with the job options QueueService sets on every job.
const CONCURRENCY = 10
const JOB_OPTIONS = { attempts: 1, removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 } }
// A batch that has not finished by then is a bug, not a slow machine: fail instead of hanging the suite.
const BATCH_DEADLINE_MS = 120_000
// One key prefix per process run, so concurrent or aborted runs never see each other's jobs.
const PREFIX = `tsab-bench-${randomUUID().slice(0, 8)}`

/** Payload of every job: `t` is `performance.now()` at enqueue for latency probes. */
interface BenchPayload {
  t?: number
}

/** One way of running jobs, set up and torn down around its measurement. */
interface Variant {
  /** Enqueues `n` jobs at once and resolves with the milliseconds until the producer saw all of them complete. */
  batch(n: number): Promise<number>
  /** Enqueues one job and resolves with the milliseconds from enqueue to the first line of its handler. */
  probe(): Promise<number>
  close(): Promise<void>
}

function connectionFrom(url: string): ConnectionOptions {
  const parsed = new URL(url)
  const options: Record<string, unknown> = { host: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : 6379 }
  if (parsed.username) options.username = decodeURIComponent(parsed.username)
  if (parsed.password) options.password = decodeURIComponent(parsed.password)
  const db = parsed.pathname.replace(/^\//, '')
  if (db) options.db = Number(db)
  if (parsed.protocol === 'rediss:') options.tls = {}
  return options as ConnectionOptions
}

function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${BATCH_DEADLINE_MS} ms`)), BATCH_DEADLINE_MS)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

// Handler-side hook of a latency probe: the handler reports `performance.now() - payload.t` to it.
type StartHook = ((latencyMs: number) => void) | undefined

async function openQueueService(url: string, name: string): Promise<Variant> {
  let onStart: StartHook
  const app = new Application({
    name: 'bench-bullmq',
    logger: createLogger({ level: 'silent' }),
    handleSignals: false,
    config: { redis: { url }, QueueService: { prefix: PREFIX } },
  })
  const queues = app.addService(QueueService)
  queues.define(
    name,
    (payload: BenchPayload) => {
      if (payload.t !== undefined) onStart?.(performance.now() - payload.t)
      return 1
    },
    { concurrency: CONCURRENCY },
  )
  await app.start()
  if (queues.backend !== 'bullmq') throw new Error(`QueueService runs on ${queues.backend}, expected bullmq`)
  return {
    async batch(n) {
      const started = performance.now()
      const handles = await Promise.all(Array.from({ length: n }, () => queues.enqueue(name, {})))
      await withDeadline(Promise.all(handles.map((handle) => handle.result)), `QueueService batch of ${n}`)
      return performance.now() - started
    },
    async probe() {
      let latency = NaN
      onStart = (ms) => (latency = ms)
      const handle = await queues.enqueue(name, { t: performance.now() })
      await withDeadline(handle.result, 'QueueService probe')
      onStart = undefined
      return latency
    },
    async close() {
      await app.stop()
    },
  }
}

async function openBullmq(connection: ConnectionOptions, name: string): Promise<Variant> {
  let onStart: StartHook
  const queue = new Queue(name, { connection, prefix: PREFIX })
  const events = new QueueEvents(name, { connection, prefix: PREFIX })
  const worker = new Worker(
    name,
    async (job) => {
      const payload = job.data as BenchPayload
      if (payload.t !== undefined) onStart?.(performance.now() - payload.t)
      return 1
    },
    { connection: { ...connection, maxRetriesPerRequest: null }, prefix: PREFIX, concurrency: CONCURRENCY },
  )
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()])
  // One listener for every completion (a waitUntilFinished per job would pile up listeners). A job may complete
  // before its add() resolved here: its id waits in `completed` until someone asks for it.
  const waiting = new Map<string, () => void>()
  const completed = new Set<string>()
  events.on('completed', ({ jobId }) => {
    const resolve = waiting.get(jobId)
    if (resolve === undefined) {
      completed.add(jobId)
      return
    }
    waiting.delete(jobId)
    resolve()
  })
  const completion = (jobId: string): Promise<void> => {
    if (completed.delete(jobId)) return Promise.resolve()
    return new Promise<void>((resolve) => waiting.set(jobId, resolve))
  }
  return {
    async batch(n) {
      const started = performance.now()
      const jobs = await Promise.all(Array.from({ length: n }, () => queue.add(name, {}, JOB_OPTIONS)))
      await withDeadline(Promise.all(jobs.map((job) => completion(job.id!))), `BullMQ batch of ${n}`)
      return performance.now() - started
    },
    async probe() {
      let latency = NaN
      onStart = (ms) => (latency = ms)
      const job = await queue.add(name, { t: performance.now() }, JOB_OPTIONS)
      await withDeadline(completion(job.id!), 'BullMQ probe')
      onStart = undefined
      return latency
    },
    async close() {
      await worker.close()
      await events.close()
      await queue.close()
    },
  }
}

/** Removes a queue's keys after its variant closed, then any key still under the run's prefix. */
async function obliterate(connection: ConnectionOptions, url: string, names: string[]): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, { connection, prefix: PREFIX })
    try {
      await queue.obliterate({ force: true })
    } finally {
      await queue.close()
    }
  }
  const redis = new Redis(url, { lazyConnect: true })
  await redis.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

interface Measured {
  tsabPerSecond: number
  rawPerSecond: number
  tsabLatencies: number[]
  rawLatencies: number[]
}

// Rounds alternate which side's batch goes first, so neither always meets a warmer (or busier) Redis.
let roundIndex = 0

async function measure(tsab: Variant, raw: Variant, jobs: number, samples: number, tsabFirst: boolean): Promise<Measured> {
  for (const variant of [tsab, raw]) await variant.batch(Math.min(WARMUP_JOBS, jobs))
  const rates = new Map<Variant, number>()
  for (const variant of tsabFirst ? [tsab, raw] : [raw, tsab]) {
    collectGarbage()
    rates.set(variant, perSecond(jobs, await variant.batch(jobs)))
  }
  // Latency probes alternate between the sides one by one: a noisy moment of the machine hits both alike.
  const tsabLatencies: number[] = []
  const rawLatencies: number[] = []
  for (let i = 0; i < samples; i++) {
    if ((i % 2 === 0) === tsabFirst) {
      tsabLatencies.push(await tsab.probe())
      rawLatencies.push(await raw.probe())
    } else {
      rawLatencies.push(await raw.probe())
      tsabLatencies.push(await tsab.probe())
    }
  }
  if ([...tsabLatencies, ...rawLatencies].some((ms) => !Number.isFinite(ms))) {
    throw new Error('a latency probe finished without its handler reporting a start')
  }
  return { tsabPerSecond: rates.get(tsab)!, rawPerSecond: rates.get(raw)!, tsabLatencies, rawLatencies }
}

/** The benchmark itself; register it through {@link withRedis} so it is skipped, visibly, without Redis. */
export const bullmqThroughput: Benchmark = {
  id: 'bullmq-throughput',
  title: `8. Distributed: jobs through QueueService (bullmq) against raw BullMQ, one Redis (N = ${QUICK.jobs} quick, ${FULL.jobs} full)`,
  metrics: {
    queueService: { unit: 'jobs/s', better: 'higher' },
    bullmq: { unit: 'jobs/s', better: 'higher' },
    queueServiceStartMedian: { unit: 'ms', better: 'lower' },
    queueServiceStartP99: { unit: 'ms', better: 'lower' },
    bullmqStartMedian: { unit: 'ms', better: 'lower' },
    bullmqStartP99: { unit: 'ms', better: 'lower' },
  },
  ratios: {
    'QueueService / BullMQ': { numerator: 'queueService', denominator: 'bullmq', target: { op: '>=', value: 0.8 } },
    'start median QueueService / BullMQ': { numerator: 'queueServiceStartMedian', denominator: 'bullmqStartMedian' },
  },
  // Both sides warm up on their own fresh connections inside the round (see `measure`).
  warmup: false,
  async round(ctx) {
    const url = process.env.REDIS_URL
    if (!url) throw new Error('bullmq-throughput needs REDIS_URL')
    const { jobs, samples } = ctx.quick ? QUICK : FULL
    const connection = connectionFrom(url)
    const round = roundIndex++
    const tsabName = `qs-${round}`
    const rawName = `raw-${round}`
    const variants: Variant[] = []
    try {
      const tsab = await openQueueService(url, tsabName)
      variants.push(tsab)
      const raw = await openBullmq(connection, rawName)
      variants.push(raw)
      collectGarbage()
      const m = await measure(tsab, raw, jobs, samples, round % 2 === 0)
      return {
        queueService: m.tsabPerSecond,
        bullmq: m.rawPerSecond,
        queueServiceStartMedian: median(m.tsabLatencies),
        queueServiceStartP99: percentile(m.tsabLatencies, 99),
        bullmqStartMedian: median(m.rawLatencies),
        bullmqStartP99: percentile(m.rawLatencies, 99),
      }
    } finally {
      for (const variant of variants) await variant.close()
      await obliterate(connection, url, [tsabName, rawName])
    }
  },
}

/**
 * `[bench]` when `REDIS_URL` is set, else `[]` after printing why `bench` is skipped: the registry spreads it into
 * the list of benchmarks.
 */
export function withRedis(bench: Benchmark): Benchmark[] {
  if (process.env.REDIS_URL) return [bench]
  console.log(`skip ${bench.id}: REDIS_URL is not set (start redis-server and export REDIS_URL=redis://127.0.0.1:6379 to run it)\n`)
  return []
}
