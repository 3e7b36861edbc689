/**
 * Contract §6 (TaskManager), black-box: every sentence exercised through `@tsab/core` and `@tsab/core/testing`
 * only, as a user would; timing on TestClock, vi fake timers and (briefly) real timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  CancelledError,
  DuplicateTaskError,
  Service,
  TaskManager,
  TaskService,
  TsabError,
  type Logger,
  type TaskHandle,
} from '@tsab/core'
import { createTestApplication, TestClock } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { type LogLine, memoryLogger, silentLogger } from '../support/logs.js'
import { peek } from '../support/promises.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
let clock: TestClock
let logger: Logger
let lines: LogLine[]
let manager: TaskManager

beforeEach(() => {
  clock = new TestClock()
  ;({ logger, lines } = memoryLogger())
  manager = new TaskManager({ name: 'tm', clock, logger })
})

afterEach(async () => {
  vi.useRealTimers()
  await manager.shutdownTaskManager().catch(() => {})
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

/** A task function that runs until its signal aborts, then rejects with the abort reason. */
const hang = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

/** The IPv8 tutorial's periodic example: add 1 every `interval`, inject 2 once after `delay`, stop at 20 items. */
function ipv8Example(tm: TaskManager, interval: number, delay: number, async = false) {
  const completed: number[] = []
  const add = (i: number) => async () => {
    if (async) await Promise.resolve()
    if (completed.length === 20) {
      tm.cancelPendingTask('keep adding 1')
      return
    }
    completed.push(i)
  }
  tm.registerTask('keep adding 1', add(1), { interval })
  tm.registerTask('sneaky inject', add(2), { delay })
  return { completed, done: tm.waitForTasks() }
}
const EXPECTED = [1, 1, 1, 1, 2, ...Array<number>(15).fill(1)]

describe('§6 timing', () => {
  it('IPv8 periodic example yields [1, 1, 1, 1, 2, 1, …] on TestClock (sync and async functions)', async () => {
    for (const async of [false, true]) {
      const c = new TestClock()
      const tm = new TaskManager({ clock: c, logger: silentLogger() })
      const { completed, done } = ipv8Example(tm, 100, 500, async)
      await c.advance(5_000)
      await done
      expect(completed).toEqual(EXPECTED)
      await tm.shutdownTaskManager()
      expect(c.pending).toBe(0)
    }
  })

  it('IPv8 periodic example yields the same under vi fake timers (default toFake) and advanceTimersByTimeAsync', async () => {
    vi.useFakeTimers()
    const tm = new TaskManager({ logger: silentLogger() })
    const { completed, done } = ipv8Example(tm, 100, 500, true)
    await vi.advanceTimersByTimeAsync(5_000)
    await done
    expect(completed).toEqual(EXPECTED)
    await tm.shutdownTaskManager()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('IPv8 periodic example yields the same through Service.tasks of a test app on a TestClock', async () => {
    const c = new TestClock()
    let completed: number[] = []
    class Adder extends Service {
      override async initialize(): Promise<void> {
        completed = ipv8Example(this.tasks, 100, 500).completed
      }
    }
    const app = await createTestApplication({ clock: c })
    app.addService(new Adder(app, 'Adder'))
    await c.advance(5_000)
    expect(completed).toEqual(EXPECTED)
    await app.stop()
  })

  it('IPv8 periodic example yields the same under real timers (tutorial timing)', { retry: 2, timeout: 20_000 }, async () => {
    const tm = new TaskManager({ logger: silentLogger() })
    const { completed, done } = ipv8Example(tm, 100, 500)
    await done
    expect(completed).toEqual(EXPECTED)
    await tm.shutdownTaskManager()
  })

  it('equal deadlines fire in the order they were armed, also across delays of different lengths', async () => {
    const order: string[] = []
    manager.registerTask('long', () => void order.push('long'), { delay: 300 })
    await clock.advance(100)
    manager.registerTask('short', () => void order.push('short'), { delay: 200 })
    await clock.advance(200)
    expect(order).toEqual(['long', 'short'])
  })

  it('delays count from the registerTask() call, not from the start of the task', async () => {
    const at: number[] = []
    manager.registerTask('d', () => void at.push(clock.now()), { delay: 50 })
    await clock.advance(49)
    expect(at).toEqual([])
    await clock.advance(1)
    expect(at).toEqual([50])
  })

  it('interval without delay: first run after `interval`; `delay: 0` runs at once; runs are fixed-delay after the previous finished', async () => {
    const starts: number[] = []
    let gate: (() => void) | undefined
    manager.registerTask(
      'p',
      () => {
        starts.push(clock.now())
        if (starts.length === 2) return new Promise<void>((resolve) => (gate = resolve))
      },
      { interval: 100 },
    )
    const zero: number[] = []
    manager.registerTask('z', () => void zero.push(clock.now()), { delay: 0, interval: 1_000 })
    await clock.advance(0)
    expect(zero).toEqual([0])
    expect(starts).toEqual([])
    await clock.advance(200)
    expect(starts).toEqual([100, 200])
    await clock.advance(500) // second run still busy: no overlap
    expect(starts).toEqual([100, 200])
    gate!()
    await clock.advance(99)
    expect(starts).toEqual([100, 200])
    await clock.advance(1)
    expect(starts).toEqual([100, 200, 800])
  })

  it('the function is never invoked inside registerTask(), and a task cancelled before it starts never runs', async () => {
    let calls = 0
    const a = manager.registerTask('a', () => ++calls)
    const b = manager.registerTask('b', () => ++calls, { delay: 0, interval: 10 })
    expect(calls).toBe(0)
    a.cancel()
    manager.cancelPendingTask('b')
    await clock.advance(1_000)
    expect(calls).toBe(0)
    expect([a.state, b.state]).toEqual(['cancelled', 'cancelled'])
  })
})

describe('§6 validation (synchronous, nothing half-registered)', () => {
  it.each([
    [{ delay: -5 }, RangeError, /^Expected `delay` to be .*got -5 \(number\)$/],
    [{ delay: Number.NaN }, RangeError, /Expected `delay`.*got NaN \(number\)/],
    [{ delay: Infinity }, RangeError, /Expected `delay`.*got Infinity \(number\)/],
    [{ interval: -5 }, RangeError, /^Expected `interval` to be .*got -5 \(number\)$/],
    [{ interval: 0 }, RangeError, /Expected `interval`.*got 0 \(number\)/],
    [{ interval: Infinity }, RangeError, /Expected `interval`.*got Infinity/],
    [{ interval: Number.NaN }, RangeError, /Expected `interval`.*got NaN/],
    [{ delay: '5' }, TypeError, /Expected `delay`.*got "5" \(string\)/],
  ])('registerTask with %o throws %o, nothing registered', (options, Err, message) => {
    let calls = 0
    expect(() => manager.registerTask('x', () => ++calls, options as never)).toThrow(Err)
    expect(() => manager.registerTask('x', () => ++calls, options as never)).toThrow(message)
    expect(() => manager.registerAnonymousTask('x', () => ++calls, options as never)).toThrow(Err)
    expect(manager.isPendingTaskActive('x')).toBe(false)
    expect(manager.getTasks()).toEqual([])
    expect(clock.pending).toBe(0)
    expect(manager.registerAnonymousTask('anon', () => 1).name).toBe('anon 1') // no number used up
  })

  it('a promise with delay/interval is a TypeError; a non-function non-thenable is a TypeError', () => {
    const p = Promise.reject(new Error('never unhandled'))
    expect(() => manager.registerTask('x', p, { delay: 1 })).toThrow(TypeError)
    expect(() => manager.registerTask('x', p, { interval: 1 })).toThrow(TypeError)
    expect(() => manager.registerTask('x', 42 as never)).toThrow(TypeError)
    expect(() => manager.registerTask('x', 42 as never)).toThrow(/^Expected `task` to be .*got 42 \(number\)$/)
    expect(manager.getTasks()).toEqual([])
    p.catch(() => {})
  })

  it('replaceTask validates synchronously and leaves the old task untouched', async () => {
    const old = manager.registerTask('r', () => {}, { interval: 10 })
    expect(() => manager.replaceTask('r', () => {}, { interval: 0 })).toThrow(RangeError)
    expect(manager.isPendingTaskActive('r')).toBe(true)
    expect(old.signal.aborted).toBe(false)
  })
})

describe('§6 handles', () => {
  it('resolves with the return value, also for delayed tasks', async () => {
    const h1 = manager.registerTask('a', () => 'now')
    const h2 = manager.registerTask('b', async () => 'later', { delay: 30 })
    await clock.advance(30)
    expect(await h1.result).toBe('now')
    expect(await h2.result).toBe('later')
  })

  it('an interval handle stays pending while runs succeed (also stopOnError: false with throwing runs)', async () => {
    let runs = 0
    const ok = manager.registerTask('ok', () => void runs++, { interval: 10 })
    const bad = manager.registerTask('bad', () => { throw new Error('run failed') }, { interval: 10, stopOnError: false })
    await clock.advance(100)
    expect(runs).toBe(10)
    expect(ok.state).toBe('running')
    expect(bad.state).toBe('running')
    expect((await peek(ok.result)).state).toBe('pending')
    expect(lines.filter((l) => l.level === 50 && JSON.stringify(l).includes('bad')).length).toBeGreaterThanOrEqual(10)
    const reason = { why: 'enough' }
    manager.cancelPendingTask('ok', reason)
    const error = await ok.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(ok.state).toBe('cancelled')
    await clock.advance(100)
    expect(runs).toBe(10)
  })

  it('stopOnError (default): a throwing run settles the handle with its error; no further run happens', async () => {
    let runs = 0
    const boom = new Error('boom')
    const h = manager.registerTask('p', () => { if (++runs === 3) throw boom }, { interval: 10 })
    await clock.advance(1_000)
    expect(runs).toBe(3)
    await expect(h.result).rejects.toBe(boom)
    expect(h.state).toBe('failed')
    expect(manager.isPendingTaskActive('p')).toBe(false)
    expect(lines.some((l) => l.level >= 50 && JSON.stringify(l).includes('"p"'))).toBe(true)
  })

  it('a failing one-shot task is logged with its name; awaiting the handle still rejects; never unhandled', async () => {
    const err = new Error('one-shot failed')
    const h = manager.registerTask('failing-one', () => { throw err })
    manager.registerTask('failing-two', async () => { throw err }, { delay: 5 })
    manager.registerTask('failing-promise', Promise.reject(err))
    await clock.advance(10)
    await turns()
    await expect(h.result).rejects.toBe(err)
    const text = lines.filter((l) => l.level >= 50).map((l) => JSON.stringify(l)).join('\n')
    for (const name of ['failing-one', 'failing-two', 'failing-promise']) expect(text).toContain(name)
  })
})

describe('§6 names', () => {
  it('active name again → DuplicateTaskError (taskName, code); finished name reusable at once; old bookkeeping never un-tracks the new task', async () => {
    const first = manager.registerTask('n', async (signal) => { await new Promise((r) => signal.addEventListener('abort', r)); await Promise.resolve() })
    let error: unknown
    try { manager.registerTask('n', () => 1) } catch (e) { error = e }
    expect(error).toBeInstanceOf(DuplicateTaskError)
    expect(error).toBeInstanceOf(TsabError)
    expect((error as DuplicateTaskError).taskName).toBe('n')
    expect(typeof (error as DuplicateTaskError).code).toBe('string')
    manager.cancelPendingTask('n')
    const second = manager.registerTask('n', hang)
    await first.settled
    await clock.advance(10)
    expect(manager.getTask('n')).toBe(second)
    expect(manager.isPendingTaskActive('n')).toBe(true)
    expect(manager.getTasks()).toEqual([second])
  })

  it('anonymous names are "<baseName> <n>" from one counter per manager starting at 1', async () => {
    const a = manager.registerAnonymousTask('dl', hang)
    const b = manager.registerAnonymousTask('up', hang)
    const c = manager.registerAnonymousTask('dl', hang)
    expect([a.name, b.name, c.name]).toEqual(['dl 1', 'up 2', 'dl 3'])
    expect(manager.getAnonymousTasks('dl')).toEqual([a, c])
    expect(manager.getTask('up 2')).toBe(b)
    const other = new TaskManager({ clock, logger: silentLogger() })
    expect(other.registerAnonymousTask('dl', () => 1).name).toBe('dl 1')
    await other.shutdownTaskManager()
  })

  it('getTasks lists active tasks in registration order; finished ones disappear', async () => {
    const a = manager.registerTask('a', hang)
    manager.registerTask('b', () => 1)
    const c = manager.registerTask('c', hang, { delay: 100 })
    await clock.advance(0)
    expect(manager.getTasks()).toEqual([a, c])
    expect(manager.getTask('b')).toBeUndefined()
  })
})

describe('§6 cancelPendingTask', () => {
  it('is synchronous, aborts the signal with the reason unchanged, rejects result with CancelledError; unknown → undefined', async () => {
    const reason = new Error('my reason')
    const h = manager.registerTask('t', (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { delay: 10 })
    await clock.advance(20)
    expect(manager.cancelPendingTask('t', reason)).toBe(h)
    expect(manager.isPendingTaskActive('t')).toBe(false)
    expect(h.signal.aborted).toBe(true)
    expect(h.signal.reason).toBe(reason)
    const error = await h.result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(manager.cancelPendingTask('nope')).toBeUndefined()
    expect(manager.cancelPendingTask('t')).toBeUndefined()
  })

  it('a periodic function that cancels its own name finishes its current run and is not called again', async () => {
    const log: string[] = []
    const h = manager.registerTask(
      'self',
      async () => {
        log.push('start')
        manager.cancelPendingTask('self')
        await Promise.resolve()
        log.push('end')
      },
      { interval: 10 },
    )
    await clock.advance(1_000)
    expect(log).toEqual(['start', 'end'])
    expect(h.state).toBe('cancelled')
  })

  it('cancelAllPendingTasks cancels every active task and returns their handles', async () => {
    const hs = [manager.registerTask('a', () => 1, { delay: 5 }), manager.registerTask('b', () => 1, { interval: 5 })]
    expect(manager.cancelAllPendingTasks('all')).toEqual(hs)
    expect(manager.getTasks()).toEqual([])
    for (const h of hs) expect(((await h.result.catch((e: unknown) => e)) as CancelledError).reason).toBe('all')
  })
})

describe('§6 waitForTasks / replaceTask', () => {
  it('resolves when every task registered before the call settled, whatever their outcomes; ignores later ones', async () => {
    manager.registerTask('ok', () => 1, { delay: 10 })
    manager.registerTask('fail', () => { throw new Error('x') }, { delay: 20 })
    manager.registerTask('cancel', () => 1, { delay: 30 })
    const wait = manager.waitForTasks()
    manager.registerTask('later', hang)
    manager.cancelPendingTask('cancel')
    await clock.advance(20)
    expect((await peek(wait)).state).toBe('fulfilled')
    await expect(manager.waitForTasks({})).toBeDefined()
  })

  it('aborting its own signal rejects with CancelledError (reason unchanged) and leaves the tasks running; listener removed', async () => {
    const h = manager.registerTask('long', hang)
    const controller = new AbortController()
    const wait = manager.waitForTasks({ signal: controller.signal })
    const reason = { stop: true }
    controller.abort(reason)
    const error = await wait.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).reason).toBe(reason)
    expect(h.signal.aborted).toBe(false)
    expect(manager.isPendingTaskActive('long')).toBe(true)
    const c2 = new AbortController()
    manager.cancelPendingTask('long')
    await manager.waitForTasks({ signal: c2.signal })
    expect(abortListeners(c2.signal)).toBe(0)
  })

  it('replaceTask cancels the old task, waits until it settled (cleanup ran), then registers the new one', async () => {
    const log: string[] = []
    manager.registerTask('r', async (signal) => {
      await new Promise((r) => signal.addEventListener('abort', r))
      await new Promise((r) => setTimeout(r, 5))
      log.push('old cleaned up')
    })
    await clock.advance(0)
    const replaced = manager.replaceTask('r', () => void log.push('new ran'))
    expect(manager.isPendingTaskActive('r')).toBe(false)
    const h = await replaced
    await clock.advance(0)
    expect(log).toEqual(['old cleaned up', 'new ran'])
    expect(h.name).toBe('r')
  })
})

describe('§6 shutdownTaskManager', () => {
  it('cancels every task, waits, runs shutdown tasks in order; failures aggregated at the end; idempotent', async () => {
    const log: string[] = []
    const h = manager.registerTask('t', async (signal) => {
      await new Promise((r) => signal.addEventListener('abort', r))
      await new Promise((r) => setTimeout(r, 2))
      log.push('task done')
    })
    await clock.advance(0)
    const e1 = new Error('s1')
    const e3 = new Error('s3')
    manager.registerShutdownTask(() => { log.push('s1'); throw e1 })
    manager.registerShutdownTask(async () => void log.push('s2'))
    manager.registerShutdownTask(async () => { log.push('s3'); throw e3 })
    const p = manager.shutdownTaskManager()
    expect(manager.isShutdown).toBe(true)
    expect(manager.shutdownTaskManager()).toBe(p)
    const error = await p.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AggregateError)
    expect((error as AggregateError).errors).toEqual([e1, e3])
    expect(log).toEqual(['task done', 's1', 's2', 's3'])
    expect(h.state).toBe('cancelled')
  })

  it('with timeoutMs resolves after the timeout and logs the names still running', async () => {
    manager.registerTask('stuck-task', () => new Promise(() => {}))
    await clock.advance(0)
    let done = false
    const p = manager.shutdownTaskManager({ timeoutMs: 100 }).then(() => (done = true))
    await clock.advance(99)
    expect(done).toBe(false)
    await clock.advance(1)
    await p
    expect(lines.some((l) => l.level === 40 && JSON.stringify(l).includes('stuck-task'))).toBe(true)
  })

  it('registerTask after shutdown: never called, warning logged, handle already cancelled, never unhandled', async () => {
    await manager.shutdownTaskManager()
    let calls = 0
    const h = manager.registerTask('late', () => ++calls, { delay: 5 })
    expect(h.state).toBe('cancelled')
    const a = manager.registerAnonymousTask('late', () => ++calls)
    expect(a.state).toBe('cancelled')
    await clock.advance(100)
    expect(calls).toBe(0)
    expect(lines.some((l) => l.level === 40 && JSON.stringify(l).includes('late'))).toBe(true)
    await expect(h.result).rejects.toBeInstanceOf(CancelledError)
  })
})

describe('§6 with a TaskService', () => {
  it('tasks run through it: listed with owner = manager name, published as TaskService.task_done!', async () => {
    const app = await createTestApplication({ clock })
    const taskService = app.getService<TaskService>('TaskService')
    const done: TaskHandle[] = []
    app.pubsub.subscribe('TaskService.task_done!', (_m: string, h: TaskHandle) => void done.push(h))
    const tm = new TaskManager({ name: 'owner-x', taskService, clock, logger: silentLogger() })
    const h = tm.registerTask('job', () => new Promise((r) => setTimeout(r, 1)), { delay: 10 })
    await clock.advance(0)
    expect(taskService.list().map((t) => [t.name, t.owner])).toEqual([['job', 'owner-x']])
    await clock.advance(10)
    await h.settled
    await turns()
    expect(done).toContain(h)
    await tm.shutdownTaskManager()
    await app.stop()
  })
})
