/**
 * Benchmark 1d, observer cost: benchmark 1's tsab variant with one no-op observer registered (`scheduled`,
 * `started`, `finished`) against tsab without one. The two alternate three times in each round (A B B A A B), and
 * the round's ratio is taken over the sums, so a burst of load from other processes hits both sides alike.
 */
import { collectGarbage, type Benchmark } from '../harness.js'
import { record, type Elapsed } from '../fixtures.js'
import { tsabAppThroughput } from '../variants.js'

const ORDER: readonly boolean[] = [false, true, true, false, false, true]

function sum(list: readonly Elapsed[]): Elapsed {
  return list.reduce((a, b) => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs }))
}

export const observer: Benchmark = {
  id: 'observer',
  title: '1d. One no-op observer registered: throughput with / without (interleaved)',
  metrics: {
    without: { unit: 'tasks/s', better: 'higher' },
    with: { unit: 'tasks/s', better: 'higher' },
    withoutCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    withCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'with observer / without': { numerator: 'with', denominator: 'without', target: { op: '>=', value: 0.95 } },
    'CPU: with observer / without': { numerator: 'withCpu', denominator: 'withoutCpu' },
  },
  async round(ctx) {
    const runs: Record<'with' | 'without', Elapsed[]> = { with: [], without: [] }
    for (const observed of ORDER) {
      collectGarbage()
      runs[observed ? 'with' : 'without'].push(await tsabAppThroughput(ctx.n, observed))
    }
    const values: Record<string, number> = {}
    record(values, 'without', ctx.n * 3, sum(runs.without))
    record(values, 'with', ctx.n * 3, sum(runs.with))
    return values
  },
}
