import { describe, expect, it } from 'vitest'
import { Event } from '../../src/concurrency/event.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('Event', () => {
  it('wait() blocks until set(), which wakes every waiter', async () => {
    const event = new Event()
    expect(event.isSet).toBe(false)
    const a = outcome(event.wait())
    const b = outcome(event.wait())
    await turns()
    expect(a.state).toBe('pending')
    event.set()
    expect(event.isSet).toBe(true)
    await turns()
    expect(a.state).toBe('resolved')
    expect(b.state).toBe('resolved')
  })

  it('wait() resolves at once when already set; clear() makes it block again', async () => {
    const event = new Event()
    event.set()
    event.set()
    await expect(event.wait()).resolves.toBeUndefined()
    event.clear()
    expect(event.isSet).toBe(false)
    const waiting = outcome(event.wait())
    await turns()
    expect(waiting.state).toBe('pending')
    event.set()
    await turns()
    expect(waiting.state).toBe('resolved')
  })

  it('an aborted wait rejects with CancelledError(reason) and removes its listener', async () => {
    const event = new Event()
    const controller = new AbortController()
    const waiting = outcome(event.wait({ signal: controller.signal }))
    controller.abort('stop')
    await turns()
    expect(waiting.error).toBeInstanceOf(CancelledError)
    expect((waiting.error as CancelledError).reason).toBe('stop')
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('an already aborted signal rejects at once', async () => {
    const event = new Event()
    const controller = new AbortController()
    controller.abort('x')
    await expect(event.wait({ signal: controller.signal })).rejects.toBeInstanceOf(CancelledError)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('timeoutMs rejects with TimeoutError; set() clears the timers of the waiters it wakes', async () => {
    const clock = new TestClock()
    const event = new Event()
    const controller = new AbortController()
    const late = outcome(event.wait({ timeoutMs: 10, clock }))
    await clock.advance(10)
    expect(late.error).toBeInstanceOf(TimeoutError)
    const woken = event.wait({ timeoutMs: 10, clock, signal: controller.signal })
    event.set()
    await woken
    expect(clock.pending).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('validates options', () => {
    expect(() => new Event().wait({ signal: 1 as never })).toThrow(TypeError)
  })
})
