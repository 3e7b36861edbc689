/**
 * Real processes: builds the demo server, runs `node dist/main.js` as a user would, talks to it over HTTP and
 * stops it with real signals; with REDIS_URL set, also two instances sharing distributed jobs on one Redis.
 */
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killServers, startServer } from './server-process.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const coreDist = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url))
const bullmqDist = fileURLToPath(new URL('../../../packages/bullmq/dist/index.js', import.meta.url))
const webDist = fileURLToPath(new URL('../../../packages/web/dist/index.js', import.meta.url))
const redisUrl = process.env['REDIS_URL'] || undefined

function tsc(project: string): void {
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`tsc -p ${project} failed:\n${build.stdout}${build.stderr}`)
}

beforeAll(() => {
  // @tsab/core is built by `npm run setup` / CI before the tests run (and rebuilt by its own process tests);
  // build it here only on a checkout where it was never built, so two builds never write the same files at once.
  if (!existsSync(coreDist)) tsc('packages/core/tsconfig.build.json')
  if (!existsSync(bullmqDist)) tsc('packages/bullmq/tsconfig.build.json')
  if (!existsSync(webDist)) tsc('packages/web/tsconfig.build.json')
  tsc('apps/demo-server/tsconfig.build.json')
  if (!existsSync(main)) throw new Error(`the build produced no ${main}`)
}, 120_000)

afterEach(killServers)

describe('the built demo server in a real process', () => {
  it.each([
    ['SIGTERM', { TSAB__WEB__LISTEN: '127.0.0.1:0' }],
    ['SIGINT', { PORT: '0' }], // default [web] listen: 127.0.0.1, port from PORT
  ] as const)('serves HTTP, logs its URL and heartbeat, and exits 0 on %s with jobs in flight', async (signal, env) => {
    const server = startServer({ ...env, TSAB__DEMO__HEARTBEAT_INTERVAL: '50ms' })
    const listening = await server.waitForLog(/^Listening on /)
    const url = String(listening['url'])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(listening['msg']).toBe(`Listening on ${url}`)

    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', app: 'demo-server', state: 'running' })
    expect(await (await fetch(`${url}/health/ready`)).json()).toEqual({ status: 'ready' })
    const jobs = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'resize', count: 20 }),
    })
    expect(jobs.status).toBe(202)
    await server.waitForLog(/^heartbeat$/)

    server.child.kill(signal)
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const messages = server.lines.map((line) => line['msg'])
    expect(messages).toContain(`Received ${signal}; stopping`)
    expect(messages).toContain('HTTP server closed')
    expect(server.lines.filter((line) => (line['level'] as number) >= 50)).toEqual([]) // no error logged
  })

  it('refuses to start with exit code 1 when the port is taken', async () => {
    const first = startServer({ TSAB__WEB__LISTEN: '127.0.0.1:0' })
    const url = String((await first.waitForLog(/^Listening on /))['url'])
    const second = startServer({ TSAB__WEB__LISTEN: url.slice('http://'.length) })
    expect(await second.exited).toEqual({ code: 1, signal: null })
    expect(second.lines.some((line) => /EADDRINUSE/.test(JSON.stringify(line)))).toBe(true)
    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })
  })
})

/** Deletes every key under `prefix`. */
async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  try {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}

interface QueueStatsBody {
  queues: { backend: string; stats: { waiting: number; active: number; delayed: number; completed: number; failed: number } }
}

const skipRedis = redisUrl === undefined
const SKIP_REASON = ' — skipped: REDIS_URL is not set (start redis-server and export REDIS_URL=redis://127.0.0.1:6379 to run)'

describe.skipIf(skipRedis)(`two built demo servers on one Redis${skipRedis ? SKIP_REASON : ''}`, () => {
  const prefix = `demo-process-${randomUUID().slice(0, 8)}`
  afterEach(async () => {
    if (redisUrl !== undefined) await deletePrefix(redisUrl, prefix)
  })

  it('share distributed jobs; one stopped with SIGTERM mid-way exits 0 and the other finishes its jobs', async () => {
    const env = { REDIS_URL: redisUrl!, TSAB__QUEUESERVICE__BACKEND: 'bullmq', TSAB__QUEUESERVICE__PREFIX: prefix, PORT: '0' }
    const a = startServer(env)
    const b = startServer(env)
    const [urlA, urlB] = await Promise.all([a, b].map(async (server) => String((await server.waitForLog(/^Listening on /))['url'])))
    const stats = async (url: string): Promise<QueueStatsBody['queues']> =>
      ((await (await fetch(`${url}/tasks`)).json()) as QueueStatsBody).queues

    const res = await fetch(`${urlA}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'resize', count: 60, distributed: true }), // 200-600 ms each, 10 at a time per instance
    })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ distributed: true, backend: 'bullmq' })
    await expect.poll(async () => (await stats(urlB)).stats.completed, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0)

    a.child.kill('SIGTERM') // with jobs running: they go back to the queue for b
    expect(await a.exited).toEqual({ code: 0, signal: null })
    expect(a.lines.filter((line) => (line['level'] as number) >= 50)).toEqual([])

    await expect.poll(async () => (await stats(urlB)).stats, { timeout: 20_000, interval: 50 }).toEqual({
      waiting: 0, active: 0, delayed: 0, completed: 60, failed: 0,
    })
    b.child.kill('SIGINT')
    expect(await b.exited).toEqual({ code: 0, signal: null })
    expect(b.lines.filter((line) => (line['level'] as number) >= 50)).toEqual([])
  }, 45_000)
})
