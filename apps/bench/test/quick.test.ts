/**
 * Smoke test of the benchmark suite: builds it, runs `--quick` in a child process and checks that the JSON it
 * writes is complete, so the benchmarks never rot. It asserts no performance target (too noisy for pass/fail).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const benchDir = fileURLToPath(new URL('..', import.meta.url))
const EXPECTED = ['throughput', 'throughput-fresh', 'allocation', 'observer', 'scale', 'start-latency', 'memory', 'shutdown', 'task-manager', 'idle']

interface Series {
  median: number
  min: number
  max: number
  values: number[]
}

describe('bench --quick', () => {
  let outDir: string
  let report: { info: { mode: string; rounds: number; n: number }; benchmarks: Array<Record<string, any>> }
  let stdout: string

  beforeAll(() => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    execFileSync(process.execPath, [tsc, '-p', join(benchDir, 'tsconfig.build.json')], { stdio: 'pipe' })
    outDir = mkdtempSync(join(tmpdir(), 'tsab-bench-'))
    const run = spawnSync(process.execPath, ['--expose-gc', join(benchDir, 'dist/main.js'), '--quick', '--out', outDir], {
      encoding: 'utf8',
      timeout: 150_000,
    })
    stdout = run.stdout
    if (run.status !== 0) throw new Error(`bench --quick exited with ${run.status}: ${run.stderr}`)
    report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'))
  }, 180_000)

  afterAll(() => {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true })
  })

  it('runs in quick mode with N = 10,000 and 2 rounds', () => {
    expect(report.info).toMatchObject({ mode: 'quick', rounds: 2, n: 10_000 })
  })

  it('reports every benchmark, in order', () => {
    // Benchmarks that need a service (bullmq-throughput needs REDIS_URL) may follow these.
    expect(report.benchmarks.map((b) => b.id).slice(0, EXPECTED.length)).toEqual(EXPECTED)
  })

  it('gives every metric and ratio a finite median within its min–max and one value per round', () => {
    for (const bench of report.benchmarks) {
      const series = [...Object.values(bench.metrics), ...Object.values(bench.ratios)] as Series[]
      expect(series.length, bench.id).toBeGreaterThan(0)
      for (const s of series) {
        expect(Number.isFinite(s.median), bench.id).toBe(true)
        expect(s.min).toBeLessThanOrEqual(s.median)
        expect(s.median).toBeLessThanOrEqual(s.max)
        expect(s.values).toHaveLength(bench.rounds)
      }
    }
  })

  it('prints a table with each benchmark title', () => {
    for (const bench of report.benchmarks) expect(stdout).toContain(bench.title)
  })
})
