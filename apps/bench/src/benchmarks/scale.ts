/**
 * Benchmark 2, scale with pending work: the throughput of benchmark 1 while 100,000 and N long-pending tasks
 * are held by the same TaskService, as a ratio to the throughput with none.
 */
import { collectGarbage, type Benchmark } from '../harness.js'
import { createGate, holdPending, record, startApp, tsabThroughput, type Elapsed } from '../fixtures.js'

async function throughputWithPending(n: number, pending: number): Promise<Elapsed> {
  const app = await startApp()
  const gate = createGate()
  try {
    if (pending > 0) await holdPending(app, pending, gate)
    collectGarbage()
    return await tsabThroughput(app, n)
  } finally {
    gate.open()
    await app.taskService.onIdle()
    await app.stop()
  }
}

export const scale: Benchmark = {
  id: 'scale',
  title: '2. Scale: throughput with long-pending tasks present',
  metrics: {
    none: { unit: 'tasks/s', better: 'higher' },
    pending100k: { unit: 'tasks/s', better: 'higher' },
    pendingN: { unit: 'tasks/s', better: 'higher' },
    noneCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    pending100kCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    pendingNCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'with 100k pending / none': { numerator: 'pending100k', denominator: 'none' },
    'with N pending / none': { numerator: 'pendingN', denominator: 'none', target: { op: '>=', value: 0.9 } },
    'CPU: with N pending / none': { numerator: 'pendingNCpu', denominator: 'noneCpu' },
  },
  async round(ctx) {
    const values: Record<string, number> = {}
    record(values, 'none', ctx.n, await throughputWithPending(ctx.n, 0))
    record(values, 'pending100k', ctx.n, await throughputWithPending(ctx.n, ctx.n100k))
    record(values, 'pendingN', ctx.n, await throughputWithPending(ctx.n, ctx.n))
    return values
  },
}
