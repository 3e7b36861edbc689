#!/usr/bin/env node
// Runs the whole vitest suite once and ends with one plain line: "N passed, N failed" (", N skipped" when
// some were skipped). Exits 0 only when nothing failed and at least one test passed.
// A test file that fails to load has no test results in vitest's JSON report: it counts as one failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
process.chdir(root)
const report = 'test-results/vitest.json'
mkdirSync('test-results', { recursive: true })
rmSync(report, { force: true })

const run = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
)

let passed = 0
let failed = 0
let skipped = 0
// Files with skipped tests, to say why they were skipped and how to run them.
const skippedFiles = new Set()
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'))
  passed = result.numPassedTests
  failed = result.numFailedTests
  skipped = result.numPendingTests + result.numTodoTests
  for (const file of result.testResults) {
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed')) failed += 1
    if (file.assertionResults.some((a) => a.status === 'skipped' || a.status === 'pending' || a.status === 'todo')) {
      skippedFiles.add(file.name.replace(`${root}`, ''))
    }
  }
} else {
  failed = 1 // vitest died before writing its report
}
if (run.status !== 0 && failed === 0) failed = 1 // an error outside any test (e.g. an unhandled rejection)

if (skipped > 0 && !process.env.REDIS_URL) {
  console.log(
    `\n${skipped} tests were skipped because REDIS_URL is not set (they need a Redis server): ${[...skippedFiles].join(', ')}\n` +
      'To run them too: start a throwaway Redis (e.g. `redis-server --port 6390 --save "" --daemonize yes`) and run\n' +
      '  REDIS_URL=redis://127.0.0.1:6390 npm test\n' +
      '(`bash .ci/run` installs and starts one by itself.)\n',
  )
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
