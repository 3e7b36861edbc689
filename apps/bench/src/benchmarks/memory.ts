/**
 * Benchmark 4, memory: heap and RSS per pending task with N pending tasks, tsab against the floor (a pending
 * promise, its `Set` entry and its settle closure).
 *
 * Each side is measured in a fresh child process: RSS does not shrink after a collection, so a second
 * measurement in the same process would see the first one's pages.
 */
import { EventEmitter } from 'eventemitter3'
import { inChild } from '../child.js'
import { collectGarbage, type Benchmark } from '../harness.js'
import { createGate, holdPending, nextTurn, startApp, trivial } from '../fixtures.js'

/** Bytes per pending task, as measured by one child process. */
export interface MemorySample {
  heapPerTask: number
  rssPerTask: number
}

function usage(): { heap: number; rss: number } {
  collectGarbage()
  const { heapUsed, rss } = process.memoryUsage()
  return { heap: heapUsed, rss }
}

/** Child-process side: holds `n` pending tasks of `variant` and returns the memory they cost. */
export async function measureMemory(variant: 'tsab' | 'floor', n: number): Promise<MemorySample> {
  const gate = createGate()
  if (variant === 'tsab') {
    const app = await startApp()
    // Warm the code paths (and their feedback vectors) up before the "before" snapshot.
    for (let i = 0; i < 1000; i++) app.taskService.schedule(trivial)
    await app.taskService.onIdle()
    const before = usage()
    await holdPending(app, n, gate)
    const after = usage()
    gate.open()
    await app.taskService.onIdle()
    await app.stop()
    return { heapPerTask: (after.heap - before.heap) / n, rssPerTask: (after.rss - before.rss) / n }
  }
  const pending = new Set<Promise<void>>()
  const events = new EventEmitter()
  events.on('done', () => {})
  const waitForGate = async (): Promise<void> => {
    await gate.promise
  }
  await nextTurn()
  const before = usage()
  for (let i = 0; i < n; i++) {
    const promise = waitForGate()
    pending.add(promise)
    promise.then(() => {
      pending.delete(promise)
      events.emit('done', promise)
    })
  }
  await nextTurn()
  const after = usage()
  if (pending.size !== n) throw new Error('floor lost tasks')
  gate.open()
  return { heapPerTask: (after.heap - before.heap) / n, rssPerTask: (after.rss - before.rss) / n }
}

// Enough pending tasks for heap and RSS deltas to stand clear of the allocator's noise.
const MIN_TASKS = 100_000

export const memory: Benchmark = {
  id: 'memory',
  title: '4. Memory per pending task (N pending)',
  warmup: false,
  metrics: {
    tsabHeap: { unit: 'B/task', better: 'lower' },
    floorHeap: { unit: 'B/task', better: 'lower' },
    tsabRss: { unit: 'B/task', better: 'lower' },
    floorRss: { unit: 'B/task', better: 'lower' },
  },
  ratios: {
    'heap: tsab / floor': { numerator: 'tsabHeap', denominator: 'floorHeap', target: { op: '<=', value: 1.5 } },
    'RSS: tsab / floor': { numerator: 'tsabRss', denominator: 'floorRss', target: { op: '<=', value: 1.5 } },
  },
  async round(ctx) {
    // At least 100,000 tasks, also in quick mode: with fewer, RSS often does not move at all for the floor
    // (its pages are already mapped), and a per-task figure of 0 makes the ratio meaningless.
    const n = Math.max(ctx.n, MIN_TASKS)
    const tsab = await inChild<MemorySample>(['memory', 'tsab', String(n)])
    const floor = await inChild<MemorySample>(['memory', 'floor', String(n)])
    return { tsabHeap: tsab.heapPerTask, floorHeap: floor.heapPerTask, tsabRss: tsab.rssPerTask, floorRss: floor.rssPerTask }
  },
}
