/**
 * What "Use tsab in your project" promises about the build: the one statement on reflect-metadata is the same on
 * every page that makes it (and no page asks for an import), and a build without decorator metadata (what esbuild and
 * tsx produce, here tsc with emitDecoratorMetadata off) cannot inject by type, while @inject on every constructor
 * parameter still works. Compiled with tsc against the built packages and run with node.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot, runProcess, withBuiltPackages } from './support/build-packages.js'
import { documentationPages } from './support/markdown-snippets.js'

const STATEMENT =
  "`@tsab/core` imports `reflect-metadata` itself, ahead of tsyringe: you add no import and no dependency for it. " +
  'Take `injectable`, `inject` and `singleton` from `@tsab/core`. Only if a module of yours imports `tsyringe` directly ' +
  "and is loaded before `@tsab/core`, make `import '@tsab/core'` the first line of your entry point."

const flat = (text: string) => text.replace(/\s+/g, ' ')
const page = (path: string) => flat(readFileSync(join(repoRoot, path), 'utf8'))

describe('reflect-metadata: one statement', () => {
  it.each(['README.md', 'docs/guides/getting-started.md', 'docs/guides/services.md', 'docs/guides/your-project.md'])('%s makes it word for word', (path) => {
    expect(page(path)).toContain(STATEMENT)
  })

  it('no page asks for an import of reflect-metadata or for installing it', () => {
    for (const path of documentationPages(repoRoot)) {
      const text = page(path)
      expect(text, path).not.toMatch(/import ['"]reflect-metadata['"]/)
      expect(text, path).not.toMatch(/(npm|pnpm) (install|add) [^`\n]*reflect-metadata/)
    }
  })
})

// Inside docs/, so that the programs find @tsab/core in docs/node_modules as an application finds its dependencies.
const dir = join(repoRoot, 'docs', `.metadata-check-${process.pid}`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BY_TYPE = `import { Application, Config, Service, createLogger, injectable } from '@tsab/core'
class Database extends Service {}
@injectable()
class Reports extends Service {
  constructor(app: Application, readonly db: Database, readonly config: Config) { super(app) }
}
const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
app.addService(Database)
const reports = app.addService(Reports)
console.log(reports.app === app, typeof reports.db, typeof reports.config)
`

const BY_TOKEN = `import { Application, Config, Service, createLogger, inject, injectable } from '@tsab/core'
class Database extends Service {}
@injectable()
class Reports extends Service {
  constructor(@inject(Application) app: Application, @inject(Database) readonly db: Database, @inject(Config) readonly config: Config) { super(app) }
}
const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
const db = app.addService(Database)
const reports = app.addService(Reports)
console.log(reports.app === app, reports.db === db, reports.config === app.config)
`

/** Compiles the two programs with or without decorator metadata and runs them; returns their output lines. */
async function compileAndRun(metadata: boolean): Promise<{ byType: string; byToken: string; emitted: string }> {
  const out = join(dir, metadata ? 'with' : 'without')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'by-type.ts'), BY_TYPE)
  writeFileSync(join(out, 'by-token.ts'), BY_TOKEN)
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: metadata,
      outDir: 'dist',
    },
    include: ['*.ts'],
  }
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify(tsconfig))
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n')
  const tsc = await withBuiltPackages(() =>
    runProcess(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', out], { cwd: out, timeoutMs: 180_000 }),
  )
  expect(tsc.status, tsc.stdout).toBe(0)
  const run = async (file: string) => {
    const result = await runProcess(process.execPath, [join(out, 'dist', file)], { cwd: out, timeoutMs: 30_000 })
    expect(result.status, result.stderr).toBe(0)
    return result.stdout.trim()
  }
  return { byType: await run('by-type.js'), byToken: await run('by-token.js'), emitted: readFileSync(join(out, 'dist', 'by-type.js'), 'utf8') }
}

describe('decorator metadata', () => {
  it('without it (esbuild, tsx) injection by type cannot work; @inject on every parameter does', async () => {
    const { byType, byToken, emitted } = await compileAndRun(false)
    expect(emitted).not.toContain('design:paramtypes')
    expect(byType).toBe('true undefined undefined') // built as new Reports(app)
    expect(byToken).toBe('true true true')
  }, 300_000)

  it('with it (tsc, swc, vitest 4) both work', async () => {
    const { byType, byToken, emitted } = await compileAndRun(true)
    expect(emitted).toContain('__metadata("design:paramtypes"')
    expect(byType).toBe('true object object')
    expect(byToken).toBe('true true true')
  }, 300_000)
})
