/**
 * Exit-time (spec §2, §2a): finalize order, each service's tasks shut down right before its finalize(), failing and
 * hanging finalizers, per-step deadlines within the exit budget, the exit code of an incomplete shutdown, and
 * cleanup (no timers left).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Application, type ApplicationOptions } from '../../src/application/application.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Module } from '../../src/service/module.js'
import { Service, createdTasksOf } from '../../src/service/service.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { testOptions } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { type LogLine } from '../support/logs.js'
import { hang } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function make(extra: ApplicationOptions = {}, calls: string[] = []) {
  const options = testOptions(extra)
  class App extends Application {
    protected override finalize() {
      calls.push('app:finalize')
    }
  }
  const app = new App(options)
  cleanups.push(() => app.stop())
  const original = app.taskService.finalize.bind(app.taskService)
  app.taskService.finalize = async () => {
    calls.push('TaskService:finalize')
    await original()
  }
  return { app, clock: options.clock, lines: options.lines, calls }
}

function named(calls: string[], name: string, finalize?: () => unknown) {
  return class extends Service {
    static readonly serviceName = name
    override finalize() {
      calls.push(`${name}:finalize`)
      return finalize?.() as void
    }
  }
}

const errorsAbout = (lines: LogLine[], name: string) => lines.filter((l) => l.level >= 50 && l.service === name)

describe('exit-time order', () => {
  it('app.finalize(), services in exact reverse registration order, modules in reverse, TaskService last', async () => {
    const { app, calls } = make()
    class M1 extends Module {
      override finalize() {
        calls.push('m1:finalize')
      }
    }
    class M2 extends Module {
      override finalize() {
        calls.push('m2:finalize')
      }
    }
    app.addModule(M1)
    app.addService(named(calls, 'c'))
    app.addService(named(calls, 'a'))
    app.addModule(M2)
    app.addService(named(calls, 'b'))
    app.pubsub.subscribe(Messages.ApplicationExit, () => void calls.push(`exit!:${app.state}`))
    await app.start()
    await app.stop()
    expect(calls).toEqual([
      'exit!:stopping',
      'app:finalize',
      'b:finalize',
      'a:finalize',
      'c:finalize',
      'm2:finalize',
      'm1:finalize',
      'TaskService:finalize',
    ])
  })

  it("shuts down each service's tasks right before its finalize(): the task is cancelled when finalize runs", async () => {
    const calls: string[] = []
    const { app } = make({}, calls)
    let handle!: TaskHandle
    let otherHandle!: TaskHandle
    const seenAtFinalize: Record<string, unknown> = {}
    class Other extends Service {
      override initialize() {
        otherHandle = this.tasks.registerTask('other-work', (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)))
      }
      override finalize() {
        seenAtFinalize['other'] = otherHandle.state
      }
    }
    class Worker extends Service {
      override initialize() {
        handle = this.tasks.registerTask('poll', (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)))
      }
      override finalize() {
        seenAtFinalize['worker'] = { state: handle.state, aborted: handle.signal.aborted, isShutdown: this.tasks.isShutdown }
        // The other service (registered earlier, finalized later) has not been shut down yet.
        seenAtFinalize['otherDuringWorker'] = otherHandle.state
      }
    }
    app.addService(Other)
    app.addService(Worker)
    await app.start()
    await turns(5)
    expect(handle.state).toBe('running')
    expect(app.taskService.list().map((t) => [t.name, t.owner])).toEqual([['other-work', 'Other'], ['poll', 'Worker']])
    await app.stop()
    expect(seenAtFinalize).toEqual({
      worker: { state: 'cancelled', aborted: true, isShutdown: true },
      otherDuringWorker: 'running',
      other: 'cancelled',
    })
  })

  it('finalizes only what was initialized; a service whose tasks were never used has none created', async () => {
    const { app, calls } = make()
    const Plain = named(calls, 'plain')
    const plain = app.addService(Plain)
    await app.start()
    await app.stop()
    expect(createdTasksOf(plain)).toBeUndefined()
    expect(calls).toContain('plain:finalize')
  })
})

describe('failing and hanging finalizers', () => {
  it.each([
    ['an Error', () => { throw new Error('close failed') }, 'close failed'],
    ['a rejected promise', () => Promise.reject(new Error('close failed')), 'close failed'],
    ['a non-Error value', () => { throw 'just a string' }, undefined],
  ])('a finalize() throwing %s is logged with the service name, the others still run, the exit code is 1', async (_what, fail, message) => {
    const { app, calls, lines } = make()
    app.addService(named(calls, 'first'))
    app.addService(named(calls, 'broken', fail))
    app.addService(named(calls, 'last'))
    await app.start()
    await expect(app.stop()).resolves.toBe(1)
    expect(calls).toEqual(['app:finalize', 'last:finalize', 'broken:finalize', 'first:finalize', 'TaskService:finalize'])
    const logged = errorsAbout(lines, 'broken')
    expect(logged).toHaveLength(1)
    expect(logged[0]!.msg).toContain('broken')
    if (message !== undefined) expect((logged[0]!.err as { message: string }).message).toBe(message)
    else expect(logged[0]!.err).toBe('just a string')
    expect(app.state).toBe('stopped')
  })

  it('a failing app.finalize() and module finalize() are logged too; the rest runs', async () => {
    const calls: string[] = []
    const options = testOptions()
    class App extends Application {
      protected override finalize() {
        calls.push('app:finalize')
        throw new Error('app fin')
      }
    }
    class BadModule extends Module {
      override finalize() {
        calls.push('module:finalize')
        throw new Error('module fin')
      }
    }
    const app = new App(options)
    app.addModule(BadModule)
    app.addService(named(calls, 's'))
    await app.start()
    await app.stop()
    expect(calls).toEqual(['app:finalize', 's:finalize', 'module:finalize'])
    expect(errorsAbout(options.lines, 'App')).toHaveLength(1)
    expect(errorsAbout(options.lines, 'BadModule')).toHaveLength(1)
  })

  it('a hanging finalize() is abandoned at its deadline, logged by name; the others still run; exit code 1', async () => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 5_000 })
    const stuck = hang()
    cleanups.push(stuck.release)
    app.addService(named(calls, 'first'))
    app.addService(named(calls, 'stuck', () => stuck.promise))
    app.addService(named(calls, 'last'))
    await app.start()
    let code: number | undefined
    const stopping = app.stop().then((c) => (code = c))
    // Five steps that may take time (app, last, stuck, first, TaskService) share 5000 ms: 1000 ms each at least.
    // stuck may use what app and last left, but not the 2000 ms kept for first and the TaskService.
    await clock.advance(2_999)
    expect(code).toBeUndefined()
    expect(calls).toEqual(['app:finalize', 'last:finalize', 'stuck:finalize'])
    expect(app.state).toBe('stopping')
    await clock.advance(1)
    await stopping
    expect(code).toBe(1)
    expect(calls).toEqual(['app:finalize', 'last:finalize', 'stuck:finalize', 'first:finalize', 'TaskService:finalize'])
    const cutOff = errorsAbout(lines, 'stuck')
    expect(cutOff).toHaveLength(1)
    expect(cutOff[0]!.msg).toBe('Finalizing service "stuck" did not finish within its deadline of 3000 ms; abandoned')
    expect(app.state).toBe('stopped')
    expect(clock.pending).toBe(0)
  })

  it.each([
    ['the first to be finalized (registered last)', 2],
    ['the last to be finalized (registered first)', 0],
  ])('exitTimeoutMs 3000 and %s of three services hangs for ever: the other two and the TaskService finalize (#12)', async (_which, hanging) => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 3_000 })
    const stuck = hang()
    cleanups.push(stuck.release)
    for (const [i, name] of ['one', 'two', 'three'].entries()) app.addService(named(calls, name, i === hanging ? () => stuck.promise : undefined))
    await app.start()
    // A task that needs 20 ms to clean up after its signal aborts.
    const cleanup = app.taskService.spawn((signal) => new Promise((resolve) => signal.addEventListener('abort', () => clock.setTimeout(() => resolve('clean'), 20))), { name: 'cleanup' })
    await turns(2)
    const started = clock.now()
    const stopping = app.stop()
    await clock.runAll()
    await expect(stopping).resolves.toBe(1)
    expect(clock.now() - started).toBeLessThanOrEqual(3_000)
    expect(calls).toEqual(['app:finalize', 'three:finalize', 'two:finalize', 'one:finalize', 'TaskService:finalize'])
    expect(cleanup.state).toBe('succeeded')
    expect(errorsAbout(lines, ['one', 'two', 'three'][hanging]!).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^Finalizing service "(one|three)" did not finish within its deadline of \d+ ms; abandoned$/),
    ])
  })

  it('a step may not use the share reserved for the steps after it: two slow finalizers are both cut off', async () => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 1_000 })
    const slow = (ms: number) => () => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
    app.addService(named(calls, 'a', slow(700)))
    app.addService(named(calls, 'b', slow(700)))
    await app.start()
    let code: number | undefined
    const stopping = app.stop().then((c) => (code = c))
    // Four weighted steps (app, b, a, TaskService): 250 ms each at least. b may use 500 ms, then a the 250 ms left to it.
    await clock.advance(499)
    expect(calls).toEqual(['app:finalize', 'b:finalize'])
    await clock.advance(1)
    expect(calls).toEqual(['app:finalize', 'b:finalize', 'a:finalize'])
    await clock.advance(250)
    await stopping
    expect(code).toBe(1)
    expect(clock.now()).toBe(750)
    expect(errorsAbout(lines, 'b').map((l) => l.deadlineMs)).toEqual([500])
    expect(errorsAbout(lines, 'a').map((l) => l.deadlineMs)).toEqual([250])
    await clock.runAll()
  })

  it('[Application] finalize_timeout bounds every step: its signal aborts then, and a step that honours it finishes cleanly', async () => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 60_000, config: { Application: { finalize_timeout: '2s' } } })
    class Polite extends Service {
      override async finalize(signal: AbortSignal) {
        calls.push(`polite:finalize@${clock.now()}`)
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        calls.push(`polite:aborted@${clock.now()}:${(signal.reason as Error).name}`)
      }
    }
    app.addService(Polite)
    await app.start()
    const stopping = app.stop()
    await clock.runAll()
    await expect(stopping).resolves.toBe(0)
    expect(calls).toEqual(['app:finalize', 'polite:finalize@0', 'polite:aborted@2000:TimeoutError', 'TaskService:finalize'])
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })

  it('a hook that was never overridden keeps no share: ten plain services do not shorten the one that is slow', async () => {
    const { app, clock, calls } = make({ exitTimeoutMs: 1_000 })
    for (let i = 0; i < 10; i++) app.addService(class extends Service { static readonly serviceName = `plain-${i}` })
    app.addService(named(calls, 'slow', () => new Promise<void>((resolve) => clock.setTimeout(resolve, 600))))
    await app.start()
    const stopping = app.stop()
    await clock.runAll()
    // app, slow and the TaskService are weighted (333 ms each at least): slow may use 1000 - 333 ms.
    await expect(stopping).resolves.toBe(0)
    expect(calls).toEqual(['app:finalize', 'slow:finalize', 'TaskService:finalize'])
  })

  it('tasks that do not settle make the shutdown incomplete: exit code 1; a higher stop(code) stays', async () => {
    const { app, clock } = make({ exitTimeoutMs: 1_000 })
    await app.start()
    app.taskService.spawn(() => new Promise(() => {}), { name: 'deaf' })
    await turns(2)
    const first = app.stop()
    await clock.runAll()
    await expect(first).resolves.toBe(1)
    const other = make({ exitTimeoutMs: 1_000 })
    await other.app.start()
    other.app.taskService.spawn(() => new Promise(() => {}), { name: 'deaf' })
    await turns(2)
    const second = other.app.stop(3)
    await other.clock.runAll()
    await expect(second).resolves.toBe(3)
  })

  it('a hanging app.finalize() does not keep the services from running', async () => {
    const stuck = hang()
    cleanups.push(stuck.release)
    const calls: string[] = []
    const options = testOptions({ exitTimeoutMs: 300 })
    class App extends Application {
      protected override finalize() {
        return stuck.promise
      }
    }
    const app = new App(options)
    app.addService(named(calls, 's'))
    await app.start()
    const stopping = app.stop()
    await options.clock.advance(300)
    await expect(stopping).resolves.toBe(1)
    expect(calls).toEqual(['s:finalize'])
    expect(errorsAbout(options.lines, 'App')[0]!.msg).toBe('Finalizing Application.finalize() did not finish within its deadline of 100 ms; abandoned')
  })

  it('with the real clock, a small budget cuts off a hanging finalize', async () => {
    const stuck = hang()
    cleanups.push(stuck.release)
    const calls: string[] = []
    const { clock: _unused, ...options } = testOptions({ exitTimeoutMs: 30 })
    const app = new Application(options)
    app.addService(named(calls, 'stuck', () => stuck.promise))
    app.addService(named(calls, 'quick'))
    await app.start()
    await expect(app.stop(2)).resolves.toBe(2)
    expect(calls).toEqual(['quick:finalize', 'stuck:finalize'])
    expect(app.exitCode).toBe(2)
    expect(errorsAbout(options.lines, 'stuck')).toHaveLength(1)
  })
})

describe('late services and exit-time', () => {
  it('a service whose initialize() is still running when stop() comes is finalized after it completes', async () => {
    const calls: string[] = []
    const { app, clock } = make({}, calls)
    await app.start()
    class SlowStart extends Service {
      override async initialize() {
        calls.push('slow:init-begin')
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 50))
        calls.push('slow:init-end')
      }
      override finalize() {
        calls.push('slow:finalize')
      }
    }
    app.addService(SlowStart)
    await turns(5)
    const stopping = app.stop()
    await clock.advance(50)
    await stopping
    expect(calls).toEqual(['slow:init-begin', 'slow:init-end', 'app:finalize', 'slow:finalize', 'TaskService:finalize'])
  })

  it('a service added while running but never initialized (stopped first) is not finalized', async () => {
    const calls: string[] = []
    const { app } = make({}, calls)
    await app.start()
    app.addService(named(calls, 'late'))
    await app.stop()
    expect(calls).toEqual(['app:finalize', 'TaskService:finalize'])
  })
})
