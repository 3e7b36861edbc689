/**
 * Benchmark 3, start latency: from `schedule()` to the first line of the task running, median and p99, with no
 * and with 100,000 pending tasks, against `setImmediate` (the earliest "next turn of the event loop").
 */
import type { Application } from '@tsab/core'
import { median, percentile, type Benchmark } from '../harness.js'
import { createGate, holdPending, startApp } from '../fixtures.js'

async function tsabLatencies(app: Application, samples: number): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    let scheduledAt = 0
    await new Promise<void>((resolve) => {
      scheduledAt = performance.now()
      app.taskService.schedule(() => {
        latencies.push(performance.now() - scheduledAt)
        resolve()
      })
    })
  }
  return latencies
}

async function immediateLatencies(samples: number): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    let scheduledAt = 0
    await new Promise<void>((resolve) => {
      scheduledAt = performance.now()
      setImmediate(() => {
        latencies.push(performance.now() - scheduledAt)
        resolve()
      })
    })
  }
  return latencies
}

async function withPending(pending: number, samples: number): Promise<number[]> {
  const app = await startApp()
  const gate = createGate()
  try {
    if (pending > 0) await holdPending(app, pending, gate)
    return await tsabLatencies(app, samples)
  } finally {
    gate.open()
    await app.taskService.onIdle()
    await app.stop()
  }
}

export const startLatency: Benchmark = {
  id: 'start-latency',
  title: '3. Start latency: schedule() to the first line of the task',
  metrics: {
    tsabNoneMedian: { unit: 'ms', better: 'lower' },
    tsabNoneP99: { unit: 'ms', better: 'lower' },
    tsab100kMedian: { unit: 'ms', better: 'lower' },
    tsab100kP99: { unit: 'ms', better: 'lower' },
    setImmediateMedian: { unit: 'ms', better: 'lower' },
    setImmediateP99: { unit: 'ms', better: 'lower' },
  },
  ratios: {
    'median with 100k pending / setImmediate': { numerator: 'tsab100kMedian', denominator: 'setImmediateMedian' },
    'median with 100k pending / none': { numerator: 'tsab100kMedian', denominator: 'tsabNoneMedian' },
  },
  targets: {
    tsab100kMedian: { op: '<', value: 0.2 },
  },
  async round(ctx) {
    const samples = ctx.quick ? 200 : 2000
    const none = await withPending(0, samples)
    const pending = await withPending(ctx.n100k, samples)
    const immediate = await immediateLatencies(samples)
    return {
      tsabNoneMedian: median(none),
      tsabNoneP99: percentile(none, 99),
      tsab100kMedian: median(pending),
      tsab100kP99: percentile(pending, 99),
      setImmediateMedian: median(immediate),
      setImmediateP99: percentile(immediate, 99),
    }
  },
}
