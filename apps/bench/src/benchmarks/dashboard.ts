/**
 * Dashboard benchmark, the live task dashboard of @tsab/web:
 *
 * - throughput of benchmark 1 (N trivial tasks) on an application with a WebService, with the dashboard on and one
 *   client reading `GET /tsab/api/events`, against the same application with the dashboard off, in the same round;
 *   a third variant with a no-op observer (the dashboard off) shows what any TaskService observer costs by itself;
 * - the largest gap between two `stats` events the client saw during that run;
 * - `GET /tsab/api/tasks` answered while 100,000 tasks are running (median of several requests), and
 *   `taskService.list()` alone over the same tasks, to see which part of the answer is the list.
 */
import { request, type IncomingMessage } from 'node:http'
import { Application, createLogger } from '@tsab/core'
import { WebService } from '@tsab/web'
import { collectGarbage, median, type Benchmark } from '../harness.js'
import { createGate, holdPending, record, stopwatch, tsabThroughput, type Elapsed } from '../fixtures.js'

type Variant = 'without' | 'dashboard' | 'noopObserver'

/** Requests to `/tsab/api/tasks` per round (the median is the round's value). */
const API_REQUESTS = 9

class Bench extends Application {
  readonly web = this.addService(WebService)
}

async function startBench(dashboard: boolean): Promise<{ app: Bench; port: number }> {
  const app = new Bench({
    name: 'bench',
    logger: createLogger({ level: 'silent' }),
    handleSignals: false,
    config: { web: { listen: '127.0.0.1:0', dashboard } },
  })
  await app.start()
  const [address] = await app.web.onListening()
  return { app, port: Number(new URL(`http://${address}`).port) }
}

function get(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, resolve)
    req.once('error', reject)
    req.end()
  })
}

/** Reads `/tsab/api/events` as a browser would, noting when each `stats` event arrives. */
async function watchEvents(port: number): Promise<{ statsAt: number[]; close: () => void }> {
  const response = await get(port, '/tsab/api/events')
  if (response.statusCode !== 200) throw new Error(`/tsab/api/events answered ${response.statusCode}`)
  const statsAt: number[] = []
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    for (let at = chunk.indexOf('event: stats'); at >= 0; at = chunk.indexOf('event: stats', at + 1)) statsAt.push(performance.now())
  })
  response.on('error', () => {})
  return { statsAt, close: () => response.destroy() }
}

async function throughputOf(variant: Variant, n: number, gaps: number[]): Promise<Elapsed> {
  const { app, port } = await startBench(variant === 'dashboard')
  const unobserve = variant === 'noopObserver' ? app.taskService.observe({ scheduled() {}, started() {}, finished() {} }) : undefined
  const client = variant === 'dashboard' ? await watchEvents(port) : undefined
  try {
    collectGarbage()
    const started = performance.now()
    const elapsed = await tsabThroughput(app, n)
    if (client !== undefined) {
      const during = [started, ...client.statsAt.filter((at) => at >= started), performance.now()]
      gaps.push(Math.max(...during.slice(1).map((at, i) => at - during[i]!)))
    }
    return elapsed
  } finally {
    client?.close()
    unobserve?.()
    await app.stop()
  }
}

/** Median latency of `GET /tsab/api/tasks` and of `list()` while `n` tasks run, and the answer's size. */
async function apiWithRunning(n: number): Promise<{ apiMs: number; listMs: number; bytes: number; total: number }> {
  const { app, port } = await startBench(true)
  const gate = createGate()
  try {
    await holdPending(app, n, gate)
    const api: number[] = []
    const list: number[] = []
    let bytes = 0
    let total = 0
    for (let i = 0; i < API_REQUESTS; i++) {
      collectGarbage()
      const elapsed = stopwatch()
      const response = await get(port, '/tsab/api/tasks')
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      api.push(elapsed().wallMs)
      const body = Buffer.concat(chunks)
      bytes = body.length
      if (i === 0) total = (JSON.parse(body.toString('utf8')) as { total: number }).total
      const listed = stopwatch()
      if (app.taskService.list().length !== n) throw new Error('list() lost tasks')
      list.push(listed().wallMs)
    }
    if (total !== n) throw new Error(`/tsab/api/tasks reported ${total} tasks, ${n} are running`)
    return { apiMs: median(api), listMs: median(list), bytes, total }
  } finally {
    gate.open()
    await app.taskService.onIdle()
    await app.stop()
  }
}

export const dashboard: Benchmark = {
  id: 'dashboard',
  title: 'Dashboard: throughput with /tsab/ open (one event-stream client); GET /tsab/api/tasks with 100,000 running tasks',
  metrics: {
    without: { unit: 'tasks/s', better: 'higher' },
    dashboard: { unit: 'tasks/s', better: 'higher' },
    noopObserver: { unit: 'tasks/s', better: 'higher' },
    withoutCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    dashboardCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    noopObserverCpu: { unit: 'tasks/CPU-s', better: 'higher' },
    maxStatsGapMs: { unit: 'ms', better: 'lower' },
    apiTasksMs: { unit: 'ms', better: 'lower' },
    listMs: { unit: 'ms', better: 'lower' },
    apiTasksKiB: { unit: 'KiB', better: 'lower' },
  },
  ratios: {
    'dashboard + 1 client / without': { numerator: 'dashboard', denominator: 'without', target: { op: '>=', value: 0.9 } },
    'no-op observer / without': { numerator: 'noopObserver', denominator: 'without' },
    'dashboard + 1 client / no-op observer': { numerator: 'dashboard', denominator: 'noopObserver' },
    'CPU: dashboard + 1 client / without': { numerator: 'dashboardCpu', denominator: 'withoutCpu' },
    'CPU: no-op observer / without': { numerator: 'noopObserverCpu', denominator: 'withoutCpu' },
  },
  targets: { apiTasksMs: { op: '<', value: 50 } },
  async round(ctx) {
    const values: Record<string, number> = {}
    const gaps: number[] = []
    // Alternate the order, so that no variant always runs on the warmer (or cooler) machine.
    const order: Variant[] = Math.random() < 0.5 ? ['without', 'dashboard', 'noopObserver'] : ['dashboard', 'without', 'noopObserver']
    for (const variant of order) {
      collectGarbage()
      record(values, variant, ctx.n, await throughputOf(variant, ctx.n, gaps))
    }
    values['maxStatsGapMs'] = gaps[0]!
    collectGarbage()
    const api = await apiWithRunning(ctx.n100k)
    values['apiTasksMs'] = api.apiMs
    values['listMs'] = api.listMs
    values['apiTasksKiB'] = api.bytes / 1024
    return values
  },
}
