/**
 * Builds the demo server (and, when missing or older than their sources, the packages it runs on) for the
 * real-process tests. Test files run in parallel workers: a lock file makes them build one at a time, and a build
 * that is already newer than its sources is skipped, so two builds never write the same files at once.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
// In node_modules: ignored by git, and local to this checkout.
const LOCK = join(root, 'apps/demo-server/node_modules/.demo-build.lock')
// A build takes seconds; a lock older than this was left by a killed run.
const STALE_LOCK_MS = 120_000

/** The newest modification time of any file under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

function tsc(project: string): void {
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`tsc -p ${project} failed:\n${build.stdout}${build.stderr}`)
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function withLock(fn: () => void): void {
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'))
      break
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { force: true })
      sleepSync(100)
    }
  }
  try {
    fn()
  } finally {
    rmSync(LOCK, { force: true })
  }
}

/** Builds what is out of date: `packages/{core,bullmq,web}` and `apps/demo-server`, in dependency order. */
export function buildDemo(): void {
  withLock(() => {
    for (const dir of ['packages/core', 'packages/bullmq', 'packages/web', 'apps/demo-server']) {
      const out = join(root, dir, 'dist/index.js')
      const entry = existsSync(out) ? out : join(root, dir, 'dist/main.js')
      const built = existsSync(entry) ? statSync(entry).mtimeMs : 0
      if (built === 0 || newest(join(root, dir, 'src')) > built) tsc(`${dir}/tsconfig.build.json`)
    }
  })
  if (!existsSync(join(root, 'apps/demo-server/dist/main.js'))) throw new Error('the build produced no apps/demo-server/dist/main.js')
}
