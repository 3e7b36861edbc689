/**
 * Real processes (spec §2 signals, issue 6): spawns the fixture apps in test/fixtures on plain Node against the
 * package built with its own build config (compiled JavaScript, as users run it) and sends them real signals.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const packageDir = fileURLToPath(new URL('../../', import.meta.url))

// A private build per run: other test files (the docs snippets) rebuild dist/ while these tests run, and a
// fixture importing a half-written dist/ would fail for reasons that have nothing to do with the code under test.
const buildDir = fileURLToPath(new URL(`../fixtures/.build-${process.pid}/`, import.meta.url))
const entry = pathToFileURL(join(buildDir, 'index.js')).href

beforeAll(() => {
  const build = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'packages/core/tsconfig.build.json', '--outDir', buildDir, '--declaration', 'false', '--declarationMap', 'false'],
    { cwd: root, encoding: 'utf8' },
  )
  // tsc still emits when a file elsewhere has a type error (exit code 2); only a missing build is fatal here.
  if ((build.status !== 0 && build.status !== 2) || !existsSync(join(buildDir, 'index.js'))) {
    throw new Error(`build failed: ${build.stderr}${build.stdout}`)
  }
}, 180_000)

afterAll(() => rmSync(buildDir, { recursive: true, force: true }))

interface Running {
  child: ChildProcess
  lines: string[]
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function start(script: string, ...args: string[]): Running {
  const child = spawn(process.execPath, [fixtures + script, ...args], {
    cwd: packageDir,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_PRETTY: '', TSAB_CORE_ENTRY: entry },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const lines: string[] = []
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = []
  let buffer = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    let nl: number
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const waitFor = (pattern: RegExp): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line))
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve })
      void exited.then(() => {
        if (waiters.some((w) => w.pattern === pattern)) reject(new Error(`exited before ${pattern}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`))
      })
    })
  }
  return { child, lines, waitFor, exited }
}

/** The pino JSON lines among the output. */
const json = (lines: string[]) =>
  lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string; level: number })

describe('a real process', () => {
  it('SIGTERM stops gracefully with exit code 0 while 10,000 tasks are in flight; every task is accounted for', async () => {
    const app = start('signal-app.mjs', 'graceful')
    await app.waitFor(/^ready$/)
    app.child.kill('SIGTERM')
    expect(await app.exited).toEqual({ code: 0, signal: null })
    const logs = json(app.lines)
    expect(logs.some((l) => l.msg === 'audit finalized' && l.service === 'AuditService')).toBe(true)
    expect(logs.some((l) => l.signal === 'SIGTERM')).toBe(true)
    const stats = JSON.parse(app.lines.find((l) => l.startsWith('stats '))!.slice(6)) as Record<string, number>
    expect(stats).toMatchObject({ scheduled: 10_000, cancelled: 10_000, running: 0, queued: 0, published: 10_000 })
    expect(app.lines).toContain('exit code 0')
  }, 60_000)

  it('SIGINT twice logs a warning listing the running tasks by name; a third SIGINT exits with code 70', async () => {
    const app = start('signal-app.mjs', 'stubborn')
    await app.waitFor(/^ready$/)
    app.child.kill('SIGINT')
    await app.waitFor(/stuck finalize begins/)
    app.child.kill('SIGINT')
    const warning = JSON.parse(await app.waitFor(/running tasks/)) as { tasks: string[]; msg: string; level: number }
    expect(warning.level).toBe(40)
    expect(warning.tasks).toEqual(['upload-report', 'resize-images'])
    expect(warning.msg).toContain('upload-report, resize-images')
    app.child.kill('SIGINT')
    expect(await app.exited).toEqual({ code: 70, signal: null })
    expect(json(app.lines).some((l) => l.level === 60 && l.count === 3)).toBe(true)
    expect(app.lines.some((l) => l.startsWith('exit code'))).toBe(false)
  }, 60_000)

  it('a finalize that hangs is cut off at the exit budget with the service named; the others run and the process exits', async () => {
    const app = start('signal-app.mjs', 'hang')
    await app.waitFor(/^ready$/)
    app.child.kill('SIGTERM')
    expect(await app.exited).toEqual({ code: 0, signal: null })
    const logs = json(app.lines)
    const cutOff = logs.find((l) => l.service === 'StuckService' && l.level === 50)
    expect(cutOff?.msg).toMatch(/StuckService.*exit budget of 300 ms/)
    // AuditService was registered first, so it is finalized after the stuck one: it still ran.
    const order = logs.map((l) => l.msg)
    expect(order.indexOf('audit finalized')).toBeGreaterThan(order.indexOf(cutOff!.msg))
    expect(app.lines).toContain('exit code 0')
  }, 60_000)

  it('SIGHUP publishes Application.hup! and keeps the app running', async () => {
    const app = start('signal-app.mjs', 'hup')
    await app.waitFor(/^ready$/)
    app.child.kill('SIGHUP')
    await app.waitFor(/^got Application\.hup!$/)
    app.child.kill('SIGHUP')
    await new Promise<void>((resolve) => {
      const check = () => (app.lines.filter((l) => l === 'got Application.hup!').length === 2 ? resolve() : setTimeout(check, 10))
      check()
    })
    expect(app.child.exitCode).toBeNull()
    app.child.kill('SIGTERM')
    expect(await app.exited).toEqual({ code: 0, signal: null })
  }, 60_000)

  it('run() removes its signal handlers once stopped', async () => {
    const app = start('listeners-app.mjs')
    expect(await app.exited).toEqual({ code: 0, signal: null })
    expect(app.lines).toEqual(['before 0,0,0', 'running 1,1,1', 'after 0,0,0'])
  })
})
