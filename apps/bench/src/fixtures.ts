/**
 * What the benchmarks share: a quiet tsab application, the "JavaScript floor" (the least code that runs and
 * tracks async functions by hand), and small helpers to wait for the event loop.
 */
import { Application, Messages, createLogger } from '@tsab/core'
import { EventEmitter } from 'eventemitter3'

/** The trivial task every throughput benchmark runs: an async function that returns at once. */
export const trivial = async (): Promise<number> => 1

/** A promise that stays pending until `open()` is called: what long-pending tasks wait on. */
export interface Gate {
  readonly promise: Promise<void>
  open(): void
}

/** Creates a closed {@link Gate}. */
export function createGate(): Gate {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

/** Elapsed wall-clock and CPU (user + system, all threads) milliseconds of one measurement, and when it ran. */
export interface Elapsed {
  wallMs: number
  cpuMs: number
  /** `performance.now()` at the start and the end of the measurement (set by {@link stopwatch}). */
  from?: number
  to?: number
}

/** Starts a stopwatch; calling the result reads wall-clock and process CPU time since the start. */
export function stopwatch(): () => Elapsed {
  const wallStart = performance.now()
  const cpuStart = process.cpuUsage()
  return () => {
    const cpu = process.cpuUsage(cpuStart)
    const to = performance.now()
    return { wallMs: to - wallStart, cpuMs: (cpu.user + cpu.system) / 1000, from: wallStart, to }
  }
}

/** Resolves on the next turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A started application whose logger is silent, as a service would run it. */
export async function startApp(): Promise<Application> {
  const app = new Application({ name: 'bench', logger: createLogger({ level: 'silent' }) })
  await app.start()
  return app
}

/**
 * Schedules `n` tasks that each wait on `gate` (one async function per task, like a request handler waiting for
 * I/O) and resolves once they are all running.
 */
export async function holdPending(app: Application, n: number, gate: Gate): Promise<void> {
  const waitForGate = async (): Promise<void> => {
    await gate.promise
  }
  for (let i = 0; i < n; i++) app.taskService.schedule(waitForGate)
  await nextTurn()
  await nextTurn()
  const { running } = app.taskService.stats()
  if (running < n) throw new Error(`expected ${n} running tasks, got ${running}`)
}

/**
 * Runs `n` trivial tasks through `app.taskService.schedule`, each published as `TaskService.task_done!` to one
 * subscriber, and resolves with the elapsed milliseconds once the subscriber has seen all of them.
 */
export async function tsabThroughput(app: Application, n: number): Promise<Elapsed> {
  let done = 0
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))
  const unsubscribe = app.pubsub.subscribe(Messages.TaskDone, () => {
    if (++done === n) finish()
  })
  const elapsed = stopwatch()
  for (let i = 0; i < n; i++) app.taskService.schedule(trivial)
  await finished
  const result = elapsed()
  unsubscribe()
  return result
}

/**
 * The JavaScript floor: start `n` async functions, keep each promise in a pending `Set`, and on settle delete it
 * and emit one eventemitter3 event to one subscriber. Resolves with the elapsed milliseconds.
 */
export async function floorThroughput(n: number): Promise<Elapsed> {
  const pending = new Set<Promise<number>>()
  const events = new EventEmitter()
  let done = 0
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))
  events.on('done', () => {
    if (++done === n) finish()
  })
  const elapsed = stopwatch()
  for (let i = 0; i < n; i++) {
    const promise = trivial()
    pending.add(promise)
    promise.then(
      () => {
        pending.delete(promise)
        events.emit('done', promise)
      },
      () => {
        pending.delete(promise)
        events.emit('done', promise)
      },
    )
  }
  await finished
  return elapsed()
}

/** `n / ms` in operations per second. */
export function perSecond(n: number, ms: number): number {
  return (n / ms) * 1000
}

/**
 * Stores `n` operations in `elapsed` as `values[name]` (per wall-clock second) and `values[name + 'Cpu']` (per
 * CPU second: steadier than wall-clock time when other processes compete for the cores).
 */
export function record(values: Record<string, number>, name: string, n: number, elapsed: Elapsed): void {
  values[name] = perSecond(n, elapsed.wallMs)
  values[`${name}Cpu`] = perSecond(n, elapsed.cpuMs)
}
