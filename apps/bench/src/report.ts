/**
 * Turns benchmark results into a plain-text table and a JSON file (`results/<timestamp>.json` and
 * `results/latest.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { BenchmarkResult } from './harness.js'

/** Where and how a run happened. */
export interface RunInfo {
  date: string
  mode: 'full' | 'quick'
  rounds: number
  n: number
  n100k: number
  idleMs: number
  node: string
  v8: string
  platform: string
  cpu: string
  cores: number
  memoryGiB: number
}

/** Everything one run writes to JSON. */
export interface RunReport {
  info: RunInfo
  benchmarks: BenchmarkResult[]
}

/** Describes this process and machine. */
export function runInfo(mode: 'full' | 'quick', rounds: number, n: number, n100k: number, idleMs: number): RunInfo {
  const cpuList = cpus()
  return {
    date: new Date().toISOString(),
    mode,
    rounds,
    n,
    n100k,
    idleMs,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  }
}

/** A number in 3 significant digits, with k/M suffixes for large values. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`
  if (abs >= 100) return value.toFixed(0)
  return value.toPrecision(3)
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

/** One benchmark as text lines: its metrics, its ratios and the targets with a verdict. */
export function formatResult(result: BenchmarkResult): string {
  const rows: string[][] = [['', 'median', 'min–max', 'unit / target']]
  for (const [name, m] of Object.entries(result.metrics)) {
    const target = result.targets[name]
    const note = target === undefined ? m.unit : `${m.unit}, target ${target.op} ${target.value} ${target.met ? 'MET' : 'MISSED'}`
    rows.push([name, formatNumber(m.median), `${formatNumber(m.min)}–${formatNumber(m.max)}`, note])
  }
  for (const [name, r] of Object.entries(result.ratios)) {
    const note = r.target === undefined ? 'ratio' : `ratio, target ${r.target.op} ${r.target.value} ${r.met ? 'MET' : 'MISSED'}`
    rows.push([name, r.median.toFixed(2), `${r.min.toFixed(2)}–${r.max.toFixed(2)}`, note])
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  const lines = rows.map((row) => '  ' + row.map((cell, col) => pad(cell, widths[col]!)).join('  ').trimEnd())
  return [`${result.title} (${result.rounds} rounds, ${result.seconds.toFixed(1)} s)`, ...lines].join('\n')
}

/** Writes the report as `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the timestamped path. */
export function writeReport(report: RunReport, dir: string): string {
  mkdirSync(dir, { recursive: true })
  const text = JSON.stringify(report, null, 2) + '\n'
  const file = join(dir, `${report.info.date.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, text)
  writeFileSync(join(dir, 'latest.json'), text)
  return file
}
