import { describe, expect, it } from 'vitest'
import { BoundedSemaphore, Semaphore } from '../../src/concurrency/semaphore.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('Semaphore', () => {
  it('hands out `value` permits, then makes acquirers wait until a release', async () => {
    const sem = new Semaphore(2)
    await sem.acquire()
    expect(sem.locked).toBe(false)
    await sem.acquire()
    expect(sem.locked).toBe(true)
    const third = outcome(sem.acquire())
    await turns()
    expect(third.state).toBe('pending')
    sem.release()
    await turns()
    expect(third.state).toBe('resolved')
    expect(sem.locked).toBe(true)
  })

  it('wakes waiters in FIFO order', async () => {
    const sem = new Semaphore(0)
    const order: number[] = []
    const waits = [1, 2, 3].map((n) => sem.acquire().then(() => order.push(n)))
    sem.release()
    sem.release()
    sem.release()
    await Promise.all(waits)
    expect(order).toEqual([1, 2, 3])
  })

  it('a newcomer does not jump ahead of a woken waiter', async () => {
    const sem = new Semaphore(0)
    const first = outcome(sem.acquire())
    sem.release() // handed to `first`
    const late = outcome(sem.acquire())
    await turns()
    expect(first.state).toBe('resolved')
    expect(late.state).toBe('pending')
  })

  it('a plain Semaphore may be released above its initial value', async () => {
    const sem = new Semaphore(1)
    sem.release()
    expect(sem.value).toBe(2)
  })

  it('use() holds a permit during fn and releases it however fn ends', async () => {
    const sem = new Semaphore(1)
    await expect(sem.use(() => { expect(sem.locked).toBe(true); return 5 })).resolves.toBe(5)
    expect(sem.locked).toBe(false)
    await expect(sem.use(async () => { throw new Error('x') })).rejects.toThrow('x')
    expect(sem.locked).toBe(false)
  })

  it('an aborted waiter takes no permit and leaves the queue; listener removed', async () => {
    const sem = new Semaphore(0)
    const controller = new AbortController()
    const aborted = outcome(sem.acquire({ signal: controller.signal }))
    const next = outcome(sem.acquire())
    expect(abortListeners(controller.signal)).toBe(1)
    controller.abort('bye')
    await turns()
    expect(aborted.error).toBeInstanceOf(CancelledError)
    expect((aborted.error as CancelledError).reason).toBe('bye')
    expect(abortListeners(controller.signal)).toBe(0)
    sem.release()
    await turns()
    expect(next.state).toBe('resolved')
  })

  it('RACE: a waiter aborted in the same turn it is handed a permit passes it to the next waiter', async () => {
    const sem = new Semaphore(0)
    const controller = new AbortController()
    const first = outcome(sem.acquire({ signal: controller.signal }))
    const second = outcome(sem.acquire())
    sem.release() // handed to `first`...
    controller.abort('too late') // ...which is aborted before it could resume
    await turns()
    expect(first.state).toBe('rejected')
    expect(first.error).toBeInstanceOf(CancelledError)
    expect(second.state).toBe('resolved')
    expect(sem.value).toBe(0)
  })

  it('RACE: with nobody else waiting the returned permit goes back to the pool', async () => {
    const sem = new BoundedSemaphore(1)
    await sem.acquire()
    const controller = new AbortController()
    const waiter = outcome(sem.acquire({ signal: controller.signal }))
    sem.release()
    controller.abort()
    await turns()
    expect(waiter.state).toBe('rejected')
    expect(sem.value).toBe(1)
    expect(sem.locked).toBe(false)
  })

  it('rejects at once without taking a permit for an already aborted signal', async () => {
    const sem = new Semaphore(1)
    const controller = new AbortController()
    controller.abort('no')
    await expect(sem.acquire({ signal: controller.signal })).rejects.toMatchObject({ reason: 'no' })
    expect(sem.value).toBe(1)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('timeoutMs rejects with TimeoutError, takes nothing and clears its timer', async () => {
    const clock = new TestClock()
    const sem = new Semaphore(0)
    const waiter = outcome(sem.acquire({ timeoutMs: 100, clock }))
    await clock.advance(100)
    expect(waiter.error).toBeInstanceOf(TimeoutError)
    sem.release()
    expect(sem.value).toBe(1)
    const ok = sem.acquire({ timeoutMs: 100, clock })
    await ok
    expect(clock.pending).toBe(0)
  })

  it('clears the timer of a waiter that got its permit', async () => {
    const clock = new TestClock()
    const sem = new Semaphore(0)
    const waiter = sem.acquire({ timeoutMs: 100, clock })
    expect(clock.pending).toBe(1)
    sem.release()
    await waiter
    expect(clock.pending).toBe(0)
  })

  it('validates its constructor and options', () => {
    expect(() => new Semaphore(-1)).toThrow(new RangeError('Expected `value` to be an integer >= 0, got -1 (number)'))
    expect(() => new Semaphore(1.5)).toThrow(RangeError)
    expect(() => new Semaphore('1' as never)).toThrow(TypeError)
    expect(() => new Semaphore(1).acquire({ signal: 'x' as never })).toThrow(TypeError)
    expect(() => new Semaphore(1).use('x' as never)).toThrow(TypeError)
  })
})

describe('BoundedSemaphore', () => {
  it('throws InvalidStateError on a release above its initial value', async () => {
    const sem = new BoundedSemaphore(2)
    expect(() => sem.release()).toThrow(InvalidStateError)
    await sem.acquire()
    sem.release()
    expect(() => sem.release()).toThrow(InvalidStateError)
    expect(sem.value).toBe(2)
  })

  it('is a Semaphore', () => {
    expect(new BoundedSemaphore(1)).toBeInstanceOf(Semaphore)
  })
})
