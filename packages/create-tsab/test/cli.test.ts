/**
 * The command line: usage errors (exit 2), refusals (exit 1, one line on stderr), --help, --version, and the next
 * commands printed after the project is written.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ownVersion, runCli } from '../src/cli.js'

let cwd: string
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'create-tsab-cli-'))
})
afterEach(() => rmSync(cwd, { recursive: true, force: true }))

function run(...args: string[]) {
  let out = ''
  let err = ''
  const code = runCli(args, { cwd, out: (text) => void (out += text), err: (text) => void (err += text) })
  return { code, out, err }
}

describe('create-tsab', () => {
  it('writes the project and prints the next commands (cd, npm install, dev, test, build and start)', () => {
    const { code, out, err } = run('my-app')
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(out).toBe(
      `Created my-app (tsab ${ownVersion()}) in ${join(cwd, 'my-app')}: 12 files.\n\n` +
        'Next:\n' +
        '  cd my-app\n' +
        '  npm install\n' +
        '  npm run dev      # builds, starts and restarts on every change; try http://127.0.0.1:8080/health/ready\n' +
        '  npm test         # the tests, with vitest\n' +
        '  npm run build && npm start   # the compiled app, as in production\n',
    )
    const manifest = JSON.parse(readFileSync(join(cwd, 'my-app', 'package.json'), 'utf8'))
    expect(manifest.dependencies['@tsab/core']).toBe(`^${ownVersion()}`)
  })

  it('takes a path; the last segment is the name, and a path that needs quoting is quoted', () => {
    expect(run('projects/my service/api').out).toContain("  cd 'projects/my service/api'\n")
    expect(JSON.parse(readFileSync(join(cwd, 'projects', 'my service', 'api', 'package.json'), 'utf8')).name).toBe('api')
  })

  it("'.' writes into the (empty) current directory and prints no cd", () => {
    const inside = join(cwd, 'here')
    mkdirSync(inside)
    let out = ''
    expect(runCli(['.'], { cwd: inside, out: (text) => void (out += text), err: () => {} })).toBe(0)
    expect(out).not.toContain('cd ')
    expect(out).toContain('Created here')
  })

  it('refuses an existing non-empty directory with exit code 1 and a message', () => {
    mkdirSync(join(cwd, 'taken'))
    writeFileSync(join(cwd, 'taken', 'index.js'), '')
    const { code, out, err } = run('taken')
    expect({ code, out }).toEqual({ code: 1, out: '' })
    expect(err).toBe(`create-tsab: The directory ${join(cwd, 'taken')} already exists and is not empty; choose another name, or empty it first.\n`)
  })

  it('refuses a bad name with exit code 1 and a message', () => {
    const { code, err } = run('My_App')
    expect(code).toBe(1)
    expect(err).toMatch(/^create-tsab: Cannot use "My_App" as the project's name: .*upper-case letters/)
  })

  it('a missing directory, two directories or an unknown option are usage errors (exit code 2, with the usage)', () => {
    for (const args of [[], ['a', 'b'], ['--force', 'a']]) {
      const { code, out, err } = run(...args)
      expect({ code, out }, args.join(' ')).toEqual({ code: 2, out: '' })
      expect(err).toMatch(/^create-tsab: .*\n\nUsage: npm create tsab@latest <directory>/)
    }
    expect(run().err).toContain('give the directory to create')
    expect(run('--force', 'a').err).toContain("Unknown option '--force'")
  })

  it('--help and --version', () => {
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: npm create tsab@latest <directory>') })
    expect(run('-v')).toEqual({ code: 0, out: `${ownVersion()}\n`, err: '' })
  })
})
