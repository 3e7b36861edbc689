/**
 * The tarballs the release command writes (`pnpm run pack:all`, i.e. `node scripts/pack-all.mjs`), packed once for
 * the test files that need them: under the lock the docs tests take on dist/, and reused while no input of any
 * package changed. Also the child-process plumbing of these tests: a clean environment for npm and the user's
 * commands, timed runs, and long-running commands that are stopped and awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { repoRoot, runProcess, withBuiltPackages, type ProcessResult } from '../../../../docs/test/support/build-packages.js'

export { repoRoot }

/** Where the tarballs, their stamp and npm's cache live between runs (git-ignored). */
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'tsab-consumer')
/** npm's cache for every npm command of these tests: a second run installs from it (`prefer-offline`). */
export const npmCacheDir = join(cacheDir, 'npm')

/** One tarball of the release, as `packed/index.json` lists it. */
export interface Tarball {
  name: string
  version: string
  /** The package's folder in the repository, e.g. `packages/core`. */
  directory: string
  /** Absolute path of the .tgz file. */
  path: string
  /** True for a library (its manifest has `exports`); false for a command such as create-tsab. */
  library: boolean
}

/** Newest modification time under `path` (0 when it does not exist). */
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/** What the tarballs are made of: every package's files that can end up in one, and the release command itself. */
function inputsStamp(): string {
  const packagesDir = join(repoRoot, 'packages')
  const parts = readdirSync(packagesDir)
    .sort()
    .map((name) => {
      const dir = join(packagesDir, name)
      const times = ['package.json', 'README.md', 'LICENSE', 'src', 'dist', 'template'].map((f) => newest(join(dir, f)))
      return `${name}:${Math.max(...times)}`
    })
  for (const file of ['LICENSE', 'scripts/pack-all.mjs', 'scripts/lib/packed-package.mjs']) parts.push(`${file}:${newest(join(repoRoot, file))}`)
  return parts.join('\n')
}

let packed: Promise<Tarball[]> | undefined

/**
 * Runs the release command into the cache folder (unless its tarballs are still current) and returns them. The
 * command builds the packages first; the dist/ lock keeps the docs tests from reading a half-written dist/.
 */
export function packedTarballs(): Promise<Tarball[]> {
  packed ??= withBuiltPackages(async () => {
    const outDir = join(cacheDir, 'packed')
    const stampFile = join(outDir, 'inputs.stamp')
    const indexFile = join(outDir, 'index.json')
    const current = existsSync(stampFile) && existsSync(indexFile) && readFileSync(stampFile, 'utf8') === inputsStamp()
    if (!current) {
      mkdirSync(outDir, { recursive: true })
      const result = await runProcess(process.execPath, [join(repoRoot, 'scripts', 'pack-all.mjs'), '--out', outDir], {
        cwd: repoRoot,
        timeoutMs: 600_000,
        env: { ...cleanEnv(), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      })
      if (result.status !== 0) throw new Error(`pnpm run pack:all failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
      writeFileSync(stampFile, inputsStamp())
    }
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as Array<Omit<Tarball, 'path' | 'library'> & { file: string }>
    return index.map(({ file, ...entry }) => {
      const manifest = JSON.parse(readFileSync(join(repoRoot, entry.directory, 'package.json'), 'utf8')) as { exports?: unknown }
      return { ...entry, path: join(outDir, file), library: manifest.exports !== undefined }
    })
  })
  return packed
}

/** process.env without this test run's own settings: vitest's, npm's (from the `npm test` that started the suite), tsab's, PORT, REDIS_URL. */
function cleanEnv(): NodeJS.ProcessEnv {
  const dropped = /^(npm_|VITEST|TSAB_|LOG_|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|PORT$|REDIS_URL$|TEST$|FORCE_COLOR$|NO_COLOR$)/i
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !dropped.test(name)))
}

/**
 * The environment of a user's shell for npm and the commands it runs: this test run's own settings (vitest's,
 * npm's from the `npm test` that started the suite, tsab's, PORT, REDIS_URL) are left out; npm uses the shared cache.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(),
    npm_config_cache: npmCacheDir,
    npm_config_prefer_offline: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
    ...extra,
  }
}

/** A finished command and how long it took. */
export interface TimedResult extends ProcessResult {
  /** Wall-clock milliseconds. */
  ms: number
}

/** Runs a command to its end (killed after `timeoutMs`) and times it. */
export async function timed(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<TimedResult> {
  const started = performance.now()
  const result = await runProcess(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), timeoutMs: options.timeoutMs ?? 300_000 })
  return { ...result, ms: Math.round(performance.now() - started) }
}

/** Fails with the command's output unless it exited with 0. */
export function assertSucceeded(what: string, result: ProcessResult): void {
  if (result.status !== 0 || result.timedOut) {
    throw new Error(`${what} ${result.timedOut ? 'timed out' : `exited with ${result.status}`}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`)
  }
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** A command that keeps running (a server, a watcher), its output so far, and its end. */
export interface LongRunning {
  readonly child: ChildProcess
  /** stdout and stderr so far. */
  output(): string
  /** Resolves when it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts a long-running command; the caller stops it (see {@link stopAll}). */
export function startLongRunning(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LongRunning {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (output += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (output += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
    child.on('error', () => resolve({ code: null, signal: null }))
  })
  return { child, output: () => output, exited }
}

/**
 * Polls `probe` every 100 ms until it returns a value other than `undefined` (a throw counts as "not yet"); fails
 * after `timeoutMs`, or at once if `running` exits first, with its output.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, running: LongRunning, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void running.exited.then(() => (exited = true))
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch {
      // not yet (connection refused while the server starts)
    }
    if (exited) throw new Error(`exited before it was ready:\n${running.output()}`)
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${running.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Processes whose working directory is `dir` or inside it (Linux: /proc), e.g. watchers left behind. */
export function processesIn(dir: string): string[] {
  if (!existsSync('/proc')) return []
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`)
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`)
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

/** Kills (SIGKILL) whatever still runs in `dir`: the clean-up after a failed test, so nothing outlives the suite. */
export function killProcessesIn(dir: string): void {
  for (const line of processesIn(dir)) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL')
    } catch {
      // already gone
    }
  }
}
