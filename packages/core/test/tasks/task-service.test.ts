/**
 * TaskService (spec §4): scheduling and start timing, input validation, names and owners, lazy signals, promise
 * tracking, outcomes and their logging, `task_done!`, timeouts, `options.signal`, max_concurrency, list/stats/onIdle.
 * Shutdown, a task that cannot be started and per-task cost are in task-service-shutdown.test.ts.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { Application } from '../../src/application/application.js'
import { createLogger } from '../../src/logging/logger.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Service } from '../../src/service/service.js'
import type { BackoffOptions } from '../../src/tasks/backoff.js'
import type { ForeverHandle, ForeverSpec } from '../../src/tasks/forever-runner.js'
import type { TaskService } from '../../src/tasks/task-service.js'
import type { Schedulable, TaskFunction, TaskHandle, TaskInfo, TaskOptions, TaskStats } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/index.js'
import { expectBalanced, useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger, type LogLine } from '../support/logs.js'
import { deferred, untilAborted } from '../support/promises.js'

// ---- shared harness (test/support/app.ts): every app is stopped, no unhandled rejection, no timer left on a TestClock ----

const { error: ERROR, warn: WARN, debug: DEBUG } = Level

const { startApp, apps, unhandled } = useTestApps({
  beforeTeardown: () => {
    vi.restoreAllMocks()
    vi.unstubAllGlobals()
  },
})

// ---- tests ----

describe('TaskService', () => {
  it('is registered first under the name TaskService and reflects only user work', async () => {
    const app = await startApp()
    expect(app.taskService.name).toBe('TaskService')
    expect(app.getService('TaskService')).toBe(app.taskService)
    await turns(3)
    expect(app.taskService.size).toBe(0)
    expect(app.taskService.list()).toEqual([])
    expect(app.taskService.stats()).toEqual({ scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, restarts: 0 })
    await app.stop()
  })

  it('reflects the user work only through init, ticks and stop (Service.tasks included): the framework schedules nothing', async () => {
    const clock = new TestClock()
    const app = new Application({ logger: createLogger({ level: 'silent' }), clock, handleSignals: false, tickPeriodMs: 10 })
    apps.push(app)
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => void done.push(handle))
    class Svc extends Service {
      override initialize(): void {
        this.tasks.registerTask('one', async () => 'x', { delay: 20 })
      }
    }
    app.addService(Svc)
    await app.start()
    await clock.advance(1_000)
    await turns(2)
    expect(app.taskService.stats()).toMatchObject({ scheduled: 1, succeeded: 1 })
    expect(done.map((h) => [h.name, h.owner])).toEqual([['one', 'Svc']])
    expect(app.taskService.list()).toEqual([])
    await app.stop()
    expect(app.taskService.stats().scheduled).toBe(1)
    expect(done).toHaveLength(1)
  })

  it('has the public types of the contract (§4, §4a)', () => {
    expectTypeOf<TaskFunction<number>>().toEqualTypeOf<(signal: AbortSignal) => number | PromiseLike<number>>()
    expectTypeOf<Schedulable<number>>().toEqualTypeOf<TaskFunction<number> | PromiseLike<number>>()
    expectTypeOf<TaskService['schedule']>().toEqualTypeOf<(...tasks: Schedulable[]) => TaskHandle[]>()
    expectTypeOf<TaskService['runForever']>().toEqualTypeOf<(...fns: Array<TaskFunction | ForeverSpec>) => ForeverHandle[]>()
    expectTypeOf<TaskService['size']>().toEqualTypeOf<number>()
    expectTypeOf<TaskService['list']>().toEqualTypeOf<() => TaskInfo[]>()
    expectTypeOf<TaskService['stats']>().toEqualTypeOf<() => TaskStats>()
    expectTypeOf<TaskService['onIdle']>().toEqualTypeOf<() => Promise<void>>()
    expectTypeOf<TaskOptions>().toEqualTypeOf<{ name?: string; signal?: AbortSignal; timeoutMs?: number; owner?: string; meta?: Record<string, string | number | boolean> }>()
    expectTypeOf<ForeverSpec>().toEqualTypeOf<{ name: string; run: TaskFunction; backoff?: BackoffOptions }>()
    expectTypeOf<BackoffOptions>().toEqualTypeOf<{ initialMs?: number; maxMs?: number; factor?: number; jitter?: number; resetAfterMs?: number }>()
    expectTypeOf<TaskHandle<number>['state']>().toEqualTypeOf<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>()
    expectTypeOf<TaskHandle<number>['value']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<TaskHandle['cancel']>().toEqualTypeOf<(reason?: unknown) => boolean>()
    expectTypeOf<ForeverHandle>().toEqualTypeOf<{ readonly name: string; readonly restarts: number; readonly running: boolean; cancel(reason?: unknown): boolean }>()
    expectTypeOf<TaskInfo>().toEqualTypeOf<{ id: number; name: string; owner?: string; state: 'queued' | 'running'; ageMs: number; meta?: Readonly<Record<string, string | number | boolean>>; startedAt?: number }>()
    expectTypeOf<TaskStats>().toEqualTypeOf<{ scheduled: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number; restarts: number }>()
  })

  describe('schedule()', () => {
    it('with no argument returns an empty array', async () => {
      const app = await startApp()
      expect(app.taskService.schedule()).toEqual([])
      expect(app.taskService.stats().scheduled).toBe(0)
      await app.stop()
    })

    it('never invokes the function inside schedule(); it starts on a later macrotask', async () => {
      const app = await startApp()
      const gate = deferred()
      let calls = 0
      const [handle] = app.taskService.schedule(() => {
        calls++
        return gate.promise
      })
      expect(calls).toBe(0)
      expect(handle!.state).toBe('queued')
      expect(handle!.startedAt).toBeUndefined()
      await Promise.resolve() // microtasks alone do not start it
      await Promise.resolve()
      expect(calls).toBe(0)
      await turns(1)
      expect(calls).toBe(1)
      expect(handle!.state).toBe('running')
      expect(handle!.startedAt).toBeTypeOf('number')
      gate.resolve()
      await handle!.settled
      expect(handle!.state).toBe('succeeded')
      expect(calls).toBe(1)
      await app.stop()
    })

    it('returns one handle per argument, in order, with increasing ids', async () => {
      const app = await startApp()
      const handles = app.taskService.schedule(
        () => 'a',
        async () => 'b',
        Promise.resolve('c'),
      )
      expect(handles).toHaveLength(3)
      expect(handles[1]!.id).toBe(handles[0]!.id + 1)
      expect(handles[2]!.id).toBe(handles[1]!.id + 1)
      expect(await Promise.all(handles.map((h) => h.result))).toEqual(['a', 'b', 'c'])
      expect(app.taskService.schedule()).toEqual([])
      await app.stop()
    })

    it('starts a task scheduled by a running task on a later turn, so self-rescheduling cannot hold the loop', async () => {
      const app = await startApp()
      let runs = 0
      const again = (): void => {
        runs++
        if (runs < 1000) app.taskService.schedule(again)
      }
      app.taskService.schedule(again)
      await turns(1)
      expect(runs).toBe(1)
      await turns(1)
      expect(runs).toBe(2)
      await app.stop()
    })

    it('keeps tasks scheduled before the service is initialized queued until after start()', async () => {
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
      apps.push(app)
      let calls = 0
      const [handle] = app.taskService.schedule(function early() {
        calls++
      })
      expect(handle!.state).toBe('queued')
      expect(app.taskService.size).toBe(1)
      expect(app.taskService.list()).toMatchObject([{ name: 'early', state: 'queued' }])
      await turns(5)
      expect(calls).toBe(0)
      expect(handle!.state).toBe('queued')
      const starting = app.start()
      expect(calls).toBe(0) // not inside start() either
      await starting
      await turns(1)
      expect(calls).toBe(1)
      expect(handle!.state).toBe('succeeded')
      expectBalanced(app.taskService)
      await app.stop()
    })

    it('cancels tasks scheduled before the service is initialized when the app stops before it starts: never run, published', async () => {
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
      apps.push(app)
      const done: TaskHandle[] = []
      app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => void done.push(handle))
      let calls = 0
      const [never] = app.taskService.schedule(() => void calls++)
      await app.stop()
      expect(never!.state).toBe('cancelled')
      await turns(2)
      expect(calls).toBe(0)
      expect(done).toEqual([never])
    })

    it('starts new work within one macrotask while 100,000 long-pending tasks are pending', async () => {
      const app = await startApp({ config: { TaskService: { shutdown_timeout: '1ms' } } })
      const ts = app.taskService
      const never = (): Promise<never> => new Promise(() => {})
      const pending: Array<() => Promise<never>> = new Array(100_000).fill(never)
      ts.schedule(...pending)
      await turns(1)
      expect(ts.stats().running).toBe(100_000)
      for (let round = 0; round < 3; round++) {
        const [fresh] = ts.schedule(never)
        await turns(1)
        expect(fresh!.state).toBe('running')
      }
      const [quick] = ts.schedule(() => 'done')
      await turns(1)
      expect(quick!.state).toBe('succeeded')
      expect(ts.stats()).toMatchObject({ scheduled: 100_004, running: 100_003, succeeded: 1, queued: 0 })
      await app.stop()
    }, 60_000) // stopping aborts 100,000 signals: seconds on a loaded machine (no time is asserted)
  })

  describe('bad input', () => {
    it.each([
      ['a number', 42, '42 (number)'],
      ['null', null, 'null (null)'],
      ['undefined', undefined, 'undefined (undefined)'],
      ['a plain object', { run: () => 1 }, '(object)'],
      ['a string', 'work', '"work" (string)'],
      ['an object whose then is not callable', { then: 1 }, '(object)'],
    ])('schedule(%s) throws a TypeError naming the argument', async (_label, bad, shown) => {
      const app = await startApp()
      const before = app.taskService.stats()
      expect(() => app.taskService.schedule(bad as never)).toThrow(TypeError)
      expect(() => app.taskService.schedule(bad as never)).toThrow(/^Expected `tasks\[0\]` to be a function or a promise \(thenable\), got /)
      expect(() => app.taskService.schedule(bad as never)).toThrow(shown)
      expect(() => app.taskService.spawn(bad as never)).toThrow(/^Expected `task` to be a function or a promise/)
      expect(app.taskService.stats()).toEqual(before)
      expect(app.taskService.size).toBe(0)
      await app.stop()
    })

    it('schedules nothing when one of several arguments is invalid', async () => {
      const app = await startApp()
      const before = app.taskService.stats()
      let calls = 0
      const valid = (): void => void calls++
      expect(() => app.taskService.schedule(valid, Promise.resolve(1), 42 as never, valid)).toThrow(
        'Expected `tasks[2]` to be a function or a promise (thenable), got 42 (number)',
      )
      await turns(3)
      expect(calls).toBe(0)
      expect(app.taskService.stats()).toEqual(before)
      expect(app.taskService.list()).toEqual([])
      await app.stop()
    })

    it.each([
      ['options is null', null, TypeError, /^Expected `options` to be an object/],
      ['options is a string', 'fast', TypeError, /^Expected `options` to be an object/],
      ['timeoutMs negative', { timeoutMs: -5 }, RangeError, 'Expected `options.timeoutMs` to be a finite number >= 0, got -5 (number)'],
      ['timeoutMs NaN', { timeoutMs: Number.NaN }, RangeError, /^Expected `options.timeoutMs` .* got NaN \(number\)/],
      ['timeoutMs Infinity', { timeoutMs: Infinity }, RangeError, /^Expected `options.timeoutMs`/],
      ['timeoutMs a string', { timeoutMs: '5' }, TypeError, /^Expected `options.timeoutMs` .* got "5" \(string\)/],
      ['signal not an AbortSignal', { signal: { aborted: false } }, TypeError, /^Expected `options.signal` to be an AbortSignal/],
      ['signal an AbortController', { signal: new AbortController() }, TypeError, /^Expected `options.signal` to be an AbortSignal/],
      ['empty name', { name: '' }, RangeError, 'Expected `options.name` to be a non-empty string, got "" (string)'],
      ['name a number', { name: 7 }, TypeError, /^Expected `options.name` to be a non-empty string, got 7/],
      ['empty owner', { owner: '' }, RangeError, /^Expected `options.owner` to be a non-empty string/],
      ['owner an object', { owner: {} }, TypeError, /^Expected `options.owner` to be a non-empty string/],
    ])('spawn() rejects %s synchronously and schedules nothing', async (_label, options, ErrorType, message) => {
      const app = await startApp()
      const before = app.taskService.stats()
      let calls = 0
      const work = (): void => void calls++
      expect(() => app.taskService.spawn(work, options as never)).toThrow(ErrorType)
      expect(() => app.taskService.spawn(work, options as never)).toThrow(message)
      await turns(2)
      expect(calls).toBe(0)
      expect(app.taskService.stats()).toEqual(before)
      await app.stop()
    })

    it('accepts timeoutMs 0 and undefined option fields', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn(() => 1, { name: undefined, owner: undefined, signal: undefined, timeoutMs: 0 })
      expect(await handle.result).toBe(1)
      await app.stop()
    })
  })

  describe('names and owners', () => {
    it('uses options.name, else the function name, else task-${id}', async () => {
      const app = await startApp()
      const ts = app.taskService
      async function refreshCache(): Promise<void> {}
      const named = ts.spawn(refreshCache, { name: 'explicit' })
      const byFunction = ts.spawn(refreshCache)
      const anonymous = ts.spawn(() => {})
      const promise = ts.spawn(Promise.resolve(1))
      const promiseNamed = ts.spawn(Promise.resolve(1), { name: 'fetch-users' })
      const [scheduled] = ts.schedule(
        (() => () => {})(), // a truly anonymous function: its name is ''
      )
      expect(named.name).toBe('explicit')
      expect(byFunction.name).toBe('refreshCache')
      expect(anonymous.name).toBe(`task-${anonymous.id}`)
      expect(promise.name).toBe(`task-${promise.id}`)
      expect(promiseNamed.name).toBe('fetch-users')
      expect(scheduled!.name).toBe(`task-${scheduled!.id}`)
      await ts.onIdle()
      await app.stop()
    })

    it('keeps the owner on the handle and in list(); schedule() sets none', async () => {
      const app = await startApp()
      const gate = deferred()
      const owned = app.taskService.spawn(() => gate.promise, { name: 'sync', owner: 'UserService' })
      const [plain] = app.taskService.schedule(function plainWork() {
        return gate.promise
      })
      expect(owned.owner).toBe('UserService')
      expect(plain!.owner).toBeUndefined()
      const infos = app.taskService.list()
      expect(infos[0]).toMatchObject({ id: owned.id, name: 'sync', owner: 'UserService', state: 'queued' })
      expect('owner' in infos[1]!).toBe(false)
      gate.resolve()
      await app.taskService.onIdle()
      await app.stop()
    })
  })

  describe('signals', () => {
    function countControllers(): { count: () => number } {
      let created = 0
      const Real = globalThis.AbortController
      class CountingAbortController extends Real {
        constructor() {
          super()
          created++
        }
      }
      vi.stubGlobal('AbortController', CountingAbortController)
      return { count: () => created }
    }

    it('passes the task signal to a function that declares a parameter', async () => {
      const app = await startApp()
      let received: unknown
      const handle = app.taskService.spawn((signal) => {
        received = signal
      })
      await handle.settled
      expect(received).toBeInstanceOf(AbortSignal)
      expect(received).toBe(handle.signal)
      await app.stop()
    })

    it('calls a function without parameters with no argument and creates no AbortController for it', async () => {
      const app = await startApp()
      const controllers = countControllers()
      const argCounts: number[] = []
      const handles = app.taskService.schedule(
        ...Array.from({ length: 50 }, () =>
          function noParameter(this: unknown) {
            // eslint-disable-next-line prefer-rest-params
            argCounts.push(arguments.length)
          },
        ),
      )
      await app.taskService.onIdle()
      expect(argCounts).toEqual(new Array(50).fill(0))
      expect(controllers.count()).toBe(0)
      // Created lazily when read, even after the task finished.
      expect(handles[0]!.signal).toBeInstanceOf(AbortSignal)
      expect(handles[0]!.signal.aborted).toBe(false)
      expect(controllers.count()).toBe(1)
      await app.stop()
    })

    it('creates the lazy signal when read during the run, and cancel() aborts a running no-parameter task', async () => {
      const app = await startApp()
      const controllers = countControllers()
      const gate = deferred()
      const handle = app.taskService.spawn(() => gate.promise)
      await turns(1)
      expect(handle.state).toBe('running')
      expect(controllers.count()).toBe(0)
      const signal = handle.signal
      expect(controllers.count()).toBe(1)
      expect(signal.aborted).toBe(false)
      expect(handle.cancel('stop')).toBe(true)
      expect(signal.aborted).toBe(true)
      expect(signal.reason).toBe('stop')
      gate.reject(signal.reason) // it honours its signal by rejecting with the reason
      await handle.settled
      expect(handle.state).toBe('cancelled')
      await app.stop()
    })

    it('aborts a lazy signal created only by cancel() of a running no-parameter task', async () => {
      const app = await startApp()
      const gate = deferred()
      const handle = app.taskService.spawn(() => gate.promise)
      await turns(1)
      handle.cancel('late')
      expect(handle.signal.aborted).toBe(true)
      expect(handle.signal.reason).toBe('late')
      gate.resolve() // ignored its signal: it still ends as it ended
      await handle.settled
      expect(handle.state).toBe('succeeded')
      await app.stop()
    })
  })

  describe('promises', () => {
    it('tracks a promise as is: queued, then running, then its outcome', async () => {
      const app = await startApp()
      const source = deferred<string>()
      const [handle] = app.taskService.schedule(source.promise)
      expect(handle!.state).toBe('queued')
      await turns(1)
      expect(handle!.state).toBe('running')
      source.resolve('payload')
      expect(await handle!.result).toBe('payload')
      expect(handle!.state).toBe('succeeded')
      expect(handle!.value).toBe('payload')
      await app.stop()
    })

    it('accepts any thenable', async () => {
      const app = await startApp()
      // Not a Promise: an object with a callable then.
      const thenable = { then: (resolve: (value: number) => void) => resolve(7) } as unknown as PromiseLike<number>
      const [handle] = app.taskService.schedule(thenable)
      expect(await handle!.result).toBe(7)
      await app.stop()
    })

    it('observes a promise at once: rejecting before its task starts causes no unhandled rejection', async () => {
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
      apps.push(app)
      const failure = new Error('early failure')
      const [handle] = app.taskService.schedule(Promise.reject(failure))
      await turns(3) // the service is not even initialized: the task waits, its promise has rejected
      expect(handle!.state).toBe('queued')
      expect(unhandled).toEqual([])
      await app.start()
      await handle!.settled
      expect(handle!.state).toBe('failed')
      expect(handle!.error).toBe(failure)
      await app.stop()
    })

    it('cancel() aborts the signal of a running promise, but the outcome follows the promise', async () => {
      const app = await startApp()
      const resolves = deferred<string>()
      const rejectsWithReason = deferred<string>()
      const rejectsOther = deferred<string>()
      const [a, b, c] = app.taskService.schedule(resolves.promise, rejectsWithReason.promise, rejectsOther.promise)
      await turns(1)
      for (const h of [a!, b!, c!]) {
        expect(h.cancel('enough')).toBe(true)
        expect(h.signal.aborted).toBe(true)
        expect(h.state).toBe('running')
      }
      resolves.resolve('kept going')
      rejectsWithReason.reject('enough')
      const other = new Error('unrelated')
      rejectsOther.reject(other)
      await Promise.all([a!.settled, b!.settled, c!.settled])
      expect(a!.state).toBe('succeeded')
      expect(a!.value).toBe('kept going')
      expect(b!.state).toBe('cancelled')
      expect((b!.error as CancelledError).reason).toBe('enough')
      expect(c!.state).toBe('failed')
      expect(c!.error).toBe(other)
      await app.stop()
    })

    it('ignores the outcome of a promise whose task was cancelled while queued', async () => {
      const app = await startApp()
      const source = deferred<number>()
      const [handle] = app.taskService.schedule(source.promise)
      handle!.cancel()
      source.reject(new Error('after cancel'))
      await turns(2)
      expect(handle!.state).toBe('cancelled')
      expect(app.taskService.stats()).toMatchObject({ cancelled: 1, failed: 0 })
      await app.stop()
    })
  })

  describe('outcomes and logging', () => {
    it('resolve → succeeded with the value, nothing logged at warn or above', async () => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const sync = app.taskService.spawn(() => 1)
      const async_ = app.taskService.spawn(async () => ({ n: 2 }))
      const undef = app.taskService.spawn(() => undefined)
      await app.taskService.onIdle()
      expect([sync.state, async_.state, undef.state]).toEqual(['succeeded', 'succeeded', 'succeeded'])
      expect(sync.value).toBe(1)
      expect(async_.value).toEqual({ n: 2 })
      expect(undef.value).toBeUndefined()
      expect(sync.error).toBeUndefined()
      expect(lines.filter((l) => l.level >= WARN)).toEqual([])
      await app.stop()
    })

    it.each([
      ['throws synchronously', (error: unknown) => () => {
        throw error
      }],
      ['rejects asynchronously', (error: unknown) => async () => {
        await Promise.resolve()
        throw error
      }],
    ])('a function that %s → failed, logged at error with err, task name, id and owner', async (_label, make) => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const error = new Error('disk full')
      const handle = app.taskService.spawn(make(error), { name: 'writeReport', owner: 'Reports' })
      await handle.settled
      expect(handle.state).toBe('failed')
      expect(handle.error).toBe(error)
      await expect(handle.result).rejects.toBe(error)
      const errors = lines.filter((l) => l.level === ERROR)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({
        service: 'TaskService',
        task: 'writeReport',
        taskId: handle.id,
        owner: 'Reports',
        err: { type: 'Error', message: 'disk full' },
      })
      expect(errors[0]!.msg).toContain('writeReport')
      expect(errors[0]!.err.stack).toContain('disk full')
      await app.stop()
    })

    it.each([
      ['a number', 42],
      ['a string', 'nope'],
      ['undefined', undefined],
      ['null', null],
      ['a plain object', { code: 'E_X' }],
    ])('a rejection with %s → failed with that value, logged', async (_label, value) => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const handle = app.taskService.spawn(() => Promise.reject(value), { name: 'odd' })
      await handle.settled
      expect(handle.state).toBe('failed')
      expect(handle.error).toBe(value)
      await expect(handle.result).rejects.toBe(value)
      expect(lines.filter((l) => l.level === ERROR && l.task === 'odd')).toHaveLength(1)
      await app.stop()
    })

    it('a CancelledError rejection of any origin → cancelled, logged at debug only', async () => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const foreign = new CancelledError('someone else')
      const handle = app.taskService.spawn(async () => {
        throw foreign
      }, { name: 'cancelledElsewhere', owner: 'X' })
      await handle.settled
      expect(handle.state).toBe('cancelled')
      expect(handle.error).toBe(foreign)
      expect(handle.signal.aborted).toBe(false)
      expect(lines.filter((l) => l.level >= WARN)).toEqual([])
      expect(lines.filter((l) => l.level === DEBUG && l.task === 'cancelledElsewhere')).toEqual([
        expect.objectContaining({ taskId: handle.id, owner: 'X', service: 'TaskService' }),
      ])
      await app.stop()
    })

    it('after the signal was aborted, an AbortError → cancelled (the DOM error kept as cause)', async () => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const handle = app.taskService.spawn(
        (signal) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(new DOMException('stopped', 'AbortError'))),
          ),
        { name: 'fetcher' },
      )
      await turns(1)
      const reason = new Error('user left')
      handle.cancel(reason)
      await handle.settled
      expect(handle.state).toBe('cancelled')
      const error = handle.error as CancelledError
      expect(error).toBeInstanceOf(CancelledError)
      expect(error.reason).toBe(reason)
      expect((error.cause as DOMException).name).toBe('AbortError')
      expect(lines.filter((l) => l.level >= WARN)).toEqual([])
      expect(lines.some((l) => l.level === DEBUG && l.task === 'fetcher')).toBe(true)
      await app.stop()
    })

    it.each([
      ['an Error', new Error('shutdown requested')],
      ['a string', 'just stop'],
      ['an object', { why: 'quota' }],
    ])("after the signal was aborted, rejecting with the signal's reason (%s) → cancelled", async (_label, reason) => {
      const app = await startApp()
      const gate = deferred()
      const handle = app.taskService.spawn(async (signal) => {
        await gate.promise
        signal.throwIfAborted()
      })
      await turns(1)
      handle.cancel(reason)
      gate.resolve()
      await handle.settled
      expect(handle.state).toBe('cancelled')
      expect((handle.error as CancelledError).reason).toBe(reason)
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
      await app.stop()
    })

    it('an AbortError while the signal was not aborted → failed', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn(async (_signal) => {
        throw new DOMException('from some other signal', 'AbortError')
      })
      await handle.settled
      expect(handle.state).toBe('failed')
      await app.stop()
    })

    it('after the signal was aborted, an unrelated error → failed', async () => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const gate = deferred()
      const handle = app.taskService.spawn(async (_signal) => {
        await gate.promise
        throw new Error('cleanup broke')
      })
      await turns(1)
      handle.cancel()
      gate.resolve()
      await handle.settled
      expect(handle.state).toBe('failed')
      expect(lines.filter((l) => l.level === ERROR)).toHaveLength(1)
      await app.stop()
    })

    it('a task that ignores its aborted signal and resolves → succeeded', async () => {
      const app = await startApp()
      const gate = deferred()
      const handle = app.taskService.spawn(async (_signal) => {
        await gate.promise
        return 'finished anyway'
      })
      await turns(1)
      handle.cancel()
      gate.resolve()
      expect(await handle.result).toBe('finished anyway')
      expect(handle.state).toBe('succeeded')
      expect(handle.signal.aborted).toBe(true)
      await app.stop()
    })

    it('a logger that throws never breaks bookkeeping', async () => {
      const { logger } = memoryLogger()
      const app = await startApp({ logger })
      vi.spyOn(app.taskService.logger, 'error').mockImplementation(() => {
        throw new Error('logger down')
      })
      const handle = app.taskService.spawn(() => {
        throw new Error('task error')
      })
      await handle.settled
      expect(handle.state).toBe('failed')
      expectBalanced(app.taskService)
      await app.stop()
    })
  })

  describe('TaskService.task_done!', () => {
    it('is published exactly once per finished task, after its state is final', async () => {
      const app = await startApp()
      const seen: Array<{ id: number; state: string; value: unknown; finishedAt: unknown }> = []
      app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => {
        seen.push({ id: handle.id, state: handle.state, value: handle.value, finishedAt: handle.finishedAt })
      })
      const gate = deferred()
      const ts = app.taskService
      const ok = ts.spawn(() => 'v')
      const bad = ts.spawn(() => {
        throw new Error('x')
      })
      const cancelledRunning = ts.spawn((signal) => untilAborted(signal))
      const cancelledQueued = ts.spawn(() => gate.promise)
      const preAborted = ts.spawn(() => 1, { signal: AbortSignal.abort('pre') })
      cancelledQueued.cancel()
      await turns(1)
      cancelledRunning.cancel()
      await ts.onIdle()
      await turns(2)
      expect(seen.map((s) => s.id).sort((x, y) => x - y)).toEqual([ok.id, bad.id, cancelledRunning.id, cancelledQueued.id, preAborted.id])
      const byId = new Map(seen.map((s) => [s.id, s]))
      expect(byId.get(ok.id)).toMatchObject({ state: 'succeeded', value: 'v' })
      expect(byId.get(bad.id)!.state).toBe('failed')
      expect(byId.get(cancelledRunning.id)!.state).toBe('cancelled')
      expect(byId.get(cancelledQueued.id)!.state).toBe('cancelled')
      expect(byId.get(preAborted.id)!.state).toBe('cancelled')
      for (const s of seen) expect(s.finishedAt).toBeTypeOf('number')
      // Cancelling or settling again publishes nothing more.
      expect(ok.cancel()).toBe(false)
      expect(cancelledQueued.cancel()).toBe(false)
      await turns(2)
      expect(seen).toHaveLength(5)
      await app.stop()
    })

    it('hands subscribers the handle itself, whose result is already decided', async () => {
      const app = await startApp()
      const results: Array<Promise<unknown>> = []
      let handleSeen: TaskHandle | undefined
      app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => {
        handleSeen = handle
        results.push(handle.result)
      })
      const handle = app.taskService.spawn(async () => 5)
      await handle.settled
      expect(handleSeen).toBe(handle)
      expect(await results[0]).toBe(5)
      await app.stop()
    })

    it('a throwing subscriber never disturbs the service: others get it, bookkeeping stays intact', async () => {
      const { logger, lines } = memoryLogger()
      const app = await startApp({ logger })
      const got: number[] = []
      app.pubsub.subscribe(Messages.TaskDone, () => {
        throw new Error('subscriber bug')
      })
      app.pubsub.subscribe(Messages.TaskDone, async () => {
        throw new Error('async subscriber bug')
      })
      app.pubsub.subscribe(Messages.TaskDone, (_m, handle: TaskHandle) => void got.push(handle.id))
      const handles = app.taskService.schedule(
        () => 1,
        () => {
          throw new Error('task bug')
        },
      )
      handles.push(app.taskService.spawn(() => 2, { signal: AbortSignal.abort() }))
      await app.taskService.onIdle()
      await turns(2)
      expect(got.sort((a, b) => a - b)).toEqual(handles.map((h) => h.id))
      expect(handles.map((h) => h.state)).toEqual(['succeeded', 'failed', 'cancelled'])
      expect(await handles[0]!.result).toBe(1)
      expect(app.taskService.stats()).toMatchObject({ scheduled: 3, succeeded: 1, failed: 1, cancelled: 1, queued: 0, running: 0 })
      expectBalanced(app.taskService)
      expect(lines.some((l) => l.level === ERROR && l.err?.message === 'subscriber bug')).toBe(true)
      // The service keeps working.
      const [later] = app.taskService.schedule(() => 'still fine')
      expect(await later!.result).toBe('still fine')
      await app.stop()
    })
  })

  describe('timeoutMs', () => {
    it('aborts the signal with a TimeoutError at the deadline; a task that honours it ends cancelled', async () => {
      const clock = new TestClock()
      const app = await startApp({ clock })
      const baseline = clock.pending
      const handle = app.taskService.spawn((signal) => sleep(10_000, { signal, clock }), { name: 'slow', timeoutMs: 100 })
      await turns(1)
      expect(handle.state).toBe('running')
      await clock.advance(99)
      expect(handle.signal.aborted).toBe(false)
      expect(handle.state).toBe('running')
      await clock.advance(1)
      expect(handle.signal.aborted).toBe(true)
      const reason = handle.signal.reason as TimeoutError
      expect(reason).toBeInstanceOf(TimeoutError)
      expect(reason.timeoutMs).toBe(100)
      expect(reason.message).toContain('slow')
      expect(handle.state).toBe('cancelled')
      expect((handle.error as CancelledError).reason).toBe(reason)
      expect(handle.finishedAt! - handle.startedAt!).toBe(100)
      expect(clock.pending).toBe(baseline)
      await app.stop()
    })

    it('starts the timer when the task starts, not when it is scheduled', async () => {
      const clock = new TestClock()
      const app = await startApp({ clock, config: { TaskService: { max_concurrency: 1 } } })
      const baseline = clock.pending
      const blocker = deferred()
      app.taskService.spawn(() => blocker.promise)
      const timed = app.taskService.spawn((signal) => untilAborted(signal), { timeoutMs: 100 })
      await turns(1)
      expect(clock.pending).toBe(baseline) // queued: no timer yet
      await clock.advance(500)
      expect(timed.state).toBe('queued')
      expect(timed.signal.aborted).toBe(false)
      blocker.resolve()
      await turns(2)
      expect(timed.state).toBe('running')
      expect(timed.startedAt).toBe(500)
      expect(clock.pending).toBe(baseline + 1)
      await clock.advance(99)
      expect(timed.state).toBe('running')
      await clock.advance(1)
      expect(timed.state).toBe('cancelled')
      expect(timed.finishedAt).toBe(600)
      expect(clock.pending).toBe(baseline)
      await app.stop()
    })

    it('clears the timer when the task ends before its deadline', async () => {
      const clock = new TestClock()
      const app = await startApp({ clock })
      const baseline = clock.pending
      const gate = deferred()
      const handle = app.taskService.spawn(() => gate.promise, { timeoutMs: 1_000 })
      await turns(1)
      expect(clock.pending).toBe(baseline + 1)
      gate.resolve()
      await handle.settled
      expect(handle.state).toBe('succeeded')
      expect(clock.pending).toBe(baseline)
      await clock.advance(2_000)
      expect(handle.signal.aborted).toBe(false)
      const failing = app.taskService.spawn(() => Promise.reject(new Error('x')), { timeoutMs: 1_000 })
      const cancelled = app.taskService.spawn((signal) => untilAborted(signal), { timeoutMs: 1_000 })
      await turns(1)
      cancelled.cancel()
      await Promise.all([failing.settled, cancelled.settled])
      expect(clock.pending).toBe(baseline)
      await app.stop()
    })

    it('a task that ignores the timeout and resolves is succeeded', async () => {
      const clock = new TestClock()
      const app = await startApp({ clock })
      const handle = app.taskService.spawn((_signal) => sleep(300, { clock }).then(() => 'late but fine'), { timeoutMs: 100 })
      await clock.advance(300)
      expect(handle.state).toBe('succeeded')
      expect(handle.value).toBe('late but fine')
      expect(handle.signal.reason).toBeInstanceOf(TimeoutError)
      await app.stop()
    })

    it('never arms a timer for a task cancelled while queued', async () => {
      const clock = new TestClock()
      const app = await startApp({ clock })
      const baseline = clock.pending
      let calls = 0
      const handle = app.taskService.spawn(() => void calls++, { timeoutMs: 50 })
      handle.cancel()
      await clock.advance(100)
      expect(calls).toBe(0)
      expect(clock.pending).toBe(baseline)
      await app.stop()
    })
  })

  describe('options.signal', () => {
    it('already aborted: the task never runs and is cancelled with that reason', async () => {
      const app = await startApp()
      const done: TaskHandle[] = []
      app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void done.push(h))
      const signal = AbortSignal.abort('not needed')
      let calls = 0
      const handle = app.taskService.spawn(() => void calls++, { signal })
      expect(handle.state).toBe('cancelled')
      expect((handle.error as CancelledError).reason).toBe('not needed')
      expect(handle.signal.aborted).toBe(true)
      expect(handle.signal.reason).toBe('not needed')
      expect(getEventListeners(signal, 'abort')).toHaveLength(0)
      await turns(3)
      expect(calls).toBe(0)
      expect(done).toEqual([handle])
      expect(app.taskService.stats()).toMatchObject({ scheduled: 1, cancelled: 1, queued: 0, running: 0 })
      expectBalanced(app.taskService)
      await app.stop()
    })

    it('aborted while queued: the task never runs', async () => {
      const app = await startApp()
      const controller = new AbortController()
      let calls = 0
      const handle = app.taskService.spawn(() => void calls++, { signal: controller.signal })
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
      controller.abort('changed my mind')
      expect(handle.state).toBe('cancelled')
      expect((handle.error as CancelledError).reason).toBe('changed my mind')
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      await turns(3)
      expect(calls).toBe(0)
      expectBalanced(app.taskService)
      await app.stop()
    })

    it('aborted while running: the task signal aborts with the same reason', async () => {
      const app = await startApp()
      const controller = new AbortController()
      const handle = app.taskService.spawn((signal) => untilAborted(signal), { signal: controller.signal })
      await turns(1)
      expect(handle.state).toBe('running')
      const reason = new Error('request closed')
      controller.abort(reason)
      expect(handle.signal.aborted).toBe(true)
      expect(handle.signal.reason).toBe(reason)
      await handle.settled
      expect(handle.state).toBe('cancelled')
      expect((handle.error as CancelledError).reason).toBe(reason)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      await app.stop()
    })

    it('removes its abort listener when the task ends in any way', async () => {
      const app = await startApp()
      const shared = new AbortController()
      const ts = app.taskService
      ts.spawn(() => 1, { signal: shared.signal })
      ts.spawn(() => {
        throw new Error('x')
      }, { signal: shared.signal })
      const gate = deferred()
      ts.spawn(() => gate.promise, { signal: shared.signal })
      const cancelledQueued = ts.spawn(() => 2, { signal: shared.signal })
      const cancelledRunning = ts.spawn((signal) => untilAborted(signal), { signal: shared.signal })
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(5)
      cancelledQueued.cancel()
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(4)
      await turns(1)
      // The first two have ended; the gated one and the untilAborted one still listen.
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(2)
      cancelledRunning.cancel()
      await cancelledRunning.settled
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1)
      gate.resolve()
      await ts.onIdle()
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0)
      expect(shared.signal.aborted).toBe(false)
      await app.stop()
    })
  })

  describe('max_concurrency', () => {
    it('keeps tasks beyond the limit queued and admits them FIFO', async () => {
      const app = await startApp({ config: { TaskService: { max_concurrency: 2 } } })
      const ts = app.taskService
      const started: number[] = []
      const gates = Array.from({ length: 6 }, () => deferred())
      const handles = gates.map((gate, i) =>
        ts.spawn(() => {
          started.push(i)
          return gate.promise
        }),
      )
      await turns(2)
      expect(started).toEqual([0, 1])
      expect(ts.stats()).toMatchObject({ running: 2, queued: 4 })
      expect(ts.list().map((i) => [i.id, i.state])).toEqual([
        [handles[2]!.id, 'queued'],
        [handles[3]!.id, 'queued'],
        [handles[4]!.id, 'queued'],
        [handles[5]!.id, 'queued'],
        [handles[0]!.id, 'running'],
        [handles[1]!.id, 'running'],
      ])
      expectBalanced(ts)
      handles[3]!.cancel() // a cancelled queued task never takes a slot
      gates[1]!.resolve()
      await turns(2)
      expect(started).toEqual([0, 1, 2])
      expectBalanced(ts)
      gates[0]!.resolve()
      await turns(2)
      expect(started).toEqual([0, 1, 2, 4])
      expect(ts.stats().running).toBe(2)
      gates[2]!.resolve()
      gates[4]!.resolve()
      gates[5]!.resolve()
      await ts.onIdle()
      expect(started).toEqual([0, 1, 2, 4, 5])
      expect(ts.stats()).toMatchObject({ scheduled: 6, succeeded: 5, cancelled: 1, running: 0, queued: 0 })
      await app.stop()
    })

    it('admits the next task when a running one fails or is cancelled', async () => {
      const app = await startApp({ config: { TaskService: { max_concurrency: '1' } } })
      const ts = app.taskService
      const first = ts.spawn((signal) => untilAborted(signal))
      const second = ts.spawn(async () => {
        throw new Error('x')
      })
      const third = ts.spawn(() => 'third')
      await turns(2)
      expect([first.state, second.state, third.state]).toEqual(['running', 'queued', 'queued'])
      first.cancel()
      await ts.onIdle()
      expect([first.state, second.state, third.state]).toEqual(['cancelled', 'failed', 'succeeded'])
      await app.stop()
    })

    it('is unlimited by default', async () => {
      const app = await startApp()
      const gate = deferred()
      const handles = app.taskService.schedule(...Array.from({ length: 500 }, () => () => gate.promise))
      await turns(1)
      expect(handles.every((h) => h.state === 'running')).toBe(true)
      gate.resolve()
      await app.taskService.onIdle()
      await app.stop()
    })

    it("accepts 'unlimited'", async () => {
      const app = await startApp({ config: { TaskService: { max_concurrency: 'unlimited' } } })
      const gate = deferred()
      const handles = app.taskService.schedule(...Array.from({ length: 20 }, () => () => gate.promise))
      await turns(1)
      expect(handles.every((h) => h.state === 'running')).toBe(true)
      gate.resolve()
      await app.taskService.onIdle()
      await app.stop()
    })

    it.each([0, -1, 1.5, 'many'])('rejects max_concurrency %s at start() with TSAB_CONFIG_VALUE naming the key, value and limits', async (value) => {
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false, config: { TaskService: { max_concurrency: value } } })
      apps.push(app)
      const error = await app.start().then(() => undefined, (caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'TSAB_CONFIG_VALUE' })
      expect((error as Error).message).toMatch(/^Config \[TaskService\] max_concurrency: expected an integer >= 1 \(or "unlimited"\), got /)
      expect(app.state).toBe('stopped')
    })
  })

  describe('list(), stats(), size, onIdle()', () => {
    it('lists queued and running tasks with id, name, owner, state and ageMs on the app clock', async () => {
      const clock = new TestClock({ now: 1_000 })
      const app = await startApp({ clock, config: { TaskService: { max_concurrency: 1 } } })
      const ts = app.taskService
      const gate = deferred()
      const a = ts.spawn(() => gate.promise, { name: 'a', owner: 'Svc' })
      await clock.advance(100)
      const b = ts.spawn(() => 'b', { name: 'b' })
      await clock.advance(150)
      expect(ts.list()).toEqual([
        { id: b.id, name: 'b', state: 'queued', ageMs: 150 },
        { id: a.id, name: 'a', owner: 'Svc', state: 'running', ageMs: 250, startedAt: 1_000 },
      ])
      const snapshot = ts.list()
      gate.resolve()
      await ts.onIdle()
      expect(ts.list()).toEqual([])
      expect(snapshot).toHaveLength(2) // a snapshot, not a live view
      await app.stop()
    })

    it('keeps scheduled = succeeded + failed + cancelled + running + queued at every step', async () => {
      const app = await startApp({ config: { TaskService: { max_concurrency: 3 } } })
      const ts = app.taskService
      const steps: Array<ReturnType<TaskService['stats']>> = []
      const check = (): void => {
        expectBalanced(ts)
        steps.push(ts.stats())
      }
      app.pubsub.subscribe(Messages.TaskDone, () => check())
      check()
      const gates = Array.from({ length: 4 }, () => deferred())
      const hs = [
        ts.spawn(() => gates[0]!.promise),
        ts.spawn(() => gates[1]!.promise.then(() => {
          throw new Error('x')
        })),
        ts.spawn((signal) => untilAborted(signal)),
        ts.spawn(() => gates[3]!.promise),
        ts.spawn(() => 'queued then run'),
      ]
      ts.spawn(() => 0, { signal: AbortSignal.abort() })
      check()
      hs[4]!.cancel()
      check()
      await turns(1)
      check()
      expect(ts.stats()).toMatchObject({ scheduled: 6, running: 3, queued: 1, cancelled: 2 })
      gates[0]!.resolve()
      gates[1]!.resolve()
      await turns(3)
      check()
      hs[2]!.cancel()
      gates[3]!.resolve()
      await ts.onIdle()
      check()
      expect(ts.stats()).toEqual({ scheduled: 6, queued: 0, running: 0, succeeded: 2, failed: 1, cancelled: 3, restarts: 0 })
      expect(ts.size).toBe(0)
      expect(steps.length).toBeGreaterThan(8)
      await app.stop()
    })

    it('returns a fresh stats object each time', async () => {
      const app = await startApp()
      const s = app.taskService.stats()
      s.scheduled = 99
      expect(app.taskService.stats().scheduled).toBe(0)
      await app.stop()
    })

    it('onIdle() resolves at once when idle, and after the work drains otherwise', async () => {
      const app = await startApp()
      const ts = app.taskService
      let idle = false
      void ts.onIdle().then(() => (idle = true))
      await Promise.resolve()
      expect(idle).toBe(true)

      const gate = deferred()
      ts.schedule(() => gate.promise, async () => 1)
      let first = false
      let second = false
      void ts.onIdle().then(() => (first = true))
      void ts.onIdle().then(() => (second = true))
      await turns(3)
      expect([first, second]).toEqual([false, false])
      expect(ts.size).toBe(1)
      gate.resolve()
      await turns(2)
      expect([first, second]).toEqual([true, true])
      expect(ts.size).toBe(0)
      await app.stop()
    })

    it('onIdle() counts queued tasks too, including ones not started before initialization', async () => {
      const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
      apps.push(app)
      app.taskService.schedule(() => 1)
      let idle = false
      void app.taskService.onIdle().then(() => (idle = true))
      await turns(3)
      expect(idle).toBe(false)
      await app.start()
      await turns(2)
      expect(idle).toBe(true)
      await app.stop()
    })
  })
})
