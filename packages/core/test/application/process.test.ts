/**
 * Real processes (spec §2 signals, issue 6): spawns the fixture apps in test/fixtures on plain Node against the
 * package built with its own build config (compiled JavaScript, as users run it) and sends them real signals.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { packageDir, useChildProcesses, usePrivateBuild } from '../support/private-build.js'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const { entry } = usePrivateBuild(fileURLToPath(new URL(`../fixtures/.build-${process.pid}/`, import.meta.url)))
const run = useChildProcesses()

function start(script: string, ...args: string[]) {
  return run([fixtures + script, ...args], { cwd: packageDir, env: { ...process.env, LOG_LEVEL: 'info', LOG_PRETTY: '', TSAB_CORE_ENTRY: entry } })
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
