/**
 * Makes sure the workspace packages are built, for the docs tests that read their `dist/` (snippets, typedoc).
 * It builds (`pnpm exec turbo run build`) only when a package's dist/ is missing or older than its sources, so a
 * CI run that built first rewrites nothing other test files may be reading; a lock directory keeps the docs test
 * files, which run in parallel workers, from building while another one compiles against dist/.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

const cacheDir = join(repoRoot, 'node_modules', '.cache', 'tsab-docs')
const lockDir = join(cacheDir, 'dist.lock')
const STALE_LOCK_MS = 5 * 60_000

/** Output of a finished child process. */
export interface ProcessResult {
  /** Exit code, or null when the process was killed. */
  status: number | null
  /** Captured stdout. */
  stdout: string
  /** Captured stderr. */
  stderr: string
  /** True when the process was killed because it ran past its timeout. */
  timedOut: boolean
}

/**
 * Runs a command to completion without throwing; kills it (SIGKILL) after `timeoutMs`.
 *
 * @example
 * ```ts fragment
 * const { status, stdout } = await runProcess(process.execPath, ['-e', 'console.log(1)'], { cwd: repoRoot, timeoutMs: 5000 })
 * ```
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ status: null, stdout, stderr: `${stderr}${String(error)}`, timedOut })
    })
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, timedOut })
    })
  })
}

async function acquireLock(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true })
  for (;;) {
    try {
      mkdirSync(lockDir)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // A lock left behind by a killed run must not block every later run.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > STALE_LOCK_MS) rmdirSync(lockDir)
      } catch {
        // removed by its owner in the meantime
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

function releaseLock(): void {
  try {
    rmdirSync(lockDir)
  } catch {
    // already gone
  }
}

function newestMtime(path: string): number {
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/** Packages whose dist/index.js is missing or older than a file of src/, package.json or a tsconfig. */
export function stalePackages(): string[] {
  const packagesDir = join(repoRoot, 'packages')
  return readdirSync(packagesDir).filter((name) => {
    const dir = join(packagesDir, name)
    if (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) return false
    const entry = join(dir, 'dist', 'index.js')
    if (!existsSync(entry)) return true
    const inputs = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(dir, f)).filter((f) => existsSync(f))
    return Math.max(...inputs.map(newestMtime)) > statSync(entry).mtimeMs
  })
}

function turboBuild(): ProcessResult {
  const args = ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }
  let result = spawnSync('pnpm', args, { cwd: repoRoot, env, encoding: 'utf8' })
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    // No pnpm on PATH: call the workspace's turbo directly.
    result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'turbo'), args.slice(2), { cwd: repoRoot, env, encoding: 'utf8' })
  }
  return { status: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? String(result.error) : ''}`, timedOut: false }
}

/**
 * Runs `work` while holding the dist/ lock, after building the packages if one of them is stale
 * (`pnpm exec turbo run build`). Throws with turbo's output when the build fails.
 *
 * @example
 * ```ts fragment
 * await withBuiltPackages(() => runProcess('node', ['node_modules/typedoc/bin/typedoc'], { cwd: repoRoot, timeoutMs: 60_000 }))
 * ```
 */
export async function withBuiltPackages<T>(work: () => Promise<T>): Promise<T> {
  await acquireLock()
  try {
    if (stalePackages().length > 0) {
      const result = turboBuild()
      if (result.status !== 0) throw new Error(`Building the packages failed:\n${result.stdout}\n${result.stderr}`)
    }
    return await work()
  } finally {
    releaseLock()
  }
}
