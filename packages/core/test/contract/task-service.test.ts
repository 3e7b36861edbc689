/**
 * Contract §4 (TaskService) through `@tsab/core`: queueing, names, signals, outcomes, task_done!, timeouts,
 * concurrency, what the framework itself schedules, and finalize.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  Application,
  CancelledError,
  Messages,
  Service,
  TimeoutError,
  type ApplicationOptions,
  type BackoffOptions,
  type ForeverHandle,
  type ForeverSpec,
  type Schedulable,
  type TaskFunction,
  type TaskHandle,
  type TaskInfo,
  type TaskOptions,
  type TaskService,
  type TaskStats,
} from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

const apps: Application[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop()
})

function setup(extra: ApplicationOptions = {}) {
  const { logger, lines } = memoryLogger()
  const clock = new TestClock()
  const app = new Application({ logger, clock, handleSignals: false, ...extra })
  apps.push(app)
  const done: TaskHandle[] = []
  app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => void done.push(handle))
  return { app, lines, clock, done }
}

/** A task function that ends when its signal aborts, rejecting with the signal's reason. */
const honours = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

describe('§4 schedule() and the queue', () => {
  it('returns at once with queued handles; never invokes the function inside schedule(); starts it on a later turn', async () => {
    const { app } = setup()
    await app.start()
    let calls = 0
    const [handle] = app.taskService.schedule(() => void calls++)
    expect(handle!.state).toBe('queued')
    expect(calls).toBe(0)
    await Promise.resolve()
    await Promise.resolve()
    expect(calls).toBe(0)
    await turns(2)
    expect(calls).toBe(1)
    expect(handle!.state).toBe('succeeded')
  })

  it('schedule() with no argument returns an empty array', () => {
    const { app } = setup()
    expect(app.taskService.schedule()).toEqual([])
  })

  it('tasks scheduled before the service is initialized wait in the queue; a stop() before start() cancels them', async () => {
    const { app } = setup()
    let ran = false
    const [early] = app.taskService.schedule(() => void (ran = true))
    await turns(3)
    expect(early!.state).toBe('queued')
    expect(app.taskService.size).toBe(1)
    expect(app.taskService.list()).toEqual([expect.objectContaining({ state: 'queued' })])
    await app.start()
    await early!.settled
    expect(ran).toBe(true)

    const other = setup()
    let ran2 = false
    const [never] = other.app.taskService.schedule(() => void (ran2 = true))
    await other.app.stop()
    expect(never!.state).toBe('cancelled')
    expect(ran2).toBe(false)
    expect(other.done).toEqual([never])
  })

  it('a task cancelled while queued never runs, is published once and cancel() returns true then false', async () => {
    const { app, done } = setup()
    await app.start()
    let ran = false
    const [handle] = app.taskService.schedule(() => void (ran = true))
    expect(handle!.cancel('nope')).toBe(true)
    expect(handle!.state).toBe('cancelled')
    expect(handle!.cancel()).toBe(false)
    await turns(3)
    expect(ran).toBe(false)
    expect(done).toEqual([handle])
    const error = await handle!.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe('nope')
  })

  it('input that is neither a function nor a thenable: TypeError from schedule()/spawn(), nothing scheduled', async () => {
    const { app } = setup()
    await app.start()
    for (const bad of [undefined, null, 1, 'fn', {}, { then: 1 }]) {
      expect(() => app.taskService.schedule(async () => {}, bad as never)).toThrow(TypeError)
      expect(() => app.taskService.spawn(bad as never)).toThrow(TypeError)
      expect(() => app.taskService.spawn(bad as never)).toThrow(/^Expected `task` to be .+, got .+/)
    }
    expect(app.taskService.size).toBe(0)
    expect(app.taskService.stats().scheduled).toBe(0)
  })

  it.each([
    [{ name: 1 }, TypeError],
    [{ name: '' }, RangeError],
    [{ timeoutMs: -1 }, RangeError],
    [{ timeoutMs: Number.NaN }, RangeError],
    [{ timeoutMs: '5' }, TypeError],
    [{ signal: {} }, TypeError],
    [{ owner: 3 }, TypeError],
  ])('spawn() with bad options %j throws synchronously; nothing scheduled', async (bad, Kind) => {
    const { app } = setup()
    let called = false
    expect(() => app.taskService.spawn(() => void (called = true), bad as never)).toThrow(Kind)
    await app.start()
    await turns(2)
    expect(called).toBe(false)
    expect(app.taskService.stats().scheduled).toBe(0)
  })
})

describe('§4 names, owners and signals', () => {
  it('name is options.name, else the function name if not empty, else task-${id}', async () => {
    const { app } = setup()
    const named = async function fetchUsers() {}
    const arrowConst = async () => {}
    const [a, b, c, d] = app.taskService.schedule(named, arrowConst, async () => {}, Promise.resolve(1))
    const e = app.taskService.spawn(named, { name: 'explicit' })
    const anonymous = (() => async () => {})()
    const f = app.taskService.spawn(anonymous)
    expect(a!.name).toBe('fetchUsers')
    expect(b!.name).toBe('arrowConst')
    expect(c!.name).toBe(`task-${c!.id}`)
    expect(d!.name).toBe(`task-${d!.id}`)
    expect(e.name).toBe('explicit')
    expect(f.name).toBe(`task-${f.id}`)
    expect(new Set([a, b, c, d, e, f].map((h) => h!.id)).size).toBe(6)
  })

  it('owner is kept on the handle and in list()', async () => {
    const { app } = setup()
    await app.start()
    const handle = app.taskService.spawn(honours, { name: 'w', owner: 'Mailer' })
    expect(handle.owner).toBe('Mailer')
    expect(app.taskService.list()).toEqual([{ id: handle.id, name: 'w', owner: 'Mailer', state: 'queued', ageMs: 0 }])
  })

  it('a function that declares a parameter receives the task signal; one that declares none is called without it', async () => {
    const { app } = setup()
    await app.start()
    let received: unknown
    let argCount = -1
    const [withParam, noParam] = app.taskService.schedule(
      (signal) => void (received = signal),
      function () {
        // eslint-disable-next-line prefer-rest-params
        argCount = arguments.length
      },
    )
    await Promise.all([withParam!.settled, noParam!.settled])
    expect(received).toBe(withParam!.signal)
    expect(argCount).toBe(0)
  })

  it('cancel() of a running task aborts its signal with the reason, unchanged; the result rejects with CancelledError(reason)', async () => {
    const { app } = setup()
    await app.start()
    const reason = { why: 'user' }
    const [handle] = app.taskService.schedule(honours)
    await turns(2)
    expect(handle!.state).toBe('running')
    expect(handle!.cancel(reason)).toBe(true)
    expect(handle!.signal.aborted).toBe(true)
    expect(handle!.signal.reason).toBe(reason)
    const error = await handle!.result.catch((e: unknown) => e)
    expect(handle!.state).toBe('cancelled')
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(handle!.error).toBe(error)
  })

  it('options.signal aborted before start: never runs, cancelled with that reason; aborted while running: task signal aborts with it', async () => {
    const { app } = setup()
    await app.start()
    const early = new AbortController()
    let ran = false
    const h1 = app.taskService.spawn(() => void (ran = true), { signal: early.signal })
    early.abort('early')
    const late = new AbortController()
    const h2 = app.taskService.spawn(honours, { signal: late.signal })
    await turns(2)
    late.abort('late')
    await Promise.all([h1.settled, h2.settled])
    expect(ran).toBe(false)
    expect(h1.state).toBe('cancelled')
    expect((h1.error as CancelledError).reason).toBe('early')
    expect(h2.state).toBe('cancelled')
    expect(h2.signal.reason).toBe('late')
    expect((h2.error as CancelledError).reason).toBe('late')
  })

  it('a promise is tracked as is: cancel aborts the signal but the outcome follows the promise', async () => {
    const { app } = setup()
    await app.start()
    let resolve!: (v: number) => void
    const handle = app.taskService.spawn(new Promise<number>((r) => (resolve = r)))
    await turns(2)
    expect(handle.state).toBe('running')
    handle.cancel('stop')
    expect(handle.signal.aborted).toBe(true)
    resolve(7)
    expect(await handle.result).toBe(7)
    expect(handle.state).toBe('succeeded')
  })

  it('a promise that rejects before its task starts causes no unhandled rejection and ends failed', async () => {
    const { app } = setup()
    const [handle] = app.taskService.schedule(Promise.reject(new Error('early')))
    await turns(3)
    await app.start()
    await handle!.settled
    expect(handle!.state).toBe('failed')
    expect((handle!.error as Error).message).toBe('early')
  })
})

describe('§4 outcomes', () => {
  it('resolve → succeeded with value; sync return too; throw/reject → failed, logged with the error, name, id and owner', async () => {
    const { app, lines } = setup()
    await app.start()
    const a = app.taskService.spawn(async () => 'v')
    const b = app.taskService.spawn(() => 5)
    const boom = new Error('boom')
    const c = app.taskService.spawn(() => {
      throw boom
    }, { name: 'sync-throw', owner: 'Owner' })
    const d = app.taskService.spawn(async () => {
      throw boom
    }, { name: 'async-throw' })
    await Promise.all([a, b, c, d].map((h) => h.settled))
    expect([a.state, a.value, b.state, b.value]).toEqual(['succeeded', 'v', 'succeeded', 5])
    expect([c.state, c.error, d.state, d.error]).toEqual(['failed', boom, 'failed', boom])
    await expect(c.result).rejects.toBe(boom)
    const logged = lines.filter((l) => l.level === Level.error)
    const forC = logged.find((l) => JSON.stringify(l).includes('sync-throw'))
    expect(forC).toBeDefined()
    expect(JSON.stringify(forC)).toContain('boom')
    expect(JSON.stringify(forC)).toContain('Owner')
    expect(JSON.stringify(forC)).toContain(String(c.id))
    expect(logged.some((l) => JSON.stringify(l).includes('async-throw'))).toBe(true)
  })

  it('a CancelledError of any origin → cancelled (debug only, never an error log)', async () => {
    const { app, lines } = setup()
    await app.start()
    const handle = app.taskService.spawn(async () => {
      throw new CancelledError('mine')
    }, { name: 'self-cancel' })
    await handle.settled
    expect(handle.state).toBe('cancelled')
    expect(lines.filter((l) => l.level >= Level.warn)).toEqual([])
    expect(lines.some((l) => l.level === Level.debug && JSON.stringify(l).includes('self-cancel'))).toBe(true)
  })

  it('after the signal was aborted, rejecting with the signal reason (any value) or an AbortError → cancelled', async () => {
    const { app } = setup()
    await app.start()
    const byReason = app.taskService.spawn((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
    const byAbortError = app.taskService.spawn(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    )
    await turns(2)
    byReason.cancel('plain string reason')
    byAbortError.cancel(42)
    await Promise.all([byReason.settled, byAbortError.settled])
    expect(byReason.state).toBe('cancelled')
    expect((byReason.error as CancelledError).reason).toBe('plain string reason')
    expect(byAbortError.state).toBe('cancelled')
    expect((byAbortError.error as CancelledError).reason).toBe(42)
  })

  it('an AbortError without an aborted signal → failed; a task that ignores its signal and resolves → succeeded', async () => {
    const { app } = setup()
    await app.start()
    const a = app.taskService.spawn(async () => {
      throw new DOMException('x', 'AbortError')
    })
    const b = app.taskService.spawn(async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve))
      return 'ignored'
    })
    await turns(2)
    b.cancel()
    await Promise.all([a.settled, b.settled])
    expect(a.state).toBe('failed')
    expect(b.state).toBe('succeeded')
    expect(b.value).toBe('ignored')
  })

  it('settled never rejects; result read but never awaited causes no unhandled rejection', async () => {
    const { app } = setup()
    await app.start()
    const handle = app.taskService.spawn(async () => {
      throw new Error('x')
    })
    void handle.result
    expect(await handle.settled).toBe(handle)
  })

  it('startedAt/finishedAt are clock times (performance.now() based with the real clock)', async () => {
    const { logger } = memoryLogger()
    const app = new Application({ logger, handleSignals: false })
    apps.push(app)
    await app.start()
    const before = performance.now()
    const handle = app.taskService.spawn(async () => 1)
    await handle.settled
    const after = performance.now()
    expect(handle.startedAt).toBeGreaterThanOrEqual(before)
    expect(handle.finishedAt).toBeLessThanOrEqual(after)
    expect(handle.finishedAt!).toBeGreaterThanOrEqual(handle.startedAt!)
  })
})

describe('§4 task_done!, timeoutMs, max_concurrency', () => {
  it('every finished task is published once as task_done! with the handle, after its state is final', async () => {
    const { app, done } = setup()
    const statesAtPublish: string[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void statesAtPublish.push(h.state))
    await app.start()
    const ok = app.taskService.spawn(async () => 1)
    const bad = app.taskService.spawn(async () => {
      throw new Error('x')
    })
    const queuedCancel = app.taskService.spawn(async () => 1)
    queuedCancel.cancel()
    const running = app.taskService.spawn(honours)
    await turns(2)
    running.cancel()
    await Promise.all([ok, bad, queuedCancel, running].map((h) => h.settled))
    await turns(2)
    expect(done).toHaveLength(4)
    expect(new Set(done)).toEqual(new Set([ok, bad, queuedCancel, running]))
    expect(statesAtPublish.sort()).toEqual(['cancelled', 'cancelled', 'failed', 'succeeded'])
  })

  it('timeoutMs: the signal aborts with a TimeoutError (timeoutMs set) at the deadline; a task that honours it ends cancelled', async () => {
    const { app, clock } = setup()
    await app.start()
    const handle = app.taskService.spawn(honours, { timeoutMs: 500 })
    await turns(2)
    await clock.advance(499)
    expect(handle.state).toBe('running')
    await clock.advance(1)
    await handle.settled
    expect(handle.state).toBe('cancelled')
    expect(handle.signal.reason).toBeInstanceOf(TimeoutError)
    expect((handle.signal.reason as TimeoutError).timeoutMs).toBe(500)
    expect((handle.error as CancelledError).reason).toBe(handle.signal.reason)
    await app.stop()
    expect(clock.pending).toBe(0)
  })

  it('[TaskService] max_concurrency from options.config: tasks beyond it wait queued, FIFO', async () => {
    const { app } = setup({ config: { TaskService: { max_concurrency: 2 } } })
    await app.start()
    const order: number[] = []
    const releases: Array<() => void> = []
    const handles = [0, 1, 2, 3, 4].map((i) =>
      app.taskService.spawn(() => {
        order.push(i)
        return new Promise<void>((resolve) => releases.push(resolve))
      }),
    )
    await turns(3)
    expect(handles.map((h) => h.state)).toEqual(['running', 'running', 'queued', 'queued', 'queued'])
    expect(app.taskService.stats()).toMatchObject({ running: 2, queued: 3 })
    while (releases.length > 0) {
      releases.shift()!()
      await turns(3)
    }
    await app.taskService.onIdle()
    expect(order).toEqual([0, 1, 2, 3, 4])
  })
})

describe('§4 the framework schedules nothing; list(), stats(), size, onIdle()', () => {
  it('through init, ticks and stop, size/list/stats/task_done! reflect the user work only (Service.tasks included)', async () => {
    const { app, clock, done } = setup({ tickPeriodMs: 10 })
    class Svc extends Service {
      override initialize() {
        this.tasks.registerTask('one', async () => 'x', { delay: 20 })
      }
    }
    app.addService(Svc)
    await app.start()
    await clock.advance(1000)
    await turns(2)
    const stats = app.taskService.stats()
    expect(stats.scheduled).toBe(1)
    expect(stats.succeeded).toBe(1)
    expect(done.map((h) => [h.name, h.owner])).toEqual([['one', 'Svc']])
    expect(app.taskService.size).toBe(0)
    expect(app.taskService.list()).toEqual([])
    await app.stop()
    expect(app.taskService.stats().scheduled).toBe(1)
    expect(done).toHaveLength(1)
  })

  it('stats add up and onIdle() resolves when nothing is queued or running', async () => {
    const { app } = setup()
    await app.start()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    app.taskService.schedule(() => gate, async () => 1)
    let idle = false
    void app.taskService.onIdle().then(() => (idle = true))
    await turns(3)
    expect(idle).toBe(false)
    expect(app.taskService.size).toBe(1)
    release()
    await turns(3)
    expect(idle).toBe(true)
    const s = app.taskService.stats()
    expect(s.scheduled).toBe(s.succeeded + s.failed + s.cancelled + s.running + s.queued)
    expect(s).toMatchObject({ scheduled: 2, succeeded: 2, restarts: 0 })
  })

  it('list() reports ageMs on the app clock', async () => {
    const { app, clock } = setup()
    await app.start()
    const handle = app.taskService.spawn(honours, { name: 'aging' })
    await turns(2)
    await clock.advance(1234)
    expect(app.taskService.list()).toEqual([{ id: handle.id, name: 'aging', state: 'running', ageMs: 1234, startedAt: 0 }])
  })
})

describe('§4 runForever and finalize', () => {
  it('runForever validates synchronously and schedules nothing on bad input', async () => {
    const { app } = setup()
    await app.start()
    expect(() => app.taskService.runForever(async () => {}, 5 as never)).toThrow(TypeError)
    expect(() => app.taskService.runForever({ name: 'x' } as never)).toThrow(TypeError)
    expect(() => app.taskService.runForever({ name: 'x', run: async () => {}, backoff: { factor: -1 } })).toThrow(RangeError)
    await turns(2)
    expect(app.taskService.size).toBe(0)
    expect(app.taskService.stats().scheduled).toBe(0)
  })

  it('runForever restarts after return and throw, counts restarts, stops for good when cancelled', async () => {
    const { app, clock } = setup()
    await app.start()
    let runs = 0
    const [forever] = app.taskService.runForever({
      name: 'loop',
      run: async () => {
        runs++
        if (runs % 2 === 0) throw new Error('odd failure')
      },
      backoff: { initialMs: 10, jitter: 0 },
    })
    expect(forever!.name).toBe('loop')
    for (let i = 0; i < 20 && runs < 4; i++) {
      await turns(2)
      await clock.advance(100)
    }
    expect(runs).toBeGreaterThanOrEqual(4)
    expect(forever!.restarts).toBeGreaterThanOrEqual(3)
    expect(app.taskService.stats().restarts).toBe(forever!.restarts)
    expect(forever!.cancel()).toBe(true)
    const at = runs
    await clock.advance(10_000)
    await turns(3)
    expect(runs).toBe(at)
    expect(forever!.running).toBe(false)
    expect(forever!.cancel()).toBe(false)
  })

  it('finalize: later schedule() gives already-cancelled handles (never invoked, warning logged); running tasks are aborted; stragglers named once', async () => {
    const { app, lines, clock } = setup({ config: { TaskService: { shutdown_timeout: '2s', max_concurrency: 3 } } })
    await app.start()
    const polite = app.taskService.spawn(honours, { name: 'polite' })
    const rude1 = app.taskService.spawn(() => new Promise(() => {}), { name: 'rude1' })
    const rude2 = app.taskService.spawn(() => new Promise(() => {}), { name: 'rude2' })
    await turns(2)
    let queuedRan = false
    const queued = app.taskService.spawn(() => void (queuedRan = true), { name: 'queued' })
    await turns(2)
    expect(queued.state).toBe('queued') // max_concurrency 3
    const stopping = app.stop()
    await turns(3)
    expect(queued.state).toBe('cancelled')
    expect(queuedRan).toBe(false)
    expect(polite.state).toBe('cancelled')
    expect(rude1.signal.aborted && rude2.signal.aborted).toBe(true)
    await clock.advance(2000)
    await stopping
    let lateCalled = false
    const [late] = app.taskService.schedule(() => void (lateCalled = true))
    const spawned = app.taskService.spawn(() => void (lateCalled = true))
    expect(late!.state).toBe('cancelled')
    expect(spawned.state).toBe('cancelled')
    await turns(3)
    expect(lateCalled).toBe(false)
    const warnings = lines.filter((l) => l.level === Level.warn)
    expect(warnings.some((l) => /schedul/i.test(l.msg))).toBe(true)
    const straggler = warnings.filter((l) => l.msg.includes('pending and incomplete tasks'))
    expect(straggler).toHaveLength(1)
    expect(straggler[0]!.msg).toBe('2 pending and incomplete tasks: rude1, rude2')
  })
})

describe('§4 signatures', () => {
  it('match the contract', () => {
    expectTypeOf<TaskFunction<number>>().toEqualTypeOf<(signal: AbortSignal) => number | PromiseLike<number>>()
    expectTypeOf<Schedulable<number>>().toEqualTypeOf<TaskFunction<number> | PromiseLike<number>>()
    expectTypeOf<TaskService['schedule']>().toEqualTypeOf<(...tasks: Schedulable[]) => TaskHandle[]>()
    expectTypeOf<TaskService['runForever']>().toEqualTypeOf<(...fns: Array<TaskFunction | ForeverSpec>) => ForeverHandle[]>()
    expectTypeOf<TaskService['size']>().toEqualTypeOf<number>()
    expectTypeOf<TaskService['list']>().toEqualTypeOf<() => TaskInfo[]>()
    expectTypeOf<TaskService['stats']>().toEqualTypeOf<() => TaskStats>()
    expectTypeOf<TaskService['onIdle']>().toEqualTypeOf<() => Promise<void>>()
    const { app } = setup()
    expectTypeOf(app.taskService.spawn(async () => 42)).toEqualTypeOf<TaskHandle<number>>()
    expectTypeOf<TaskOptions>().toEqualTypeOf<{ name?: string; signal?: AbortSignal; timeoutMs?: number; owner?: string; meta?: Record<string, string | number | boolean> }>()
    expectTypeOf<ForeverSpec>().toEqualTypeOf<{ name: string; run: TaskFunction; backoff?: BackoffOptions }>()
    expectTypeOf<BackoffOptions>().toEqualTypeOf<{ initialMs?: number; maxMs?: number; factor?: number; jitter?: number; resetAfterMs?: number }>()
    expectTypeOf<TaskHandle<number>['state']>().toEqualTypeOf<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>()
    expectTypeOf<TaskHandle<number>['result']>().toEqualTypeOf<Promise<number>>()
    expectTypeOf<TaskHandle<number>['settled']>().toEqualTypeOf<Promise<TaskHandle<number>>>()
    expectTypeOf<TaskHandle<number>['value']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<TaskHandle['cancel']>().toEqualTypeOf<(reason?: unknown) => boolean>()
    expectTypeOf<ForeverHandle>().toEqualTypeOf<{ readonly name: string; readonly restarts: number; readonly running: boolean; cancel(reason?: unknown): boolean }>()
    expectTypeOf<TaskInfo>().toEqualTypeOf<{ id: number; name: string; owner?: string; state: 'queued' | 'running'; ageMs: number; meta?: Readonly<Record<string, string | number | boolean>>; startedAt?: number }>()
    expectTypeOf<TaskStats>().toEqualTypeOf<{ scheduled: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number; restarts: number }>()
  })
})
