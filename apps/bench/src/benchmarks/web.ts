/**
 * Web benchmarks (autocannon on loopback, bounded durations). Each server runs alone in a child process, so it has
 * a core to itself while autocannon loads it from this one.
 *
 * - `web`: `GET /health/ready` and `POST /jobs` (count 1) against the WebService and against a bare Fastify app with
 *   the same routes, work and logging (`web-server-child.ts`), one after the other in each round: req/s and p99.
 * - `web-overload`: the demo server (`[TaskService] max_queued` = 2,000, its max_concurrency 1,000) under
 *   `POST /jobs` with count = 1000 from 20 connections, while a separate process probes `/health/live`: peak RSS,
 *   share of 503s, and the probe's p99.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { percentile, type BenchContext, type Benchmark } from '../harness.js'

const childScript = fileURLToPath(new URL('./web-server-child.js', import.meta.url))
const demoMain = fileURLToPath(new URL('../../../demo-server/dist/main.js', import.meta.url))
const JOB_BODY = JSON.stringify({ kind: 'email', count: 1 })
const CONNECTIONS = 10
// The overload run: 20 clients each posting count = 1000 as fast as answered, against a queue of 2,000 tasks.
const OVERLOAD_CONNECTIONS = 20
const OVERLOAD_MAX_QUEUED = 2_000

interface Child {
  readonly process: ChildProcess
  readonly port: number
  stop(): Promise<void>
}

/** Spawns `args` with node and waits for its `{"port":N}` line (or for `port` when given). */
function startChild(args: string[], env: NodeJS.ProcessEnv = process.env, port?: number): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', port === undefined ? 'pipe' : 'ignore', 'inherit'] })
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited with ${code} before listening`)))
    if (port !== undefined) {
      void waitForPort(port).then(() => resolve({ process: child, port, stop }), reject)
      return
    }
    let buffer = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      const line = buffer.split('\n').find((text) => text.startsWith('{"port"'))
      if (line !== undefined) resolve({ process: child, port: (JSON.parse(line) as { port: number }).port, stop })
    })
  })
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined)
    if (res?.ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing answered on port ${port}`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/** One autocannon run; resolves with req/s (mean per second), p99 latency in ms and the count of non-2xx answers. */
async function load(options: autocannon.Options): Promise<{ rps: number; p99: number; non2xx: number; ok: number; errors: number }> {
  const result = await autocannon({ connections: CONNECTIONS, ...options })
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, ok: result['2xx'], errors: result.errors }
}

function routes(port: number): Record<'ready' | 'jobs', autocannon.Options> {
  return {
    ready: { url: `http://127.0.0.1:${port}/health/ready` },
    jobs: { url: `http://127.0.0.1:${port}/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JOB_BODY },
  }
}

/** GET /health/ready and POST /jobs: the WebService against bare Fastify, in the same round. */
export const web: Benchmark = {
  id: 'web',
  title: 'Web: GET /health/ready and POST /jobs (count 1), WebService vs bare Fastify (autocannon, 10 connections)',
  warmup: false,
  metrics: {
    readyTsab: { unit: 'req/s', better: 'higher' },
    readyFastify: { unit: 'req/s', better: 'higher' },
    readyP99Tsab: { unit: 'ms', better: 'lower' },
    readyP99Fastify: { unit: 'ms', better: 'lower' },
    jobsTsab: { unit: 'req/s', better: 'higher' },
    jobsFastify: { unit: 'req/s', better: 'higher' },
    jobsP99Tsab: { unit: 'ms', better: 'lower' },
    jobsP99Fastify: { unit: 'ms', better: 'lower' },
  },
  ratios: {
    'ready req/s: tsab / fastify': { numerator: 'readyTsab', denominator: 'readyFastify', target: { op: '>=', value: 0.9 } },
    'jobs req/s: tsab / fastify': { numerator: 'jobsTsab', denominator: 'jobsFastify', target: { op: '>=', value: 0.9 } },
    'ready p99: fastify / tsab': { numerator: 'readyP99Fastify', denominator: 'readyP99Tsab', target: { op: '>=', value: 0.9 } },
    'jobs p99: fastify / tsab': { numerator: 'jobsP99Fastify', denominator: 'jobsP99Tsab', target: { op: '>=', value: 0.9 } },
  },
  async round(ctx: BenchContext) {
    const seconds = ctx.quick ? 1 : 5
    const values: Record<string, number> = {}
    const servers = { tsab: await startChild([childScript, 'tsab']), fastify: await startChild([childScript, 'fastify']) }
    try {
      // JIT warm-up of both servers on both routes (skipped in quick mode, which only checks that everything runs).
      if (!ctx.quick) for (const server of Object.values(servers)) for (const options of Object.values(routes(server.port))) await load({ ...options, duration: 1 })
      for (const route of ['ready', 'jobs'] as const) {
        // Alternate who goes first, so neither side always gets the cooler machine.
        const order = Math.random() < 0.5 ? (['tsab', 'fastify'] as const) : (['fastify', 'tsab'] as const)
        for (const name of order) {
          const result = await load({ ...routes(servers[name].port)[route], duration: seconds })
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name} ${route}: ${result.non2xx} non-2xx, ${result.errors} errors`)
          const key = `${route}${name === 'tsab' ? 'Tsab' : 'Fastify'}`
          values[key] = result.rps
          // autocannon's latencies have 1 ms resolution; a p99 of 0 would make the ratio meaningless.
          values[`${route}P99${name === 'tsab' ? 'Tsab' : 'Fastify'}`] = Math.max(result.p99, 1)
        }
      }
    } finally {
      await Promise.all(Object.values(servers).map((server) => server.stop()))
    }
    return values
  },
}

/** Latencies (ms) of `GET /health/live` sent one after another for `ms` by a separate process (see the child). */
function probe(port: number, ms: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, 'probe', String(port), String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.once('error', reject)
    child.once('exit', (code) => {
      const line = out.split('\n').find((text) => text.startsWith('{"latencies"'))
      if (code !== 0 || line === undefined) reject(new Error(`the probe exited with ${code}`))
      else resolve((JSON.parse(line) as { latencies: number[] }).latencies)
    })
  })
}

/** Peak resident set size of a Linux process in MiB (VmHWM), or NaN elsewhere. */
function peakRssMiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? Number.NaN : Number(match[1]) / 1024
  } catch {
    return Number.NaN
  }
}

/** The demo server under POST /jobs with count = 1000 for 10 s: bounded memory, 503s, a responsive /health/live. */
export const webOverload: Benchmark = {
  id: 'web-overload',
  title: 'Web overload: the demo server under POST /jobs count=1000 (20 connections), [TaskService] max_queued = 2000',
  warmup: false,
  maxRounds: 3,
  metrics: {
    peakRssMiB: { unit: 'MiB', better: 'lower' },
    acceptedPerSecond: { unit: 'req/s', better: 'higher' },
    refusedShare: { unit: '503s / all', better: 'lower' },
    liveP99: { unit: 'ms', better: 'lower' },
  },
  ratios: {},
  targets: { liveP99: { op: '<', value: 100 }, peakRssMiB: { op: '<', value: 512 } },
  async round(ctx: BenchContext) {
    const seconds = ctx.quick ? 1.5 : 10
    const port = await freePort()
    const { PORT: _port, REDIS_URL: _redis, ...env } = process.env
    const server = await startChild(
      [demoMain],
      { ...env, LOG_LEVEL: 'info', TSAB__WEB__LISTEN: `127.0.0.1:${port}`, TSAB__QUEUESERVICE__BACKEND: 'memory', TSAB__TASKSERVICE__MAX_QUEUED: String(OVERLOAD_MAX_QUEUED) },
      port,
    )
    try {
      const probing = probe(port, seconds * 1000 - 200)
      const body = JSON.stringify({ kind: 'email', count: 1000 })
      const result = await load({
        url: `http://127.0.0.1:${port}/jobs`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: OVERLOAD_CONNECTIONS,
        duration: seconds,
      })
      const latencies = await probing
      const peak = peakRssMiB(server.process.pid!)
      const total = result.ok + result.non2xx
      return {
        peakRssMiB: peak,
        acceptedPerSecond: result.ok / seconds,
        refusedShare: total === 0 ? 0 : result.non2xx / total,
        liveP99: latencies.length === 0 ? Number.NaN : percentile(latencies, 99),
      }
    } finally {
      await server.stop()
    }
  },
}
