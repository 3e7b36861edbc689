/**
 * Dashboard benchmark, the live task dashboard of @tsab/web:
 *
 * - throughput of benchmark 1 (N trivial tasks) on an application with a WebService, with the dashboard on and one
 *   client reading `GET /tsab/api/events`, against the same application with the dashboard off, in the same round;
 *   a third variant with a no-op observer (the dashboard off) shows what any TaskService observer costs by itself;
 * - seen by that client (a process of its own): the largest gap between two `stats` events during the run (it
 *   includes the time the benchmark's own loop of N `schedule()` calls blocks the event loop) and how old the data
 *   of a `stats` event was at most when it arrived;
 * - `GET /tsab/api/tasks` answered while 100,000 tasks are running (median of several requests, wall-clock and CPU
 *   time: client and server share the process, which does nothing else meanwhile), and `taskService.list()` alone
 *   over the same tasks, to see which part of the answer is the list.
 */
import { spawn } from 'node:child_process'
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

// The event-stream client, in a process of its own as a browser would be (a client in the measured process would
// read late whenever that process is busy): one line per `stats` event, "<arrival ms since the epoch> <event's at>".
const CLIENT = `
import { get } from 'node:http'
get({ host: '127.0.0.1', port: Number(process.argv[1]), path: '/tsab/api/events' }, (response) => {
  if (response.statusCode !== 200) process.exit(2)
  let buffer = ''
  response.setEncoding('utf8')
  response.on('data', (chunk) => {
    buffer += chunk
    for (let end = buffer.indexOf('\\n\\n'); end >= 0; end = buffer.indexOf('\\n\\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (block.startsWith('event: stats\\n')) process.stdout.write(Date.now() + ' ' + JSON.parse(block.slice(block.indexOf('data: ') + 6)).at + '\\n')
    }
  })
  process.stdout.write('open\\n')
})
`

/** Starts the client process; resolves once its stream is open. `arrivals()` gives [arrival, at] per `stats` event. */
function watchEvents(port: number): Promise<{ arrivals: () => Array<[number, number]>; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    let out = ''
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the event-stream client exited with ${code}`)))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      if (out.startsWith('open\n')) {
        resolve({
          arrivals: () => out.split('\n').slice(1).filter((line) => line !== '').map((line) => line.split(' ').map(Number) as [number, number]),
          close: async () => {
            child.kill()
            await exited
          },
        })
      }
    })
  })
}

async function throughputOf(variant: Variant, n: number, stream: { gaps: number[]; lags: number[] }): Promise<Elapsed> {
  const { app, port } = await startBench(variant === 'dashboard')
  const unobserve = variant === 'noopObserver' ? app.taskService.observe({ scheduled() {}, started() {}, finished() {} }) : undefined
  const client = variant === 'dashboard' ? await watchEvents(port) : undefined
  try {
    collectGarbage()
    const started = Date.now()
    const elapsed = await tsabThroughput(app, n)
    const ended = Date.now()
    if (client !== undefined) {
      // Let the last events of the run reach the client.
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const events = client.arrivals().filter(([arrival]) => arrival >= started && arrival <= ended + 1_100)
      const during = [started, ...events.map(([arrival]) => arrival).filter((arrival) => arrival <= ended), ended]
      stream.gaps.push(Math.max(...during.slice(1).map((at, i) => at - during[i]!)))
      stream.lags.push(Math.max(0, ...events.map(([arrival, at]) => arrival - at)))
    }
    return elapsed
  } finally {
    await client?.close()
    unobserve?.()
    await app.stop()
  }
}

/** Median latency of `GET /tsab/api/tasks` and of `list()` while `n` tasks run, and the answer's size. */
async function apiWithRunning(n: number): Promise<{ apiMs: number; apiCpuMs: number; listMs: number; bytes: number; total: number }> {
  const { app, port } = await startBench(true)
  const gate = createGate()
  try {
    await holdPending(app, n, gate)
    const api: number[] = []
    const apiCpu: number[] = []
    const list: number[] = []
    let bytes = 0
    let total = 0
    // One collection before the series, none in between: a forced full GC leaves sweeping work to the next request.
    collectGarbage()
    for (let i = 0; i < API_REQUESTS; i++) {
      const elapsed = stopwatch()
      const response = await get(port, '/tsab/api/tasks')
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      const { wallMs, cpuMs } = elapsed()
      api.push(wallMs)
      apiCpu.push(cpuMs)
      const body = Buffer.concat(chunks)
      bytes = body.length
      if (i === 0) total = (JSON.parse(body.toString('utf8')) as { total: number }).total
      const listed = stopwatch()
      if (app.taskService.list().length !== n) throw new Error('list() lost tasks')
      list.push(listed().wallMs)
    }
    if (total !== n) throw new Error(`/tsab/api/tasks reported ${total} tasks, ${n} are running`)
    return { apiMs: median(api), apiCpuMs: median(apiCpu), listMs: median(list), bytes, total }
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
    maxStatsLagMs: { unit: 'ms', better: 'lower' },
    apiTasksMs: { unit: 'ms', better: 'lower' },
    apiTasksCpuMs: { unit: 'CPU-ms', better: 'lower' },
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
    const stream = { gaps: [] as number[], lags: [] as number[] }
    // Alternate the order, so that no variant always runs on the warmer (or cooler) machine.
    const order: Variant[] = Math.random() < 0.5 ? ['without', 'dashboard', 'noopObserver'] : ['dashboard', 'without', 'noopObserver']
    for (const variant of order) {
      collectGarbage()
      record(values, variant, ctx.n, await throughputOf(variant, ctx.n, stream))
    }
    values['maxStatsGapMs'] = stream.gaps[0]!
    values['maxStatsLagMs'] = stream.lags[0]!
    collectGarbage()
    const api = await apiWithRunning(ctx.n100k)
    values['apiTasksMs'] = api.apiMs
    values['apiTasksCpuMs'] = api.apiCpuMs
    values['listMs'] = api.listMs
    values['apiTasksKiB'] = api.bytes / 1024
    return values
  },
}
