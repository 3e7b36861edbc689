/**
 * Benchmark 1, throughput: N trivial async tasks through `TaskService.schedule` (each published as
 * `TaskService.task_done!` to one subscriber) against the JavaScript floor, Effect, p-queue and `Promise.all`, all
 * warm in one process. The cost of an observer is benchmark 1d (`observer.ts`).
 */
import { collectGarbage, type Benchmark, type MetricSpec } from '../harness.js'
import { record } from '../fixtures.js'
import { runVariant, runVariantWithGc, VARIANTS, type Variant } from '../variants.js'

const metrics: Record<string, MetricSpec> = {}
// tsab with an observer is measured by benchmark 1d, interleaved with tsab without one.
const MEASURED = VARIANTS.filter((variant) => variant !== 'tsabObserved')
for (const variant of MEASURED) {
  metrics[variant] = { unit: 'tasks/s', better: 'higher' }
  metrics[`${variant}Cpu`] = { unit: 'tasks/CPU-s', better: 'higher' }
}
// Where the time goes: the share of the run spent in (main-thread) garbage-collection pauses.
const WITH_GC: readonly Variant[] = ['tsab', 'floor']
for (const variant of WITH_GC) metrics[`${variant}GcPercent`] = { unit: '% in GC', better: 'lower' }

export const throughput: Benchmark = {
  id: 'throughput',
  title: '1. Throughput: N trivial async tasks (warm, one process)',
  metrics,
  ratios: {
    'tsab / floor': { numerator: 'tsab', denominator: 'floor', target: { op: '>=', value: 0.85 } },
    'tsab / Effect': { numerator: 'tsab', denominator: 'effect', target: { op: '>=', value: 2 } },
    'tsab / p-queue(Infinity)': { numerator: 'tsab', denominator: 'pQueueInfinity', target: { op: '>=', value: 4 } },
    'tsab / p-queue(1000)': { numerator: 'tsab', denominator: 'pQueue1000', target: { op: '>=', value: 3 } },
    'tsab / Promise.all': { numerator: 'tsab', denominator: 'promiseAll' },
    'CPU: tsab / floor': { numerator: 'tsabCpu', denominator: 'floorCpu' },
    'CPU: tsab / Effect': { numerator: 'tsabCpu', denominator: 'effectCpu' },
    'CPU: tsab / p-queue(Infinity)': { numerator: 'tsabCpu', denominator: 'pQueueInfinityCpu' },
  },
  async round(ctx) {
    const values: Record<string, number> = {}
    for (const variant of MEASURED) {
      collectGarbage()
      if (WITH_GC.includes(variant)) {
        const measured = await runVariantWithGc(variant, ctx.n)
        record(values, variant, ctx.n, measured)
        values[`${variant}GcPercent`] = measured.gcPercent
      } else {
        record(values, variant, ctx.n, await runVariant(variant, ctx.n))
      }
    }
    return values
  },
}
