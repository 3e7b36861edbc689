/**
 * Contract §9 (concurrency toolkit, asyncio parity), black-box through `@tsab/core` only: sleep, gather, wait,
 * asCompleted, shield, withTimeout, TaskGroup, Semaphore/BoundedSemaphore, Lock, Event, Queue, link, awaitChild.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  asCompleted,
  awaitChild,
  BoundedSemaphore,
  CancelledError,
  ChildCancelledError,
  Event,
  gather,
  InvalidStateError,
  link,
  Lock,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  Semaphore,
  shield,
  sleep,
  TaskGroup,
  TaskManager,
  TimeoutError,
  wait,
  withTimeout,
  type TaskHandle,
} from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { turns } from '../support/event-loop.js'
import { abortListeners } from '../support/listeners.js'
import { silentLogger } from '../support/logs.js'
import { deferred, peek } from '../support/promises.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
const managers: TaskManager[] = []

afterEach(async () => {
  for (const m of managers.splice(0)) await m.shutdownTaskManager()
  await turns()
  expect(unhandled.splice(0)).toEqual([])
})

/** A promise with its settle functions. */
/** Runs until the signal aborts, then rejects with its reason. */
const hang = (signal: AbortSignal): Promise<never> =>
  new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

/** Handles from a fresh TaskManager (torn down after the test). */
function spawn<T>(fn: (signal: AbortSignal) => T | Promise<T>): TaskHandle<T> {
  const m = new TaskManager({ logger: silentLogger() })
  managers.push(m)
  return m.registerAnonymousTask('t', fn) as TaskHandle<T>
}

const caught = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then(() => 'resolved', (e: unknown) => e)

describe('§9 sleep', () => {
  it('resolves after ms on its clock; abort rejects CancelledError with the reason unchanged and disarms', async () => {
    const clock = new TestClock()
    const c = new AbortController()
    const p = caught(sleep(100, { clock, signal: c.signal }))
    await clock.advance(50)
    const reason = new Error('stop')
    c.abort(reason)
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect((e as CancelledError).reason).toBe(reason)
    expect(clock.pending).toBe(0)
    expect(abortListeners(c.signal)).toBe(0)
    const pre = await caught(sleep(10, { signal: AbortSignal.abort('pre') }))
    expect((pre as CancelledError).reason).toBe('pre')
    expect(() => sleep(-1)).toThrow(RangeError)
    expect(() => sleep(-1)).toThrow(/^Expected `ms` to be .*got -1 \(number\)$/)
  })
})

describe('§9 gather', () => {
  it('calls function children at once, each with its own signal, and keeps argument order', async () => {
    const signals: AbortSignal[] = []
    const d1 = deferred<string>()
    const p = gather<string>([
      (s) => (signals.push(s), d1.promise),
      (s) => (signals.push(s), 'b'),
      Promise.resolve('c'),
    ])
    expect(signals.length).toBe(2)
    expect(signals[0]).not.toBe(signals[1])
    d1.resolve('a')
    expect(await p).toEqual(['a', 'b', 'c'])
  })

  it('without returnExceptions rejects with the first error while the others keep running', async () => {
    const boom = new Error('first')
    let other: AbortSignal | undefined
    const slow = deferred<string>()
    let finished = false
    const p = caught(gather([
      async () => { await Promise.resolve(); throw boom },
      async (s) => { other = s; await slow.promise; finished = true; return 'x' },
      async () => { await turns(1); throw new Error('second') },
    ]))
    expect(await p).toBe(boom)
    expect(other!.aborted).toBe(false)
    slow.resolve('x')
    await turns()
    expect(finished).toBe(true)
  })

  it('with returnExceptions puts errors in place', async () => {
    const e = new Error('x')
    expect(await gather([() => 1, () => { throw e }, Promise.reject(e)], { returnExceptions: true })).toEqual([1, e, e])
  })

  it("aborting gather's signal cancels all unfinished children with the same reason and rejects CancelledError", async () => {
    const c = new AbortController()
    const signals: AbortSignal[] = []
    const p = caught(gather([(s) => (signals.push(s), 'done'), (s) => (signals.push(s), hang(s)), (s) => (signals.push(s), hang(s))], { signal: c.signal }))
    await turns()
    const reason = { r: 1 }
    c.abort(reason)
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect((e as CancelledError).reason).toBe(reason)
    expect(signals[0]!.aborted).toBe(false)
    expect(signals.slice(1).map((s) => s.reason)).toEqual([reason, reason])
    expect(abortListeners(c.signal)).toBe(0)
  })

  it('returns [] for no children', async () => {
    expect(await gather([])).toEqual([])
  })
})

describe('§9 wait / asCompleted', () => {
  it('empty tasks throws RangeError synchronously', () => {
    expect(() => wait([])).toThrow(RangeError)
    expect(() => wait(new Set<Promise<void>>())).toThrow(RangeError)
  })

  it('ALL_COMPLETED (default): sets of the given promises; never rejects because of them', async () => {
    const a = Promise.resolve(1)
    const b = Promise.reject(new Error('b'))
    const { done, pending } = await wait([a, b])
    expect(done).toEqual(new Set([a, b]))
    expect(pending.size).toBe(0)
    b.catch(() => {})
  })

  it('FIRST_COMPLETED / FIRST_EXCEPTION / timeoutMs leave the rest pending and never cancel them', async () => {
    const slow = deferred<number>()
    const fast = Promise.resolve(1)
    const r1 = await wait([slow.promise, fast], { returnWhen: 'FIRST_COMPLETED' })
    expect([...r1.done]).toEqual([fast])
    expect([...r1.pending]).toEqual([slow.promise])
    const failing = Promise.reject(new Error('f'))
    const r2 = await wait([slow.promise, fast, failing], { returnWhen: 'FIRST_EXCEPTION' })
    expect(r2.done).toEqual(new Set([fast, failing]))
    expect(r2.pending).toEqual(new Set([slow.promise]))
    const r3 = await wait([slow.promise], { timeoutMs: 5 })
    expect(r3.done.size).toBe(0)
    expect(r3.pending).toEqual(new Set([slow.promise]))
    slow.resolve(2)
    expect(await slow.promise).toBe(2)
    failing.catch(() => {})
  })

  it('asCompleted yields in completion order and throws TimeoutError at timeoutMs', async () => {
    const a = deferred<string>()
    const b = deferred<string>()
    const got: string[] = []
    const it = asCompleted([a.promise, b.promise])
    setTimeout(() => b.resolve('b'), 1)
    setTimeout(() => a.resolve('a'), 10)
    for await (const p of it) got.push(await p)
    expect(got).toEqual(['b', 'a'])
    const never = deferred<string>()
    const e = await caught((async () => { for await (const p of asCompleted([never.promise], { timeoutMs: 5 })) await p })())
    expect(e).toBeInstanceOf(TimeoutError)
  })
})

describe('§9 shield / withTimeout', () => {
  it('shield: aborting rejects the caller with CancelledError(reason) but the task goes on', async () => {
    const inner = deferred<number>()
    const c = new AbortController()
    const p = caught(shield(inner.promise, { signal: c.signal }))
    c.abort('r')
    const e = await p
    expect((e as CancelledError).reason).toBe('r')
    inner.resolve(5)
    expect(await inner.promise).toBe(5)
    expect(await shield(Promise.resolve(7))).toBe(7)
  })

  it('withTimeout rejects TimeoutError only after the task settled (its cleanup ran); value when in time', async () => {
    const clock = new TestClock()
    const log: string[] = []
    const p = withTimeout(async (signal) => {
      try { await hang(signal) } finally {
        await new Promise((r) => setTimeout(r, 5))
        log.push('cleanup')
      }
    }, 100, { clock }).then(() => 'resolved', (e: unknown) => (log.push('rejected'), e))
    await clock.advance(100)
    const e = await p
    expect(e).toBeInstanceOf(TimeoutError)
    expect(log).toEqual(['cleanup', 'rejected'])
    expect(await withTimeout(async () => 'ok', 100, { clock })).toBe('ok')
    expect(clock.pending).toBe(0)
  })

  it("withTimeout: the caller's signal aborting rejects CancelledError with its reason", async () => {
    const c = new AbortController()
    const p = caught(withTimeout(hang, 10_000, { signal: c.signal }))
    c.abort('caller')
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect(e).not.toBeInstanceOf(TimeoutError)
    expect((e as CancelledError).reason).toBe('caller')
  })
})

describe('§9 TaskGroup', () => {
  it('waits for every child and returns the body value', async () => {
    const done: number[] = []
    const v = await TaskGroup.run((g) => {
      g.spawn(async () => { await turns(2); done.push(1) })
      g.spawn(async () => void done.push(2))
      return 'body'
    })
    expect(v).toBe('body')
    expect(done.sort()).toEqual([1, 2])
  })

  it('the first failure aborts siblings and the body signal; AggregateError of the real errors only', async () => {
    const e1 = new Error('e1')
    const e2 = new Error('e2')
    let sibling: AbortSignal | undefined
    let body: AbortSignal | undefined
    const p = caught(TaskGroup.run(async (g) => {
      body = g.signal
      g.spawn((s) => { sibling = s; return hang(s) })
      g.spawn(async () => { await turns(1); throw e1 })
      g.spawn(async (s) => { try { await hang(s) } catch { throw e2 } })
      await hang(g.signal)
    }))
    const e = await p
    expect(e).toBeInstanceOf(AggregateError)
    expect((e as AggregateError).errors).toEqual([e1, e2])
    expect(sibling!.aborted).toBe(true)
    expect(body!.aborted).toBe(true)
  })

  it('a parent abort rejects with CancelledError carrying the reason; spawn after settle → InvalidStateError', async () => {
    const c = new AbortController()
    let group: TaskGroup | undefined
    const p = caught(TaskGroup.run(async (g) => { group = g; g.spawn(hang); await hang(g.signal) }, { signal: c.signal }))
    await turns()
    c.abort('parent')
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect((e as CancelledError).reason).toBe('parent')
    expect(() => group!.spawn(() => 1)).toThrow(InvalidStateError)
    expect(abortListeners(c.signal)).toBe(0)
  })

  it('a parent abort with a custom reason rejects CancelledError also when the body and children throw that reason (throwIfAborted)', async () => {
    const c = new AbortController()
    const p = caught(TaskGroup.run(async (g) => {
      g.spawn(async (s) => { await hang(s).catch(() => {}); s.throwIfAborted() })
      await hang(g.signal).catch(() => {})
      g.signal.throwIfAborted()
    }, { signal: c.signal }))
    await turns()
    c.abort('custom reason')
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect((e as CancelledError).reason).toBe('custom reason')
  })
})

describe('§9 Semaphore / BoundedSemaphore / Lock / Event', () => {
  it('Semaphore: FIFO permits; an aborted acquire takes no permit; use() releases on throw', async () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError)
    const s = new Semaphore(1)
    await s.acquire()
    expect(s.locked).toBe(true)
    const c = new AbortController()
    const a = caught(s.acquire({ signal: c.signal }))
    const order: string[] = []
    const b = s.acquire().then(() => void order.push('b'))
    c.abort('nope')
    expect(((await a) as CancelledError).reason).toBe('nope')
    s.release()
    await b
    expect(order).toEqual(['b'])
    s.release()
    expect(s.locked).toBe(false)
    await expect(s.use(() => { throw new Error('u') })).rejects.toThrow('u')
    expect(s.locked).toBe(false)
    expect(await s.use(async () => 3)).toBe(3)
  })

  it('BoundedSemaphore.release above its initial value and Lock.release when unlocked throw InvalidStateError', async () => {
    const b = new BoundedSemaphore(2)
    expect(() => b.release()).toThrow(InvalidStateError)
    await b.acquire()
    b.release()
    expect(() => b.release()).toThrow(InvalidStateError)
    expect(new Semaphore(1)).toBeInstanceOf(Semaphore)
    const s = new Semaphore(1)
    expect(() => s.release()).not.toThrow()
    const l = new Lock()
    expect(() => l.release()).toThrow(InvalidStateError)
    await l.acquire()
    expect(l.locked).toBe(true)
    const second = l.use(() => 'second')
    l.release()
    expect(await second).toBe('second')
    expect(l.locked).toBe(false)
  })

  it('Event: wait resolves on set; isSet/clear; aborted wait rejects CancelledError(reason)', async () => {
    const e = new Event()
    const w = e.wait()
    expect(e.isSet).toBe(false)
    e.set()
    await w
    expect(e.isSet).toBe(true)
    await e.wait()
    e.clear()
    const c = new AbortController()
    const p = caught(e.wait({ signal: c.signal }))
    c.abort('bye')
    expect(((await p) as CancelledError).reason).toBe('bye')
    expect(abortListeners(c.signal)).toBe(0)
  })
})

describe('§9 Queue', () => {
  it('FIFO with maxsize; putNowait full → QueueFull; getNowait empty → QueueEmpty; taskDone too many → InvalidStateError; join', async () => {
    const q = new Queue<number>(2)
    expect(q.maxsize).toBe(2)
    q.putNowait(1)
    await q.put(2)
    expect(() => q.putNowait(3)).toThrow(QueueFull)
    const blocked = q.put(3)
    expect(q.size).toBe(2)
    expect(await q.get()).toBe(1)
    await blocked
    expect([q.getNowait(), q.getNowait()]).toEqual([2, 3])
    expect(() => q.getNowait()).toThrow(QueueEmpty)
    const joined = q.join()
    expect((await peek(joined)).state).toBe('pending')
    q.taskDone()
    q.taskDone()
    expect((await peek(joined)).state).toBe('pending')
    q.taskDone()
    await joined
    expect(() => q.taskDone()).toThrow(InvalidStateError)
    expect(new Queue().maxsize).toBe(0)
  })

  it('close(): put rejects QueueShutDown, get drains then rejects; close({ immediate }) rejects gets at once', async () => {
    const q = new Queue<number>()
    q.putNowait(1)
    q.close()
    await expect(q.put(2)).rejects.toBeInstanceOf(QueueShutDown)
    expect(await q.get()).toBe(1)
    await expect(q.get()).rejects.toBeInstanceOf(QueueShutDown)
    const q2 = new Queue<number>()
    q2.putNowait(1)
    q2.close({ immediate: true })
    await expect(q2.get()).rejects.toBeInstanceOf(QueueShutDown)
  })

  it('fail(err): blocked and later get() reject with an error whose cause is err, after the items queued before it', async () => {
    const q = new Queue<number>()
    const blocked = caught(q.get())
    const err = new Error('producer died')
    q.fail(err)
    const e1 = await blocked
    expect((e1 as Error).cause).toBe(err)
    const q2 = new Queue<number>()
    q2.putNowait(1)
    q2.putNowait(2)
    q2.fail(err)
    expect(await q2.get()).toBe(1)
    expect(await q2.get()).toBe(2)
    const e2 = await caught(q2.get())
    expect(e2).toBeInstanceOf(Error)
    expect((e2 as Error).cause).toBe(err)
  })
})

describe('§9 link / awaitChild', () => {
  it('link: failure or cancellation of either cancels the other; success cancels nothing; unlink stops it', async () => {
    const a = spawn(async () => { await turns(1); throw new Error('a failed') })
    const b = spawn(hang)
    link(a, b)
    await b.settled
    expect(b.state).toBe('cancelled')
    const c = spawn(hang)
    const d = spawn(hang)
    link(c, d)
    d.cancel('d')
    await c.settled
    expect(c.state).toBe('cancelled')
    const ok = spawn(async () => 'fine')
    const other = spawn(hang)
    link(ok, other)
    await ok.settled
    await turns()
    expect(other.state).toBe('running')
    const x = spawn(hang)
    const y = spawn(hang)
    const unlink = link(x, y)
    unlink()
    x.cancel()
    await x.settled
    await turns()
    expect(y.state).toBe('running')
    other.cancel()
    y.cancel()
  })

  it('awaitChild: value; child cancelled by someone else → ChildCancelledError', async () => {
    expect(await awaitChild(spawn(async () => 9))).toBe(9)
    const child = spawn(hang)
    const p = caught(awaitChild(child))
    await turns()
    child.cancel('someone else')
    const e = await p
    expect(e).toBeInstanceOf(ChildCancelledError)
    expect(e).toBeInstanceOf(CancelledError)
  })

  it("awaitChild: the caller's signal → CancelledError with the caller's reason; child cancelled unless propagate: false", async () => {
    for (const propagate of [true, false]) {
      const child = spawn(hang)
      const c = new AbortController()
      const p = caught(awaitChild(child, { signal: c.signal, propagate }))
      await turns()
      c.abort('mine')
      const e = await p
      expect(e).toBeInstanceOf(CancelledError)
      expect(e).not.toBeInstanceOf(ChildCancelledError)
      expect((e as CancelledError).reason).toBe('mine')
      await turns()
      expect(child.state).toBe(propagate ? 'cancelled' : 'running')
      child.cancel()
    }
  })
})
