/**
 * The package surface (`src/index.ts`, `src/testing/index.ts`, `src/support/index.ts` and the manifest): named
 * exports only, the tsyringe re-exports and LOGGER; then the compiled package under plain Node: a private tsc
 * build (ESM + .d.ts), every name the contract lists exported by name, `exports` → `dist/`, the internals closed,
 * and a small app whose decorators are compiled by tsc running without importing reflect-metadata itself.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'
import { Application } from '../src/application/application.js'
import { createLogger } from '../src/logging/logger.js'
import * as support from '../src/support/index.js'
import { packageDir, repoRoot as root, usePrivateBuild } from './support/private-build.js'

// Inside the package, so the build finds the package's dependencies; with .d.ts, which these tests check.
const { dir: buildDir } = usePrivateBuild(fileURLToPath(new URL(`./.build-${process.pid}/`, import.meta.url)), { declarations: true })
const tsc = join(root, 'node_modules/typescript/bin/tsc')

function node(args: string[], cwd = packageDir) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, LOG_LEVEL: 'silent', TSAB_CONFIG: '' } })
}

const VALUE_EXPORTS = [
  // §1
  'TsabError', 'CancelledError', 'TimeoutError', 'ServiceNotFoundError', 'DuplicateServiceError', 'DuplicateTaskError',
  'InvalidStateError', 'CacheNotFoundError', 'QueueFull', 'QueueEmpty', 'QueueShutDown', 'ChildCancelledError', 'isCancellation',
  // §2–§5 and conventions
  'Application', 'Service', 'Module', 'Config', 'TaskService', 'PubSub', 'subscribe', 'Messages', 'LOGGER',
  'injectable', 'inject', 'singleton',
  // §6–§9
  'TaskManager', 'Future', 'NumberCache', 'RandomNumberCache', 'RequestCache', 'realClock',
  'sleep', 'gather', 'wait', 'asCompleted', 'shield', 'withTimeout', 'TaskGroup', 'Semaphore', 'BoundedSemaphore', 'Lock',
  'Event', 'Queue', 'link', 'awaitChild',
]
const TESTING_EXPORTS = ['createTestApplication', 'TestClock']
const SUPPORT_EXPORTS = [
  'describeValue', 'expectedMessage', 'assertFunction', 'assertNonEmptyString', 'assertString', 'assertBoolean',
  'assertOptionalBoolean', 'assertNumber', 'assertOptionalNumber', 'assertOptionalObject', 'assertOptionalSignal',
  'isThenable', 'observed', 'rejected', 'within', 'summarizeNames', 'BinaryHeap', 'guardLogger', 'wallTime',
]

describe('the package surface', () => {
  it('has no default export', () => {
    expect('default' in core).toBe(false)
    expect('default' in support).toBe(false)
  })

  it('@tsab/core/support exports exactly its documented helpers', () => {
    expect(Object.keys(support).sort()).toEqual([...SUPPORT_EXPORTS].sort())
  })

  it('re-exports injectable, inject, singleton and exports the LOGGER token', async () => {
    const tsyringe = await import('tsyringe')
    expect(core.injectable).toBe(tsyringe.injectable)
    expect(core.inject).toBe(tsyringe.inject)
    expect(core.singleton).toBe(tsyringe.singleton)
    const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    expect(app.container.resolve(core.LOGGER)).toBe(app.logger)
    await app.stop()
  })
})


describe('the built package under plain Node', () => {
  it('is ES modules with .d.ts next to every entry point', () => {
    for (const file of ['index.js', 'index.d.ts', 'testing/index.js', 'testing/index.d.ts', 'support/index.js', 'support/index.d.ts']) {
      expect(existsSync(join(buildDir, file))).toBe(true)
    }
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { type: string; exports: Record<string, Record<string, string>> }
    expect(pkg.type).toBe('module')
    expect(pkg.exports['.']!['default']).toBe('./dist/index.js')
    expect(pkg.exports['.']!['types']).toBe('./dist/index.d.ts')
  })

  it('exports["."], ["./testing"] and ["./support"] resolve to dist/ for plain Node; internals stay closed', () => {
    const script = "for (const s of ['@tsab/core', '@tsab/core/testing', '@tsab/core/support']) console.log(import.meta.resolve(s))"
    const out = node(['--input-type=module', '-e', script])
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout.trim().split('\n')).toEqual([
      pathToFileURL(join(packageDir, 'dist/index.js')).href,
      pathToFileURL(join(packageDir, 'dist/testing/index.js')).href,
      pathToFileURL(join(packageDir, 'dist/support/index.js')).href,
    ])
    const closed = node(['--input-type=module', '-e', "import.meta.resolve('@tsab/core/internal/within.js')"])
    expect(closed.status).not.toBe(0)
    expect(closed.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/)
  })

  it('exports every name of the contract by name, and no default export', () => {
    const script = `
      const core = await import(${JSON.stringify(pathToFileURL(join(buildDir, 'index.js')).href)})
      const testing = await import(${JSON.stringify(pathToFileURL(join(buildDir, 'testing/index.js')).href)})
      console.log(JSON.stringify({ core: Object.keys(core), testing: Object.keys(testing), logger: typeof core.LOGGER }))`
    const out = node(['--input-type=module', '-e', script])
    expect(out.status, out.stderr).toBe(0)
    const names = JSON.parse(out.stdout) as { core: string[]; testing: string[]; logger: string }
    for (const name of VALUE_EXPORTS) expect(names.core, name).toContain(name)
    for (const name of TESTING_EXPORTS) expect(names.testing, name).toContain(name)
    expect(names.core).not.toContain('default')
    expect(names.testing).not.toContain('default')
    expect(names.logger).toBe('symbol')
  })

  it('runs a tsc-compiled app with constructor injection, without importing reflect-metadata itself', () => {
    const userDir = join(buildDir, 'user')
    mkdirSync(userDir, { recursive: true })
    writeFileSync(
      join(userDir, 'app.ts'),
      `import {
  Application, Config, LOGGER, Messages, Service, inject, injectable, isCancellation, CancelledError,
  type ApplicationOptions, type BackoffOptions, type Clock, type DependencyContainer, type ForeverHandle, type ForeverSpec,
  type Logger, type Module, type ModuleClass, type RegisterOptions, type Schedulable, type ServiceClass, type Subscriber,
  type TaskFunction, type TaskHandle, type TaskInfo, type TaskOptions, type TaskStats,
} from '../index.js'
import { TestClock, createTestApplication } from '../testing/index.js'

// Every public type of §2–§8 must be reachable from the .d.ts.
export type AllTypes = [ApplicationOptions, BackoffOptions, Clock, DependencyContainer, ForeverHandle, ForeverSpec, Logger,
  ModuleClass<Module>, RegisterOptions, Schedulable, ServiceClass<Service>, Subscriber, TaskFunction, TaskHandle, TaskInfo,
  TaskOptions, TaskStats]

class Greeter extends Service {
  greet(who: string): string {
    return 'hello ' + who
  }
}

@injectable()
class Reporter extends Service {
  constructor(app: Application, readonly greeter: Greeter, readonly config: Config, @inject(LOGGER) readonly log: Logger) {
    super(app)
  }
}

class App extends Application {
  readonly reporter: Reporter
  constructor() {
    super({ name: 'dist-app', config: { logging: { level: 'silent' } }, handleSignals: false })
    this.addService(Greeter)
    this.reporter = this.addService(Reporter)
  }
  protected override async main(): Promise<void> {
    const done: string[] = []
    this.pubsub.subscribe(Messages.TaskDone, (_message: string, handle: TaskHandle) => void done.push(handle.name))
    const [work] = this.taskService.schedule(async function work() {
      return 21 * 2
    })
    console.log(await work!.result)
    const stuck = this.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { name: 'stuck' })
    stuck.cancel('bye')
    const error = await stuck.result.catch((e: unknown) => e)
    console.log(error instanceof CancelledError, isCancellation(error), (error as CancelledError).reason)
    console.log(this.reporter.greeter.greet('dist'), this.reporter.config === this.config, this.reporter.log === this.logger)
    console.log(done.join(','))
    await this.stop(3)
  }
}

const clock = new TestClock()
const testApp = await createTestApplication({ clock })
console.log(testApp.state, await testApp.stop())
process.exitCode = await new App().run()
`,
    )
    const compile = spawnSync(
      process.execPath,
      [tsc, '--experimentalDecorators', '--emitDecoratorMetadata', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
        '--strict', '--skipLibCheck', '--types', 'node', '--outDir', userDir, join(userDir, 'app.ts')],
      { cwd: root, encoding: 'utf8' },
    )
    expect(compile.status, compile.stdout + compile.stderr).toBe(0)
    const compiled = readFileSync(join(userDir, 'app.js'), 'utf8')
    expect(compiled).toContain('design:paramtypes')
    expect(compiled).not.toContain('reflect-metadata')
    const run = node([join(userDir, 'app.js')])
    expect(run.stderr).toBe('')
    expect(run.stdout.trim().split('\n')).toEqual(['running 0', '42', 'true true bye', 'hello dist true true', 'work,stuck'])
    expect(run.status).toBe(3)
  })
})
