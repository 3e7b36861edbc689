/**
 * Real processes against the built package (issue 6, load variants): SIGTERM while 10,000 tasks are in flight
 * accounts for every task and exits 0; tasks that throw never kill the process; and the short soak (100,000
 * mixed tasks, `scripts/soak.mjs`) keeps the heap bounded after a forced GC.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
// A private build: other test files rebuild dist/ while these run; a half-written dist/ must not fail them.
const buildDir = join(fixtures, `.build-${process.pid}`)
const entry = pathToFileURL(join(buildDir, 'index.js')).href

beforeAll(() => {
  const build = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'packages/core/tsconfig.build.json', '--outDir', buildDir, '--declaration', 'false', '--declarationMap', 'false'],
    { cwd: root, encoding: 'utf8' },
  )
  // tsc still emits when a file elsewhere has a type error (exit code 2); only a missing build is fatal.
  if ((build.status !== 0 && build.status !== 2) || !existsSync(join(buildDir, 'index.js'))) {
    throw new Error(`build failed: ${build.stderr}${build.stdout}`)
  }
}, 180_000)

afterAll(() => rmSync(buildDir, { recursive: true, force: true }))

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

interface Run {
  child: ChildProcess
  lines: string[]
  line(prefix: string): Promise<string>
  exit: Promise<number | null>
}

function run(args: string[], options: { gc?: boolean } = {}): Run {
  const child = spawn(process.execPath, [...(options.gc ? ['--expose-gc'] : []), ...args], {
    cwd: root,
    env: { ...process.env, TSAB_CORE_ENTRY: entry, LOG_PRETTY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: string[] = []
  const waiters: Array<{ prefix: string; resolve: (line: string) => void }> = []
  let buffer = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      lines.push(text)
      for (const waiter of waiters.filter((w) => text.startsWith(w.prefix))) waiter.resolve(text)
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exit,
    line: (prefix) =>
      new Promise((resolve, reject) => {
        const found = lines.find((text) => text.startsWith(prefix))
        if (found !== undefined) return resolve(found)
        waiters.push({ prefix, resolve })
        void exit.then((code) => reject(new Error(`exited (${code}) before "${prefix}"; stdout: ${lines.join('\n')}\nstderr: ${stderr}`)))
      }),
  }
}

describe('real processes under load', () => {
  it('SIGTERM while 10,000 tasks are in flight: every task accounted for, exit code 0', async () => {
    const app = run([join(fixtures, 'load-app.mjs'), 'sigterm'])
    const ready = await app.line('READY ')
    expect(ready).toBe('READY 10000')
    app.child.kill('SIGTERM')
    const account = JSON.parse((await app.line('ACCOUNT ')).slice('ACCOUNT '.length))
    expect(await app.exit).toBe(0)
    expect(account.code).toBe(0)
    expect(account.size).toBe(0)
    expect(account.stats).toMatchObject({ scheduled: 10_000, running: 0, queued: 0 })
    expect(account.published).toBe(10_000)
    expect(account.byState).toEqual({ succeeded: 4_000, failed: 2_000, cancelled: 4_000 })
    expect(account.stats.succeeded + account.stats.failed + account.stats.cancelled).toBe(10_000)
  }, 60_000)

  it('tasks that throw (sync, async, non-Errors, early rejections) never kill the process', async () => {
    const app = run([join(fixtures, 'load-app.mjs'), 'throws'])
    const alive = await app.line('ALIVE ')
    expect(alive).toBe('ALIVE sync-throw=failed async-throw=failed reject-undefined=failed throw-null=failed early-reject=failed')
    const account = JSON.parse((await app.line('ACCOUNT ')).slice('ACCOUNT '.length))
    expect(await app.exit).toBe(0)
    expect(account).toMatchObject({ code: 0, published: 5, size: 0, byState: { failed: 5, succeeded: 0, cancelled: 0 } })
  }, 60_000)

  it('short soak: 100,000 mixed tasks with periodic tasks and a request cache churning; heap growth stays bounded', async () => {
    const soak = run([join(root, 'scripts', 'soak.mjs'), '--tasks', '100000', '--max-growth-mb', '24', '--json'], { gc: true })
    const code = await soak.exit
    const summary = JSON.parse(soak.lines.find((line) => line.startsWith('{')) ?? 'null')
    expect(summary, soak.lines.join('\n')).not.toBeNull()
    expect(summary.ownTasksDone).toBe(100_000)
    expect(summary.accounted).toBe(true)
    expect(summary.exitCode).toBe(0)
    expect(summary.heapGrowthMB).toBeLessThan(24)
    expect(summary.requestsAnswered + summary.requestsTimedOut).toBeGreaterThan(0)
    expect(code).toBe(0)
  }, 120_000)
})
