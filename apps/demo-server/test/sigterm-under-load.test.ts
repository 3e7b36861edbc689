/**
 * SIGTERM while 50 keep-alive connections post jobs: every request the server accepted is answered (no 5xx, no
 * reset after acceptance), every job it accepted is accounted for (succeeded or cancelled) and the process exits
 * with 0 within its budget. A real process and real sockets.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killServers, startServer } from './server-process.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const CONNECTIONS = 50

beforeAll(() => {
  for (const pkg of ['core', 'bullmq', 'web']) {
    if (existsSync(`${root}packages/${pkg}/dist/index.js`)) continue
    spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `packages/${pkg}/tsconfig.build.json`], { cwd: root })
  }
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'apps/demo-server/tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`)
}, 120_000)
afterEach(killServers)

type Outcome = { status: number; ids: number[] } | { error: string }

function postJob(agent: Agent, port: number): Promise<Outcome> {
  const body = JSON.stringify({ kind: 'email', count: 1 })
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/jobs', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          const ids = res.statusCode === 202 ? ((JSON.parse(text) as { ids: number[] }).ids ?? []) : []
          resolve({ status: res.statusCode ?? 0, ids })
        })
        res.on('error', (error) => resolve({ error: String(error) }))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? String(error) }))
    req.end(body)
  })
}

describe('SIGTERM under keep-alive load', () => {
  it('answers every request it accepted, accounts for every job and exits 0 within the budget', async () => {
    const server = startServer({ TSAB__WEB__LISTEN: '127.0.0.1:0' })
    const { child, lines } = server
    const listening = server.waitForLog(/^Listening on /).then((line) => Number(new URL(String(line['url'])).port))
    const exited = server.exited.then(({ code }) => ({ code, at: performance.now() }))
    try {
      const port = await listening
      const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
      const outcomes: Outcome[] = []
      let signalled = false
      let signalledAt = 0
      const loops = Array.from({ length: CONNECTIONS }, async () => {
        for (;;) {
          const outcome = await postJob(agent, port)
          outcomes.push(outcome)
          if ('error' in outcome) return // the server is gone for this connection
          if (signalled && outcome.status !== 202) return
        }
      })
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (outcomes.length >= 500) {
            clearInterval(check)
            resolve()
          }
        }, 5)
      })
      signalled = true
      signalledAt = performance.now()
      child.kill('SIGTERM')
      await Promise.all(loops)
      agent.destroy()
      const exit = await exited

      expect(exit.code).toBe(0)
      expect(exit.at - signalledAt).toBeLessThan(12_000) // [web] shutdown_timeout 10 s; the app budget is 30 s
      const answered = outcomes.filter((o): o is { status: number; ids: number[] } => 'status' in o)
      const errors = outcomes.filter((o): o is { error: string } => 'error' in o)
      expect(answered.filter((o) => o.status !== 202)).toEqual([]) // no 5xx, no 503: nothing accepted failed
      expect(errors.every((e) => ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(e.error)), JSON.stringify(errors.slice(0, 3))).toBe(true)

      // Every request the server logged as answered reached a client, and no request ended with a 5xx.
      const served = lines.filter((line) => line['url'] === '/jobs' && typeof line['status'] === 'number')
      expect(served.filter((line) => line['status'] !== 202)).toEqual([])
      expect(served).toHaveLength(answered.length)

      // Every job the server accepted is accounted for, and no more than the clients were told about.
      const stopped = lines.find((line) => line['msg'] === 'Stopped')
      expect(stopped, 'the Stopped summary').toBeDefined()
      const tasks = stopped!['tasks'] as Record<string, number>
      const ids = answered.flatMap((o) => o.ids)
      expect(new Set(ids).size).toBe(ids.length)
      expect(tasks['scheduled']! - 1).toBe(ids.length) // the heartbeat is the only other task
      expect(tasks['queued']).toBe(0)
      expect(tasks['running']).toBe(0)
      expect(tasks['failed']).toBe(0)
      expect(tasks['succeeded']! + tasks['cancelled']!).toBe(tasks['scheduled'])
      expect(lines.filter((line) => (line['level'] as number) >= 50)).toEqual([])
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }, 60_000)
})
