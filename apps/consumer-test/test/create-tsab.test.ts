/**
 * A new user's first session, command by command, against the packed release: `npm exec --package=<create-tsab
 * tarball> create-tsab my-app` writes the project (what `npm create tsab@latest my-app` runs), then `npm install`,
 * `npm run build`, `npm test`, `npm start` (probed at /health/ready, stopped with SIGTERM: exit code 0) and
 * `npm run dev` (an edit is rebuilt and the app restarted; SIGTERM stops every process it started). The @tsab packages
 * come from their tarballs: the written package.json's `^<version>` ranges are replaced by `file:` paths to them, the
 * one change to what create-tsab writes (the packages are not on the registry); everything else comes from the registry.
 * Each command's time is printed at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  assertSucceeded,
  freePort,
  killProcessesIn,
  packedTarballs,
  processesIn,
  startLongRunning,
  timed,
  userEnv,
  waitUntil,
  type LongRunning,
  type Tarball,
} from './support/tarballs.js'

const workDir = mkdtempSync(join(tmpdir(), 'tsab-create-'))
const app = join(workDir, 'my-app')
let tarballs: Tarball[] = []
const timings: Array<[string, number]> = []

/** The answer of a GET, or undefined while the server is not up. */
async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  return { status: response.status, body: await response.json() }
}

/** SIGTERM to a started npm command; resolves with its exit. */
async function terminate(running: LongRunning): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = performance.now()
  running.child.kill('SIGTERM')
  const exit = await Promise.race([
    running.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit 30 s after SIGTERM:\n${running.output()}`)), 30_000)),
  ])
  return { ...exit, ms: Math.round(performance.now() - started) }
}

beforeAll(async () => {
  tarballs = await packedTarballs()
}, 600_000)

afterAll(() => {
  killProcessesIn(app) // only after a failure: every test stops what it starts
  console.log(`create-tsab timings (ms):\n${timings.map(([command, ms]) => `  ${command.padEnd(46)} ${ms}`).join('\n')}`)
  rmSync(workDir, { recursive: true, force: true })
})

describe('a project written by create-tsab, from the packed release', () => {
  it('npm exec --package=<create-tsab tarball> create-tsab my-app writes the project and prints the next commands', async () => {
    const createTsab = tarballs.find((t) => t.name === 'create-tsab')!
    const run = await timed('npm', ['exec', '--yes', `--package=${createTsab.path}`, '--', 'create-tsab', 'my-app'], { cwd: workDir })
    assertSucceeded('npm exec create-tsab', run)
    timings.push(['npm exec --package=<tarball> create-tsab my-app', run.ms])
    expect(run.stdout).toContain(`Created my-app (tsab ${createTsab.version})`)
    expect(run.stdout).toMatch(/cd my-app\n\s+npm install\n\s+npm run dev/)

    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const tsabDependencies = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@tsab/'))
    expect(tsabDependencies.sort()).toEqual(['@tsab/core', '@tsab/web'])
    for (const name of tsabDependencies) {
      expect(manifest.dependencies[name], name).toBe(`^${createTsab.version}`)
      manifest.dependencies[name] = `file:${tarballs.find((t) => t.name === name)!.path}`
    }
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  }, 120_000)

  it('refuses to write into the now non-empty my-app (exit code 1, a message)', async () => {
    const createTsab = tarballs.find((t) => t.name === 'create-tsab')!
    const run = await timed('npm', ['exec', '--yes', `--package=${createTsab.path}`, '--', 'create-tsab', 'my-app'], { cwd: workDir })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('already exists and is not empty')
  }, 120_000)

  it('npm install', async () => {
    const run = await timed('npm', ['install'], { cwd: app, timeoutMs: 600_000 })
    assertSucceeded('npm install', run)
    timings.push(['npm install', run.ms])
    expect(existsSync(join(app, 'node_modules', '@tsab', 'core', 'dist', 'index.js'))).toBe(true)
    expect(existsSync(join(app, 'node_modules', 'pino-pretty'))).toBe(true)
  }, 600_000)

  it('npm run build emits dist/ with decorator metadata; npm run typecheck passes', async () => {
    const build = await timed('npm', ['run', 'build'], { cwd: app })
    assertSucceeded('npm run build', build)
    timings.push(['npm run build', build.ms])
    expect(readFileSync(join(app, 'dist', 'services', 'report-service.js'), 'utf8')).toContain('__metadata("design:paramtypes", [Application,')
    const typecheck = await timed('npm', ['run', 'typecheck'], { cwd: app })
    assertSucceeded('npm run typecheck', typecheck)
    timings.push(['npm run typecheck', typecheck.ms])
  }, 300_000)

  it('npm test passes its tests (vitest + createTestApplication)', async () => {
    const run = await timed('npm', ['test'], { cwd: app, env: userEnv({ CI: 'true' }) })
    assertSucceeded('npm test', run)
    timings.push(['npm test', run.ms])
    expect(run.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+4 passed \(4\)/)
  }, 300_000)

  it('npm start serves /health/ready on PORT, logs JSON lines when not in a terminal, and SIGTERM ends it with exit code 0', async () => {
    const port = await freePort()
    const started = performance.now()
    const server = startLongRunning('npm', ['start'], { cwd: app, env: userEnv({ PORT: String(port) }) })
    const ready = await waitUntil(async () => {
      const answer = await get(`http://127.0.0.1:${port}/health/ready`)
      return answer.status === 200 ? answer : undefined
    }, server, 60_000)
    timings.push(['npm start (until /health/ready is 200)', Math.round(performance.now() - started)])
    expect(ready.body).toEqual({ status: 'ready' })
    const accepted = await fetch(`http://127.0.0.1:${port}/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'sales' }),
    })
    expect(accepted.status).toBe(202)
    // The report is built in the background (200 ms); a stop before that would cancel it.
    await waitUntil(async () => ((await get(`http://127.0.0.1:${port}/reports`)).body as { built: number }).built === 1 || undefined, server, 30_000)
    const exit = await terminate(server)
    timings.push(['SIGTERM → exit', exit.ms])
    expect({ code: exit.code, signal: exit.signal }, server.output()).toEqual({ code: 0, signal: null })
    const logs = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; signal?: string })
    expect(logs.map((log) => log.msg)).toEqual(expect.arrayContaining([`Listening on http://127.0.0.1:${port}`, 'report built']))
    expect(logs.some((log) => log.signal === 'SIGTERM')).toBe(true)
    expect(processesIn(app)).toEqual([])
  }, 120_000)

  it('in a terminal the logs are readable lines (pino-pretty), not JSON', async () => {
    // util-linux `script` gives the app a pseudo-terminal as stdout; `exec` so that SIGTERM reaches node itself.
    const port = await freePort()
    const terminal = startLongRunning('script', ['-qfec', 'exec node dist/main.js', '/dev/null'], { cwd: app, env: userEnv({ PORT: String(port), TERM: 'xterm' }) })
    const plain = () => terminal.output().replace(/\u001b\[[0-9;]*m/g, '')
    await waitUntil(async () => (/INFO.*\(my-app\): Listening on http:\/\/127\.0\.0\.1:\d+/.test(plain()) ? true : undefined), terminal, 60_000)
    expect(plain()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(my-app\): Listening on http:\/\/127\.0\.0\.1:\d+ \{"service":"WebService"/m)
    expect(terminal.output()).not.toMatch(/^\{"level"/m)
    const exit = await terminate(terminal)
    expect(exit.code, terminal.output()).toBe(0)
    expect(processesIn(app)).toEqual([])
  }, 120_000)

  it('npm run dev starts the app, rebuilds and restarts it after an edit, and SIGTERM stops every process it started', async () => {
    const port = await freePort()
    const started = performance.now()
    const dev = startLongRunning('npm', ['run', 'dev'], { cwd: app, env: userEnv({ PORT: String(port) }) })
    await waitUntil(async () => ((await get(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : undefined), dev, 120_000)
    timings.push(['npm run dev (until /health/ready is 200)', Math.round(performance.now() - started)])

    const source = join(app, 'src', 'services', 'report-service.ts')
    const original = readFileSync(source, 'utf8')
    expect(original).toContain('({ built: this.built })')
    const edited = performance.now()
    writeFileSync(source, original.replace('({ built: this.built })', "({ built: this.built, edited: 'yes' })"))
    const answer = await waitUntil(async () => {
      const { body } = await get(`http://127.0.0.1:${port}/reports`)
      return (body as { edited?: string }).edited === 'yes' ? body : undefined
    }, dev, 120_000)
    timings.push(['npm run dev: edit → new code answering', Math.round(performance.now() - edited)])
    expect(answer).toEqual({ built: 0, edited: 'yes' })
    expect(dev.output()).toMatch(/Restarting 'dist\/main\.js'/)

    const exit = await terminate(dev)
    expect({ code: exit.code, signal: exit.signal }, dev.output()).toEqual({ code: 0, signal: null })
    expect(processesIn(app)).toEqual([]) // tsc --watch, node --watch and the app are gone
    writeFileSync(source, original)
  }, 300_000)
})
