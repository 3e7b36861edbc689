import { describe, expect, it } from 'vitest'
import { Lock } from '../../src/concurrency/lock.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('Lock', () => {
  it('is exclusive and hands over to waiters in FIFO order', async () => {
    const lock = new Lock()
    expect(lock.locked).toBe(false)
    await lock.acquire()
    expect(lock.locked).toBe(true)
    const order: string[] = []
    const b = lock.acquire().then(() => order.push('b'))
    const c = lock.acquire().then(() => order.push('c'))
    await turns()
    expect(order).toEqual([])
    lock.release()
    await b
    expect(lock.locked).toBe(true)
    lock.release()
    await c
    lock.release()
    expect(order).toEqual(['b', 'c'])
    expect(lock.locked).toBe(false)
  })

  it('release() when unlocked throws InvalidStateError', () => {
    const lock = new Lock()
    expect(() => lock.release()).toThrow(InvalidStateError)
  })

  it('use() serialises critical sections and always releases', async () => {
    const lock = new Lock()
    const log: string[] = []
    const section = (name: string, fail = false) =>
      lock.use(async () => {
        log.push(`${name}:in`)
        await turns(1)
        log.push(`${name}:out`)
        if (fail) throw new Error(name)
      })
    const results = await Promise.allSettled([section('a', true), section('b')])
    expect(results[0]!.status).toBe('rejected')
    expect(log).toEqual(['a:in', 'a:out', 'b:in', 'b:out'])
    expect(lock.locked).toBe(false)
  })

  it('an aborted waiter never gets the lock and its listener is removed', async () => {
    const lock = new Lock()
    await lock.acquire()
    const controller = new AbortController()
    const waiter = outcome(lock.acquire({ signal: controller.signal }))
    controller.abort('stop')
    await turns()
    expect((waiter.error as CancelledError).reason).toBe('stop')
    expect(abortListeners(controller.signal)).toBe(0)
    lock.release()
    expect(lock.locked).toBe(false)
  })

  it('RACE: a waiter aborted in the same turn the lock is handed to it passes the lock on', async () => {
    const lock = new Lock()
    await lock.acquire()
    const controller = new AbortController()
    const first = outcome(lock.acquire({ signal: controller.signal }))
    const second = outcome(lock.acquire())
    lock.release()
    controller.abort('late')
    await turns()
    expect(first.error).toBeInstanceOf(CancelledError)
    expect(second.state).toBe('resolved')
    expect(lock.locked).toBe(true)
    lock.release()
    expect(lock.locked).toBe(false)
  })

  it('RACE: with no other waiter, the lock ends up unlocked', async () => {
    const lock = new Lock()
    await lock.acquire()
    const controller = new AbortController()
    const first = outcome(lock.acquire({ signal: controller.signal }))
    lock.release()
    controller.abort('late')
    await turns()
    expect(first.state).toBe('rejected')
    expect(lock.locked).toBe(false)
  })

  it('rejects at once, without side effects, for an already aborted signal', async () => {
    const lock = new Lock()
    const controller = new AbortController()
    controller.abort('x')
    await expect(lock.acquire({ signal: controller.signal })).rejects.toBeInstanceOf(CancelledError)
    expect(lock.locked).toBe(false)
  })

  it('timeoutMs rejects with TimeoutError and clears its timer either way', async () => {
    const clock = new TestClock()
    const lock = new Lock()
    await lock.acquire()
    const timedOut = outcome(lock.acquire({ timeoutMs: 10, clock }))
    await clock.advance(10)
    expect(timedOut.error).toBeInstanceOf(TimeoutError)
    const got = lock.acquire({ timeoutMs: 10, clock })
    lock.release()
    await got
    expect(clock.pending).toBe(0)
  })

  it('validates its arguments', () => {
    expect(() => new Lock().acquire({ timeoutMs: -1 })).toThrow(RangeError)
    expect(() => new Lock().use(undefined as never)).toThrow(TypeError)
  })
})
