/**
 * Entry point of the tsab benchmark suite: `node --expose-gc dist/main.js [--quick] [--rounds N] [--only a,b]
 * [--out dir]`. Runs every benchmark of `benchmarks/`, prints a table and writes JSON to `results/`.
 *
 * `--child memory|throughput|alloc <variant> <n>` is the internal mode of the benchmarks that run in a fresh process.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runBenchmark, type BenchContext, type Benchmark, type BenchmarkResult } from './harness.js'
import { formatResult, runInfo, writeReport } from './report.js'
import { throughput } from './benchmarks/throughput.js'
import { scale } from './benchmarks/scale.js'
import { startLatency } from './benchmarks/start-latency.js'
import { memory, measureMemory } from './benchmarks/memory.js'
import { shutdown } from './benchmarks/shutdown.js'
import { taskManager } from './benchmarks/task-manager.js'
import { idle } from './benchmarks/idle.js'
import { bullmqThroughput, withRedis } from './benchmarks/bullmq-throughput.js'
import { measureColdThroughput, throughputFresh } from './benchmarks/throughput-fresh.js'
import { allocation, measureAllocation } from './benchmarks/allocation.js'
import { observer } from './benchmarks/observer.js'
import { web, webOverload } from './benchmarks/web.js'
import { telemetry } from './benchmarks/telemetry.js'
import { workers } from './benchmarks/workers.js'
import { loopMonitor } from './benchmarks/loop-monitor.js'
import { dashboard } from './benchmarks/dashboard.js'
import { answer } from './child.js'
import { isVariant } from './variants.js'

const BENCHMARKS: readonly Benchmark[] = [
  throughput,
  throughputFresh,
  allocation,
  observer,
  scale,
  startLatency,
  memory,
  shutdown,
  taskManager,
  idle,
  loopMonitor,
  ...withRedis(bullmqThroughput),
  web,
  webOverload,
  telemetry,
  workers,
  dashboard,
]

// `pnpm bench -- --quick` may pass the `--` separator through; options after it still count as options.
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const { values: args, positionals } = parseArgs({
  args: argv,
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    child: { type: 'string' },
  },
})

async function child(kind: string, rest: string[]): Promise<void> {
  const [variant, text] = rest
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`child ${kind}: expected a task count, got ${String(text)}`)
  if (kind === 'memory') {
    if (variant !== 'tsab' && variant !== 'floor') throw new Error(`unknown memory variant ${String(variant)}`)
    return answer(await measureMemory(variant, n))
  }
  if (!isVariant(variant)) throw new Error(`unknown throughput variant ${String(variant)}`)
  if (kind === 'throughput') return answer(await measureColdThroughput(variant, n))
  if (kind === 'alloc') return answer(await measureAllocation(variant, n))
  throw new Error(`unknown child mode ${kind}`)
}

async function main(): Promise<void> {
  if (args.child !== undefined) return child(args.child, positionals)
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.warn('warning: run with `node --expose-gc` so memory and GC-sensitive numbers are meaningful')
  }
  const quick = args.quick === true
  const rounds = args.rounds !== undefined ? Number(args.rounds) : quick ? 2 : 5
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${args.rounds}`)
  const ctx: BenchContext = quick
    ? { quick, n: 10_000, n100k: 10_000, idleMs: 1_000 }
    : { quick, n: 1_000_000, n100k: 100_000, idleMs: 10_000 }
  const only = args.only?.split(',')
  const selected = only === undefined ? BENCHMARKS : BENCHMARKS.filter((bench) => only.includes(bench.id))
  const info = runInfo(quick ? 'quick' : 'full', rounds, ctx.n, ctx.n100k, ctx.idleMs)
  console.log(`tsab bench: ${info.mode} mode, ${rounds} rounds, N = ${ctx.n}; Node ${info.node}, ${info.cores} × ${info.cpu}\n`)
  const results: BenchmarkResult[] = []
  for (const bench of selected) {
    const result = await runBenchmark(bench, ctx, rounds)
    results.push(result)
    console.log(formatResult(result) + '\n')
  }
  const dir = args.out ?? fileURLToPath(new URL('../results/', import.meta.url))
  const file = writeReport({ info, benchmarks: results }, dir)
  console.log(`results written to ${file}`)
}

main().then(
  // Stop anything a benchmark left behind (nothing should be, but a hanging run is worse than none).
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
