/**
 * `TaskService.runForever()` (spec §4): restarts after return and throw with exponential backoff + jitter, reset after
 * a healthy run, logging, restart counters, cancel/finalize stopping it for good, no event-loop starvation, validation.
 */
import { describe, expect, it, vi } from 'vitest'
import { Application } from '../../src/application/application.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { Messages } from '../../src/pubsub/messages.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/index.js'
import { useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger, type LogLine } from '../support/logs.js'

// ---- shared harness (test/support/app.ts): every app is stopped, no unhandled rejection, no timer left on a TestClock ----

const { error: ERROR, warn: WARN } = Level

// Ticks far away, so the only timers on a TestClock are the ones under test.
const { startApp, apps } = useTestApps({ defaults: { tickPeriodMs: 1e9 }, beforeTeardown: () => vi.restoreAllMocks() })

/** Clock times at which each run of a function began. */
function recorder(clock: TestClock, behaviour: (run: number, signal: AbortSignal) => unknown): {
  fn: (signal: AbortSignal) => unknown
  starts: number[]
} {
  const starts: number[] = []
  return {
    starts,
    fn: (signal: AbortSignal) => {
      starts.push(clock.now())
      return behaviour(starts.length, signal)
    },
  }
}

const gaps = (starts: number[]): number[] => starts.slice(1).map((t, i) => t - starts[i]!)

// ---- tests ----

const one = (): number => 1

describe('TaskService.runForever()', () => {
  it('returns one handle per function, named after the spec or the function', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    async function heartbeat(signal: AbortSignal): Promise<void> {
      await sleep(Infinity, { signal })
    }
    const handles = app.taskService.runForever(heartbeat, { name: 'poller', run: heartbeat }, (signal) => sleep(Infinity, { signal }))
    expect(handles.map((h) => h.name)).toEqual(['heartbeat', 'poller', 'forever'])
    expect(handles.map((h) => [h.running, h.restarts])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
    ])
    await turns(1)
    const infos = app.taskService.list()
    expect(infos.map((i) => [i.name, i.state, i.owner])).toEqual([
      ['heartbeat', 'running', 'runForever'],
      ['poller', 'running', 'runForever'],
      ['forever', 'running', 'runForever'],
    ])
    expect(app.taskService.runForever()).toEqual([])
    await app.stop()
    expect(handles.every((h) => !h.running)).toBe(true)
  })

  it('runs the function again after it returns and after it throws, logging each', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    const { fn, starts } = recorder(clock, (run) => {
      if (run % 2 === 0) throw new Error(`run ${run} failed`)
      return 'returned'
    })
    const [handle] = app.taskService.runForever({ name: 'worker', run: fn, backoff: { initialMs: 100, factor: 1, jitter: 0 } })
    await turns(1)
    expect(starts).toEqual([0])
    await clock.advance(400)
    expect(starts).toEqual([0, 100, 200, 300, 400])
    expect(handle!.restarts).toBe(4)
    expect(app.taskService.stats().restarts).toBe(4)
    const returns = lines.filter((l) => l.level === WARN && l.task === 'worker')
    const throws = lines.filter((l) => l.level === ERROR && l.task === 'worker')
    expect(returns).toHaveLength(3) // runs 1, 3, 5
    expect(throws).toHaveLength(2) // runs 2, 4
    expect(returns[0]).toMatchObject({ service: 'TaskService', restartInMs: 100 })
    expect(returns[0]!.msg).toMatch(/returned/)
    expect(throws[0]).toMatchObject({ restartInMs: 100, err: expect.objectContaining({ message: 'run 2 failed' }) })
    expect(handle!.running).toBe(true)
    // The runner is one task: it is not reported as finished on each run.
    expect(app.taskService.stats()).toMatchObject({ scheduled: 1, running: 1, succeeded: 0, failed: 0 })
    await app.stop()
  })

  it('waits exponentially longer between consecutive restarts, up to maxMs (no jitter)', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, () => {
      throw new Error('always')
    })
    app.taskService.runForever({ name: 'x', run: fn, backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0 } })
    await clock.advance(100 + 200 + 400 + 800 + 1_000 + 1_000)
    expect(gaps(starts)).toEqual([100, 200, 400, 800, 1_000, 1_000])
    await app.stop()
  })

  it('spreads each delay by at most ±jitter around the exponential base', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    const { fn, starts } = recorder(clock, () => {
      throw new Error('always')
    })
    const backoff = { initialMs: 100, factor: 3, maxMs: 5_000, jitter: 0.25 }
    app.taskService.runForever({ name: 'jittery', run: fn, backoff })
    while (starts.length < 8) await clock.advance(250)
    const observed = gaps(starts).slice(0, 6)
    observed.forEach((gap, i) => {
      const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** i)
      // The clock moves in 250 ms steps here, so a restart is seen up to one step late.
      expect(gap).toBeGreaterThanOrEqual(base * (1 - backoff.jitter) - 250)
      expect(gap).toBeLessThanOrEqual(Math.min(backoff.maxMs, base * (1 + backoff.jitter)) + 250)
    })
    // The logged delays are exact: check them against the bounds without the step tolerance.
    const logged = lines.filter((l) => l.task === 'jittery' && l.level === ERROR).map((l) => l.restartInMs as number)
    logged.slice(0, 6).forEach((delay, i) => {
      const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** i)
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - backoff.jitter)))
      expect(delay).toBeLessThanOrEqual(Math.ceil(Math.min(backoff.maxMs, base * (1 + backoff.jitter))))
    })
    await app.stop()
  })

  it('reaches both ends of the jitter range (random at 0 and at 1)', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const low = recorder(clock, () => {
      throw new Error('x')
    })
    vi.spyOn(Math, 'random').mockReturnValue(0)
    app.taskService.runForever({ name: 'low', run: low.fn, backoff: { initialMs: 100, jitter: 0.2, maxMs: 10_000 } })
    await clock.advance(80 + 160 + 320)
    expect(gaps(low.starts)).toEqual([80, 160, 320])
    vi.spyOn(Math, 'random').mockReturnValue(1)
    const clock2 = new TestClock()
    const app2 = await startApp({ clock: clock2 })
    const high = recorder(clock2, () => {
      throw new Error('x')
    })
    app2.taskService.runForever({ name: 'high', run: high.fn, backoff: { initialMs: 100, jitter: 0.2, maxMs: 300 } })
    await clock2.advance(120 + 240 + 300 + 300)
    expect(gaps(high.starts)).toEqual([120, 240, 300, 300]) // capped at maxMs even with jitter
    await app.stop()
    await app2.stop()
  })

  it('resets the delay after a healthy run of resetAfterMs', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, async (run, signal) => {
      if (run === 4) await sleep(1_000, { signal, clock }) // a healthy, long run
      throw new Error(`run ${run}`)
    })
    app.taskService.runForever({ name: 'r', run: fn, backoff: { initialMs: 100, factor: 2, jitter: 0, resetAfterMs: 1_000 } })
    await clock.advance(100 + 200 + 400 + 1_000 + 100 + 200)
    // Gaps are measured start to start: the 4th run itself lasted 1000 ms, then the delay is back to 100.
    expect(gaps(starts)).toEqual([100, 200, 400, 1_000 + 100, 200])
    await app.stop()
  })

  it('a run just short of resetAfterMs does not reset the delay', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, async (run, signal) => {
      if (run === 3) await sleep(999, { signal, clock })
      throw new Error(`run ${run}`)
    })
    app.taskService.runForever({ name: 'r', run: fn, backoff: { initialMs: 100, factor: 2, jitter: 0, resetAfterMs: 1_000 } })
    await clock.advance(100 + 200 + 999 + 400)
    expect(gaps(starts)).toEqual([100, 200, 999 + 400])
    await app.stop()
  })

  it('passes a signal to the function, and cancel() stops it for good', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void done.push(h))
    const signals: AbortSignal[] = []
    const { fn, starts } = recorder(clock, async (_run, signal) => {
      signals.push(signal)
      await sleep(50, { signal, clock })
    })
    const baseline = clock.pending // the app's tick timer
    const [handle] = app.taskService.runForever({ name: 'loop', run: fn, backoff: { initialMs: 10, jitter: 0 } })
    await clock.advance(60)
    expect(starts).toEqual([0, 60])
    expect(signals[0]).toBeInstanceOf(AbortSignal)
    expect(signals[1]).toBe(signals[0])
    expect(handle!.cancel('done here')).toBe(true)
    expect(signals[0]!.aborted).toBe(true)
    expect(signals[0]!.reason).toBe('done here')
    await turns(3)
    expect(handle!.running).toBe(false)
    expect(handle!.cancel()).toBe(false)
    await clock.advance(10_000)
    expect(starts).toEqual([0, 60])
    expect(done).toHaveLength(1)
    expect(done[0]).toMatchObject({ name: 'loop', state: 'cancelled' })
    expect((done[0]!.error as CancelledError).reason).toBe('done here')
    expect(app.taskService.size).toBe(0)
    expect(clock.pending).toBe(baseline)
    await app.stop()
  })

  it('reports running false as soon as its task has settled (right after onIdle())', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const [handle] = app.taskService.runForever({ name: 'r', run: (signal) => sleep(Infinity, { signal }) })
    await turns(1)
    handle!.cancel()
    await app.taskService.onIdle()
    expect(handle!.running).toBe(false)
    expect(handle!.cancel()).toBe(false)
    await app.stop()
  })

  it('cancel() during the backoff wait stops it without another run', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, () => 'quick')
    const baseline = clock.pending // the app's tick timer
    const [handle] = app.taskService.runForever({ name: 'q', run: fn, backoff: { initialMs: 1_000, jitter: 0 } })
    await clock.advance(500) // in the middle of the first wait
    expect(starts).toEqual([0])
    handle!.cancel()
    await turns(3)
    expect(handle!.running).toBe(false)
    expect(clock.pending).toBe(baseline) // the backoff timer was cleared
    await clock.advance(5_000)
    expect(starts).toEqual([0])
    expect(handle!.restarts).toBe(0)
    await app.stop()
  })

  it('stops when a function ignores cancel() but returns, without another run', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, () => sleep(100, { clock })) // ignores its signal
    const [handle] = app.taskService.runForever({ name: 'deaf', run: fn, backoff: { initialMs: 10, jitter: 0 } })
    await clock.advance(20)
    handle!.cancel()
    await clock.advance(1_000)
    expect(starts).toEqual([0])
    expect(handle!.running).toBe(false)
    await app.stop()
  })

  it('is stopped for good by finalize', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock })
    const { fn, starts } = recorder(clock, async (_run, signal) => {
      await sleep(100, { signal, clock })
    })
    const [running, waiting] = app.taskService.runForever(
      { name: 'running', run: fn, backoff: { jitter: 0 } },
      { name: 'waiting', run: () => 'back soon', backoff: { initialMs: 1_000, jitter: 0 } },
    )
    await clock.advance(50)
    await app.stop()
    expect(running!.running).toBe(false)
    expect(waiting!.running).toBe(false)
    expect(app.taskService.size).toBe(0)
    await clock.advance(10_000)
    expect(starts).toEqual([0])
    expect(clock.pending).toBe(0)
  })

  it('waits in the queue when registered before start(), and never runs when registered after stop()', async () => {
    const { logger, lines } = memoryLogger()
    const app = new Application({ logger, handleSignals: false, config: { TaskService: { shutdown_timeout: '10ms' } } })
    apps.push(app)
    let runs = 0
    const [early] = app.taskService.runForever({
      name: 'early',
      run: async (signal) => {
        runs++
        await sleep(Infinity, { signal })
      },
    })
    await turns(3)
    expect(runs).toBe(0)
    expect(early!.running).toBe(true)
    await app.start()
    await turns(1)
    expect(runs).toBe(1)
    await app.stop()
    expect(early!.running).toBe(false)
    let lateRuns = 0
    const [late] = app.taskService.runForever({ name: 'late', run: () => void lateRuns++ })
    await turns(3)
    expect(lateRuns).toBe(0)
    expect(late!.running).toBe(false)
    expect(late!.cancel()).toBe(false)
    expect(lines.some((l) => l.level === WARN && l.task === 'late')).toBe(true)
  })

  it('with initialMs 0 keeps restarting for as long as it throws, one macrotask apart at least (once died after ~1,024)', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger, config: { TaskService: { shutdown_timeout: '1s' } } })
    let runs = 0
    const [handle] = app.taskService.runForever({
      name: 'flaky',
      run: () => {
        runs++
        throw new Error('always')
      },
      backoff: { initialMs: 0, maxMs: 0, jitter: 0 },
    })
    // Other macrotasks get their turn between runs: count turns while it restarts.
    let immediates = 0
    while (runs < 1_500 && immediates < 50_000) {
      await new Promise((resolve) => setImmediate(resolve))
      immediates++
    }
    expect(handle!.running).toBe(true)
    expect(handle!.restarts).toBeGreaterThanOrEqual(1_499)
    expect(immediates).toBeGreaterThanOrEqual(runs / 2)
    expect(app.taskService.stats().restarts).toBe(handle!.restarts)
    const delays = lines.filter((l) => l.level === ERROR && l.task === 'flaky').map((l) => l.restartInMs)
    expect(delays.length).toBeGreaterThanOrEqual(1_499)
    expect(delays.every((delay) => delay === 0)).toBe(true)
    handle!.cancel()
    await app.stop()
    expect(handle!.running).toBe(false)
  })

  it('cannot starve the event loop with a function that returns synchronously at once', async () => {
    const app = await startApp({ config: { TaskService: { shutdown_timeout: '1s' } } })
    let runs = 0
    const [handle] = app.taskService.runForever({
      name: 'busy',
      run: () => {
        runs++
      },
      backoff: { initialMs: 0, maxMs: 0, jitter: 0 },
    })
    // Other macrotasks keep running: an immediate-driven counter and a timer both get their turn.
    let immediates = 0
    await new Promise<void>((resolve) => {
      const spin = (): void => {
        if (++immediates >= 50) resolve()
        else setImmediate(spin)
      }
      setImmediate(spin)
    })
    await new Promise<void>((resolve) => setTimeout(resolve, 5))
    expect(immediates).toBe(50)
    expect(runs).toBeGreaterThan(1)
    expect(handle!.restarts).toBe(runs - 1)
    handle!.cancel()
    await app.stop()
    expect(handle!.running).toBe(false)
  })

  describe('validation', () => {
    it.each([
      ['a number', 42, TypeError, 'Expected `fns[0]` to be a function or { name, run, backoff? }, got 42 (number)'],
      ['null', null, TypeError, /^Expected `fns\[0\]` to be a function or \{ name, run, backoff\? \}, got null/],
      ['a promise', Promise.resolve(), TypeError, /^Expected `fns\[0\]/],
      ['a spec without name', { run: one }, TypeError, /^Expected `fns\[0\].name` to be a non-empty string/],
      ['a spec with an empty name', { name: '', run: one }, RangeError, /^Expected `fns\[0\].name` to be a non-empty string/],
      ['a spec without run', { name: 'x' }, TypeError, 'Expected `fns[0].run` to be a function, got undefined (undefined)'],
      ['a spec whose run is not a function', { name: 'x', run: 'go' }, TypeError, /^Expected `fns\[0\].run` to be a function/],
      ['backoff not an object', { name: 'x', run: one, backoff: 5 }, TypeError, /^Expected `fns\[0\].backoff` to be an object/],
      ['negative initialMs', { name: 'x', run: one, backoff: { initialMs: -1 } }, RangeError, /^Expected `fns\[0\].backoff.initialMs` to be a finite number >= 0/],
      ['maxMs below initialMs', { name: 'x', run: one, backoff: { initialMs: 500, maxMs: 100 } }, RangeError, /^Expected `fns\[0\].backoff.maxMs` to be a finite number >= 500/],
      ['factor below 1', { name: 'x', run: one, backoff: { factor: 0.5 } }, RangeError, /^Expected `fns\[0\].backoff.factor`/],
      ['jitter above 1', { name: 'x', run: one, backoff: { jitter: 1.5 } }, RangeError, /^Expected `fns\[0\].backoff.jitter` to be a finite number >= 0 <= 1/],
      ['NaN resetAfterMs', { name: 'x', run: one, backoff: { resetAfterMs: Number.NaN } }, RangeError, /^Expected `fns\[0\].backoff.resetAfterMs`/],
      ['a string initialMs', { name: 'x', run: one, backoff: { initialMs: '100' } }, TypeError, /^Expected `fns\[0\].backoff.initialMs`/],
    ])('rejects %s synchronously', async (_label, bad, ErrorType, message) => {
      const app = await startApp()
      expect(() => app.taskService.runForever(bad as never)).toThrow(ErrorType)
      expect(() => app.taskService.runForever(bad as never)).toThrow(message)
      expect(app.taskService.stats().scheduled).toBe(0)
      await app.stop()
    })

    it('schedules nothing when one of several functions is invalid', async () => {
      const app = await startApp()
      let runs = 0
      const ok = (): void => void runs++
      expect(() => app.taskService.runForever(ok, { name: 'fine', run: ok }, { name: 'bad', run: ok, backoff: { factor: 0 } })).toThrow(
        /^Expected `fns\[2\].backoff.factor`/,
      )
      await turns(3)
      expect(runs).toBe(0)
      expect(app.taskService.stats()).toEqual({ scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, restarts: 0 })
      expect(app.taskService.list()).toEqual([])
      await app.stop()
    })
  })
})
