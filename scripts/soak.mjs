#!/usr/bin/env node
// Soak test of @tsab/core (issue 6): millions of mixed tasks through one application, with periodic tasks and a
// request cache churning, heap and RSS sampled every second; after a forced GC the heap must be back at its
// starting level. Runs against the BUILT package (packages/core/dist, or TSAB_CORE_ENTRY).
//
//   pnpm soak                                     10,000,000 tasks (a few minutes), needs --expose-gc
//   node --expose-gc scripts/soak.mjs --tasks 100000 --max-growth-mb 16 --json
//
// Exit code 0 when every task is accounted for and the heap growth after GC is within --max-growth-mb.
import { setMaxListeners } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: '5000' },
    'max-growth-mb': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
})
const TOTAL = Number(args.tasks)
const BATCH = Number(args.batch)
const MAX_GROWTH_MB = Number(args['max-growth-mb'])
const MB = 1024 * 1024

if (typeof globalThis.gc !== 'function') {
  console.error('soak: run with node --expose-gc')
  process.exit(2)
}
const entryPath = fileURLToPath(new URL('../packages/core/dist/index.js', import.meta.url))
const entry = process.env.TSAB_CORE_ENTRY ?? pathToFileURL(entryPath).href
if (process.env.TSAB_CORE_ENTRY === undefined && !existsSync(entryPath)) {
  console.error('soak: packages/core/dist is missing; run `node scripts/dev.mjs setup` first')
  process.exit(2)
}
const { Application, Future, Messages, NumberCache, RequestCache, Service, createLogger } = await import(entry)

const log = (line) => {
  if (!args.json) console.log(line)
}

/** A request that is answered (popped) or times out after a few ms. */
class Request extends NumberCache {
  constructor(requestCache, number) {
    super(requestCache, 'req', number)
    this.reply = new Future()
    this.registerFuture(this.reply, { onTimeout: 'timeout' })
  }
  get timeoutDelay() {
    return 2 + (this.number % 7)
  }
}

class Churn extends Service {
  requests = new RequestCache({ name: 'soak-requests', taskService: this.app.taskService, logger: this.logger })
  nextNumber = 0
  answered = 0
  timedOut = 0

  initialize() {
    this.tasks.registerTask('heartbeat', () => {}, { interval: 5 })
    this.tasks.registerTask('requests', () => this.#churn(), { interval: 2 })
    this.tasks.registerTask('renamer', () => {
      // Re-register a named delayed task over and over: names are freed and reused.
      this.tasks.cancelPendingTask('delayed')
      this.tasks.registerTask('delayed', () => 'later', { delay: 3 })
    }, { interval: 4 })
  }

  #churn() {
    for (let i = 0; i < 20; i++) {
      const number = this.nextNumber++ % 100_000
      if (this.requests.has('req', number)) continue
      const request = this.requests.add(new Request(this.requests, number))
      if (request === null) continue
      request.reply.then(
        (value) => (value === 'timeout' ? this.timedOut++ : this.answered++),
        () => {},
      )
      // Answer about half of them at once; the rest time out.
      if (number % 2 === 0) {
        this.requests.pop('req', number)
        request.reply.setResult('answered')
      }
    }
  }

  async finalize() {
    await this.requests.shutdown()
  }
}

const app = new Application({
  name: 'soak',
  logger: createLogger({ level: 'silent' }),
  handleSignals: false,
  config: { TaskService: { shutdown_timeout: '2s' } },
})
const churn = app.addService(Churn)

// Our own tasks are counted through task_done!, so waiting needs no per-task promise.
let done = 0
let target = 0
let wake
app.pubsub.subscribe(Messages.TaskDone, (_message, handle) => {
  if (handle.owner === undefined) done++
  if (wake !== undefined && done >= target) {
    const resolve = wake
    wake = undefined
    resolve()
  }
})
const allDone = (count) => {
  target = count
  return done >= count ? Promise.resolve() : new Promise((resolve) => (wake = resolve))
}

// One signal shared by thousands of tasks (an app-wide "stop everything" signal): each task adds one abort
// listener and removes it when it settles, so Node's leak heuristic (more than 10 listeners) does not apply.
const controller = new AbortController()
setMaxListeners(0, controller.signal)
function scheduleBatch(size, offset) {
  const ts = app.taskService
  for (let i = 0; i < size; i++) {
    switch ((offset + i) % 10) {
      case 0:
        ts.schedule(() => i)
        break
      case 1:
        ts.schedule(async () => i)
        break
      case 2:
        ts.schedule(() => {
          throw new Error('soak failure')
        })
        break
      case 3:
        ts.schedule(() => Promise.reject('not an error'))
        break
      case 4:
        ts.schedule(async () => i).forEach((handle) => handle.cancel('cancelled at once'))
        break
      case 5:
        ts.spawn((signal) => new Promise((resolve) => setImmediate(resolve, signal.aborted)), { name: 'immediate' })
        break
      case 6:
        ts.spawn(Promise.resolve(i), { name: 'promise' })
        break
      case 7:
        ts.spawn(async () => i, { timeoutMs: 1_000, signal: controller.signal })
        break
      case 8:
        ts.spawn(function named() {
          return i
        })
        break
      default:
        ts.schedule(() => new Promise((resolve) => queueMicrotask(resolve)))
    }
  }
}

const memory = () => {
  const usage = process.memoryUsage()
  return { heapMB: usage.heapUsed / MB, rssMB: usage.rss / MB }
}
const collect = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

await app.start()
const samples = []
const started = performance.now()
const sampler = setInterval(() => {
  const sample = { t: Math.round((performance.now() - started) / 1000), tasks: done, ...memory() }
  samples.push(sample)
  log(`t=${sample.t}s tasks=${sample.tasks} heap=${sample.heapMB.toFixed(1)}MB rss=${sample.rssMB.toFixed(1)}MB`)
}, 1_000)

// Warm-up: JIT, pools and the request cache reach their steady size before the baseline is taken.
const warmup = Math.min(TOTAL, Math.max(BATCH, Math.floor(TOTAL / 100)))
let scheduled = 0
while (scheduled < warmup) {
  const size = Math.min(BATCH, warmup - scheduled)
  scheduleBatch(size, scheduled)
  scheduled += size
  await allDone(scheduled)
}
await collect()
const base = memory()
let peak = { ...base }
while (scheduled < TOTAL) {
  const size = Math.min(BATCH, TOTAL - scheduled)
  scheduleBatch(size, scheduled)
  scheduled += size
  await allDone(scheduled)
  if (scheduled % (BATCH * 20) === 0) {
    const now = memory()
    peak = { heapMB: Math.max(peak.heapMB, now.heapMB), rssMB: Math.max(peak.rssMB, now.rssMB) }
  }
}
const seconds = (performance.now() - started) / 1000
await collect()
const end = memory()
clearInterval(sampler)
const stats = app.taskService.stats()
const code = await app.stop()
await collect()
const afterStop = memory()
const finalStats = app.taskService.stats()

const growthMB = end.heapMB - base.heapMB
const accounted = finalStats.scheduled === finalStats.succeeded + finalStats.failed + finalStats.cancelled && finalStats.running === 0 && finalStats.queued === 0
const summary = {
  tasks: TOTAL,
  ownTasksDone: done,
  seconds: Number(seconds.toFixed(1)),
  tasksPerSecond: Math.round(TOTAL / seconds),
  heapBaseMB: Number(base.heapMB.toFixed(1)),
  heapPeakMB: Number(Math.max(peak.heapMB, ...samples.map((s) => s.heapMB)).toFixed(1)),
  heapEndMB: Number(end.heapMB.toFixed(1)),
  heapGrowthMB: Number(growthMB.toFixed(2)),
  heapAfterStopMB: Number(afterStop.heapMB.toFixed(1)),
  rssBaseMB: Number(base.rssMB.toFixed(1)),
  rssPeakMB: Number(Math.max(peak.rssMB, ...samples.map((s) => s.rssMB)).toFixed(1)),
  rssEndMB: Number(end.rssMB.toFixed(1)),
  requestsAnswered: churn.answered,
  requestsTimedOut: churn.timedOut,
  statsBeforeStop: stats,
  statsAfterStop: finalStats,
  exitCode: code,
  accounted,
}
if (args.json) console.log(JSON.stringify(summary))
else console.log(summary)
const ok = accounted && done === TOTAL && code === 0 && growthMB <= MAX_GROWTH_MB
if (!ok) console.error(`soak: FAILED (accounted=${accounted}, done=${done}/${TOTAL}, heap growth ${growthMB.toFixed(2)} MB > ${MAX_GROWTH_MB} MB?)`)
process.exit(ok ? 0 : 1)
