/**
 * The TaskHandle contract (spec §4) as the TaskService hands it out: identity, state, value/error, timestamps,
 * `result` (never unhandled by itself), `settled` (never rejects) and `cancel()`.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/index.js'
import { useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { deferred, untilAborted } from '../support/promises.js'

// ---- shared harness (test/support/app.ts): every app is stopped, no unhandled rejection, no timer left on a TestClock ----

const { startApp, unhandled } = useTestApps()

// ---- tests ----

describe('TaskHandle', () => {
  it('is typed by the task it runs', async () => {
    const app = await startApp()
    const handle = app.taskService.spawn(async () => 42)
    expectTypeOf(handle).toEqualTypeOf<TaskHandle<number>>()
    expectTypeOf(handle.result).toEqualTypeOf<Promise<number>>()
    expectTypeOf(handle.settled).toEqualTypeOf<Promise<TaskHandle<number>>>()
    expectTypeOf(app.taskService.schedule(() => 'x')).toEqualTypeOf<TaskHandle[]>()
    await handle.settled
    await app.stop()
  })

  describe('result', () => {
    it('resolves with the value and is the same promise on every read', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn(async () => ({ id: 7 }))
      const first = handle.result
      expect(handle.result).toBe(first)
      expect(await first).toEqual({ id: 7 })
      expect(handle.result).toBe(first)
      const late = app.taskService.spawn(() => 'x')
      await late.settled
      expect(await late.result).toBe('x') // first read after the task finished
      await app.stop()
    })

    it('never causes an unhandled rejection when the task fails and result is never read', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn(async () => {
        throw new Error('nobody looks')
      })
      await handle.settled
      await turns(3)
      expect(unhandled).toEqual([])
      await app.stop()
    })

    it('never causes an unhandled rejection when read (not awaited) before the task fails', async () => {
      const app = await startApp()
      const gate = deferred()
      const handle = app.taskService.spawn(() => gate.promise)
      const result = handle.result // read, dropped
      expect(result).toBeInstanceOf(Promise)
      await turns(1) // running: the task function has handed its promise over
      gate.reject(new Error('failed later'))
      await handle.settled
      await turns(3)
      expect(unhandled).toEqual([])
      expect(handle.state).toBe('failed')
      await app.stop()
    })

    it('never causes an unhandled rejection when read (not awaited) after the task failed or was cancelled', async () => {
      const app = await startApp()
      const failed = app.taskService.spawn(() => {
        throw new Error('x')
      })
      const cancelled = app.taskService.spawn(() => 1)
      cancelled.cancel()
      await failed.settled
      void failed.result
      void cancelled.result
      await turns(3)
      expect(unhandled).toEqual([])
      await app.stop()
    })

    it('still rejects for whoever awaits it: with the error, or a CancelledError', async () => {
      const app = await startApp()
      const error = new Error('visible')
      const failed = app.taskService.spawn(async () => {
        throw error
      })
      const cancelled = app.taskService.spawn(() => 1)
      const reason = { why: 'obsolete' }
      cancelled.cancel(reason)
      await expect(failed.result).rejects.toBe(error)
      const cancellation = await cancelled.result.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(cancellation).toBeInstanceOf(CancelledError)
      expect((cancellation as CancelledError).reason).toBe(reason)
      await app.stop()
    })
  })

  describe('settled', () => {
    it('resolves with the handle itself for every outcome and never rejects', async () => {
      const app = await startApp()
      const ts = app.taskService
      const gate = deferred()
      const handles = [
        ts.spawn(() => 1),
        ts.spawn(() => {
          throw new Error('x')
        }),
        ts.spawn(() => gate.promise),
        ts.spawn((signal) => untilAborted(signal)),
      ]
      const early = handles.map((h) => h.settled) // read before the outcome
      handles[2]!.cancel()
      await turns(1)
      handles[3]!.cancel()
      const results = await Promise.allSettled(early)
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(results.map((r) => (r as PromiseFulfilledResult<TaskHandle>).value)).toEqual(handles)
      const late = await Promise.allSettled(handles.map((h) => h.settled)) // read after the outcome
      expect(late.every((r) => r.status === 'fulfilled')).toBe(true)
      expect(handles.map((h) => h.state)).toEqual(['succeeded', 'failed', 'cancelled', 'cancelled'])
      await app.stop()
    })
  })

  describe('value, error, startedAt, finishedAt', () => {
    it('are set as the task moves through its states (times on the app clock)', async () => {
      const clock = new TestClock({ now: 5_000 })
      const app = await startApp({ clock })
      const handle = app.taskService.spawn(async () => {
        await sleep(30, { clock })
        return 'v'
      })
      expect(handle.state).toBe('queued')
      expect([handle.value, handle.error, handle.startedAt, handle.finishedAt]).toEqual([undefined, undefined, undefined, undefined])
      await clock.advance(10)
      expect(handle.state).toBe('running')
      expect(handle.startedAt).toBe(5_000)
      expect(handle.finishedAt).toBeUndefined()
      expect(handle.value).toBeUndefined()
      await clock.advance(20)
      expect(handle.state).toBe('succeeded')
      expect(handle.value).toBe('v')
      expect(handle.error).toBeUndefined()
      expect(handle.finishedAt).toBe(5_030)
      await app.stop()
    })

    it('error is the thrown value when failed, a CancelledError when cancelled; value stays undefined', async () => {
      const app = await startApp()
      const thrown = new TypeError('bad')
      const failed = app.taskService.spawn(() => {
        throw thrown
      })
      const cancelled = app.taskService.spawn(() => 1)
      cancelled.cancel('r')
      await failed.settled
      expect(failed.error).toBe(thrown)
      expect(failed.value).toBeUndefined()
      expect(failed.startedAt).toBeTypeOf('number')
      expect(failed.finishedAt).toBeGreaterThanOrEqual(failed.startedAt!)
      expect(cancelled.error).toBeInstanceOf(CancelledError)
      expect((cancelled.error as CancelledError).reason).toBe('r')
      expect(cancelled.value).toBeUndefined()
      expect(cancelled.startedAt).toBeUndefined() // it never ran
      expect(cancelled.finishedAt).toBeTypeOf('number')
      await app.stop()
    })

    it('has a unique increasing id and keeps name and owner', async () => {
      const app = await startApp()
      const a = app.taskService.spawn(() => 1, { name: 'n', owner: 'o' })
      const [b, c] = app.taskService.schedule(() => 2, () => 3)
      expect(a.id).toBeGreaterThanOrEqual(1)
      expect([b!.id - a.id, c!.id - b!.id]).toEqual([1, 1])
      expect([a.name, a.owner]).toEqual(['n', 'o'])
      await app.taskService.onIdle()
      await app.stop()
    })
  })

  describe('cancel()', () => {
    it('on a queued task: cancelled at once, never runs, returns true', async () => {
      const app = await startApp()
      let calls = 0
      const handle = app.taskService.spawn(() => void calls++)
      expect(handle.cancel('not now')).toBe(true)
      expect(handle.state).toBe('cancelled')
      expect(handle.signal.aborted).toBe(true)
      expect(handle.signal.reason).toBe('not now')
      await turns(3)
      expect(calls).toBe(0)
      expect(app.taskService.stats()).toMatchObject({ cancelled: 1, queued: 0 })
      await app.stop()
    })

    it('aborts a signal that was read while queued', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn(() => 1)
      const signal = handle.signal
      handle.cancel('stop')
      expect(signal.aborted).toBe(true)
      expect(signal.reason).toBe('stop')
      await app.stop()
    })

    it('on a running task: aborts its signal with the reason, returns true; the first reason wins', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn((signal) => untilAborted(signal))
      await turns(1)
      const reason = new Error('first')
      expect(handle.cancel(reason)).toBe(true)
      expect(handle.signal.reason).toBe(reason)
      expect(handle.state).toBe('running') // its rejection arrives on a later microtask
      expect(handle.cancel('second')).toBe(true)
      expect(handle.signal.reason).toBe(reason)
      await handle.settled
      expect((handle.error as CancelledError).reason).toBe(reason)
      await app.stop()
    })

    it('without a reason aborts with a DOM AbortError', async () => {
      const app = await startApp()
      const handle = app.taskService.spawn((signal) => untilAborted(signal))
      await turns(1)
      handle.cancel()
      expect((handle.signal.reason as DOMException).name).toBe('AbortError')
      await handle.settled
      expect(handle.state).toBe('cancelled')
      await app.stop()
    })

    it('returns false once the task has finished, whatever the outcome, and changes nothing', async () => {
      const app = await startApp()
      const ok = app.taskService.spawn(() => 'ok')
      const bad = app.taskService.spawn(() => {
        throw new Error('bad')
      })
      const gone = app.taskService.spawn(() => 1)
      expect(gone.cancel()).toBe(true)
      await Promise.all([ok.settled, bad.settled])
      expect([ok.cancel(), bad.cancel('x'), gone.cancel()]).toEqual([false, false, false])
      expect([ok.state, bad.state, gone.state]).toEqual(['succeeded', 'failed', 'cancelled'])
      expect(ok.value).toBe('ok')
      expect(ok.signal.aborted).toBe(false)
      expect(app.taskService.stats()).toMatchObject({ succeeded: 1, failed: 1, cancelled: 1 })
      await app.stop()
    })
  })
})
