#!/usr/bin/env node
// The README's commands, for a machine that has only Node 20 and npm:
//   node scripts/dev.mjs setup   installs pnpm if missing, the dependencies (frozen lockfile), and builds
//   node scripts/dev.mjs start   setup, then runs the demo server (apps/demo-server)
//   node scripts/dev.mjs test    setup, then runs the whole test suite; the last line is "N passed, N failed"
// `npm start` and `npm test` call this script, so they work before anything is installed.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM_VERSION = '10.34.9'
const root = fileURLToPath(new URL('..', import.meta.url))
process.chdir(root)
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' }

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', env, ...options })
  if (result.error) throw result.error
  return result.status ?? 1
}

function must(command, args) {
  const status = run(command, args)
  if (status !== 0) {
    console.error(`\n\`${command} ${args.join(' ')}\` failed with exit code ${status}`)
    process.exit(status)
  }
}

function hasPnpm() {
  const result = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' })
  return result.status === 0 && result.stdout.trim() === PNPM_VERSION
}

// pnpm must be a real binary on PATH: turbo looks it up there.
function ensurePnpm() {
  if (hasPnpm()) return
  const local = join(root, '.tools')
  const localBin = join(local, 'node_modules', '.bin')
  env.PATH = `${localBin}${delimiter}${env.PATH ?? ''}`
  if (hasPnpm()) return
  console.log(`Installing pnpm ${PNPM_VERSION} into .tools/ ...`)
  must('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', local, `pnpm@${PNPM_VERSION}`])
  if (!hasPnpm()) {
    console.error('pnpm could not be installed')
    process.exit(1)
  }
}

function setup() {
  ensurePnpm()
  must('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'])
  must('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'])
}

const command = process.argv[2]
switch (command) {
  case 'setup':
    setup()
    break
  case 'start': {
    setup()
    const main = join('apps', 'demo-server', 'dist', 'main.js')
    if (!existsSync(main)) {
      console.error(`${main} was not built`)
      process.exit(1)
    }
    // Forward Ctrl-C / SIGTERM to the server so it can shut down gracefully.
    process.on('SIGINT', () => {})
    process.on('SIGTERM', () => {})
    process.exit(run(process.execPath, [main, ...process.argv.slice(3)]))
    break
  }
  case 'test':
    setup()
    process.exit(run(process.execPath, ['scripts/test-summary.mjs', ...process.argv.slice(3)]))
    break
  default:
    console.error('usage: node scripts/dev.mjs setup|start|test')
    process.exit(2)
}
