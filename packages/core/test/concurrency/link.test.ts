import { describe, expect, it } from 'vitest'
import { awaitChild, link } from '../../src/concurrency/link.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError, ChildCancelledError } from '../../src/errors/cancellation.js'
import { realClock } from '../../src/clock/clock.js'
import { TaskEngine } from '../../src/tasks/engine.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import type { TaskFunction } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

// Handles as every host makes them: queued now, started on the next microtask.
const engine = new TaskEngine({ clock: realClock, startOn: 'microtask' })
function start<T>(fn: TaskFunction<T>, name?: string): TaskHandle<T> {
  return engine.spawn(fn, { name })
}

describe('link()', () => {
  it('a failure of either cancels the other with the error as reason', async () => {
    const clock = new TestClock()
    const boom = new Error('boom')
    const a = start(async () => { await sleep(10, { clock }); throw boom })
    const b = start((signal) => sleep(1_000, { signal, clock }))
    link(a, b)
    await clock.advance(10)
    expect(b.state).toBe('cancelled')
    expect(b.signal.reason).toBe(boom)
    // and the other direction
    const c = start((signal) => sleep(1_000, { signal, clock }))
    const d = start(async () => { await sleep(10, { clock }); throw boom })
    link(c, d)
    await clock.advance(10)
    expect(c.state).toBe('cancelled')
  })

  it('a cancellation of either cancels the other with a CancelledError that names it', async () => {
    const clock = new TestClock()
    const a = start((signal) => sleep(1_000, { signal, clock }), 'reader')
    const b = start((signal) => sleep(1_000, { signal, clock }), 'writer')
    link(a, b)
    a.cancel('closed')
    await turns()
    expect(b.state).toBe('cancelled')
    const reason = b.signal.reason as CancelledError
    expect(reason).toBeInstanceOf(CancelledError)
    expect(reason.message).toContain('reader')
    expect(reason.reason).toBe('closed')
  })

  it('success cancels nothing', async () => {
    const clock = new TestClock()
    const a = start(async () => 1)
    const b = start((signal) => sleep(10, { signal, clock }))
    link(a, b)
    await turns()
    expect(a.state).toBe('succeeded')
    expect(b.state).toBe('running')
    await clock.advance(10)
    expect(b.state).toBe('succeeded')
  })

  it('never loops: the cancelled partner does not bounce back', async () => {
    const clock = new TestClock()
    const a = start((signal) => sleep(1_000, { signal, clock }))
    const b = start((signal) => sleep(1_000, { signal, clock }))
    const cancels: string[] = []
    const origA = a.cancel.bind(a)
    const origB = b.cancel.bind(b)
    a.cancel = (r?: unknown) => { cancels.push('a'); return origA(r) }
    b.cancel = (r?: unknown) => { cancels.push('b'); return origB(r) }
    link(a, b)
    a.cancel('x')
    await turns()
    expect(b.state).toBe('cancelled')
    await turns()
    // b was cancelled once by the link; b's cancellation did not bounce back to a.
    expect(cancels).toEqual(['a', 'b'])
  })

  it('the returned disposer unlinks', async () => {
    const clock = new TestClock()
    const a = start((signal) => sleep(1_000, { signal, clock }))
    const b = start((signal) => sleep(1_000, { signal, clock }))
    const unlink = link(a, b)
    unlink()
    unlink()
    a.cancel('x')
    await turns()
    expect(b.state).toBe('running')
    b.cancel()
    await turns()
  })

  it('validates its arguments', () => {
    const a = start(() => 1)
    expect(() => link(a, {} as never)).toThrow(TypeError)
    expect(() => link(null as never, a)).toThrow(TypeError)
  })
})

describe('awaitChild()', () => {
  it('resolves with the child value and rejects with its error', async () => {
    await expect(awaitChild(start(async () => 5))).resolves.toBe(5)
    const boom = new Error('boom')
    await expect(awaitChild(start(async () => { throw boom }))).rejects.toBe(boom)
  })

  it('a child cancelled by someone else → ChildCancelledError with the child cancel reason', async () => {
    const clock = new TestClock()
    const child = start((signal) => sleep(1_000, { signal, clock }))
    const controller = new AbortController()
    const result = outcome(awaitChild(child, { signal: controller.signal }))
    child.cancel('other')
    await turns()
    expect(result.error).toBeInstanceOf(ChildCancelledError)
    expect((result.error as ChildCancelledError).reason).toBe('other')
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('my own signal aborted → CancelledError (not ChildCancelledError) with my reason, and the child is cancelled', async () => {
    const clock = new TestClock()
    const child = start((signal) => sleep(1_000, { signal, clock }))
    const controller = new AbortController()
    const result = outcome(awaitChild(child, { signal: controller.signal }))
    controller.abort('mine')
    await turns()
    expect(result.error).toBeInstanceOf(CancelledError)
    expect(result.error).not.toBeInstanceOf(ChildCancelledError)
    expect((result.error as CancelledError).reason).toBe('mine')
    expect(child.state).toBe('cancelled')
    expect(child.signal.reason).toBe('mine')
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('propagate: false leaves the child running', async () => {
    const clock = new TestClock()
    const child = start((signal) => sleep(10, { signal, clock }))
    const controller = new AbortController()
    const result = outcome(awaitChild(child, { signal: controller.signal, propagate: false }))
    controller.abort('mine')
    await turns()
    expect((result.error as CancelledError).reason).toBe('mine')
    expect(child.state).toBe('running')
    await clock.advance(10)
    expect(child.state).toBe('succeeded')
  })

  it('an already aborted signal rejects at once and cancels the child unless propagate is false', async () => {
    const clock = new TestClock()
    const controller = new AbortController()
    controller.abort('before')
    const a = start((signal) => sleep(10, { signal, clock }))
    await expect(awaitChild(a, { signal: controller.signal })).rejects.toMatchObject({ reason: 'before' })
    expect(a.signal.aborted).toBe(true)
    const b = start((signal) => sleep(10, { signal, clock }))
    await expect(awaitChild(b, { signal: controller.signal, propagate: false })).rejects.toBeInstanceOf(CancelledError)
    expect(b.signal.aborted).toBe(false)
    await clock.advance(10)
  })

  it('validates its arguments', () => {
    expect(() => awaitChild({} as never)).toThrow(TypeError)
    const child = start(() => 1)
    expect(() => awaitChild(child, { propagate: 'no' as never })).toThrow(TypeError)
  })
})
