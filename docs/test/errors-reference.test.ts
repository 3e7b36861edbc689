/**
 * docs/reference/errors.md and the code agree: every error code (ErrorCodes, plus every 'TSAB_...' literal in
 * packages/*\/src) has a `### TSAB_...` entry, every entry names a code that exists, and every exported error
 * class is named in the page.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@tsab/core'
import { ErrorCodes, TsabError } from '@tsab/core'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/build-packages.js'

const page = readFileSync(join(repoRoot, 'docs', 'reference', 'errors.md'), 'utf8')
const documented = [...page.matchAll(/^###\s+(TSAB_[A-Z0-9_]+)\s*$/gm)].map((m) => m[1]!)

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.[cm]?ts$/.test(entry.name) ? [path] : []
  })
}

// 'TSAB_...' literals that are environment variable names, not error codes.
const ENVIRONMENT_VARIABLES = new Set(['TSAB_CONFIG'])

/** Every quoted 'TSAB_...' code literal in the packages' sources (the env prefix 'TSAB__' is not a code). */
function codesInSources(): Set<string> {
  const codes = new Set<string>()
  const packagesDir = join(repoRoot, 'packages')
  for (const name of readdirSync(packagesDir)) {
    const src = join(packagesDir, name, 'src')
    if (!existsSync(src)) continue
    for (const file of sourceFiles(src)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/['"`](TSAB_[A-Z0-9]+(?:_[A-Z0-9]+)*)['"`]/g)) {
        if (!ENVIRONMENT_VARIABLES.has(match[1]!)) codes.add(match[1]!)
      }
    }
  }
  return codes
}

const allCodes = new Set<string>([...Object.values(ErrorCodes), ...codesInSources()])

/** Exported classes that are TsabError or extend it. */
function errorClasses(exports: Record<string, unknown>): string[] {
  return Object.entries(exports)
    .filter(([, value]) => typeof value === 'function' && (value === TsabError || (value as { prototype?: unknown }).prototype instanceof TsabError))
    .map(([name]) => name)
}

describe('docs/reference/errors.md', () => {
  it('finds the codes of @tsab/core and of the other packages', () => {
    expect(allCodes.has('TSAB_CANCELLED')).toBe(true)
    expect(allCodes.size).toBeGreaterThan(Object.values(ErrorCodes).length - 1)
  })

  it('has an entry for every error code', () => {
    const missing = [...allCodes].filter((code) => !documented.includes(code))
    expect(missing, 'codes without a "### CODE" entry').toEqual([])
  })

  it('names no code that no longer exists', () => {
    const stale = documented.filter((code) => !allCodes.has(code))
    expect(stale, 'entries whose code is not in the sources').toEqual([])
  })

  it('has one entry per code', () => {
    const duplicates = documented.filter((code, index) => documented.indexOf(code) !== index)
    expect(duplicates).toEqual([])
  })

  it('names every error class of @tsab/core', () => {
    const classes = errorClasses(core as Record<string, unknown>)
    expect(classes).toContain('CancelledError')
    expect(classes.filter((name) => !page.includes(`\`${name}\``))).toEqual([])
  })

  it.skipIf(!existsSync(join(repoRoot, 'packages', 'bullmq', 'src', 'index.ts')))('names every error class of @tsab/bullmq', async () => {
    const bullmq = (await import('@tsab/bullmq')) as Record<string, unknown>
    const classes = errorClasses(bullmq)
    expect(classes.length).toBeGreaterThan(0)
    expect(classes.filter((name) => !page.includes(`\`${name}\``))).toEqual([])
  })

  it('names every error class of @tsab/workers', async () => {
    const workers = (await import('@tsab/workers')) as Record<string, unknown>
    const classes = errorClasses(workers)
    expect(classes).toEqual(expect.arrayContaining(['WorkerModuleError', 'WorkerCrashedError']))
    expect(classes.filter((name) => !page.includes(`\`${name}\``))).toEqual([])
  })
})
