/**
 * Benchmark 1, throughput: N trivial async tasks through `TaskService.schedule` (each published as
 * `TaskService.task_done!` to one subscriber) against the JavaScript floor, p-queue and `Promise.all`.
 */
import PQueue from 'p-queue'
import { collectGarbage, type Benchmark } from '../harness.js'
import { floorThroughput, perSecond, startApp, trivial, tsabThroughput } from '../fixtures.js'

async function pQueueThroughput(n: number, concurrency: number): Promise<number> {
  const queue = new PQueue({ concurrency })
  // One subscriber to every finished task, like the tsab and floor variants.
  let done = 0
  queue.on('completed', () => done++)
  const started = performance.now()
  for (let i = 0; i < n; i++) void queue.add(trivial)
  await queue.onIdle()
  const elapsed = performance.now() - started
  if (done !== n) throw new Error(`p-queue completed ${done} of ${n}`)
  return elapsed
}

async function promiseAllThroughput(n: number): Promise<number> {
  const started = performance.now()
  const promises: Array<Promise<number>> = new Array(n)
  for (let i = 0; i < n; i++) promises[i] = trivial()
  await Promise.all(promises)
  return performance.now() - started
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
  },
  ratios: {
    'tsab / floor': { numerator: 'tsab', denominator: 'floor', target: { op: '>=', value: 0.75 } },
    'tsab / p-queue(Infinity)': { numerator: 'tsab', denominator: 'pQueueInfinity', target: { op: '>=', value: 3 } },
    'tsab / p-queue(1000)': { numerator: 'tsab', denominator: 'pQueue1000', target: { op: '>=', value: 3 } },
    'tsab / Promise.all': { numerator: 'tsab', denominator: 'promiseAll' },
  },
  async round(ctx) {
    const { n } = ctx
    const app = await startApp()
    const values: Record<string, number> = {}
    try {
      collectGarbage()
      values.tsab = perSecond(n, await tsabThroughput(app, n))
    } finally {
      await app.stop()
    }
    collectGarbage()
    values.floor = perSecond(n, await floorThroughput(n))
    collectGarbage()
    values.pQueueInfinity = perSecond(n, await pQueueThroughput(n, Infinity))
    collectGarbage()
    values.pQueue1000 = perSecond(n, await pQueueThroughput(n, 1000))
    collectGarbage()
    values.promiseAll = perSecond(n, await promiseAllThroughput(n))
    return values
  },
}
