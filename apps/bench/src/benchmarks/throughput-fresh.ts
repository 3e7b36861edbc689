/**
 * Benchmark 1b, cold throughput: benchmark 1's tsab and floor variants, each run once in a fresh process (no
 * warm-up round, nothing compiled yet, an empty heap), as a short-lived worker or a CLI would see them.
 */
import { inChild } from '../child.js'
import type { Benchmark } from '../harness.js'
import { record, type Elapsed } from '../fixtures.js'
import { runVariant, type Variant } from '../variants.js'

/** Child side: runs `variant` once with `n` tasks in this (fresh) process. */
export function measureColdThroughput(variant: Variant, n: number): Promise<Elapsed> {
  return runVariant(variant, n)
}

const COLD: readonly Variant[] = ['tsab', 'floor']

export const throughputFresh: Benchmark = {
  id: 'throughput-fresh',
  title: '1b. Throughput: N trivial async tasks, a fresh process per run',
  warmup: false,
  metrics: {
    tsab: { unit: 'tasks/s', better: 'higher' },
    floor: { unit: 'tasks/s', better: 'higher' },
    tsabCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    floorCpu: { unit: 'tasks/CPU-s', better: 'higher' },
  },
  ratios: {
    'tsab / floor': { numerator: 'tsab', denominator: 'floor', target: { op: '>=', value: 0.7 } },
    'CPU: tsab / floor': { numerator: 'tsabCpu', denominator: 'floorCpu' },
  },
  async round(ctx) {
    const values: Record<string, number> = {}
    for (const variant of COLD) record(values, variant, ctx.n, await inChild<Elapsed>(['throughput', variant, String(ctx.n)]))
    return values
  },
}
