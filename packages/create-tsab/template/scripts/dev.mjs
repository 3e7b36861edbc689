#!/usr/bin/env node
// `npm run dev`: tsc compiles src/ to dist/ in watch mode; after its first clean compilation, `node --watch` runs
// dist/main.js and restarts it whenever tsc rewrites a file the app loaded (the old app gets SIGTERM and stops
// gracefully first). Both watchers come with TypeScript and Node.js: nothing else to install.
//
// Ctrl-C (or SIGTERM) stops both. They run in process groups of their own, so the app gets exactly one signal
// (from node --watch) instead of one from the terminal and another from its watcher.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const children = new Set()
let app
let stopping = false
let exitCode = 0

function start(args, stdio) {
  // A process group of its own (on Windows `detached` would open a console window instead).
  const child = spawn(process.execPath, args, { stdio, detached: process.platform !== 'win32' })
  children.add(child)
  child.on('exit', (code, signal) => {
    children.delete(child)
    if (!stopping) {
      console.error(`dev: ${args.join(' ')} ended (${signal ?? `exit code ${code}`}); stopping`)
      stop(1)
    }
    if (children.size === 0) process.exit(exitCode)
  })
  return child
}

function stop(code) {
  if (stopping) return
  stopping = true
  exitCode = code
  for (const child of children) child.kill('SIGTERM')
  if (children.size === 0) process.exit(exitCode)
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0))
// Should this script die of an error, the watchers must not outlive it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM')
})

const pretty = process.stdout.isTTY ? ['--pretty'] : []
const compiler = start([tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput', ...pretty], ['ignore', 'pipe', 'inherit'])
let partial = ''
compiler.stdout.setEncoding('utf8').on('data', (chunk) => {
  process.stdout.write(chunk)
  if (app !== undefined || stopping) return
  const lines = (partial + chunk).split('\n')
  partial = lines.pop()
  // tsc ends every compilation with "Found N errors. Watching for file changes."; the first clean one starts the app.
  if (lines.some((line) => line.replace(/\u001b\[[0-9;]*m/g, '').includes('Found 0 errors. Watching for file changes.'))) {
    app = start(['--watch', '--enable-source-maps', 'dist/main.js'], 'inherit')
  }
})
