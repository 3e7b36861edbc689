/**
 * tsab as a dependency of someone else's project: every library package is packed with the release command,
 * the tarballs are installed with plain `npm install <tarballs>` into a project outside the workspace (third-party
 * dependencies come from the registry), and a TypeScript app compiled there with tsc (decorator metadata on, strict,
 * the packages' .d.ts files checked too) runs a Service with constructor injection, a task_done! subscriber, the
 * WebService, a QueueService job and createTestApplication. Also: no `workspace:` range, LICENSE and README in every
 * package, one copy of @tsab/core, source maps and stack traces that lead to files in the tarball.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packedPackageProblems, sourceMapTargets } from '../../../scripts/lib/packed-package.mjs'
import { assertSucceeded, packedTarballs, repoRoot, timed, userEnv, type Tarball } from './support/tarballs.js'

const project = mkdtempSync(join(tmpdir(), 'tsab-consumer-'))
let libraries: Tarball[] = []
const timings: Record<string, number> = {}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    // The packages' own .d.ts files are checked as well: a type that only exists in tsab's workspace fails here.
    skipLibCheck: false,
    sourceMap: true,
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
}

const APP = `import { Application, Config, LOGGER, Messages, Service, inject, injectable, type Logger, type TaskHandle } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { QueueService } from '@tsab/bullmq'
import { WebService } from '@tsab/web'

class Greetings extends Service {
  greet(name: string) { return \`hello \${name}\` }
}

// Built by the container from the decorator metadata tsc emits: Application, Greetings and Config by type.
@injectable()
class Reporter extends Service {
  constructor(app: Application, private readonly greetings: Greetings, readonly config: Config, @inject(LOGGER) readonly rootLogger: Logger) {
    super(app)
  }
  schedule(name: string): TaskHandle<string> {
    return this.app.taskService.spawn(async () => this.greetings.greet(name), { name: 'greet', owner: this.name })
  }
}

class App extends Application {
  readonly web = this.addService(WebService)
  readonly greetings = this.addService(Greetings)
  readonly reporter = this.addService(Reporter)
  readonly queues = this.addService(QueueService)
  readonly done: string[] = []

  constructor() {
    super({ name: 'consumer', config: { web: { listen: '127.0.0.1:0' } }, handleSignals: false })
    this.pubsub.subscribe(Messages.TaskDone, (_message, task: TaskHandle) => { this.done.push(\`\${task.name}:\${task.state}\`) })
    this.web.server.get<{ Params: { name: string } }>('/greet/:name', async (request) => ({ greeting: this.greetings.greet(request.params.name) }))
    this.queues.define('double', async (payload: { n: number }) => payload.n * 2)
  }

  protected override async main() {
    const task = this.reporter.schedule('ada')
    console.log('task:', await task.result)
    console.log('injected:', this.reporter.config === this.config, this.reporter.rootLogger === this.logger)
    const [address] = await this.web.onListening()
    const ready = await fetch(\`http://\${address}/health/ready\`)
    console.log('ready:', ready.status, JSON.stringify(await ready.json()))
    console.log('route:', JSON.stringify(await (await fetch(\`http://\${address}/greet/bob\`)).json()))
    const job = await this.queues.enqueue('double', { n: 21 })
    console.log('job:', this.queues.backend, await job.result)
    await this.taskService.onIdle()
    console.log('task_done!:', this.done.includes('greet:succeeded'))
    await this.stop()
  }
}

const code = await new App().run()
console.log('exit code:', code)

const testApp = await createTestApplication()
console.log('test app:', testApp.state)
await testApp.stop()

// A stack trace from inside @tsab/core (a bad option), mapped back to its TypeScript source by the source maps.
try {
  new Application({ tickPeriodMs: -1 })
} catch (error) {
  console.log('stack:', (error as Error).stack!.split('\\n').slice(1).find((line) => line.includes('@tsab/core'))!.trim())
}
process.exitCode = code
`

const EXPECTED_OUTPUT = [
  'task: hello ada',
  'injected: true true',
  'ready: 200 {"status":"ready"}',
  'route: {"greeting":"hello bob"}',
  'job: memory 42',
  'task_done!: true',
  'exit code: 0',
  'test app: running',
]

beforeAll(async () => {
  libraries = (await packedTarballs()).filter((tarball) => tarball.library)
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`)
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2))
  mkdirSync(join(project, 'src'))
  writeFileSync(join(project, 'src', 'main.ts'), APP)
  // The user's command: the tarballs, and the compiler with the Node types from the registry.
  const install = await timed('npm', ['install', ...libraries.map((t) => t.path), 'typescript@5.9.3', '@types/node@20.19.43'], { cwd: project })
  assertSucceeded('npm install <tarballs>', install)
  timings['npm install <tarballs> typescript @types/node'] = install.ms
}, 600_000)

afterAll(() => {
  console.log(`packed-packages timings (ms): ${JSON.stringify(timings)}`)
  rmSync(project, { recursive: true, force: true })
})

describe('the packed packages, installed with npm outside the workspace', () => {
  it('every library package was packed: @tsab/core, @tsab/web and @tsab/bullmq at least', () => {
    expect(libraries.map((t) => t.name)).toEqual(expect.arrayContaining(['@tsab/core', '@tsab/web', '@tsab/bullmq']))
  })

  it('no packed manifest keeps a workspace: range; each has a LICENSE, a README and nothing the checks object to', () => {
    for (const tarball of libraries) {
      const dir = join(project, 'node_modules', tarball.name)
      expect(readFileSync(join(dir, 'package.json'), 'utf8'), tarball.name).not.toContain('workspace:')
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), tarball.name).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'))
      expect(readFileSync(join(dir, 'README.md'), 'utf8'), tarball.name).toMatch(/^# /)
      expect(packedPackageProblems(dir, { directory: tarball.directory })).toEqual([])
    }
  })

  it('holds one copy of @tsab/core (a peer dependency of the others)', () => {
    for (const tarball of libraries) expect(existsSync(join(project, 'node_modules', tarball.name, 'node_modules', '@tsab', 'core')), tarball.name).toBe(false)
  })

  it("every source map's sources are files of the installed package", () => {
    for (const tarball of libraries) {
      const targets = sourceMapTargets(join(project, 'node_modules', tarball.name))
      expect(targets.length, tarball.name).toBeGreaterThan(10)
      expect(targets.filter((t) => !t.exists || t.resolved.startsWith('../')), tarball.name).toEqual([])
    }
  })

  it('tsc compiles the app against the packages: types from dist/, never the @tsab/source files', async () => {
    const tsc = await timed(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--listFiles'], { cwd: project })
    assertSucceeded('tsc', tsc)
    timings['tsc'] = tsc.ms
    const files = tsc.stdout.split('\n')
    expect(files).toContain(join(project, 'node_modules', '@tsab', 'core', 'dist', 'index.d.ts'))
    expect(files.filter((file) => /node_modules\/@tsab\/[^/]+\/src\//.test(file))).toEqual([])
    expect(readFileSync(join(project, 'dist', 'main.js'), 'utf8')).toContain('__metadata("design:paramtypes"')
  }, 300_000)

  it('the app runs: constructor injection, task_done!, the WebService, a queue job, createTestApplication', async () => {
    const run = await timed(process.execPath, ['--enable-source-maps', 'dist/main.js'], { cwd: project, env: userEnv({ LOG_LEVEL: 'warn' }), timeoutMs: 60_000 })
    assertSucceeded('node dist/main.js', run)
    timings['node dist/main.js'] = run.ms
    const lines = run.stdout.trim().split('\n')
    expect(lines.slice(0, -1)).toEqual(EXPECTED_OUTPUT)
  }, 120_000)

  it('a stack trace from inside @tsab/core leads to its TypeScript source, a file of the tarball', async () => {
    const run = await timed(process.execPath, ['--enable-source-maps', 'dist/main.js'], { cwd: project, env: userEnv({ LOG_LEVEL: 'silent' }), timeoutMs: 60_000 })
    assertSucceeded('node dist/main.js', run)
    const stack = run.stdout.trim().split('\n').at(-1)!
    const frame = /\((\/.*node_modules\/@tsab\/core\/(src\/[^:]+\.ts)):(\d+):\d+\)$/.exec(stack)
    expect(frame, stack).not.toBeNull()
    const [, file, inPackage, line] = frame!
    expect(existsSync(file!), inPackage).toBe(true)
    expect(readFileSync(file!, 'utf8').split('\n')[Number(line) - 1], `${inPackage}:${line}`).toMatch(/throw /)
  }, 120_000)

  it('LOG_PRETTY=1 without pino-pretty installed: one warning, JSON lines, and the app still runs', async () => {
    const run = await timed(process.execPath, ['dist/main.js'], { cwd: project, env: userEnv({ LOG_PRETTY: '1', LOG_LEVEL: 'info' }), timeoutMs: 60_000 })
    assertSucceeded('LOG_PRETTY=1 node dist/main.js', run)
    const lines = run.stdout.trim().split('\n')
    const logs = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string })
    // The App's logger warns once (createTestApplication's logger is silent); every other record is JSON too.
    expect(logs.filter((log) => log.level === 40)).toEqual([expect.objectContaining({ msg: expect.stringMatching(/pino-pretty cannot be loaded.*LOG_PRETTY=0/) })])
    expect(logs.some((log) => log.level === 30 && /Listening on http/.test(log.msg))).toBe(true)
    expect(lines.filter((line) => !line.startsWith('{')).slice(0, -1)).toEqual(EXPECTED_OUTPUT)
  }, 120_000)
})
