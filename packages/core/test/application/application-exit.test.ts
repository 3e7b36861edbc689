/**
 * Exit-time (spec §2): finalize order, each service's tasks shut down right before its finalize(), failing and
 * hanging finalizers, the exit budget, and cleanup (no timers left).
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
  ])('a finalize() throwing %s is logged with the service name and the others still run', async (_what, fail, message) => {
    const { app, calls, lines } = make()
    app.addService(named(calls, 'first'))
    app.addService(named(calls, 'broken', fail))
    app.addService(named(calls, 'last'))
    await app.start()
    await expect(app.stop()).resolves.toBe(0)
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

  it('a hanging finalize() is cut off at exitTimeoutMs, logged by name; the others still run and stop() resolves', async () => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 5_000 })
    const stuck = hang()
    cleanups.push(stuck.release)
    app.addService(named(calls, 'first'))
    app.addService(named(calls, 'stuck', () => stuck.promise))
    app.addService(named(calls, 'last'))
    await app.start()
    let code: number | undefined
    const stopping = app.stop().then((c) => (code = c))
    await clock.advance(4_999)
    expect(code).toBeUndefined()
    expect(calls).toEqual(['app:finalize', 'last:finalize', 'stuck:finalize'])
    expect(app.state).toBe('stopping')
    await clock.advance(1)
    await stopping
    expect(code).toBe(0)
    expect(calls).toEqual(['app:finalize', 'last:finalize', 'stuck:finalize', 'first:finalize', 'TaskService:finalize'])
    const cutOff = errorsAbout(lines, 'stuck')
    expect(cutOff).toHaveLength(1)
    expect(cutOff[0]!.msg).toMatch(/stuck.*exit budget of 5000 ms/)
    expect(app.state).toBe('stopped')
    expect(clock.pending).toBe(0)
  })

  it('the budget is for the whole exit-time: two slow finalizers share it', async () => {
    const { app, clock, calls, lines } = make({ exitTimeoutMs: 1_000 })
    const slow = (ms: number) => () => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
    app.addService(named(calls, 'a', slow(700)))
    app.addService(named(calls, 'b', slow(700)))
    await app.start()
    let done = false
    const stopping = app.stop().then(() => (done = true))
    await clock.advance(999)
    expect(done).toBe(false)
    await clock.advance(1)
    await stopping
    // b took 700 ms, a had only 300 left: a is the one cut off.
    expect(errorsAbout(lines, 'b')).toHaveLength(0)
    expect(errorsAbout(lines, 'a')).toHaveLength(1)
    await clock.runAll()
  })

  it('a hanging app.finalize() does not keep the services from running', async () => {
    const stuck = hang()
    cleanups.push(stuck.release)
    const calls: string[] = []
    const options = testOptions({ exitTimeoutMs: 100 })
    class App extends Application {
      protected override finalize() {
        return stuck.promise
      }
    }
    const app = new App(options)
    app.addService(named(calls, 's'))
    await app.start()
    const stopping = app.stop()
    await options.clock.advance(100)
    await expect(stopping).resolves.toBe(0)
    expect(calls).toEqual(['s:finalize'])
    expect(errorsAbout(options.lines, 'App')[0]!.msg).toMatch(/exit budget/)
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
