/**
 * Real processes (spec §2 signals, issue 6; spec §2a exit guarantees, issue 12): spawns the fixture apps in
 * test/fixtures on plain Node against the package built with its own build config (compiled JavaScript, as users
 * run it) and sends them real signals. The `Application.main` scenarios (test/fixtures/exit-app.mjs) each failed on
 * the kernel before issue 12: a hanging finalize ate the budget with exit code 0; a leftover interval kept the
 * process alive; 100,000 stragglers made one 1.7 MB line; a stray rejection killed the process without finalize;
 * a blocked loop and the cancelled work went unmentioned.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { packageDir, useChildProcesses, usePrivateBuild, type RunningProcess } from '../support/private-build.js'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const { entry } = usePrivateBuild(fileURLToPath(new URL(`../fixtures/.build-${process.pid}/`, import.meta.url)))
const run = useChildProcesses()

function start(script: string, ...args: string[]) {
  return run([fixtures + script, ...args], { cwd: packageDir, env: { ...process.env, LOG_LEVEL: 'info', LOG_PRETTY: '', TSAB_CORE_ENTRY: entry } })
}

/** The pino JSON lines among the output. */
const json = (lines: string[]) => lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line)

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
    const warning = JSON.parse(await app.waitFor(/running tasks/)) as { tasks: unknown[]; msg: string; level: number }
    expect(warning.level).toBe(40)
    expect(warning.tasks).toEqual([{ name: 'upload-report', count: 1 }, { name: 'resize-images', count: 1 }])
    expect(warning.msg).toContain('upload-report, resize-images')
    app.child.kill('SIGINT')
    expect(await app.exited).toEqual({ code: 70, signal: null })
    expect(json(app.lines).some((l) => l.level === 60 && l.count === 3)).toBe(true)
    expect(app.lines.some((l) => l.startsWith('exit code'))).toBe(false)
  }, 60_000)

  it('a finalize that hangs is abandoned at its deadline with the service named; the others run and the process exits with 1', async () => {
    const app = start('signal-app.mjs', 'hang')
    await app.waitFor(/^ready$/)
    app.child.kill('SIGTERM')
    expect(await app.exited).toEqual({ code: 1, signal: null })
    const logs = json(app.lines)
    const cutOff = logs.find((l) => l.service === 'StuckService' && l.level === 50)
    // Three steps share the 300 ms (StuckService, AuditService, TaskService): 100 ms each at least.
    expect(cutOff?.msg).toBe('Finalizing service "StuckService" did not finish within its deadline of 100 ms; abandoned')
    // AuditService was registered first, so it is finalized after the stuck one: it still ran.
    const order = logs.map((l) => l.msg)
    expect(order.indexOf('audit finalized')).toBeGreaterThan(order.indexOf(cutOff!.msg))
    expect(app.lines).toContain('exit code 1')
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

type Line = Record<string, any> & { level: number; msg: string }

function startExitApp(mode: string, env: Record<string, string> = {}): RunningProcess {
  return run([fixtures + 'exit-app.mjs', mode], { cwd: packageDir, env: { ...process.env, LOG_LEVEL: 'info', LOG_PRETTY: '', TSAB_CORE_ENTRY: entry, ...env } })
}

/** Sends SIGTERM once the app is ready; resolves with the exit and how long it took after the signal. */
async function terminate(app: RunningProcess): Promise<{ code: number | null; afterSignalMs: number }> {
  await app.waitFor(/^ready$/)
  const sent = performance.now()
  app.child.kill('SIGTERM')
  const { code } = await app.exited
  return { code, afterSignalMs: performance.now() - sent }
}

describe('Application.main in a real process (#12)', () => {
  it.each([
    ['hang-first', 'ThirdService', ['SecondService finalized', 'FirstService finalized']],
    ['hang-last', 'FirstService', ['ThirdService finalized', 'SecondService finalized']],
  ])('%s: with exitTimeoutMs 3000 and one of three services hanging for ever, the other two and the TaskService finalize, exit 1 within 3.5 s', async (mode, hanging, finalized) => {
    const app = startExitApp(mode)
    const { code, afterSignalMs } = await terminate(app)
    expect(code).toBe(1)
    expect(afterSignalMs).toBeLessThan(3_500)
    const logs = json(app.lines)
    const messages = logs.map((l) => l.msg)
    for (const message of finalized) expect(messages).toContain(message)
    expect(logs.find((l) => l.msg === 'cleanup task settled')).toMatchObject({ task: 'needs-20ms', state: 'succeeded' })
    const abandoned = logs.find((l) => l.level === 50 && l.service === hanging)
    expect(abandoned?.msg).toMatch(new RegExp(`^Finalizing service "${hanging}" did not finish within its deadline of \\d+ ms; abandoned$`))
    expect(logs.at(-1)).toMatchObject({ level: 30, exitCode: 1, abandonedServices: [hanging], tasks: { finished: 1, abandoned: 0 } })
  }, 60_000)

  it('ends the process with the exit code even when a finalize left an interval behind', async () => {
    const app = startExitApp('interval')
    const { code, afterSignalMs } = await terminate(app)
    expect(code).toBe(0)
    expect(afterSignalMs).toBeLessThan(3_000)
    expect(json(app.lines).map((l) => l.msg)).toContain('LeakyService left an interval behind')
  }, 60_000)

  it('100,000 stragglers: every log line is valid JSON of at most 16 KiB, the names grouped and cut after 50', async () => {
    const app = startExitApp('stragglers')
    const { code } = await terminate(app)
    expect(code).toBe(1)
    const records = app.lines.filter((line) => line.startsWith('{'))
    expect(records.length).toBeGreaterThan(0)
    for (const line of records) {
      expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(16 * 1024)
      expect(() => JSON.parse(line)).not.toThrow()
    }
    const stragglers = json(app.lines).find((l) => l.service === 'TaskService' && l.level === 40)!
    expect(stragglers.pending).toBe(100_000)
    expect(stragglers.tasks).toHaveLength(50)
    expect(stragglers.more).toBe(7_000 - 50)
    expect(stragglers.msg).toMatch(/^100000 pending and incomplete tasks: straggler-\S+ ×\d+, .* … and 6950 more$/)
    const summary = json(app.lines).at(-1)!
    expect(summary).toMatchObject({ level: 30, exitCode: 1, tasks: { abandoned: 100_000 } })
    expect(summary.abandonedTasks).toHaveLength(10)
  }, 60_000)

  it.each([
    ['rejection', 'unhandledRejection', 'nobody awaited this'],
    ['exception', 'uncaughtException', 'thrown from a timer'],
  ])('%s outside any task: a fatal record with the error and its stack, then a graceful stop (finalize runs), exit code 1', async (mode, origin, message) => {
    const app = startExitApp(mode)
    await app.waitFor(/^ready$/)
    const { code } = await app.exited
    expect(code).toBe(1)
    const logs = json(app.lines)
    const fatal = logs.findIndex((l) => l.level === 60)
    expect(logs[fatal]).toMatchObject({ origin, err: { type: 'Error', message } })
    expect(logs[fatal]!.err.stack).toContain(`Error: ${message}\n    at `)
    expect(logs[fatal]!.msg).toBe(`${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'} outside any task; stopping application "exit-${mode}"`)
    expect(logs.findIndex((l) => l.msg === 'AuditService finalized')).toBeGreaterThan(fatal)
    expect(logs.at(-1)).toMatchObject({ level: 30, exitCode: 1 })
  }, 60_000)

  it('a task that blocks the event loop for 600 ms is named in one warning', async () => {
    const app = startExitApp('blocked')
    const warning = JSON.parse(await app.waitFor(/Event loop blocked/)) as Line
    expect(warning).toMatchObject({ level: 40, thresholdMs: 500, lastEnteredTask: 'crunchNumbers', tasks: [{ name: 'crunchNumbers', count: 1 }] })
    expect(warning.blockedMs).toBeGreaterThanOrEqual(500)
    app.child.kill('SIGTERM')
    expect((await app.exited).code).toBe(0)
    expect(json(app.lines).filter((l) => /Event loop blocked/.test(l.msg))).toHaveLength(1)
  }, 60_000)

  it('the info-level summary names the work that was cancelled', async () => {
    const app = startExitApp('summary', { LOG_LEVEL: 'info' })
    const { code } = await terminate(app)
    expect(code).toBe(0)
    const summary = json(app.lines).at(-1)!
    expect(summary).toMatchObject({
      level: 30,
      exitCode: 0,
      tasks: { finished: 0, cancelled: 6, abandoned: 0 },
      cancelledTasks: [{ name: 'sync-orders', count: 5 }, { name: 'rebuild-index', count: 1 }],
    })
    expect(summary.msg).toMatch(/^Application "exit-summary" stopped in \d+ ms with exit code 0: 0 tasks finished, 6 cancelled \(sync-orders ×5, rebuild-index\), 0 abandoned$/)
  }, 60_000)

  it('a bad LOG_LEVEL fails the start with a message naming it and the levels: exit code 1, nothing runs', async () => {
    const app = startExitApp('summary', { LOG_LEVEL: 'verbose' })
    expect((await app.exited).code).toBe(1)
    expect(app.lines).not.toContain('ready')
    const error = json(app.lines).find((l) => l.level === 50)
    expect(error?.msg).toContain('LOG_LEVEL (the default of config [logging] level): expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"')
  }, 60_000)

  it('a constructor that throws (a missing config file) is logged at fatal level and ends the process with code 1', async () => {
    const app = startExitApp('bad-file')
    expect((await app.exited).code).toBe(1)
    const fatal = json(app.lines).find((l) => l.level === 60)
    expect(fatal?.msg).toBe('Could not construct application "ExitApp"')
    expect(fatal?.err.code).toBe('TSAB_CONFIG_PARSE')
  }, 60_000)
})
