/**
 * Bad input everywhere: a table over the public API of `@tsab/core` (and `@tsab/core/testing`). Every call
 * with a wrong type, an out-of-range number, NaN, Infinity, a negative duration, an empty name or a huge value
 * must throw synchronously — `TypeError` for types, `RangeError` for values — with a message that names the
 * argument (``Expected `x` …``), and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Application,
  BoundedSemaphore,
  Config,
  Event,
  Future,
  Lock,
  NumberCache,
  PubSub,
  Queue,
  RandomNumberCache,
  RequestCache,
  Semaphore,
  TaskGroup,
  TaskManager,
  asCompleted,
  awaitChild,
  createLogger,
  gather,
  link,
  parseDuration,
  shield,
  sleep,
  subscribe,
  wait,
  withTimeout,
  type TaskHandle,
} from '../../src/index.js'
import { TestClock, createTestApplication } from '../../src/testing/index.js'

type ErrorClass = typeof TypeError | typeof RangeError
interface Case {
  label: string
  call: () => unknown
  error: ErrorClass
  arg: string
}

const silent = createLogger({ level: 'silent' })
const fn = (): void => {}
const HUGE = 2 ** 53 * 4

// The value kinds every numeric argument is tried with, and the error each must give.
function numberCases(label: string, arg: string, call: (value: unknown) => unknown, extra: unknown[] = []): Case[] {
  const values: unknown[] = [-1, -Infinity, NaN, '10', null, {}, ...extra]
  return values.map((value) => ({
    label: `${label} with ${describe_(value)}`,
    call: () => call(value),
    error: typeof value === 'number' ? RangeError : TypeError,
    arg,
  }))
}

// Durations additionally reject Infinity (a timer can never be armed with it).
function durationCases(label: string, arg: string, call: (value: unknown) => unknown): Case[] {
  return numberCases(label, arg, call, [Infinity])
}

// Cache numbers are any integer (negative ones too).
function keyNumberCases(label: string, call: (value: unknown) => unknown): Case[] {
  return numberCases(label, 'number', call, [1.5, Infinity]).filter((c) => !c.label.endsWith('with -1'))
}

function nameCases(label: string, arg: string, call: (value: unknown) => unknown): Case[] {
  return [
    { label: `${label} with ""`, call: () => call(''), error: RangeError, arg },
    { label: `${label} with 5`, call: () => call(5), error: TypeError, arg },
    { label: `${label} with null`, call: () => call(null), error: TypeError, arg },
    { label: `${label} with a symbol`, call: () => call(Symbol('x')), error: TypeError, arg },
  ]
}

function typeCase(label: string, arg: string, call: () => unknown): Case {
  return { label, call, error: TypeError, arg }
}

function rangeCase(label: string, arg: string, call: () => unknown): Case {
  return { label, call, error: RangeError, arg }
}

function describe_(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (value === null) return 'null'
  return typeof value
}

class ProbeCache extends NumberCache {
  constructor(requestCache: RequestCache, number: number, readonly delay: unknown = 1_000) {
    super(requestCache, 'probe', number)
  }
  override get timeoutDelay(): number {
    return this.delay as number
  }
}

let app: Application
let handle: TaskHandle
let manager: TaskManager
let requests: RequestCache
let pubsub: PubSub
let config: Config

beforeAll(async () => {
  app = await createTestApplication({ config: { TaskService: { shutdown_timeout: '20ms' } } })
  handle = app.taskService.spawn(() => new Promise(() => {}), { name: 'never' })
  manager = new TaskManager({ name: 'bad-input', logger: silent })
  requests = new RequestCache({ name: 'bad-input-requests', logger: silent })
  pubsub = new PubSub({ logger: silent })
  config = new Config({ config: { web: { port: 'x' } } })
})

afterAll(async () => {
  await app.stop()
  await manager.shutdownTaskManager()
  await requests.shutdown()
})

function cases(): Case[] {
  const ts = () => app.taskService
  const c: Case[] = [
    // Application
    typeCase('new Application("x")', 'options', () => new Application('x' as never)),
    ...nameCases('new Application({ name })', 'options.name', (v) => new Application({ name: v as string, logger: silent })),
    ...durationCases('new Application({ tickPeriodMs })', 'options.tickPeriodMs', (v) => new Application({ tickPeriodMs: v as number, logger: silent })),
    rangeCase('new Application({ tickPeriodMs: 0 })', 'options.tickPeriodMs', () => new Application({ tickPeriodMs: 0, logger: silent })),
    ...durationCases('new Application({ exitTimeoutMs })', 'options.exitTimeoutMs', (v) => new Application({ exitTimeoutMs: v as number, logger: silent })),
    typeCase('new Application({ handleSignals: "yes" })', 'options.handleSignals', () => new Application({ handleSignals: 'yes' as never, logger: silent })),
    typeCase('new Application({ logger: {} })', 'options.logger', () => new Application({ logger: {} as never })),
    typeCase('new Application({ clock: {} })', 'options.clock', () => new Application({ clock: {} as never, logger: silent })),
    typeCase('new Application({ container: 5 })', 'options.container', () => new Application({ container: 5 as never, logger: silent })),
    typeCase('new Application({ config: "x" })', 'options.config', () => new Application({ config: 'x' as never, logger: silent })),
    rangeCase('new Application({ configFile: "" })', 'options.configFile', () => new Application({ configFile: '', logger: silent })),
    typeCase('app.addService(5)', 'service', () => app.addService(5 as never)),
    typeCase('app.addService(null)', 'service', () => app.addService(null as never)),
    typeCase('app.addModule(5)', 'module', () => app.addModule(5 as never)),
    typeCase('app.getService(5)', 'key', () => app.getService(5 as never)),
    typeCase('app.hasService(5)', 'key', () => app.hasService(5 as never)),
    ...numberCases('app.stop(code)', 'exitCode', (v) => app.stop(v as number), [256, 1.5, HUGE]),

    // TaskService
    typeCase('schedule(5)', 'tasks[0]', () => ts().schedule(5 as never)),
    typeCase('schedule(fn, null)', 'tasks[1]', () => ts().schedule(fn, null as never)),
    typeCase('spawn("x")', 'task', () => ts().spawn('x' as never)),
    typeCase('spawn(fn, "x")', 'options', () => ts().spawn(fn, 'x' as never)),
    ...nameCases('spawn(fn, { name })', 'options.name', (v) => ts().spawn(fn, { name: v as string })),
    ...nameCases('spawn(fn, { owner })', 'options.owner', (v) => ts().spawn(fn, { owner: v as string })),
    typeCase('spawn(fn, { signal: {} })', 'options.signal', () => ts().spawn(fn, { signal: {} as never })),
    ...durationCases('spawn(fn, { timeoutMs })', 'options.timeoutMs', (v) => ts().spawn(fn, { timeoutMs: v as number })),
    typeCase('runForever(5)', 'fns[0]', () => ts().runForever(5 as never)),
    ...nameCases('runForever({ name })', 'fns[0].name', (v) => ts().runForever({ name: v as string, run: fn })),
    typeCase('runForever({ run: 5 })', 'fns[0].run', () => ts().runForever({ name: 'x', run: 5 as never })),
    ...durationCases('runForever backoff.initialMs', 'fns[0].backoff.initialMs', (v) => ts().runForever({ name: 'x', run: fn, backoff: { initialMs: v as number } })),
    ...numberCases('runForever backoff.factor', 'fns[0].backoff.factor', (v) => ts().runForever({ name: 'x', run: fn, backoff: { factor: v as number } }), [0.5, Infinity]),
    ...numberCases('runForever backoff.jitter', 'fns[0].backoff.jitter', (v) => ts().runForever({ name: 'x', run: fn, backoff: { jitter: v as number } }), [1.5]),
    typeCase('runForever(fn, 5)', 'fns[1]', () => ts().runForever(fn, 5 as never)),

    // TaskManager
    typeCase('new TaskManager("x")', 'options', () => new TaskManager('x' as never)),
    ...nameCases('new TaskManager({ name })', 'options.name', (v) => new TaskManager({ name: v as string })),
    ...numberCases('new TaskManager({ maxTaskAgeMs })', 'options.maxTaskAgeMs', (v) => new TaskManager({ maxTaskAgeMs: v as number }), [0]),
    typeCase('new TaskManager({ clock: {} })', 'options.clock', () => new TaskManager({ clock: {} as never })),
    typeCase('new TaskManager({ taskService: {} })', 'options.taskService', () => new TaskManager({ taskService: {} as never })),
    ...nameCases('registerTask(name)', 'name', (v) => manager.registerTask(v as string, fn)),
    typeCase('registerTask("n", 5)', 'task', () => manager.registerTask('n', 5 as never)),
    typeCase('registerTask("n", fn, "x")', 'options', () => manager.registerTask('n', fn, 'x' as never)),
    ...durationCases('registerTask delay', 'delay', (v) => manager.registerTask('n', fn, { delay: v as number })),
    ...durationCases('registerTask interval', 'interval', (v) => manager.registerTask('n', fn, { interval: v as number })),
    rangeCase('registerTask interval 0', 'interval', () => manager.registerTask('n', fn, { interval: 0 })),
    typeCase('registerTask stopOnError "no"', 'stopOnError', () => manager.registerTask('n', fn, { interval: 1, stopOnError: 'no' as never })),
    typeCase('registerTask(promise, { delay })', 'task', () => manager.registerTask('n', Promise.resolve(1), { delay: 1 })),
    ...nameCases('registerAnonymousTask(baseName)', 'baseName', (v) => manager.registerAnonymousTask(v as string, fn)),
    ...nameCases('replaceTask(name)', 'name', (v) => manager.replaceTask(v as string, fn)),
    ...durationCases('replaceTask delay', 'delay', (v) => manager.replaceTask('n', fn, { delay: v as number })),
    typeCase('cancelPendingTask(5)', 'name', () => manager.cancelPendingTask(5 as never)),
    typeCase('isPendingTaskActive(5)', 'name', () => manager.isPendingTaskActive(5 as never)),
    typeCase('getTask(5)', 'name', () => manager.getTask(5 as never)),
    typeCase('getAnonymousTasks(5)', 'baseName', () => manager.getAnonymousTasks(5 as never)),
    typeCase('registerShutdownTask(5)', 'fn', () => manager.registerShutdownTask(5 as never)),
    typeCase('waitForTasks({ signal: 5 })', 'options.signal', () => manager.waitForTasks({ signal: 5 as never })),
    ...durationCases('shutdownTaskManager({ timeoutMs })', 'options.timeoutMs', (v) => new TaskManager().shutdownTaskManager({ timeoutMs: v as number })),

    // Future, NumberCache, RequestCache
    typeCase('new Future("x")', 'options', () => new Future('x' as never)),
    typeCase('future.addDoneCallback(5)', 'callback', () => new Future().addDoneCallback(5 as never)),
    typeCase('new NumberCache({}, ...)', 'requestCache', () => new ProbeCache({} as never, 1)),
    ...keyNumberCases('new NumberCache(number)', (v) => new ProbeCache(requests, v as number)),
    typeCase('new RandomNumberCache(requests, 5)', 'prefix', () => new RandomNumberCache(requests, 5 as never)),
    typeCase('new RequestCache("x")', 'options', () => new RequestCache('x' as never)),
    typeCase('requests.add(5)', 'cache', () => requests.add(5 as never)),
    ...numberCases('requests.add(timeoutDelay)', 'timeoutDelay', (v) => requests.add(new ProbeCache(requests, 7, v)), [0]),
    typeCase('requests.has(5, 1)', 'prefix', () => requests.has(5 as never, 1)),
    typeCase('requests.has("p", "1")', 'number', () => requests.has('p', '1' as never)),
    typeCase('requests.get(5, 1)', 'prefix', () => requests.get(5 as never, 1)),
    typeCase('requests.pop("p", "1")', 'number', () => requests.pop('p', '1' as never)),
    typeCase('requests.passthrough(5)', 'fn', () => requests.passthrough(5 as never)),
    ...durationCases('requests.passthrough timeoutMs', 'options.timeoutMs', (v) => requests.passthrough(fn, { timeoutMs: v as number })),
    typeCase('requests.waitFor(5, 1)', 'prefix', () => requests.waitFor(5 as never, 1)),
    ...keyNumberCases('requests.waitFor number', (v) => requests.waitFor('p', v as number)),
    ...keyNumberCases('requests.has number', (v) => requests.has('p', v as number)),
    ...keyNumberCases('requests.pop number', (v) => requests.pop('p', v as number)),
    ...durationCases('requests.waitFor timeoutMs', 'options.timeoutMs', (v) => requests.waitFor('p', 1, { timeoutMs: v as number })),

    // PubSub
    typeCase('new PubSub("x")', 'options', () => new PubSub('x' as never)),
    ...nameCases('subscribe(message)', 'message', (v) => pubsub.subscribe(v as string, fn)),
    typeCase('subscribe("m", 5)', 'callback', () => pubsub.subscribe('m', 5 as never)),
    ...nameCases('once(message)', 'message', (v) => pubsub.once(v as string, fn)),
    typeCase('once("m", 5)', 'callback', () => pubsub.once('m', 5 as never)),
    typeCase('unsubscribe(5, fn)', 'message', () => pubsub.unsubscribe(5 as never, fn)),
    typeCase('subscribeAll(5)', 'target', () => pubsub.subscribeAll(5 as never)),
    ...nameCases('publish(message)', 'message', (v) => pubsub.publish(v as string)),
    ...nameCases('publishDeferred(message)', 'message', (v) => pubsub.publishDeferred(v as string)),
    ...nameCases('pubsub.waitFor(message)', 'message', (v) => pubsub.waitFor(v as string)),
    ...durationCases('pubsub.waitFor timeoutMs', 'options.timeoutMs', (v) => pubsub.waitFor('m', { timeoutMs: v as number })),
    typeCase('pubsub.waitFor signal', 'options.signal', () => pubsub.waitFor('m', { signal: {} as never })),
    typeCase('pubsub.subscriber(5)', 'messages[0]', () => pubsub.subscriber(5 as never)),
    typeCase('listenerCount(5)', 'message', () => pubsub.listenerCount(5 as never)),
    ...nameCases('@subscribe(message)', 'message', (v) => subscribe(v as string)),

    // Config
    typeCase('new Config("x")', 'options', () => new Config('x' as never)),
    typeCase('config.get(5, "k")', 'section', () => config.get(5 as never, 'k')),
    typeCase('config.get("s", 5)', 'key', () => config.get('s', 5 as never)),
    typeCase('config.section(5)', 'name', () => config.section(5 as never)),
    typeCase('config.addDefaults("s", 5)', 'values', () => config.addDefaults('s', 5 as never)),
    ...nameCases('config.addDefaults(section)', 'section', (v) => config.addDefaults(v as string, {})),
    ...numberCases('parseDuration', 'duration', (v) => parseDuration(v), [Infinity]).filter((c) => !c.label.endsWith('"10"')),
    typeCase('parseDuration(true)', 'duration', () => parseDuration(true)),
    rangeCase('parseDuration("5 parsecs")', 'duration', () => parseDuration('5 parsecs')),
    rangeCase('parseDuration("")', 'duration', () => parseDuration('')),
    rangeCase('parseDuration("-5s")', 'duration', () => parseDuration('-5s')),

    // Concurrency toolkit
    // Infinity is allowed where it means "no deadline" (sleep until cancelled, wait without timeout).
    ...numberCases('sleep(ms)', 'ms', (v) => sleep(v as number)),
    typeCase('sleep(1, { signal: 5 })', 'options.signal', () => sleep(1, { signal: 5 as never })),
    typeCase('withTimeout(5, 10)', 'task', () => withTimeout(5 as never, 10)),
    ...durationCases('withTimeout(fn, timeoutMs)', 'timeoutMs', (v) => withTimeout(fn, v as number)),
    typeCase('gather(5)', 'tasks', () => gather(5 as never)),
    typeCase('gather([5])', 'tasks[0]', () => gather([5 as never])),
    typeCase('gather([], { signal: 5 })', 'options.signal', () => gather([], { signal: 5 as never })),
    typeCase('wait(5)', 'tasks', () => wait(5 as never)),
    rangeCase('wait([])', 'tasks', () => wait([])),
    ...numberCases('wait timeoutMs', 'options.timeoutMs', (v) => wait([Promise.resolve()], { timeoutMs: v as number })),
    rangeCase('wait returnWhen "SOON"', 'options.returnWhen', () => wait([Promise.resolve()], { returnWhen: 'SOON' as never })),
    typeCase('asCompleted(5)', 'tasks', () => asCompleted(5 as never)),
    ...numberCases('asCompleted timeoutMs', 'options.timeoutMs', (v) => asCompleted([Promise.resolve()], { timeoutMs: v as number })),
    typeCase('shield(5)', 'task', () => shield(5 as never)),
    typeCase('TaskGroup.run(5)', 'body', () => TaskGroup.run(5 as never)),
    ...numberCases('new Semaphore(value)', 'value', (v) => new Semaphore(v as number), [1.5, Infinity]),
    ...numberCases('new BoundedSemaphore(value)', 'value', (v) => new BoundedSemaphore(v as number), [1.5, Infinity]),
    typeCase('semaphore.acquire({ signal: 5 })', 'options.signal', () => new Semaphore(0).acquire({ signal: 5 as never })),
    typeCase('semaphore.use(5)', 'fn', () => new Semaphore(1).use(5 as never)),
    typeCase('lock.acquire({ signal: 5 })', 'options.signal', () => new Lock().acquire({ signal: 5 as never })),
    typeCase('lock.use(5)', 'fn', () => new Lock().use(5 as never)),
    typeCase('event.wait({ signal: 5 })', 'options.signal', () => new Event().wait({ signal: 5 as never })),
    ...numberCases('new Queue(maxsize)', 'maxsize', (v) => new Queue(v as number), [1.5]),
    typeCase('queue.put(1, { signal: 5 })', 'options.signal', () => new Queue().put(1, { signal: 5 as never })),
    typeCase('link(5, handle)', 'a', () => link(5 as never, handle)),
    typeCase('link(handle, 5)', 'b', () => link(handle, 5 as never)),
    typeCase('awaitChild(5)', 'child', () => awaitChild(5 as never)),
    typeCase('awaitChild(handle, { signal: 5 })', 'options.signal', () => awaitChild(handle, { signal: 5 as never })),

    // @tsab/core/testing
    typeCase('new TestClock("x")', 'options', () => new TestClock('x' as never)),
    ...numberCases('new TestClock({ now })', 'options.now', (v) => new TestClock({ now: v as number }), [Infinity]).filter((c) => !c.label.endsWith('with -1')),
    ...durationCases('testClock.advance(ms)', 'ms', (v) => new TestClock().advance(v as number)),
  ]
  return c
}

// Calls `call`; a returned promise is observed so a wrong (asynchronous) failure never becomes unhandled.
function attempt(call: () => unknown): { threw: true; error: unknown } | { threw: false; value: unknown } {
  try {
    const value = call()
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
      ;(value as Promise<unknown>).then(undefined, () => {})
    }
    return { threw: false, value }
  } catch (error) {
    return { threw: true, error }
  }
}

describe('bad input throws synchronously, naming the argument', () => {
  it('over the whole public API', () => {
    const problems: string[] = []
    const all = cases()
    for (const { label, call, error, arg } of all) {
      const outcome = attempt(call)
      if (!outcome.threw) {
        problems.push(`${label}: did not throw (returned ${typeof outcome.value})`)
        continue
      }
      const thrown = outcome.error
      if (!(thrown instanceof error)) {
        problems.push(`${label}: threw ${(thrown as Error)?.constructor?.name ?? typeof thrown}, expected ${error.name}: ${(thrown as Error)?.message}`)
        continue
      }
      if (!(thrown as Error).message.includes(`Expected \`${arg}\``)) {
        problems.push(`${label}: message does not name \`${arg}\`: ${(thrown as Error).message}`)
      }
    }
    expect(problems).toEqual([])
    expect(all.length).toBeGreaterThan(300)
  })

  it('leaves nothing half-registered', async () => {
    const before = app.taskService.stats()
    for (const { call } of cases()) attempt(call)
    expect(app.taskService.stats().scheduled).toBe(before.scheduled)
    expect(manager.getTasks()).toEqual([])
    expect(requests.size).toBe(0)
    expect(pubsub.listenerCount('m')).toBe(0)
  })

  it('createTestApplication (async) rejects with a TypeError naming the option', async () => {
    await expect(createTestApplication({ tickPeriodMs: -1 })).rejects.toThrow(/Expected `options.tickPeriodMs`/)
  })
})

describe('huge values', () => {
  it('a delay longer than a Node timer can hold does not fire at once (it used to, with a TimeoutOverflowWarning)', async () => {
    const fired: string[] = []
    const controller = new AbortController()
    const sleeping = sleep(3e9, { signal: controller.signal }).then(
      () => fired.push('sleep'),
      () => fired.push('sleep cancelled'),
    )
    const timeoutTask = app.taskService.spawn((signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)), { timeoutMs: 2 ** 40, name: 'huge-timeout' })
    const { realClock } = await import('../../src/index.js')
    const forever = realClock.setTimeout(() => fired.push('Infinity timer'), Infinity)
    const huge = realClock.setTimeout(() => fired.push('huge timer'), 2 ** 31)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(fired).toEqual([])
    expect(timeoutTask.state).toBe('running')
    realClock.clearTimeout(forever)
    realClock.clearTimeout(huge)
    controller.abort()
    timeoutTask.cancel()
    await sleeping
    await timeoutTask.settled
    expect(fired).toEqual(['sleep cancelled'])
    expect(timeoutTask.state).toBe('succeeded')
  })
})

describe('config files and environment never pollute prototypes', () => {
  it('__proto__, constructor and prototype keys in JSON, INI and env stay plain data', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'tsab-proto-'))
    try {
      const json = join(dir, 'evil.json')
      writeFileSync(json, '{"__proto__": {"polluted": "json"}, "web": {"__proto__": {"polluted": "json2"}, "constructor": {"prototype": {"polluted": "json3"}}}}')
      const ini = join(dir, 'evil.ini')
      writeFileSync(ini, '[__proto__]\npolluted = ini\n[constructor]\nprototype = ini2\n[web]\n__proto__ = ini3\n')
      const env = { TSAB____proto____polluted: 'env', TSAB__constructor__prototype: 'env2', TSAB__web____proto__: 'env3' }
      const before = Object.getOwnPropertyNames(Object.prototype).sort()
      const configs = [new Config({ configFile: json, env }), new Config({ configFile: ini, env })]
      for (const config of configs) {
        config.addDefaults('__proto__', { polluted: 'defaults' })
        config.get('web', '__proto__')
        config.section('__proto__')
        config.section('web')
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
      expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
