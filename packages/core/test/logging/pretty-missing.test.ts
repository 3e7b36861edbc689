/**
 * Pretty output with pino-pretty really missing: the compiled package is installed into a temporary node_modules
 * (outside the workspace) next to its dependencies but without pino-pretty, and an app runs there in a child process
 * with LOG_PRETTY=1. It must log one warning and JSON, and exit 0. Once pino-pretty is linked in, the same app logs
 * readable lines. A bad LOG_LEVEL ends that process with a message naming LOG_LEVEL.
 */
import { createRequire } from 'node:module'
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageDir, useChildProcesses, usePrivateBuild } from '../support/private-build.js'

const project = mkdtempSync(join(tmpdir(), 'tsab-pretty-missing-'))
const installed = join(project, 'node_modules', '@tsab', 'core')
usePrivateBuild(join(installed, 'dist'))
const run = useChildProcesses()

const APP = `import { Application } from '@tsab/core'
class App extends Application {
  async main() {
    this.logger.info({ answer: 42 }, 'hello from the app')
    await this.stop()
  }
}
process.exitCode = await new App({ name: 'pretty-check', handleSignals: false }).run()
`

beforeAll(() => {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  writeFileSync(join(installed, 'package.json'), readFileSync(join(packageDir, 'package.json')))
  for (const dependency of Object.keys(manifest.dependencies)) {
    const link = join(project, 'node_modules', dependency)
    mkdirSync(join(link, '..'), { recursive: true })
    symlinkSync(realpathSync(join(packageDir, 'node_modules', dependency)), link, 'dir')
  }
  writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n')
  writeFileSync(join(project, 'app.mjs'), APP)
})
afterAll(() => rmSync(project, { recursive: true, force: true }))

function start(env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TSAB_') && !name.startsWith('LOG_')))
  return run([join(project, 'app.mjs')], { cwd: project, env: { ...inherited, ...env } })
}

describe('LOG_PRETTY=1 with pino-pretty missing (a real resolution failure)', () => {
  it('pino-pretty cannot be resolved from the installed package', () => {
    expect(() => createRequire(join(installed, 'dist', 'index.js')).resolve('pino-pretty')).toThrow(/Cannot find module 'pino-pretty'/)
  })

  it('logs one warning that says how to fix it, then JSON lines, and exits 0', async () => {
    const app = start({ LOG_PRETTY: '1', LOG_LEVEL: 'info' })
    expect(await app.exited).toEqual({ code: 0, signal: null })
    const lines = app.lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string })
    const warnings = lines.filter((line) => line.level === 40)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.msg).toMatch(/pino-pretty cannot be loaded, so the log is JSON.*npm install --save-dev pino-pretty.*LOG_PRETTY=0/)
    expect(warnings[0]!.reason).toBe("Cannot find module 'pino-pretty'")
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'hello from the app', answer: 42, name: 'pretty-check' }))
  })

  it('a bad LOG_LEVEL ends the process with an error naming LOG_LEVEL and the valid levels', async () => {
    const app = start({ LOG_LEVEL: 'verbose' })
    const stderr: string[] = []
    app.child.stderr!.on('data', (chunk: string) => stderr.push(chunk))
    expect((await app.exited).code).not.toBe(0)
    // The start fails with the config error, logged (at the default level, info) with the key and the valid levels.
    const output = `${app.lines.join('\n')}\n${stderr.join('')}`
    expect(output).toContain('LOG_LEVEL')
    expect(output).toMatch(/expected one of .*fatal.*error.*warn.*info.*debug.*trace.*silent.*, got .*verbose/)
  })

  it('once pino-pretty is installed next to the app, the same LOG_PRETTY=1 gives readable lines', async () => {
    symlinkSync(realpathSync(join(packageDir, 'node_modules', 'pino-pretty')), join(project, 'node_modules', 'pino-pretty'), 'dir')
    const app = start({ LOG_PRETTY: '1', LOG_LEVEL: 'info' })
    expect(await app.exited).toEqual({ code: 0, signal: null })
    const text = app.lines.join('\n')
    expect(text).toMatch(/INFO.*\(pretty-check\): hello from the app/)
    expect(text).not.toContain('pino-pretty cannot be loaded')
    expect(app.lines.some((line) => line.startsWith('{'))).toBe(false)
  })
})
