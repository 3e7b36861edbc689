/**
 * Property-based tests (fast-check): random programs of operations against a started application — tasks that
 * resolve, throw, reject with non-Errors, never settle, ignore their signal, schedule more work or stop the app;
 * cancels, timeouts, runForever, a service's TaskManager, a RequestCache, throwing subscribers — then stop, and
 * check the invariants of docs/reliability.md.
 */
import { getEventListeners } from 'node:events'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Application,
  CancelledError,
  DuplicateTaskError,
  InvalidStateError,
  Messages,
  Service,
  sleep,
  type ForeverHandle,
  type TaskHandle,
} from '../../src/index.js'
import { Future } from '../../src/futures/future.js'
import { NumberCache } from '../../src/futures/number-cache.js'
import { RequestCache } from '../../src/futures/request-cache.js'
import { TestClock } from '../../src/testing/index.js'
import { turns, until } from '../support/event-loop.js'
import { memoryLogger } from '../support/logs.js'
import { deferred } from '../support/promises.js'
import { installFaultCollector } from '../support/unhandled.js'

const EXIT_TIMEOUT_MS = 400
const SHUTDOWN_TIMEOUT_MS = 60
const STEP_MS = 20

const KINDS = [
  'resolve',
  'sync',
  'throw',
  'rejectNonError',
  'stubborn',
  'honour',
  'ignoreSignal',
  'sleep',
  'spawnMore',
  'stopInside',
  'promise',
  'rejectedPromise',
  'thenableMulti',
] as const
type Kind = (typeof KINDS)[number]
const NAMES = ['alpha', 'beta', 'gamma'] as const

type Op =
  | { op: 'spawn'; kind: Kind; named: boolean; timeoutMs: number | undefined; external: boolean }
  | { op: 'schedule'; kinds: Kind[] }
  | { op: 'cancel'; index: number }
  | { op: 'abortExternal'; index: number }
  | { op: 'advance'; ms: number }
  | { op: 'yield'; count: number }
  | { op: 'forever'; throws: boolean }
  | { op: 'cancelForever'; index: number }
  | { op: 'register'; name: string; kind: Kind; delay: number | undefined; interval: number | undefined }
  | { op: 'cancelNamed'; name: string }
  | { op: 'replace'; name: string; kind: Kind }
  | { op: 'cacheAdd'; number: number; delay: number }
  | { op: 'cachePop'; number: number }
  | { op: 'stop' }

const kindArb = fc.constantFrom(...KINDS)
const nameArb = fc.constantFrom(...NAMES)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('spawn' as const), kind: kindArb, named: fc.boolean(), timeoutMs: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }), external: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('schedule' as const), kinds: fc.array(kindArb, { maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('cancel' as const), index: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abortExternal' as const), index: fc.nat(20) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120 }) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('yield' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forever' as const), throws: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelForever' as const), index: fc.nat(5) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('register' as const),
      name: nameArb,
      kind: kindArb,
      delay: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      interval: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancelNamed' as const), name: nameArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), name: nameArb, kind: kindArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cacheAdd' as const), number: fc.nat(4), delay: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cachePop' as const), number: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stop' as const }) },
)
const programArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 40, size: 'medium' }),
  throwingSubscriber: fc.boolean(),
  maxConcurrency: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
})

/** A cache of the program: one future settled by timeout, pop (then by the test) or shutdown. */
class ProbeCache extends NumberCache {
  readonly reply = new Future<string>()
  readonly #delay: number
  constructor(requestCache: RequestCache, number: number, delay: number) {
    super(requestCache, 'probe', number)
    this.#delay = delay
    this.registerFuture(this.reply, { onTimeout: number % 2 === 0 ? 'timed out' : new Error('no reply') })
  }
  override get timeoutDelay(): number {
    return this.#delay
  }
}

class Worker extends Service {
  readonly requests: RequestCache
  constructor(app: Application) {
    super(app, 'Worker')
    this.requests = new RequestCache({ name: 'requests', taskService: app.taskService, clock: app.clock, logger: this.logger })
  }
  override async finalize(): Promise<void> {
    await this.requests.shutdown()
  }
}

/** Everything one run created, for the checks at the end. */
interface World {
  app: Application
  clock: TestClock
  worker: Worker
  handles: TaskHandle[]
  forever: ForeverHandle[]
  externals: AbortController[]
  stubborn: Array<() => void>
  futures: Future<string>[]
  pending: Promise<unknown>[]
}

function makeTask(world: World, kind: Kind): ((signal: AbortSignal) => unknown) | PromiseLike<unknown> {
  const { app, clock } = world
  switch (kind) {
    case 'resolve':
      return async () => 'ok'
    case 'sync':
      return () => 42
    case 'throw':
      return () => {
        throw new Error('sync failure')
      }
    case 'rejectNonError':
      return async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'a plain string'
      }
    case 'stubborn': {
      // Ignores its signal and settles only when the test releases it, after stop().
      const gate = deferred<string>()
      world.stubborn.push(() => gate.resolve('released'))
      return function stubborn() {
        return gate.promise
      }
    }
    case 'honour':
      return (signal: AbortSignal) =>
        new Promise((_resolve, reject) => {
          if (signal.aborted) reject(signal.reason)
          else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
        })
    case 'ignoreSignal':
      return async (signal: AbortSignal) => {
        void signal
        await turns(2)
        return 'ignored'
      }
    case 'sleep':
      return (signal: AbortSignal) => sleep(30, { signal, clock })
    case 'spawnMore':
      return () => {
        world.handles.push(app.taskService.spawn(async () => 'child', { name: 'child' }))
        world.handles.push(...app.taskService.schedule(() => 'sync child'))
      }
    case 'stopInside':
      return () => {
        world.pending.push(app.stop())
      }
    case 'promise':
      return Promise.resolve('a promise')
    case 'rejectedPromise':
      // Rejects before the task starts: must never be an unhandled rejection.
      return Promise.reject(new Error('rejected early'))
    case 'thenableMulti':
      // A misbehaving thenable: resolves, rejects and resolves again.
      return {
        then(onFulfilled, onRejected) {
          onFulfilled?.('first')
          onRejected?.(new Error('second'))
          onFulfilled?.('third')
          return undefined as never
        },
      } satisfies PromiseLike<unknown>
  }
}

function asFunction(world: World, kind: Kind): (signal: AbortSignal) => unknown {
  // Made at call time: a promise made now and never awaited (the task cancelled first) would be our own leak.
  return (signal) => {
    const task = makeTask(world, kind)
    return typeof task === 'function' ? task(signal) : task
  }
}

async function runOp(world: World, op: Op): Promise<void> {
  const { app, clock, worker } = world
  switch (op.op) {
    case 'spawn': {
      const options: { name?: string; timeoutMs?: number; signal?: AbortSignal } = {}
      if (op.named) options.name = `spawned-${op.kind}`
      if (op.timeoutMs !== undefined) options.timeoutMs = op.timeoutMs
      if (op.external) {
        const controller = new AbortController()
        world.externals.push(controller)
        options.signal = controller.signal
      }
      world.handles.push(app.taskService.spawn(makeTask(world, op.kind), options))
      return
    }
    case 'schedule':
      world.handles.push(...app.taskService.schedule(...op.kinds.map((kind) => makeTask(world, kind))))
      return
    case 'cancel': {
      const handle = world.handles[op.index % Math.max(1, world.handles.length)]
      handle?.cancel(op.index % 2 === 0 ? undefined : { why: 'property test' })
      return
    }
    case 'abortExternal':
      world.externals[op.index % Math.max(1, world.externals.length)]?.abort('external abort')
      return
    case 'advance':
      await clock.advance(op.ms)
      return
    case 'yield':
      await turns(op.count)
      return
    case 'forever': {
      const run = op.throws
        ? () => {
            throw new Error('forever failure')
          }
        : () => undefined
      world.forever.push(...app.taskService.runForever({ name: 'forever', run, backoff: { initialMs: 5, maxMs: 20 } }))
      return
    }
    case 'cancelForever':
      world.forever[op.index % Math.max(1, world.forever.length)]?.cancel('enough')
      return
    case 'register': {
      const options: { delay?: number; interval?: number } = {}
      if (op.delay !== undefined) options.delay = op.delay
      if (op.interval !== undefined) options.interval = op.interval
      const task = op.delay !== undefined || op.interval !== undefined ? asFunction(world, op.kind) : makeTask(world, op.kind)
      try {
        world.handles.push(worker.tasks.registerTask(op.name, task, options))
      } catch (error) {
        if (!(error instanceof DuplicateTaskError)) throw error
      }
      return
    }
    case 'cancelNamed':
      worker.tasks.cancelPendingTask(op.name, 'cancel by name')
      return
    case 'replace': {
      const replaced = worker.tasks.replaceTask(op.name, asFunction(world, op.kind)).then(
        (handle) => world.handles.push(handle),
        (error: unknown) => {
          // Someone else took the name while the old task was cleaning up.
          if (!(error instanceof DuplicateTaskError)) throw error
        },
      )
      world.pending.push(replaced)
      return
    }
    case 'cacheAdd': {
      const requests = worker.requests
      if (requests.has('probe', op.number)) return
      if (requests.isShutdown) {
        const cache = new ProbeCache(requests, op.number, op.delay)
        world.futures.push(cache.reply)
        expect(requests.add(cache)).toBeNull()
        return
      }
      const cache = new ProbeCache(requests, op.number, op.delay)
      world.futures.push(cache.reply)
      expect(requests.add(cache)).toBe(cache)
      expect(() => new ProbeCache(requests, op.number, op.delay)).toThrow(InvalidStateError)
      return
    }
    case 'cachePop': {
      const requests = worker.requests
      if (!requests.has('probe', op.number)) return
      const cache = requests.pop('probe', op.number) as ProbeCache
      // The owner answers the request.
      if (!cache.reply.isDone) cache.reply.setResult('answered')
      return
    }
    case 'stop':
      world.pending.push(app.stop())
      return
  }
}

let collector: ReturnType<typeof installFaultCollector>
beforeEach(() => {
  collector = installFaultCollector()
})
afterEach(() => {
  collector.dispose()
})

describe('invariants under random programs', () => {
  it('every task ends once, is published once, stats add up, nothing leaks, stop() keeps its budget', async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async ({ ops, throwingSubscriber, maxConcurrency }) => {
        collector.faults.length = 0
        const clock = new TestClock()
        const { logger, lines } = memoryLogger('warn')
        const config: Record<string, Record<string, unknown>> = { TaskService: { shutdown_timeout: `${SHUTDOWN_TIMEOUT_MS}ms` } }
        if (maxConcurrency !== undefined) config['TaskService']!['max_concurrency'] = maxConcurrency
        const app = new Application({ name: 'prop', clock, logger, config, exitTimeoutMs: EXIT_TIMEOUT_MS, handleSignals: false })
        const worker = app.addService(Worker)
        const published = new Map<TaskHandle, number>()
        const finalStates = new Map<TaskHandle, string>()
        if (throwingSubscriber) {
          app.pubsub.subscribe(Messages.TaskDone, () => {
            throw new Error('subscriber failure')
          })
        }
        app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => {
          published.set(handle, (published.get(handle) ?? 0) + 1)
          finalStates.set(handle, handle.state)
        })
        const world: World = { app, clock, worker, handles: [], forever: [], externals: [], stubborn: [], futures: [], pending: [] }
        await app.start()

        for (const op of ops) await runOp(world, op)

        // Stop, driving virtual time; the exit budget is measured on the same clock.
        const stopAt = clock.now()
        let stopped = false
        const stopping = app.stop().then((code) => {
          stopped = true
          return code
        })
        for (let i = 0; !stopped && i < 200; i++) await clock.advance(STEP_MS)
        expect(stopped).toBe(true)
        const code = await stopping
        expect(app.state).toBe('stopped')
        expect(clock.now() - stopAt).toBeLessThanOrEqual(EXIT_TIMEOUT_MS + STEP_MS)

        // Stragglers are exactly the unfinished tasks, and each is named in the TaskService's warning.
        const unfinished = world.handles.filter((handle) => handle.state === 'queued' || handle.state === 'running')
        expect(unfinished.every((handle) => handle.state === 'running')).toBe(true)
        const listed = app.taskService.list()
        expect(listed.every((info) => info.state === 'running')).toBe(true)
        // An incomplete shutdown (tasks that did not settle) ends with exit code 1, a complete one with 0 (spec §2a).
        expect(code).toBe(listed.length > 0 ? 1 : 0)
        if (listed.length > 0) {
          const warning = lines.find((line) => line.msg.includes('pending and incomplete tasks'))
          expect(warning?.msg).toContain(`${listed.length} pending and incomplete tasks`)
          for (const info of listed) expect(warning?.msg).toContain(info.name)
        }

        // Let the stubborn tasks go: everything must now finish.
        for (const release of world.stubborn) release()
        await until(() => app.taskService.size === 0)
        await Promise.all(world.pending)
        await turns(3)

        const stats = app.taskService.stats()
        expect(app.taskService.size).toBe(0)
        expect(app.taskService.list()).toEqual([])
        expect(stats.queued).toBe(0)
        expect(stats.running).toBe(0)
        expect(stats.scheduled).toBe(stats.succeeded + stats.failed + stats.cancelled + stats.running + stats.queued)
        // Every task the service ever took (ours, the TaskManager's, the forever runners') was published exactly once.
        expect(published.size).toBe(stats.scheduled)
        for (const count of published.values()) expect(count).toBe(1)
        for (const handle of world.handles) {
          expect(published.get(handle)).toBe(1)
          expect(['succeeded', 'failed', 'cancelled']).toContain(handle.state)
          // The state published is the state it kept.
          expect(handle.state).toBe(finalStates.get(handle))
          const settledHandle = await handle.settled
          expect(settledHandle).toBe(handle)
          const outcome = await handle.result.then(
            () => 'succeeded',
            (error: unknown) => (error instanceof CancelledError ? 'cancelled' : 'failed'),
          )
          expect(outcome).toBe(handle.state)
        }
        for (const runner of world.forever) expect(runner.running).toBe(false)
        for (const future of world.futures) expect(future.isDone).toBe(true)
        expect(worker.tasks.getTasks()).toEqual([])
        expect(worker.requests.size).toBe(0)

        // Nothing left behind: no timer, no abort listener on a caller's signal, no process-level fault.
        expect(clock.pending).toBe(0)
        for (const controller of world.externals) expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
        expect(collector.faults).toEqual([])
        if (process.env['PROP_DEBUG']) console.log(JSON.stringify({ stragglers: listed.length, ops: ops.length, handles: world.handles.length, stats, states: world.handles.map((h) => h.state[0]).join('') }))
      }),
      { numRuns: Number(process.env["PROP_RUNS"] ?? 100), interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false },
    )
  }, 60_000)
})
