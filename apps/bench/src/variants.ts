/**
 * The throughput variants: N trivial async tasks run by tsab (with and without an observer), the JavaScript floor,
 * Effect, p-queue and `Promise.all`, each with one subscriber to every finished task. Shared by the in-process
 * throughput benchmark and the fresh-process and allocation children.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { Effect } from 'effect'
import PQueue from 'p-queue'
import { collectGarbage } from './harness.js'
import { floorThroughput, startApp, stopwatch, trivial, tsabThroughput, type Elapsed } from './fixtures.js'

/** The names of the throughput variants. */
export const VARIANTS = ['tsab', 'tsabObserved', 'floor', 'effect', 'pQueueInfinity', 'pQueue1000', 'promiseAll'] as const

/** One throughput variant. */
export type Variant = (typeof VARIANTS)[number]

/** True for a known variant name. */
export function isVariant(name: unknown): name is Variant {
  return (VARIANTS as readonly unknown[]).includes(name)
}

/** p-queue with `concurrency`, one listener on `completed`. */
export async function pQueueThroughput(n: number, concurrency: number): Promise<Elapsed> {
  const queue = new PQueue({ concurrency })
  let done = 0
  queue.on('completed', () => done++)
  const stop = stopwatch()
  for (let i = 0; i < n; i++) void queue.add(trivial)
  await queue.onIdle()
  const elapsed = stop()
  if (done !== n) throw new Error(`p-queue completed ${done} of ${n}`)
  return elapsed
}

/** Effect: `Effect.runFork` per task, and one observer per fiber (Effect's way of being told a fiber ended). */
export async function effectThroughput(n: number): Promise<Elapsed> {
  let done = 0
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))
  const onExit = (): void => {
    if (++done === n) finish()
  }
  const work = Effect.promise(trivial)
  const elapsed = stopwatch()
  for (let i = 0; i < n; i++) Effect.runFork(work).addObserver(onExit)
  await finished
  return elapsed()
}

/** `Promise.all` over N calls: no tracking at all, the lower bound of "run N async functions". */
export async function promiseAllThroughput(n: number): Promise<Elapsed> {
  const elapsed = stopwatch()
  const promises: Array<Promise<number>> = new Array(n)
  for (let i = 0; i < n; i++) promises[i] = trivial()
  await Promise.all(promises)
  return elapsed()
}

/** tsab in a fresh started application, optionally with one no-op observer registered. */
export async function tsabAppThroughput(n: number, observed: boolean): Promise<Elapsed> {
  const app = await startApp()
  const stopObserving = observed ? app.taskService.observe({ scheduled() {}, started() {}, finished() {} }) : undefined
  try {
    collectGarbage()
    return await tsabThroughput(app, n)
  } finally {
    stopObserving?.()
    await app.stop()
  }
}

/** Runs `variant` once with `n` tasks. */
export function runVariant(variant: Variant, n: number): Promise<Elapsed> {
  switch (variant) {
    case 'tsab':
      return tsabAppThroughput(n, false)
    case 'tsabObserved':
      return tsabAppThroughput(n, true)
    case 'floor':
      return floorThroughput(n)
    case 'effect':
      return effectThroughput(n)
    case 'pQueueInfinity':
      return pQueueThroughput(n, Infinity)
    case 'pQueue1000':
      return pQueueThroughput(n, 1000)
    case 'promiseAll':
      return promiseAllThroughput(n)
  }
}

/** Runs `variant` once and also returns the share of its wall-clock time spent in garbage-collection pauses (%). */
export async function runVariantWithGc(variant: Variant, n: number): Promise<Elapsed & { gcPercent: number }> {
  const pauses: Array<{ start: number; duration: number }> = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, duration: entry.duration })
  })
  observer.observe({ entryTypes: ['gc'] })
  const elapsed = await runVariant(variant, n)
  // GC entries are delivered on a later turn; only the pauses inside the measured window count.
  await new Promise((resolve) => setTimeout(resolve, 20))
  observer.disconnect()
  const from = elapsed.from ?? 0
  const to = elapsed.to ?? Infinity
  const inside = pauses.filter((pause) => pause.start >= from && pause.start <= to)
  const inGc = inside.reduce((sum, pause) => sum + pause.duration, 0)
  return { ...elapsed, gcPercent: (inGc / elapsed.wallMs) * 100 }
}
