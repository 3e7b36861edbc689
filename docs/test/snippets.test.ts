/**
 * Executes the documentation: every complete ```ts block of README.md and docs/**\/*.md is type-checked against
 * the built packages in one tsc run, then run with node; a following ```text block must match its stdout.
 * One test per snippet, named `<page>:<line>`. Fragments (```ts fragment) are not run.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, runProcess, withBuiltPackages, type ProcessResult } from './support/build-packages.js'
import { allSnippets, normaliseOutput, type Snippet } from './support/markdown-snippets.js'

const docsDir = join(repoRoot, 'docs')
const snippetsDir = join(docsDir, '.snippets')
const outDir = join(snippetsDir, 'out')
const RUN_TIMEOUT_MS = 15_000
const MAX_PARALLEL_RUNS = 2

const snippets = allSnippets(repoRoot)

/** Compiler options of the repository (tsconfig.base.json), emitting plain ESM next to nothing else. */
const tsconfig = {
  extends: '../../tsconfig.base.json',
  compilerOptions: {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noEmit: false,
    noEmitOnError: false,
    rootDir: '.',
    outDir: 'out',
  },
  include: ['*.ts'],
}

// Snippets run hermetically: with REDIS_URL set (as in .ci/run) @tsab/bullmq would pick its Redis backend,
// TSAB_CONFIG / TSAB__* would change every application's config, and PORT would move @tsab/web's first address.
const snippetEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== 'REDIS_URL' && name !== 'PORT' && !name.startsWith('TSAB_')),
)
snippetEnv.LOG_LEVEL = 'silent'

/** A complete snippet may not need Redis: the tests run without one (docs/README.md, "Conventions"). */
const USES_REDIS = /REDIS_URL|rediss?:\/\/|['"]ioredis['"]|['"]bullmq['"]|\bredis\s*:\s*\{/

interface Outcome {
  /** Type errors, already mapped to `page:line`. */
  typeErrors: string[]
  /** The node run, when the snippet type-checked. */
  run?: ProcessResult
}

// Filled in beforeAll; each test awaits only its own entry, so results are reported per snippet.
const outcomes = new Map<string, Promise<Outcome>>()

/** Writes the snippet so that line N of the file is line N of the block: the import is put in front of line 1. */
const REFLECT_PREFIX = "import 'reflect-metadata'; "
function needsReflect(snippet: Snippet): boolean {
  return !/^\s*import\s+['"]reflect-metadata['"]/m.test(snippet.code)
}
function programText(snippet: Snippet): string {
  return needsReflect(snippet) ? `${REFLECT_PREFIX}${snippet.code}` : snippet.code
}

/** Parses `file(line,col): error TSxxxx: message` lines of `tsc --pretty false`, continuation lines included. */
function typeErrorsByFile(output: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>()
  let last: string[] | undefined
  for (const line of output.split('\n')) {
    const match = /^(.*?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line)
    if (match) {
      const stem = match[1]!.replace(/\\/g, '/').split('/').pop()!.replace(/\.ts$/, '')
      const list = byFile.get(stem) ?? []
      list.push(`${match[2]}:${match[3]} ${match[4]} ${match[5]}`)
      byFile.set(stem, list)
      last = list
    } else if (last && line.startsWith('  ')) {
      last[last.length - 1] += `\n${line}`
    } else if (line.trim() !== '') {
      // A diagnostic without a file (e.g. a broken tsconfig) belongs to every snippet.
      const list = byFile.get('*') ?? []
      list.push(line)
      byFile.set('*', list)
      last = list
    }
  }
  return byFile
}

function limit(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: Array<() => void> = []
  return async (job) => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve))
    active += 1
    try {
      return await job()
    } finally {
      active -= 1
      queue.shift()?.()
    }
  }
}

beforeAll(async () => {
  rmSync(snippetsDir, { recursive: true, force: true })
  mkdirSync(snippetsDir, { recursive: true })
  writeFileSync(join(snippetsDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
  for (const snippet of snippets) writeFileSync(join(snippetsDir, `${snippet.stem}.ts`), programText(snippet))

  const compiled = await withBuiltPackages(() =>
    runProcess(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', snippetsDir, '--pretty', 'false'], {
      cwd: docsDir,
      timeoutMs: 180_000,
    }),
  )
  if (compiled.timedOut) throw new Error('tsc timed out on the documentation snippets')
  const errors = typeErrorsByFile(compiled.stdout)
  const global = errors.get('*') ?? []
  const emitted = new Set(readdirSync(outDir, { withFileTypes: true }).map((entry) => entry.name))

  const run = limit(MAX_PARALLEL_RUNS)
  for (const snippet of snippets) {
    const typeErrors = [...global, ...(errors.get(snippet.stem) ?? [])].map((e) => mapToPage(snippet, e))
    if (typeErrors.length > 0 || !emitted.has(`${snippet.stem}.js`)) {
      outcomes.set(snippet.stem, Promise.resolve({ typeErrors: typeErrors.length ? typeErrors : ['no JavaScript was emitted'] }))
      continue
    }
    outcomes.set(
      snippet.stem,
      run(() =>
        runProcess(process.execPath, [join(outDir, `${snippet.stem}.js`)], {
          cwd: docsDir,
          timeoutMs: RUN_TIMEOUT_MS,
          env: snippetEnv,
        }),
      ).then((result) => ({ typeErrors: [], run: result })),
    )
  }
}, 600_000)

/** Turns a snippet-relative `line:col` into the page's line, so the failure points into the Markdown. */
function mapToPage(snippet: Snippet, error: string): string {
  const match = /^(\d+):(\d+) ([\s\S]*)$/.exec(error)
  if (!match) return error
  const line = Number(match[1])
  const column = line === 1 && needsReflect(snippet) ? Math.max(1, Number(match[2]) - REFLECT_PREFIX.length) : Number(match[2])
  return `${snippet.page}:${snippet.line + line} (col ${column}): ${match[3]}`
}

describe('documentation snippets', () => {
  it('finds complete snippets to run', () => {
    expect(snippets.length).toBeGreaterThan(0)
  })

  for (const snippet of snippets) {
    it(`${snippet.page}:${snippet.line}`, async () => {
      expect(USES_REDIS.test(snippet.code), 'a snippet that uses Redis must be fenced as ```ts fragment').toBe(false)
      const outcome = await outcomes.get(snippet.stem)!
      expect(outcome.typeErrors, 'type errors').toEqual([])
      const result = outcome.run!
      const report = `exit ${result.status}${result.timedOut ? ` (killed after ${RUN_TIMEOUT_MS} ms)` : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`
      expect(result.timedOut, report).toBe(false)
      expect(result.status, report).toBe(0)
      if (snippet.expectedOutput !== undefined) {
        expect(normaliseOutput(result.stdout), report).toBe(normaliseOutput(snippet.expectedOutput))
      }
    }, RUN_TIMEOUT_MS * 2 + 10_000)
  }
})
