import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { CancelledError } from '../../src/errors/cancellation.js'
import { DuplicateTaskError } from '../../src/errors/errors.js'
import type { Logger } from '../../src/logging/logger.js'
import { Future } from '../../src/futures/future.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { createTestApplication } from '../../src/testing/index.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { Level, type LogLine, memoryLogger } from '../support/logs.js'
import { deferred } from '../support/promises.js'
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
  await manager.shutdownTaskManager().catch(() => {})
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

/** A task that runs until its signal aborts, then rejects with the abort reason. */
function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
}

/** A promise with its resolve function. */
describe('TaskManager', () => {
  describe('registerTask()', () => {
    it('never invokes the function inside registerTask(); it starts on a later turn', async () => {
      let calls = 0
      const handle = manager.registerTask('t', () => ++calls)
      expect(calls).toBe(0)
      expect(handle.state).toBe('queued')
      await clock.advance(0)
      expect(calls).toBe(1)
      expect(await handle.result).toBe(1)
      expect(handle.state).toBe('succeeded')
    })

    it('never runs a task cancelled before it starts', async () => {
      let calls = 0
      const handle = manager.registerTask('t', () => ++calls)
      handle.cancel()
      await clock.advance(1000)
      expect(calls).toBe(0)
      expect(handle.state).toBe('cancelled')
    })

    it('runs a delayed task once, after `delay` counted from the call, and resolves with its value', async () => {
      const at: number[] = []
      const handle = manager.registerTask('later', () => (at.push(clock.now()), 'value'), { delay: 250 })
      await clock.advance(249)
      expect(at).toEqual([])
      await clock.advance(1)
      expect(at).toEqual([250])
      expect(await handle.result).toBe('value')
      await clock.advance(10_000)
      expect(at).toEqual([250])
    })

    it('resolves a delayed async task with its value', async () => {
      const handle = manager.registerTask('later', async () => 42, { delay: 10 })
      await clock.advance(10)
      await expect(handle.result).resolves.toBe(42)
    })

    it('runs a periodic task every `interval` after the previous run finished, never overlapping', async () => {
      const events: string[] = []
      let running = 0
      manager.registerTask(
        'tick',
        async () => {
          expect(running).toBe(0)
          running++
          events.push(`start@${clock.now()}`)
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 30))
          events.push(`end@${clock.now()}`)
          running--
        },
        { interval: 100 },
      )
      await clock.advance(400)
      // First run after `interval`; each next one 100 ms after the previous one ended (fixed delay).
      expect(events).toEqual(['start@100', 'end@130', 'start@230', 'end@260', 'start@360', 'end@390'])
    })

    it('runs the first periodic run after `delay` when given, then every `interval`', async () => {
      const at: number[] = []
      manager.registerTask('tick', () => void at.push(clock.now()), { delay: 10, interval: 100 })
      await clock.advance(215)
      expect(at).toEqual([10, 110, 210])
    })

    it('runs at once with `delay: 0`, also for a periodic task', async () => {
      const at: number[] = []
      manager.registerTask('tick', () => void at.push(clock.now()), { delay: 0, interval: 100 })
      await clock.advance(0)
      expect(at).toEqual([0])
      await clock.advance(100)
      expect(at).toEqual([0, 100])
    })

    it('counts the delay from the registerTask() call, even when the task starts later', async () => {
      const at: number[] = []
      const slow = new TaskManager({ clock, logger })
      // Time moves on before the start turn of the task has come.
      slow.registerTask('t', () => void at.push(clock.now()), { delay: 100 })
      await clock.advance(100)
      expect(at).toEqual([100])
      await slow.shutdownTaskManager()
    })

    it.each([
      ['delay', -5],
      ['delay', Number.NaN],
      ['delay', Infinity],
      ['interval', -1],
      ['interval', 0],
      ['interval', Number.NaN],
      ['interval', -Infinity],
    ])('throws RangeError for %s = %s and registers nothing', (key, value) => {
      let calls = 0
      expect(() => manager.registerTask('bad', () => ++calls, { [key]: value })).toThrow(RangeError)
      expect(() => manager.registerTask('bad', () => ++calls, { [key]: value })).toThrow(/Expected `(delay|interval)` to be a finite number/)
      expect(manager.getTasks()).toEqual([])
      expect(manager.isPendingTaskActive('bad')).toBe(false)
      expect(clock.pending).toBe(0)
    })

    it('throws TypeError for wrong types', () => {
      expect(() => manager.registerTask('t', 42 as never)).toThrow(TypeError)
      expect(() => manager.registerTask('', () => 1)).toThrow(RangeError)
      expect(() => manager.registerTask(7 as never, () => 1)).toThrow(TypeError)
      expect(() => manager.registerTask('t', () => 1, { delay: '5' as never })).toThrow(TypeError)
      expect(() => manager.registerTask('t', () => 1, { stopOnError: 'no' as never })).toThrow(TypeError)
      expect(() => manager.registerTask('t', () => 1, 5 as never)).toThrow(TypeError)
      expect(manager.getTasks()).toEqual([])
    })

    it('throws TypeError for a promise with `delay` or `interval`', () => {
      expect(() => manager.registerTask('p', Promise.resolve(1), { delay: 5 })).toThrow(TypeError)
      expect(() => manager.registerTask('p', Promise.resolve(1), { interval: 5 })).toThrow(TypeError)
      expect(manager.getTasks()).toEqual([])
    })

    it('tracks a promise as it is and resolves with its value', async () => {
      const { promise, resolve } = deferred<string>()
      const handle = manager.registerTask('p', promise)
      expect(manager.isPendingTaskActive('p')).toBe(true)
      resolve('done')
      await expect(handle.result).resolves.toBe('done')
      expect(manager.isPendingTaskActive('p')).toBe(false)
    })

    it('observes a promise task at once: a rejection is logged, never unhandled', async () => {
      const handle = manager.registerTask('p', Promise.reject(new Error('early')))
      await turns()
      await clock.advance(0)
      expect(handle.state).toBe('failed')
      await expect(handle.result).rejects.toThrow('early')
      expect(lines.some((l) => l.level === Level.error && l.task === 'p' && l.err?.message === 'early')).toBe(true)
    })

    it('settles a cancelled promise task at once with CancelledError', async () => {
      const { promise, resolve } = deferred<number>()
      const handle = manager.registerTask('p', promise)
      await clock.advance(0)
      handle.cancel('stop')
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
      resolve(1)
    })

    it('has typed handles', () => {
      expectTypeOf(manager.registerTask('n', () => 1)).toEqualTypeOf<TaskHandle<number>>()
      expectTypeOf(manager.registerTask('s', Promise.resolve('x'))).toEqualTypeOf<TaskHandle<string>>()
    })
  })

  describe('periodic tasks', () => {
    it('settle only when cancelled', async () => {
      let runs = 0
      const handle = manager.registerTask('tick', () => void runs++, { interval: 10 })
      await clock.advance(1000)
      expect(runs).toBe(100)
      expect(handle.state).toBe('running')
      manager.cancelPendingTask('tick')
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
      await clock.advance(1000)
      expect(runs).toBe(100)
    })

    it('end with the error of a throwing run when stopOnError (default): no further run happens', async () => {
      let runs = 0
      const boom = new Error('boom')
      const handle = manager.registerTask(
        'tick',
        () => {
          runs++
          if (runs === 3) throw boom
        },
        { interval: 10 },
      )
      await clock.advance(100)
      expect(runs).toBe(3)
      expect(handle.state).toBe('failed')
      await expect(handle.result).rejects.toBe(boom)
      expect(lines.filter((l) => l.level === Level.error && l.task === 'tick')).toHaveLength(1)
    })

    it('log a throwing run and go on with stopOnError: false', async () => {
      let runs = 0
      const handle = manager.registerTask(
        'tick',
        async () => {
          runs++
          if (runs % 2 === 0) throw new Error(`run ${runs}`)
        },
        { interval: 10, stopOnError: false },
      )
      await clock.advance(60)
      expect(runs).toBe(6)
      expect(handle.state).toBe('running')
      const errors = lines.filter((l) => l.level === Level.error && l.task === 'tick')
      expect(errors.map((l) => l.err?.message)).toEqual(['run 2', 'run 4', 'run 6'])
    })

    it('finish the current run and are not called again when the function cancels its own name', async () => {
      const events: string[] = []
      let runs = 0
      const handle = manager.registerTask(
        'self',
        async () => {
          runs++
          if (runs === 2) {
            manager.cancelPendingTask('self')
            expect(manager.isPendingTaskActive('self')).toBe(false)
            await Promise.resolve()
            events.push('finished run 2')
          }
        },
        { interval: 10 },
      )
      await clock.advance(100)
      expect(runs).toBe(2)
      expect(events).toEqual(['finished run 2'])
      expect(handle.state).toBe('cancelled')
    })
  })

  describe('names', () => {
    it('throws DuplicateTaskError for an active name', async () => {
      manager.registerTask('dup', hang)
      const error = (() => {
        try {
          manager.registerTask('dup', () => 1)
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(DuplicateTaskError)
      expect((error as DuplicateTaskError).taskName).toBe('dup')
      expect((error as DuplicateTaskError).code).toBe('TSAB_DUPLICATE_TASK')
      await clock.advance(0)
      expect(() => manager.registerTask('dup', () => 1)).toThrow(DuplicateTaskError)
    })

    it('makes a finished name reusable at once', async () => {
      const first = manager.registerTask('n', () => 1)
      const second = await first.result.then(() => manager.registerTask('n', () => 2))
      expect(manager.getTask('n')).toBe(second)
      expect(await second.result).toBe(2)
    })

    it('never lets the old task un-track the new one registered under its name', async () => {
      const cleanup = deferred()
      const old = manager.registerTask('n', async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        await cleanup.promise // the old task is still cleaning up
      })
      await clock.advance(0)
      manager.cancelPendingTask('n')
      const fresh = manager.registerTask('n', hang)
      cleanup.resolve()
      await old.settled
      await clock.advance(0)
      expect(old.state).toBe('cancelled')
      expect(manager.isPendingTaskActive('n')).toBe(true)
      expect(manager.getTask('n')).toBe(fresh)
      expect(manager.getTasks()).toEqual([fresh])
    })

    it('names anonymous tasks "<baseName> <n>" from one counter per manager starting at 1', () => {
      const a = manager.registerAnonymousTask('download', hang)
      const b = manager.registerAnonymousTask('upload', hang)
      const c = manager.registerAnonymousTask('download', hang)
      expect([a.name, b.name, c.name]).toEqual(['download 1', 'upload 2', 'download 3'])
      expect(manager.getAnonymousTasks('download')).toEqual([a, c])
      expect(manager.getAnonymousTasks('upload')).toEqual([b])
      expect(manager.getAnonymousTasks('down')).toEqual([])
      const other = new TaskManager({ clock, logger })
      expect(other.registerAnonymousTask('download', () => 1).name).toBe('download 1')
      return other.shutdownTaskManager()
    })

    it('does not use up an anonymous number on invalid input', () => {
      expect(() => manager.registerAnonymousTask('x', () => 1, { delay: -1 })).toThrow(RangeError)
      expect(() => manager.registerAnonymousTask('', () => 1)).toThrow(RangeError)
      expect(manager.registerAnonymousTask('x', () => 1).name).toBe('x 1')
    })

    it('lists active tasks in registration order and finds them by name', async () => {
      const a = manager.registerTask('a', hang)
      const b = manager.registerTask('b', () => 1)
      const c = manager.registerTask('c', hang)
      expect(manager.getTasks()).toEqual([a, b, c])
      expect(manager.getTask('b')).toBe(b)
      expect(manager.getTask('zzz')).toBeUndefined()
      await clock.advance(0)
      expect(manager.getTasks()).toEqual([a, c])
      expect(manager.getTask('b')).toBeUndefined()
    })
  })

  describe('cancelPendingTask()', () => {
    it('makes isPendingTaskActive false synchronously, aborts the signal and rejects the result with CancelledError', async () => {
      let seen: AbortSignal | undefined
      const handle = manager.registerTask('t', (signal) => {
        seen = signal
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      })
      await clock.advance(0)
      expect(manager.isPendingTaskActive('t')).toBe(true)
      expect(manager.cancelPendingTask('t', 'why')).toBe(handle)
      expect(manager.isPendingTaskActive('t')).toBe(false)
      expect(seen?.aborted).toBe(true)
      const error = await handle.result.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe('why')
    })

    it('rejects with CancelledError even when the function ignores its signal and returns', async () => {
      const release = deferred()
      const handle = manager.registerTask('t', async () => {
        await release.promise
        return 'ignored'
      })
      await clock.advance(0)
      manager.cancelPendingTask('t')
      release.resolve()
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
    })

    it('cancels a delayed task while it waits: its timer is disarmed and it never runs', async () => {
      let calls = 0
      const handle = manager.registerTask('t', () => ++calls, { delay: 1000 })
      await clock.advance(10)
      expect(clock.pending).toBeGreaterThan(0)
      manager.cancelPendingTask('t')
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
      expect(clock.pending).toBe(0)
      await clock.advance(2000)
      expect(calls).toBe(0)
    })

    it('returns undefined for an unknown or finished name, without throwing', async () => {
      expect(manager.cancelPendingTask('nope')).toBeUndefined()
      manager.registerTask('done', () => 1)
      await clock.advance(0)
      expect(manager.cancelPendingTask('done')).toBeUndefined()
    })

    it('cancelAllPendingTasks() cancels every active task and returns their handles', async () => {
      const a = manager.registerTask('a', hang)
      const b = manager.registerTask('b', () => 1, { interval: 5 })
      expect(manager.cancelAllPendingTasks('reset')).toEqual([a, b])
      expect(manager.getTasks()).toEqual([])
      await clock.advance(100)
      expect(a.state).toBe('cancelled')
      expect(b.state).toBe('cancelled')
    })
  })

  describe('tasks registered with a Future', () => {
    it('cancelPendingTask cancels the Future too, also before the task started (IPv8)', async () => {
      const future = new Future<number>()
      const handle = manager.registerTask('reply', future)
      expect(manager.cancelPendingTask('reply', 'no longer needed')).toBe(handle)
      expect(future.isCancelled).toBe(true)
      expect(() => future.result()).toThrow(CancelledError)
      expect(() => future.exception()).toThrow(expect.objectContaining({ reason: 'no longer needed' }))
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)

      const running = new Future<number>()
      const later = manager.registerTask('later', running)
      await turns(2)
      expect(later.state).toBe('running')
      manager.cancelPendingTask('later')
      expect(running.isCancelled).toBe(true)
      await expect(later.result).rejects.toBeInstanceOf(CancelledError)
    })

    it('a Future that finished first keeps its outcome; shutdown cancels the pending ones; after shutdown one is cancelled at once', async () => {
      const done = new Future<number>()
      const pending = new Future<number>()
      const a = manager.registerTask('done', done)
      manager.registerTask('pending', pending)
      done.setResult(7)
      expect(await a.result).toBe(7)
      expect(manager.cancelPendingTask('done')).toBeUndefined()
      expect(done.result()).toBe(7)
      await manager.shutdownTaskManager()
      expect(pending.isCancelled).toBe(true)
      const late = new Future<number>()
      manager.registerTask('late', late)
      expect(late.isCancelled).toBe(true)
    })

    it('through a TaskService too', async () => {
      const app = await createTestApplication({ logger, clock })
      const viaService = new TaskManager({ name: 'svc', taskService: app.taskService, clock, logger })
      const future = new Future<string>()
      viaService.registerTask('reply', future)
      viaService.cancelPendingTask('reply')
      expect(future.isCancelled).toBe(true)
      await viaService.shutdownTaskManager()
      await app.stop()
    })
  })

  describe('waitForTasks()', () => {
    it('resolves when every task registered before the call has settled, and never rejects because of them', async () => {
      manager.registerTask('ok', () => 1, { delay: 10 })
      manager.registerTask('bad', () => Promise.reject(new Error('x')), { delay: 20 })
      const cancelled = manager.registerTask('cancelled', hang)
      let done = false
      const waited = manager.waitForTasks().then(() => (done = true))
      await clock.advance(15)
      expect(done).toBe(false)
      cancelled.cancel()
      await clock.advance(10)
      await waited
      expect(done).toBe(true)
    })

    it('does not wait for tasks registered after the call', async () => {
      const waited = manager.waitForTasks()
      manager.registerTask('later', hang)
      await expect(waited).resolves.toBeUndefined()
    })

    it('rejects with CancelledError when its signal aborts, leaving the tasks running', async () => {
      const handle = manager.registerTask('t', hang)
      await clock.advance(0)
      const controller = new AbortController()
      const waited = manager.waitForTasks({ signal: controller.signal })
      expect(abortListeners(controller.signal)).toBe(1)
      controller.abort('enough')
      const error = await waited.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CancelledError)
      expect((error as CancelledError).reason).toBe('enough')
      expect(handle.state).toBe('running')
      expect(manager.isPendingTaskActive('t')).toBe(true)
      expect(abortListeners(controller.signal)).toBe(0)
    })

    it('removes its abort listener when the tasks settle first', async () => {
      const controller = new AbortController()
      manager.registerTask('t', () => 1)
      await manager.waitForTasks({ signal: controller.signal }).then(() => clock.advance(0))
      expect(abortListeners(controller.signal)).toBe(0)
    })

    it('rejects at once for an already aborted signal and throws TypeError for a bad signal', async () => {
      await expect(manager.waitForTasks({ signal: AbortSignal.abort('x') })).rejects.toBeInstanceOf(CancelledError)
      expect(() => manager.waitForTasks({ signal: 'x' as never })).toThrow(TypeError)
    })
  })

  describe('replaceTask()', () => {
    it('cancels the old task, waits until it has settled, then registers the new one', async () => {
      const events: string[] = []
      manager.registerTask('job', async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 50))
        events.push('old cleaned up')
      })
      await clock.advance(0)
      const replaced = manager.replaceTask('job', () => {
        events.push('new runs')
        return 'new'
      })
      expect(manager.isPendingTaskActive('job')).toBe(false)
      await clock.advance(50)
      const handle = await replaced
      expect(await handle.result).toBe('new')
      expect(events).toEqual(['old cleaned up', 'new runs'])
    })

    it('registers at once when nothing runs under the name, and validates synchronously', async () => {
      const old = manager.registerTask('old', hang, { interval: 10 })
      expect(() => manager.replaceTask('old', () => 1, { interval: 0 })).toThrow(RangeError)
      expect(manager.isPendingTaskActive('old')).toBe(true) // bad input leaves the old task untouched
      expect(old.signal.aborted).toBe(false)
      expect(() => manager.replaceTask('x', () => 1, { interval: 0 })).toThrow(RangeError)
      const handle = await manager.replaceTask('x', () => 1)
      expect(handle.name).toBe('x')
      await clock.advance(0)
      expect(handle.value).toBe(1)
    })
  })

  describe('shutdownTaskManager()', () => {
    it('marks the manager shut down, cancels every task and waits for their cleanup', async () => {
      const events: string[] = []
      manager.registerTask('slow', async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 100))
        events.push('slow cleaned up')
      })
      manager.registerTask('tick', () => void events.push('tick'), { interval: 1000 })
      await clock.advance(0)
      let done = false
      const shutdown = manager.shutdownTaskManager().then(() => (done = true))
      expect(manager.isShutdown).toBe(true)
      expect(manager.getTasks()).toEqual([])
      await clock.advance(99)
      expect(done).toBe(false)
      await clock.advance(1)
      await shutdown
      expect(events).toEqual(['slow cleaned up'])
      expect(clock.pending).toBe(0)
    })

    it('with timeoutMs resolves after the timeout and logs the names still running', async () => {
      manager.registerTask('stubborn', () => new Promise(() => {}) /* ignores its signal */)
      manager.registerTask('polite', (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)))
      await clock.advance(0)
      let done = false
      const shutdown = manager.shutdownTaskManager({ timeoutMs: 500 }).then(() => (done = true))
      await clock.advance(499)
      expect(done).toBe(false)
      await clock.advance(1)
      await shutdown
      const warning = lines.find((l) => l.level === Level.warn && Array.isArray(l.tasks))
      expect(warning?.tasks).toEqual([{ name: 'stubborn', count: 1 }])
      expect(warning?.msg).toContain('stubborn')
      expect(clock.pending).toBe(0)
    })

    it('runs shutdown tasks in order after the tasks settled; failures do not stop the others and end in one AggregateError', async () => {
      const events: string[] = []
      manager.registerTask('t', async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        events.push('task settled')
      })
      manager.registerShutdownTask(() => void events.push('first'))
      manager.registerShutdownTask(() => {
        throw new Error('second failed')
      })
      manager.registerShutdownTask(async () => {
        events.push('third')
        throw new Error('third failed')
      })
      manager.registerShutdownTask(async () => void events.push('fourth'))
      await clock.advance(0)
      const error = await manager.shutdownTaskManager().catch((e: unknown) => e)
      expect(events).toEqual(['task settled', 'first', 'third', 'fourth'])
      expect(error).toBeInstanceOf(AggregateError)
      expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['second failed', 'third failed'])
      expect(lines.filter((l) => l.level === Level.error && l.msg.includes('Shutdown task'))).toHaveLength(2)
    })

    it('is idempotent: a second call returns the same promise', async () => {
      const first = manager.shutdownTaskManager()
      expect(manager.shutdownTaskManager()).toBe(first)
      await first
      expect(manager.shutdownTaskManager()).toBe(first)
    })

    it('never calls a function registered afterwards: a warning is logged and the handle is already cancelled', async () => {
      await manager.shutdownTaskManager()
      let calls = 0
      const handle = manager.registerTask('late', () => ++calls)
      expect(handle.state).toBe('cancelled')
      expect(manager.isPendingTaskActive('late')).toBe(false)
      await clock.advance(100)
      expect(calls).toBe(0)
      await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
      expect(lines.some((l) => l.level === Level.warn && l.task === 'late')).toBe(true)
      const periodic = manager.registerTask('late-tick', () => ++calls, { interval: 5 })
      expect(periodic.state).toBe('cancelled')
      expect(clock.pending).toBe(0)
    })

    it('ignores (with a warning) shutdown tasks registered after they ran', async () => {
      await manager.shutdownTaskManager()
      let calls = 0
      manager.registerShutdownTask(() => ++calls)
      expect(calls).toBe(0)
      expect(lines.some((l) => l.level === Level.warn && l.msg.includes('after it shut down'))).toBe(true)
    })

    it('implements Symbol.asyncDispose', async () => {
      let handle: TaskHandle | undefined
      {
        await using scoped = new TaskManager({ clock, logger })
        handle = scoped.registerTask('t', hang)
      }
      expect(handle.state).toBe('cancelled')
    })

    it('validates its options synchronously', () => {
      expect(() => manager.shutdownTaskManager({ timeoutMs: -1 })).toThrow(RangeError)
      expect(manager.isShutdown).toBe(false)
    })
  })

  describe('failures', () => {
    it('are logged with the task name while awaiting the handle still rejects', async () => {
      const handle = manager.registerTask('broken', () => {
        throw new Error('nope')
      })
      await clock.advance(0)
      await expect(handle.result).rejects.toThrow('nope')
      const line = lines.find((l) => l.level === Level.error)
      expect(line?.task).toBe('broken')
      expect(line?.err?.message).toBe('nope')
    })

    it('never become unhandled rejections, even when nobody reads the handle', async () => {
      manager.registerTask('a', () => Promise.reject(new Error('a')))
      manager.registerTask('b', () => Promise.reject(new Error('b')), { delay: 5 })
      manager.registerTask('c', () => Promise.reject(new Error('c')), { interval: 5 })
      await clock.advance(10)
      await turns()
      expect(unhandled).toEqual([])
      expect(lines.filter((l) => l.level === Level.error).map((l) => l.task)).toEqual(['a', 'b', 'c'])
    })
  })

  describe('maxTaskAgeMs', () => {
    it('reports a long-running one-shot task once per check, with its name and age', async () => {
      const aged = new TaskManager({ name: 'aged', clock, logger, maxTaskAgeMs: 1000 })
      aged.registerTask('stuck', hang)
      aged.registerTask('tick', () => {}, { interval: 100 })
      await clock.advance(999)
      expect(lines.filter((l) => l.level === Level.warn)).toEqual([])
      await clock.advance(1)
      let warnings = lines.filter((l) => l.level === Level.warn)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({ task: 'stuck', ageMs: 1000 })
      await clock.advance(1000)
      warnings = lines.filter((l) => l.level === Level.warn)
      expect(warnings.map((w) => [w.task, w.ageMs])).toEqual([
        ['stuck', 1000],
        ['stuck', 2000],
      ])
      expect(aged.getTasks().map((t) => t.name)).toEqual(['stuck', 'tick'])
      await aged.shutdownTaskManager()
      expect(clock.pending).toBe(0)
    })

    it('never arms the checker without tasks, and disarms it when the last task settles', async () => {
      const aged = new TaskManager({ clock, logger, maxTaskAgeMs: 1000 })
      expect(clock.pending).toBe(0)
      const release = deferred()
      aged.registerTask('t', () => release.promise)
      expect(clock.pending).toBe(1)
      await clock.advance(0)
      release.resolve()
      await clock.advance(0)
      expect(clock.pending).toBe(0)
      await aged.shutdownTaskManager()
    })

    it('counts the age of a delayed task from its due time', async () => {
      const aged = new TaskManager({ clock, logger, maxTaskAgeMs: 1000 })
      aged.registerTask('late', hang, { delay: 1500 })
      await clock.advance(2000)
      expect(lines.filter((l) => l.level === Level.warn)).toEqual([])
      await clock.advance(1000)
      expect(lines.filter((l) => l.level === Level.warn).map((l) => l.ageMs)).toEqual([1500])
      await aged.shutdownTaskManager()
    })

    it('is validated, and Infinity turns the check off', async () => {
      expect(() => new TaskManager({ maxTaskAgeMs: 0 })).toThrow(RangeError)
      expect(() => new TaskManager({ maxTaskAgeMs: -1 })).toThrow(RangeError)
      expect(() => new TaskManager({ name: '' })).toThrow(RangeError)
      const off = new TaskManager({ clock, logger, maxTaskAgeMs: Infinity })
      off.registerTask('t', hang)
      expect(clock.pending).toBe(0)
      await off.shutdownTaskManager()
    })
  })

  describe('owner', () => {
    it('is the manager name', () => {
      expect(manager.name).toBe('tm')
      expect(manager.registerTask('t', () => 1).owner).toBe('tm')
      expect(new TaskManager().name).toBe('TaskManager')
    })
  })
})
