/**
 * Late awaits: every promise the public API returns that can reject is observed before it is returned, so a caller
 * who attaches its handler only after a macrotask (a TestClock advance, a setImmediate) sees the rejection and Node
 * reports no `unhandledRejection`. Each case makes the rejection happen, lets a macrotask pass, then awaits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { asCompleted } from '../../src/concurrency/as-completed.js'
import { Event } from '../../src/concurrency/event.js'
import { gather } from '../../src/concurrency/gather.js'
import { awaitChild } from '../../src/concurrency/link.js'
import { Lock } from '../../src/concurrency/lock.js'
import { Queue } from '../../src/concurrency/queue.js'
import { BoundedSemaphore, Semaphore } from '../../src/concurrency/semaphore.js'
import { shield } from '../../src/concurrency/shield.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { TaskGroup } from '../../src/concurrency/task-group.js'
import { wait } from '../../src/concurrency/wait.js'
import { withTimeout } from '../../src/concurrency/with-timeout.js'
import { CancelledError, TimeoutError } from '../../src/errors/cancellation.js'
import { InvalidStateError } from '../../src/errors/errors.js'
import { QueueShutDown } from '../../src/errors/queue-errors.js'
import { Future } from '../../src/futures/future.js'
import { RequestCache } from '../../src/futures/request-cache.js'
import { createLogger } from '../../src/logging/logger.js'
import { PubSub } from '../../src/pubsub/pubsub.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()

const logger = createLogger({ level: 'silent' })
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const never = (): Promise<never> => new Promise<never>(() => {})
// A task function that ends (rejecting with the reason) only when its signal aborts.
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
// Many turns of the event loop: long enough for TestClock's own settling between timers.
const manyMacrotasks = async (): Promise<void> => {
  for (let i = 0; i < 200; i++) await macrotask()
}
const boom = new Error('boom')

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
})

afterEach(async () => {
  // Node reports an unhandled rejection after the microtasks of the macrotask it happened in: give it two turns.
  await macrotask()
  await macrotask()
  const reported = unhandled.splice(0)
  expect(reported).toEqual([])
  expect(clock.pending).toBe(0)
})

function abortedSignal(reason: unknown = 'stop'): AbortSignal {
  const controller = new AbortController()
  controller.abort(reason)
  return controller.signal
}

describe('concurrency toolkit', () => {
  it('sleep(): aborted during the sleep, or with a signal aborted already', async () => {
    const controller = new AbortController()
    const slept = sleep(1_000, { signal: controller.signal, clock })
    controller.abort('stop')
    await macrotask()
    await expect(slept).rejects.toBeInstanceOf(CancelledError)
    const early = sleep(1_000, { signal: abortedSignal(), clock })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('withTimeout(): the deadline passes before anyone awaits; a pre-aborted signal too', async () => {
    const call = withTimeout(untilAborted, 100, { clock })
    await clock.advance(100)
    await expect(call).rejects.toBeInstanceOf(TimeoutError)
    const early = withTimeout(() => 1, 100, { signal: abortedSignal(), clock })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('gather(): a failing child; a pre-aborted signal', async () => {
    const all = gather([() => Promise.reject(boom), Promise.resolve(1)])
    await macrotask()
    await expect(all).rejects.toBe(boom)
    const early = gather([never()], { signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('wait(): aborted while waiting; a pre-aborted signal', async () => {
    const controller = new AbortController()
    const waiting = wait([never()], { signal: controller.signal, clock })
    controller.abort('stop')
    await macrotask()
    await expect(waiting).rejects.toBeInstanceOf(CancelledError)
    const early = wait([never()], { signal: abortedSignal(), clock })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it("asCompleted(): a next() that rejects at the deadline or on an abort, awaited later", async () => {
    const iterator = asCompleted([never()], { timeoutMs: 100, clock })[Symbol.asyncIterator]()
    const next = iterator.next()
    await clock.advance(100)
    await expect(next).rejects.toBeInstanceOf(TimeoutError)
    const controller = new AbortController()
    const aborted = asCompleted([never()], { signal: controller.signal })[Symbol.asyncIterator]()
    const pending = aborted.next()
    controller.abort('stop')
    await macrotask()
    await expect(pending).rejects.toBeInstanceOf(CancelledError)
  })

  it('shield(): the inner promise fails; the outer signal aborts', async () => {
    const shielded = shield(Promise.reject(boom))
    await macrotask()
    await expect(shielded).rejects.toBe(boom)
    const controller = new AbortController()
    const outer = shield(never(), { signal: controller.signal })
    controller.abort('stop')
    await macrotask()
    await expect(outer).rejects.toBeInstanceOf(CancelledError)
    const early = shield(never(), { signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('Semaphore / BoundedSemaphore / Lock: acquire() times out or is pre-aborted; use() fails', async () => {
    const semaphore = new Semaphore(0)
    const bounded = new BoundedSemaphore(1)
    await bounded.acquire()
    const lock = new Lock()
    await lock.acquire()
    const calls = [
      semaphore.acquire({ timeoutMs: 100, clock }),
      bounded.acquire({ timeoutMs: 100, clock }),
      lock.acquire({ timeoutMs: 100, clock }),
      semaphore.use(() => 1, { timeoutMs: 100, clock }),
      lock.use(() => 1, { timeoutMs: 100, clock }),
    ]
    await clock.advance(100)
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(TimeoutError)
    const early = [semaphore.acquire({ signal: abortedSignal() }), lock.acquire({ signal: abortedSignal() })]
    await macrotask()
    for (const call of early) await expect(call).rejects.toBeInstanceOf(CancelledError)

    bounded.release()
    lock.release()
    const failures = [
      new Semaphore(1).use(() => {
        throw boom
      }),
      bounded.use(() => Promise.reject(boom)),
      lock.use(() => Promise.reject(boom)),
    ]
    await macrotask()
    for (const failure of failures) await expect(failure).rejects.toBe(boom)
    expect(lock.locked).toBe(false)
    expect(bounded.value).toBe(1)
  })

  it('Event.wait(): times out; pre-aborted', async () => {
    const event = new Event()
    const waiting = event.wait({ timeoutMs: 100, clock })
    await clock.advance(100)
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError)
    const early = event.wait({ signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('Queue: put/get/join time out; put/get after close(); a blocked getter when the queue closes', async () => {
    const full = new Queue<number>(1)
    full.putNowait(1)
    const calls = [full.put(2, { timeoutMs: 100, clock }), new Queue<number>().get({ timeoutMs: 100, clock }), full.join({ timeoutMs: 100, clock })]
    await clock.advance(100)
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(TimeoutError)

    const closing = new Queue<number>()
    const blocked = closing.get()
    closing.close()
    const afterClose = [closing.put(1), closing.get(), blocked]
    await macrotask()
    for (const call of afterClose) await expect(call).rejects.toBeInstanceOf(QueueShutDown)
    const early = [full.put(3, { signal: abortedSignal() }), full.get({ signal: abortedSignal() }), full.join({ signal: abortedSignal() })]
    await macrotask()
    for (const call of early) await expect(call).rejects.toBeInstanceOf(CancelledError)
  })

  it('TaskGroup.run(): a failing child or body (AggregateError), a pre-aborted parent', async () => {
    const failedChild = TaskGroup.run((group) => {
      group.spawn(async () => {
        throw boom
      })
    })
    const failedBody = TaskGroup.run(async () => {
      throw boom
    })
    const early = TaskGroup.run(() => 1, { signal: abortedSignal() })
    await macrotask()
    await macrotask()
    await expect(failedChild).rejects.toBeInstanceOf(AggregateError)
    await expect(failedBody).rejects.toBeInstanceOf(AggregateError)
    await expect(early).rejects.toBeInstanceOf(CancelledError)
  })

  it('awaitChild(): the child fails; a pre-aborted signal', async () => {
    const manager = new TaskManager({ logger, clock })
    const child = manager.registerTask('child', async () => {
      throw boom
    })
    const awaited = awaitChild(child)
    await macrotask()
    await macrotask()
    await expect(awaited).rejects.toBe(boom)
    const other = manager.registerTask('other', untilAborted)
    const early = awaitChild(other, { signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
    await manager.shutdownTaskManager()
  })
})

describe('pubsub', () => {
  it('waitFor(): times out (the example of the issue); pre-aborted; aborted while waiting', async () => {
    const pubsub = new PubSub({ clock, logger })
    const waiting = pubsub.waitFor('x', { timeoutMs: 100 })
    await clock.advance(100)
    await expect(waiting).rejects.toThrow(TimeoutError)
    const early = pubsub.waitFor('x', { signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
    const controller = new AbortController()
    const aborted = pubsub.waitFor('x', { signal: controller.signal })
    controller.abort('stop')
    await macrotask()
    await expect(aborted).rejects.toBeInstanceOf(CancelledError)
    expect(pubsub.listenerCount('x')).toBe(0)
  })
})

describe('tasks and futures', () => {
  it('TaskHandle.result: read before and after the task failed, awaited a macrotask later', async () => {
    const manager = new TaskManager({ logger, clock })
    const early = manager.registerTask('early', async () => {
      throw boom
    })
    const result = early.result
    const late = manager.registerTask('late', async () => {
      throw boom
    })
    await macrotask()
    await macrotask()
    await expect(result).rejects.toBe(boom)
    const lateResult = late.result
    await macrotask()
    await expect(lateResult).rejects.toBe(boom)
    await manager.shutdownTaskManager()
  })

  it('TaskManager.waitForTasks(): aborted while waiting; pre-aborted', async () => {
    const manager = new TaskManager({ logger, clock })
    manager.registerTask('forever', untilAborted)
    const controller = new AbortController()
    const waiting = manager.waitForTasks({ signal: controller.signal })
    controller.abort('stop')
    await macrotask()
    await expect(waiting).rejects.toBeInstanceOf(CancelledError)
    const early = manager.waitForTasks({ signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)
    await manager.shutdownTaskManager()
  })

  it('TaskManager.replaceTask() resolves with the new handle (nothing to reject) and is observed like the rest', async () => {
    const manager = new TaskManager({ logger, clock })
    manager.registerTask('job', untilAborted)
    const replaced = manager.replaceTask('job', () => 2)
    await macrotask()
    const handle = await replaced
    await expect(handle.result).resolves.toBe(2)
    await manager.shutdownTaskManager()
  })

  it('shutdownTaskManager(): rejects with AggregateError when a shutdown task fails, awaited later', async () => {
    const manager = new TaskManager({ logger, clock })
    manager.registerShutdownTask(() => {
      throw boom
    })
    const shutdown = manager.shutdownTaskManager()
    await macrotask()
    await macrotask()
    await expect(shutdown).rejects.toBeInstanceOf(AggregateError)
    await expect(manager.shutdownTaskManager()).rejects.toBeInstanceOf(AggregateError)
  })

  it('RequestCache: waitFor() times out, is cancelled by shutdown, is pre-aborted or late; shutdown() fails', async () => {
    const requests = new RequestCache({ logger, clock })
    const timedOut = requests.waitFor('ping', 1, { timeoutMs: 100 })
    await clock.advance(100)
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError)
    const early = requests.waitFor('ping', 1, { signal: abortedSignal() })
    await macrotask()
    await expect(early).rejects.toBeInstanceOf(CancelledError)

    const cancelled = requests.waitFor('ping', 2)
    requests.registerShutdownTask(() => {
      throw boom
    })
    const shutdown = requests.shutdown()
    const afterShutdown = requests.waitFor('ping', 3)
    await macrotask()
    await macrotask()
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError)
    await expect(afterShutdown).rejects.toBeInstanceOf(CancelledError)
    await expect(shutdown).rejects.toBeInstanceOf(AggregateError)
  })

  it('Future: failed or cancelled, then awaited late; a then() chain on a failed future, awaited late', async () => {
    const failed = new Future<number>()
    failed.setException(boom)
    const cancelled = new Future<number>()
    cancelled.cancel('stop')
    const pending = new Future<number>()
    const chained = pending.then((value) => value + 1)
    pending.setException(boom)
    await macrotask()
    await macrotask()
    await expect(failed).rejects.toBe(boom)
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError)
    await expect(chained).rejects.toBe(boom)
    const chainedLate = failed.then((value) => value * 2)
    await macrotask()
    await expect(chainedLate).rejects.toBe(boom)
  })
})

describe('application and testing helpers', () => {
  class FailingApp extends Application {
    protected override initialize(): void {
      throw boom
    }
  }

  it('Application.start(): a failing initialize(), awaited later', async () => {
    const app = new FailingApp({ logger, handleSignals: false })
    const started = app.start()
    await macrotask()
    await macrotask()
    await expect(started).rejects.toBe(boom)
    await app.stop()
  })

  it('createTestApplication(): a failing initialize(), awaited later', async () => {
    const creating = createTestApplication({}, FailingApp)
    await macrotask()
    await macrotask()
    await expect(creating).rejects.toBe(boom)
  })

  it('TestClock.advance() / runAll(): a timer callback that throws, awaited later', async () => {
    const local = new TestClock()
    local.setTimeout(() => {
      throw boom
    }, 10)
    const advancing = local.advance(10)
    await manyMacrotasks()
    await expect(advancing).rejects.toBe(boom)
    local.setTimeout(() => {
      throw new InvalidStateError('bad timer')
    }, 10)
    const running = local.runAll()
    await manyMacrotasks()
    await expect(running).rejects.toBeInstanceOf(InvalidStateError)
    expect(local.pending).toBe(0)
  })
})

describe('bad input still throws synchronously', () => {
  it('throws at the call site instead of returning a rejected promise', () => {
    expect(() => sleep(-1)).toThrow(RangeError)
    expect(() => withTimeout(() => 1, -1)).toThrow(RangeError)
    expect(() => new PubSub({ logger }).waitFor('x', { timeoutMs: Infinity })).toThrow(RangeError)
    expect(() => new RequestCache({ logger, clock }).waitFor('p', 1.5)).toThrow(RangeError)
    expect(() => new Semaphore().use(5 as never)).toThrow(TypeError)
    expect(() => new TaskManager({ logger }).replaceTask('x', 5 as never)).toThrow(TypeError)
    expect(() => new TaskManager({ logger }).registerTask('x', () => 1, { delay: Infinity })).toThrow(RangeError)
    expect(() => new TaskManager({ logger }).registerTask('x', () => 1, { interval: Infinity })).toThrow(RangeError)
  })
})
