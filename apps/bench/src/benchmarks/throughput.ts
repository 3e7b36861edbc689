/**
 * Benchmark 1, throughput: N trivial async tasks through `TaskService.schedule` (each published as
 * `TaskService.task_done!` to one subscriber) against the JavaScript floor, p-queue and `Promise.all`.
 */
import PQueue from 'p-queue'
import { collectGarbage, type Benchmark } from '../harness.js'
import { floorThroughput, record, startApp, stopwatch, trivial, tsabThroughput, type Elapsed } from '../fixtures.js'

async function pQueueThroughput(n: number, concurrency: number): Promise<Elapsed> {
  const queue = new PQueue({ concurrency })
  // One subscriber to every finished task, like the tsab and floor variants.
  let done = 0
  queue.on('completed', () => done++)
  const stop = stopwatch()
  for (let i = 0; i < n; i++) void queue.add(trivial)
  await queue.onIdle()
  const elapsed = stop()
  if (done !== n) throw new Error(`p-queue completed ${done} of ${n}`)
  return elapsed
}

async function promiseAllThroughput(n: number): Promise<Elapsed> {
  const elapsed = stopwatch()
  const promises: Array<Promise<number>> = new Array(n)
  for (let i = 0; i < n; i++) promises[i] = trivial()
  await Promise.all(promises)
  return elapsed()
}

export const throughput: Benchmark = {
  id: 'throughput',
  title: '1. Throughput: N trivial async tasks',
  metrics: {
    tsab: { unit: 'tasks/s', better: 'higher' },
    floor: { unit: 'tasks/s', better: 'higher' },
    pQueueInfinity: { unit: 'tasks/s', better: 'higher' },
    pQueue1000: { unit: 'tasks/s', better: 'higher' },
    promiseAll: { unit: 'tasks/s', better: 'higher' },
    tsabCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    floorCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    pQueueInfinityCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    pQueue1000Cpu: { unit: 'tasks/CPU-s', better: 'higher' },
    promiseAllCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'tsab / floor': { numerator: 'tsab', denominator: 'floor', target: { op: '>=', value: 0.75 } },
    'tsab / p-queue(Infinity)': { numerator: 'tsab', denominator: 'pQueueInfinity', target: { op: '>=', value: 3 } },
    'tsab / p-queue(1000)': { numerator: 'tsab', denominator: 'pQueue1000', target: { op: '>=', value: 3 } },
    'tsab / Promise.all': { numerator: 'tsab', denominator: 'promiseAll' },
    'CPU: tsab / floor': { numerator: 'tsabCpu', denominator: 'floorCpu' },
    'CPU: tsab / p-queue(Infinity)': { numerator: 'tsabCpu', denominator: 'pQueueInfinityCpu' },
    'CPU: tsab / p-queue(1000)': { numerator: 'tsabCpu', denominator: 'pQueue1000Cpu' },
  },
  async round(ctx) {
    const { n } = ctx
    const app = await startApp()
    const values: Record<string, number> = {}
    try {
      collectGarbage()
      record(values, 'tsab', n, await tsabThroughput(app, n))
    } finally {
      await app.stop()
    }
    collectGarbage()
    record(values, 'floor', n, await floorThroughput(n))
    collectGarbage()
    record(values, 'pQueueInfinity', n, await pQueueThroughput(n, Infinity))
    collectGarbage()
    record(values, 'pQueue1000', n, await pQueueThroughput(n, 1000))
    collectGarbage()
    record(values, 'promiseAll', n, await promiseAllThroughput(n))
    return values
  },
}
