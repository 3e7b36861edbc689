/**
 * Three app processes share one Redis (bullmq backend): 2,000 jobs, one process killed with SIGKILL half-way.
 * Every job completes, none is lost, each successful attempt's side effect is recorded once (at-least-once:
 * duplicates only for jobs the killed process was running), and the scheduler ran once per period.
 * The fixture imports the built packages (dist/): they are rebuilt here when missing or older than src/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import type { JobHandle } from '../src/index.js'
import { buildQueueApp, deletePrefix, freshPrefix, redisUrl, SKIP_REASON, until, type QueueApp } from './harness.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/queue-worker.mjs', import.meta.url))
const JOBS = 2_000
const KILL_AFTER = 700

function build(pkg: string): void {
  const tsc = `${root}node_modules/typescript/bin/tsc`
  const result = spawnSync(process.execPath, [tsc, '-p', `${root}packages/${pkg}/tsconfig.build.json`], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`building ${pkg} failed:\n${result.stdout}${result.stderr}`)
}

// dist/ is stale when any source file is newer than its built entry point.
function isStale(pkg: string): boolean {
  const entry = `${root}packages/${pkg}/dist/index.js`
  if (!existsSync(entry)) return true
  const built = statSync(entry).mtimeMs
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(`${dir}/${d.name}`) : statSync(`${dir}/${d.name}`).mtimeMs)))
  return newest(`${root}packages/${pkg}/src`) > built
}

function startWorker(prefix: string, instance: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, REDIS_URL: redisUrl, PREFIX: prefix, INSTANCE: instance },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr!.on('data', (chunk: Buffer) => void (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`worker ${instance} exited early (${code}): ${err}`)))
  })
}

const skip = redisUrl === undefined
describe.skipIf(skip)(`QueueService with three processes on one Redis${skip ? ` — ${SKIP_REASON}` : ''}`, () => {
  const prefix = freshPrefix()
  const children: ChildProcess[] = []
  let producer: QueueApp | undefined
  let redis: Redis

  beforeAll(() => {
    // The fixture must run this checkout's code (CI builds first; locally dist/ may be missing or stale).
    if (isStale('core')) build('core')
    if (isStale('bullmq')) build('bullmq')
    redis = new Redis(redisUrl!)
  }, 120_000)

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (producer !== undefined && producer.app.state !== 'stopped') await producer.app.stop()
    redis.disconnect()
    await deletePrefix(prefix)
  }, 30_000)

  it('completes every one of 2,000 jobs at least once although one process is killed with SIGKILL', async () => {
    const started = Date.now()
    children.push(...(await Promise.all(['a', 'b', 'c'].map((instance) => startWorker(prefix, instance)))))
    const schedulerFrom = Date.now()

    producer = buildQueueApp('bullmq', { prefix, name: 'producer' })
    await producer.app.start()
    const handles: JobHandle[] = []
    for (let n = 0; n < JOBS; n += 200) {
      const batch = Array.from({ length: 200 }, (_, i) => producer!.queues.enqueue('work', { n: n + i, ms: (n + i) % 7 }, { allowUndefined: true }))
      handles.push(...(await Promise.all(batch)))
    }

    // Kill b half-way, while it is running jobs.
    await until(async () => (await redis.llen(`${prefix}:effects`)) >= KILL_AFTER, 60_000, 'progress before the kill')
    const victim = children[1]!
    victim.kill('SIGKILL')
    await new Promise((resolve) => victim.once('exit', resolve))
    const killedAt = Date.now()

    const values = await Promise.all(handles.map((h) => h.result))
    expect(values).toEqual(Array.from({ length: JOBS }, (_, i) => i))
    expect(handles.every((h) => h.state === 'completed')).toBe(true)

    // Side effects: every job at least once; more than once only where the killed process took part.
    const effects = (await redis.lrange(`${prefix}:effects`, 0, -1)).map((line) => {
      const [id, instance, attempt] = line.split('|')
      return { id: id!, instance: instance!, attempt: Number(attempt) }
    })
    const byJob = new Map<string, typeof effects>()
    for (const effect of effects) byJob.set(effect.id, [...(byJob.get(effect.id) ?? []), effect])
    expect(byJob.size).toBe(JOBS)
    for (const handle of handles) expect(byJob.has(handle.id)).toBe(true)
    const duplicated = [...byJob.values()].filter((list) => list.length > 1)
    for (const list of duplicated) {
      expect(list.length).toBe(2)
      expect(list.some((e) => e.instance === 'b')).toBe(true)
    }
    expect(duplicated.length).toBeLessThanOrEqual(16) // at most b's concurrency
    expect(effects.every((e) => e.attempt === 1)).toBe(true) // nothing failed: a stalled job is not a failed attempt
    expect(new Set(effects.map((e) => e.instance))).toEqual(new Set(['a', 'b', 'c']))

    // Scheduler: each period's job ran once across the three (a re-run only if b died while running it).
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    const ticks = (await redis.lrange(`${prefix}:ticks`, 0, -1)).map((line) => line.split('|') as [string, string])
    const tickCounts = new Map<string, number>()
    for (const [id] of ticks) tickCounts.set(id, (tickCounts.get(id) ?? 0) + 1)
    for (const [id, count] of tickCounts) if (count > 1) expect(ticks.filter(([t, i]) => t === id && i === 'b').length).toBeGreaterThan(0)
    const periods = (Date.now() - schedulerFrom) / 500
    expect(tickCounts.size).toBeGreaterThanOrEqual(Math.floor(periods * 0.5))
    expect(tickCounts.size).toBeLessThanOrEqual(Math.ceil(periods) + 2)

    for (const child of [children[0]!, children[2]!]) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      expect(child.exitCode).toBe(0)
    }
    console.log(`multi-process: ${JOBS} jobs, ${duplicated.length} re-run after the kill, ${tickCounts.size} scheduler runs, kill at ${killedAt - started} ms, total ${Date.now() - started} ms`)
  }, 150_000)
})
