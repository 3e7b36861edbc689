import { describe, expect, it } from 'vitest'
import { Queue } from '../../src/concurrency/queue.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { QueueEmpty, QueueFull, QueueShutDown } from '../../src/errors/queue-errors.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { outcome } from '../support/promises.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('Queue', () => {
  describe('basics', () => {
    it('is FIFO, unbounded by default, and reports size and maxsize', async () => {
      const q = new Queue<number>()
      expect(q.maxsize).toBe(0)
      for (let i = 0; i < 2000; i++) q.putNowait(i)
      expect(q.size).toBe(2000)
      const out: number[] = []
      for (let i = 0; i < 2000; i++) out.push(await q.get())
      expect(out).toEqual(Array.from({ length: 2000 }, (_, i) => i))
      expect(q.size).toBe(0)
    })

    it('get() waits for an item; getters are served in FIFO order', async () => {
      const q = new Queue<string>()
      const a = outcome(q.get())
      const b = outcome(q.get())
      await turns()
      expect(a.state).toBe('pending')
      q.putNowait('x')
      q.putNowait('y')
      expect(q.size).toBe(0)
      await turns()
      expect(a.value).toBe('x')
      expect(b.value).toBe('y')
    })

    it('put() waits while the bounded queue is full; putters are served in FIFO order', async () => {
      const q = new Queue<number>(1)
      expect(q.maxsize).toBe(1)
      await q.put(1)
      const p2 = outcome(q.put(2))
      const p3 = outcome(q.put(3))
      await turns()
      expect(p2.state).toBe('pending')
      expect(q.getNowait()).toBe(1)
      await turns()
      expect(p2.state).toBe('resolved')
      expect(p3.state).toBe('pending')
      expect(await q.get()).toBe(2)
      await turns()
      expect(p3.state).toBe('resolved')
      expect(q.getNowait()).toBe(3)
    })

    it('putNowait throws QueueFull and getNowait throws QueueEmpty', () => {
      const q = new Queue<number>(1)
      expect(() => q.getNowait()).toThrow(QueueEmpty)
      q.putNowait(1)
      expect(() => q.putNowait(2)).toThrow(QueueFull)
      expect(q.size).toBe(1)
    })

    it('taskDone/join: join waits until every put item is done; one taskDone too many throws', async () => {
      const q = new Queue<number>()
      await expect(q.join()).resolves.toBeUndefined()
      q.putNowait(1)
      q.putNowait(2)
      const joined = outcome(q.join())
      await q.get()
      q.taskDone()
      await turns()
      expect(joined.state).toBe('pending')
      await q.get()
      q.taskDone()
      await turns()
      expect(joined.state).toBe('resolved')
      expect(() => q.taskDone()).toThrow(InvalidStateError)
    })

    it('join() accepts a signal and a timeout and cleans up', async () => {
      const clock = new TestClock()
      const q = new Queue<number>()
      q.putNowait(1)
      const controller = new AbortController()
      const cancelled = outcome(q.join({ signal: controller.signal }))
      const timedOut = outcome(q.join({ timeoutMs: 5, clock }))
      controller.abort('stop')
      await clock.advance(5)
      expect((cancelled.error as CancelledError).reason).toBe('stop')
      expect(timedOut.error).toBeInstanceOf(TimeoutError)
      expect(abortListeners(controller.signal)).toBe(0)
      expect(clock.pending).toBe(0)
    })

    it('validates the constructor and options', () => {
      expect(() => new Queue(-1)).toThrow(new RangeError('Expected `maxsize` to be an integer >= 0, got -1 (number)'))
      expect(() => new Queue(1.5)).toThrow(RangeError)
      expect(() => new Queue('2' as never)).toThrow(TypeError)
      expect(() => new Queue().get({ timeoutMs: Number.NaN })).toThrow(RangeError)
      expect(() => new Queue().put(1, { signal: {} as never })).toThrow(TypeError)
      expect(() => new Queue().close({ immediate: 'yes' as never })).toThrow(TypeError)
    })
  })

  describe('cancellation and timeouts', () => {
    it('an aborted get() takes no item, rejects with CancelledError(reason) and removes its listener', async () => {
      const q = new Queue<number>()
      const controller = new AbortController()
      const aborted = outcome(q.get({ signal: controller.signal }))
      const next = outcome(q.get())
      controller.abort('stop')
      q.putNowait(1)
      await turns()
      expect((aborted.error as CancelledError).reason).toBe('stop')
      expect(next.value).toBe(1)
      expect(abortListeners(controller.signal)).toBe(0)
    })

    it('an already aborted signal rejects get/put at once, taking and enqueuing nothing', async () => {
      const q = new Queue<number>(1)
      const controller = new AbortController()
      controller.abort('x')
      q.putNowait(1)
      await expect(q.get({ signal: controller.signal })).rejects.toBeInstanceOf(CancelledError)
      expect(q.size).toBe(1)
      q.getNowait()
      await expect(q.put(2, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError)
      expect(q.size).toBe(0)
    })

    it('an aborted put() adds nothing and frees its turn for the next putter', async () => {
      const q = new Queue<number>(1)
      q.putNowait(0)
      const controller = new AbortController()
      const aborted = outcome(q.put(1, { signal: controller.signal }))
      const next = outcome(q.put(2))
      controller.abort('no')
      await turns()
      expect(aborted.error).toBeInstanceOf(CancelledError)
      expect(q.getNowait()).toBe(0)
      await turns()
      expect(next.state).toBe('resolved')
      expect(q.getNowait()).toBe(2)
      expect(q.size).toBe(0)
    })

    it('get/put timeouts reject with TimeoutError and clear their timers', async () => {
      const clock = new TestClock()
      const q = new Queue<number>(1)
      const get = outcome(q.get({ timeoutMs: 10, clock }))
      await clock.advance(10)
      expect(get.error).toBeInstanceOf(TimeoutError)
      q.putNowait(1)
      const put = outcome(q.put(2, { timeoutMs: 10, clock }))
      await clock.advance(10)
      expect(put.error).toBeInstanceOf(TimeoutError)
      expect(q.size).toBe(1)
      const ok = q.get({ timeoutMs: 10, clock })
      await expect(ok).resolves.toBe(1)
      const blocked = q.get({ timeoutMs: 10, clock })
      q.putNowait(3)
      await expect(blocked).resolves.toBe(3)
      expect(clock.pending).toBe(0)
    })

    it('RACE: a get() aborted in the same turn it is handed an item passes the item to the next getter', async () => {
      const q = new Queue<string>()
      const controller = new AbortController()
      const first = outcome(q.get({ signal: controller.signal }))
      const second = outcome(q.get())
      q.putNowait('item') // handed to `first`...
      controller.abort('late') // ...which is aborted before it resumed
      await turns()
      expect(first.error).toBeInstanceOf(CancelledError)
      expect(second.value).toBe('item')
      expect(q.size).toBe(0)
    })

    it('RACE: with no other getter the item goes back to the FRONT of the queue', async () => {
      const q = new Queue<string>()
      const controller = new AbortController()
      const first = outcome(q.get({ signal: controller.signal }))
      q.putNowait('a') // handed to `first`
      q.putNowait('b') // queued
      controller.abort('late')
      await turns()
      expect(first.state).toBe('rejected')
      expect(q.size).toBe(2)
      expect(q.getNowait()).toBe('a')
      expect(q.getNowait()).toBe('b')
    })

    it('RACE: an item in flight to a getter still occupies its slot, so a returned item never overfills the queue', async () => {
      const q = new Queue<string>(1)
      const controller = new AbortController()
      const first = outcome(q.get({ signal: controller.signal }))
      q.putNowait('a') // in flight to `first`
      expect(() => q.putNowait('b')).toThrow(QueueFull)
      const putter = outcome(q.put('c'))
      controller.abort('late')
      await turns()
      expect(first.state).toBe('rejected')
      expect(q.size).toBe(1)
      expect(putter.state).toBe('pending')
      expect(q.getNowait()).toBe('a')
      await turns()
      expect(putter.state).toBe('resolved')
      expect(q.getNowait()).toBe('c')
    })

    it('RACE: a put() aborted in the same turn a slot is handed to it adds nothing and passes the slot on', async () => {
      const q = new Queue<number>(1)
      q.putNowait(0)
      const controller = new AbortController()
      const first = outcome(q.put(1, { signal: controller.signal }))
      const second = outcome(q.put(2))
      expect(q.getNowait()).toBe(0) // frees the slot for `first`...
      controller.abort('late') // ...which is aborted before it resumed
      await turns()
      expect(first.error).toBeInstanceOf(CancelledError)
      expect(second.state).toBe('resolved')
      expect(q.size).toBe(1)
      expect(q.getNowait()).toBe(2)
    })

    it('RACE: a reserved slot is not stolen by putNowait in the same turn', async () => {
      const q = new Queue<number>(1)
      q.putNowait(0)
      const waiting = outcome(q.put(1))
      q.getNowait()
      expect(() => q.putNowait(9)).toThrow(QueueFull)
      await turns()
      expect(waiting.state).toBe('resolved')
      expect(q.getNowait()).toBe(1)
    })
  })

  describe('close() and fail()', () => {
    it('close(): put rejects with QueueShutDown, get drains the items then rejects with QueueShutDown', async () => {
      const q = new Queue<number>()
      q.putNowait(1)
      q.putNowait(2)
      q.close()
      await expect(q.put(3)).rejects.toBeInstanceOf(QueueShutDown)
      expect(() => q.putNowait(3)).toThrow(QueueShutDown)
      expect(await q.get()).toBe(1)
      expect(q.getNowait()).toBe(2)
      await expect(q.get()).rejects.toBeInstanceOf(QueueShutDown)
      expect(() => q.getNowait()).toThrow(QueueShutDown)
    })

    it('close() wakes blocked getters (empty queue) and blocked putters with QueueShutDown', async () => {
      const q = new Queue<number>(1)
      const emptyQueue = new Queue<number>()
      const blockedGet = outcome(emptyQueue.get())
      q.putNowait(1)
      const blockedPut = outcome(q.put(2))
      emptyQueue.close()
      q.close()
      await turns()
      expect(blockedGet.error).toBeInstanceOf(QueueShutDown)
      expect(blockedPut.error).toBeInstanceOf(QueueShutDown)
      expect(q.getNowait()).toBe(1)
    })

    it('close({ immediate: true }) drops the items, wakes getters and join(), and is idempotent', async () => {
      const q = new Queue<number>()
      q.putNowait(1)
      q.putNowait(2)
      const joined = outcome(q.join())
      q.close()
      q.close({ immediate: true })
      q.close()
      await turns()
      expect(q.size).toBe(0)
      expect(joined.state).toBe('resolved')
      await expect(q.get()).rejects.toBeInstanceOf(QueueShutDown)
      expect(() => q.taskDone()).toThrow(InvalidStateError)
    })

    it('join() after an immediate close still waits for items already taken but not done (as in Python)', async () => {
      const q = new Queue<number>()
      q.putNowait(1)
      q.putNowait(2)
      await q.get()
      const joined = outcome(q.join())
      q.close({ immediate: true })
      await turns()
      expect(joined.state).toBe('pending')
      q.taskDone()
      await turns()
      expect(joined.state).toBe('resolved')
    })

    it('an immediate close drops an item still in flight to a getter, which gets QueueShutDown', async () => {
      const q = new Queue<number>()
      const getter = outcome(q.get())
      q.putNowait(1)
      q.close({ immediate: true })
      await turns()
      expect(getter.error).toBeInstanceOf(QueueShutDown)
      await expect(q.join()).resolves.toBeUndefined()
    })

    it('a putter handed a slot before close() gets QueueShutDown', async () => {
      const q = new Queue<number>(1)
      q.putNowait(0)
      const putter = outcome(q.put(1))
      q.getNowait()
      q.close()
      await turns()
      expect(putter.error).toBeInstanceOf(QueueShutDown)
      expect(q.size).toBe(0)
    })

    it('fail(err): items queued before it are delivered, then get() rejects with QueueShutDown whose cause is err', async () => {
      const q = new Queue<number>()
      const err = new Error('producer died')
      q.putNowait(1)
      q.fail(err)
      expect(await q.get()).toBe(1)
      const error = await q.get().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(QueueShutDown)
      expect((error as QueueShutDown).cause).toBe(err)
      await expect(q.put(2)).rejects.toMatchObject({ cause: err })
    })

    it('fail(err) wakes a consumer blocked on an empty queue with the error as cause', async () => {
      const q = new Queue<number>()
      const controller = new AbortController()
      const blocked = outcome(q.get({ signal: controller.signal }))
      const err = { reason: 'not even an Error' }
      q.fail(err)
      await turns()
      expect(blocked.error).toBeInstanceOf(QueueShutDown)
      expect((blocked.error as QueueShutDown).cause).toBe(err)
      expect(abortListeners(controller.signal)).toBe(0)
      q.fail(new Error('ignored'))
      await expect(q.get()).rejects.toMatchObject({ cause: err })
    })
  })
})
