/**
 * The benchmark harness: runs every benchmark for several rounds, then reduces each metric and each ratio
 * (tsab against a baseline measured in the same round) to its median and min–max.
 *
 * Printing and writing results live in `report.ts`; the benchmarks themselves in `benchmarks/`.
 */

/** Settings shared by every benchmark of one run. */
export interface BenchContext {
  /** Quick smoke mode: N = 10,000, short idle window. */
  readonly quick: boolean
  /** The "N" of the issue: 1,000,000 in a full run, 10,000 in quick mode. */
  readonly n: number
  /** The "100,000" of the issue (pending tasks, shutdown, TaskManager): 100,000 full, 10,000 quick. */
  readonly n100k: number
  /** How long the idle benchmark watches the CPU, in milliseconds. */
  readonly idleMs: number
}

/** A number a benchmark measured, with its unit and which direction is better. */
export interface MetricSpec {
  readonly unit: string
  readonly better: 'higher' | 'lower'
}

/** A ratio of two metrics of the same round, optionally with the target it must meet (on its median). */
export interface RatioSpec {
  readonly numerator: string
  readonly denominator: string
  readonly target?: { readonly op: '>=' | '<='; readonly value: number }
}

/** An absolute target on a metric's median (for metrics without a meaningful baseline ratio). */
export interface MetricTarget {
  readonly op: '<' | '<='
  readonly value: number
}

/** One benchmark: a round measures every variant once and returns the metric values by name. */
export interface Benchmark {
  readonly id: string
  readonly title: string
  readonly metrics: Readonly<Record<string, MetricSpec>>
  readonly ratios: Readonly<Record<string, RatioSpec>>
  readonly targets?: Readonly<Record<string, MetricTarget>>
  /** Upper bound of rounds for benchmarks whose round is long (the idle window). */
  readonly maxRounds?: number
  /** Whether a small unmeasured round (N = 10,000) runs first so the JIT has warmed up. @default true */
  readonly warmup?: boolean
  round(ctx: BenchContext): Promise<Record<string, number>>
}

/** Median, minimum and maximum of a series, plus the raw values. */
export interface Summary {
  median: number
  min: number
  max: number
  values: number[]
}

/** The reduced result of one benchmark. */
export interface BenchmarkResult {
  id: string
  title: string
  rounds: number
  seconds: number
  metrics: Record<string, MetricSpec & Summary>
  ratios: Record<string, RatioSpec & Summary & { met?: boolean }>
  targets: Record<string, MetricTarget & { median: number; met: boolean }>
}

/** The median of `values` (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The `p`-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

function summarize(values: number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values }
}

/** Runs a full garbage collection when the process was started with `--expose-gc`. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) {
    gc()
    gc()
  }
}

/** Runs `rounds` rounds of `bench` and reduces them. */
export async function runBenchmark(
  bench: Benchmark,
  ctx: BenchContext,
  rounds: number,
  onRound?: (round: number, values: Record<string, number>) => void,
): Promise<BenchmarkResult> {
  const count = Math.min(rounds, bench.maxRounds ?? rounds)
  const series: Record<string, number[]> = {}
  for (const name of Object.keys(bench.metrics)) series[name] = []
  const ratioSeries: Record<string, number[]> = {}
  for (const name of Object.keys(bench.ratios)) ratioSeries[name] = []
  const started = performance.now()
  if (bench.warmup !== false) {
    await bench.round({ ...ctx, n: Math.min(ctx.n, 10_000), n100k: Math.min(ctx.n100k, 10_000) })
  }
  for (let round = 0; round < count; round++) {
    collectGarbage()
    const values = await bench.round(ctx)
    for (const name of Object.keys(bench.metrics)) {
      const value = values[name]
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(`Benchmark ${bench.id} did not report metric "${name}" (got ${String(value)})`)
      }
      series[name]!.push(value)
    }
    // A ratio is taken inside one round, so both sides share the machine's state of that moment.
    for (const [name, spec] of Object.entries(bench.ratios)) {
      ratioSeries[name]!.push(values[spec.numerator]! / values[spec.denominator]!)
    }
    onRound?.(round, values)
  }
  const result: BenchmarkResult = {
    id: bench.id,
    title: bench.title,
    rounds: count,
    seconds: (performance.now() - started) / 1000,
    metrics: {},
    ratios: {},
    targets: {},
  }
  for (const [name, spec] of Object.entries(bench.metrics)) result.metrics[name] = { ...spec, ...summarize(series[name]!) }
  for (const [name, spec] of Object.entries(bench.ratios)) {
    const summary = summarize(ratioSeries[name]!)
    const met = spec.target === undefined ? undefined : compare(summary.median, spec.target.op, spec.target.value)
    result.ratios[name] = met === undefined ? { ...spec, ...summary } : { ...spec, ...summary, met }
  }
  for (const [name, target] of Object.entries(bench.targets ?? {})) {
    const value = result.metrics[name]!.median
    result.targets[name] = { ...target, median: value, met: compare(value, target.op, target.value) }
  }
  return result
}

function compare(value: number, op: '>=' | '<=' | '<', limit: number): boolean {
  if (op === '>=') return value >= limit
  if (op === '<=') return value <= limit
  return value < limit
}
