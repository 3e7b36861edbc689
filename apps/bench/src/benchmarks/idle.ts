/**
 * Benchmark 7, idle cost: the CPU an idle application holding 100,000 pending tasks uses (ticks included),
 * against the same number of pending promises in a `Set`, as a percentage of one core.
 */
import { collectGarbage, type Benchmark } from '../harness.js'
import { createGate, holdPending, startApp } from '../fixtures.js'

// CPU time (user + system) used during `ms` of waiting, as a percentage of one core.
async function cpuPercentDuring(ms: number): Promise<number> {
  collectGarbage()
  const wallStart = performance.now()
  const before = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const used = process.cpuUsage(before)
  const wallMs = performance.now() - wallStart
  return ((used.user + used.system) / 1000 / wallMs) * 100
}

async function tsabIdle(pending: number, ms: number): Promise<number> {
  const app = await startApp()
  const gate = createGate()
  try {
    await holdPending(app, pending, gate)
    return await cpuPercentDuring(ms)
  } finally {
    gate.open()
    await app.taskService.onIdle()
    await app.stop()
  }
}

async function floorIdle(pending: number, ms: number): Promise<number> {
  const gate = createGate()
  const tasks = new Set<Promise<void>>()
  for (let i = 0; i < pending; i++) {
    const promise = gate.promise.then(() => {})
    tasks.add(promise)
    promise.then(() => tasks.delete(promise))
  }
  const percent = await cpuPercentDuring(ms)
  gate.open()
  return percent
}

export const idle: Benchmark = {
  id: 'idle',
  title: '7. Idle CPU with 100k pending tasks',
  maxRounds: 3,
  warmup: false,
  metrics: {
    tsab: { unit: '% core', better: 'lower' },
    floor: { unit: '% core', better: 'lower' },
  },
  ratios: {},
  targets: {
    tsab: { op: '<', value: 1 },
  },
  async round(ctx) {
    const tsab = await tsabIdle(ctx.n100k, ctx.idleMs)
    collectGarbage()
    const floor = await floorIdle(ctx.n100k, ctx.idleMs)
    return { tsab, floor }
  },
}
