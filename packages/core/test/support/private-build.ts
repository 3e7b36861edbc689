/**
 * Tests against the compiled package: a private tsc build of packages/core per test file (other test files
 * rebuild dist/ meanwhile, and a half-written dist/ must not fail these), and Node child processes that run
 * fixtures against it, read their stdout line by line and are killed after each test.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll } from 'vitest'

/** The repository root (where node_modules/typescript lives). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
/** The packages/core directory. */
export const packageDir = fileURLToPath(new URL('../../', import.meta.url))

/** Where a private build lives and the file URL of its `index.js` (for `TSAB_CORE_ENTRY`). */
export interface PrivateBuild {
  readonly dir: string
  readonly entry: string
}

/**
 * Builds packages/core with its own build config into `dir` before the file's tests (deleted after them). Without
 * `declarations` no .d.ts or maps are emitted, which is faster.
 */
export function usePrivateBuild(dir: string, options: { declarations?: boolean } = {}): PrivateBuild {
  const noDeclarations = options.declarations ? [] : ['--declaration', 'false', '--declarationMap', 'false']
  beforeAll(() => {
    const build = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'packages/core/tsconfig.build.json', '--outDir', dir, ...noDeclarations],
      { cwd: repoRoot, encoding: 'utf8' },
    )
    // tsc still emits when a file elsewhere has a type error (exit code 2); only a missing build is fatal here.
    if ((build.status !== 0 && build.status !== 2) || !existsSync(join(dir, 'index.js'))) {
      throw new Error(`build failed: ${build.stderr}${build.stdout}`)
    }
  }, 180_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return { dir, entry: pathToFileURL(join(dir, 'index.js')).href }
}

/** A running child process and its stdout, line by line. */
export interface RunningProcess {
  readonly child: ChildProcess
  /** Every stdout line so far. */
  readonly lines: string[]
  /** Resolves with the first stdout line matching `pattern` (a RegExp, or a string the line starts with); rejects if the process exits first. */
  waitFor(pattern: RegExp | string): Promise<string>
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Installs the child-process harness for the current file and returns `start(args, options)`, which runs Node with
 * `args` (stdout piped, stderr kept for error messages); every child still alive after a test is killed.
 */
export function useChildProcesses(): (args: string[], options?: Pick<SpawnOptions, 'cwd' | 'env'>) => RunningProcess {
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return (args, options = {}) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const lines: string[] = []
    const waiters: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = []
    let buffer = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        lines.push(line)
        for (const waiter of waiters.filter((w) => w.matches(line))) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(line)
        }
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    )
    const waitFor = (pattern: RegExp | string): Promise<string> => {
      const matches = typeof pattern === 'string' ? (line: string) => line.startsWith(pattern) : (line: string) => pattern.test(line)
      const seen = lines.find(matches)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { matches, resolve }
        waiters.push(waiter)
        void exited.then(({ code }) => {
          if (waiters.includes(waiter)) reject(new Error(`exited (${code}) before ${String(pattern)}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`))
        })
      })
    }
    return { child, lines, waitFor, exited }
  }
}
