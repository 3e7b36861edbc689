/**
 * Real processes against the built package (issue 6, load variants): SIGTERM while 10,000 tasks are in flight
 * accounts for every task and exits 0; tasks that throw never kill the process; and the short soak (100,000
 * mixed tasks, `scripts/soak.mjs`) keeps the heap bounded after a forced GC.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { repoRoot as root, useChildProcesses, usePrivateBuild } from '../support/private-build.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const { entry } = usePrivateBuild(join(fixtures, `.build-${process.pid}`))
const start = useChildProcesses()

function run(args: string[], options: { gc?: boolean } = {}) {
  return start([...(options.gc ? ['--expose-gc'] : []), ...args], { cwd: root, env: { ...process.env, TSAB_CORE_ENTRY: entry, LOG_PRETTY: '' } })
}

describe('real processes under load', () => {
  it('SIGTERM while 10,000 tasks are in flight: every task accounted for, exit code 0', async () => {
    const app = run([join(fixtures, 'load-app.mjs'), 'sigterm'])
    const ready = await app.waitFor('READY ')
    expect(ready).toBe('READY 10000')
    app.child.kill('SIGTERM')
    const account = JSON.parse((await app.waitFor('ACCOUNT ')).slice('ACCOUNT '.length))
    expect((await app.exited).code).toBe(0)
    expect(account.code).toBe(0)
    expect(account.size).toBe(0)
    expect(account.stats).toMatchObject({ scheduled: 10_000, running: 0, queued: 0 })
    expect(account.published).toBe(10_000)
    expect(account.byState).toEqual({ succeeded: 4_000, failed: 2_000, cancelled: 4_000 })
    expect(account.stats.succeeded + account.stats.failed + account.stats.cancelled).toBe(10_000)
  }, 60_000)

  it('tasks that throw (sync, async, non-Errors, early rejections) never kill the process', async () => {
    const app = run([join(fixtures, 'load-app.mjs'), 'throws'])
    const alive = await app.waitFor('ALIVE ')
    expect(alive).toBe('ALIVE sync-throw=failed async-throw=failed reject-undefined=failed throw-null=failed early-reject=failed')
    const account = JSON.parse((await app.waitFor('ACCOUNT ')).slice('ACCOUNT '.length))
    expect((await app.exited).code).toBe(0)
    expect(account).toMatchObject({ code: 0, published: 5, size: 0, byState: { failed: 5, succeeded: 0, cancelled: 0 } })
  }, 60_000)

  it('short soak: 100,000 mixed tasks with periodic tasks and a request cache churning; heap growth stays bounded', async () => {
    const soak = run([join(root, 'scripts', 'soak.mjs'), '--tasks', '100000', '--max-growth-mb', '24', '--json'], { gc: true })
    const code = (await soak.exited).code
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
