/**
 * TaskService (spec §4) at the edges of its life: finalize (intake stop, cancelling, the bounded wait and its one
 * warning, the app's exit budget), a task that cannot be started, and the O(1) cost per task.
 */
import { describe, expect, it, vi } from 'vitest'
import { Application } from '../../src/application/application.js'
import { sleep } from '../../src/concurrency/sleep.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { Messages } from '../../src/pubsub/messages.js'
import { Service } from '../../src/service/service.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { TestClock } from '../../src/testing/index.js'
import { expectBalanced, useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { Level, memoryLogger, type LogLine } from '../support/logs.js'
import { deferred, untilAborted } from '../support/promises.js'

// ---- shared harness (test/support/app.ts): every app is stopped, no unhandled rejection, no timer left on a TestClock ----

const { error: ERROR, warn: WARN } = Level

const { startApp, apps } = useTestApps({ beforeTeardown: () => vi.restoreAllMocks() })

/** A task that ignores its signal and never settles. */
const stuck = (_signal: AbortSignal): Promise<never> => new Promise(() => {})

const pendingWarnings = (lines: LogLine[]): LogLine[] => lines.filter((l) => / pending and incomplete tasks/.test(l.msg))

// ---- tests ----

describe('TaskService finalize (app.stop())', () => {
  it('stops intake: a later schedule()/spawn() returns an already cancelled handle, logs a warning, never invokes', async () => {
    const { logger, lines } = memoryLogger()
    const app = await startApp({ logger })
    await app.stop()
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void done.push(h))
    let calls = 0
    const [late] = app.taskService.schedule(function lateWork() {
      calls++
    })
    const spawned = app.taskService.spawn(() => void calls++, { name: 'lateSpawn', owner: 'Late' })
    expect(late!.state).toBe('cancelled')
    expect(spawned.state).toBe('cancelled')
    expect(late!.error).toBeInstanceOf(CancelledError)
    expect(late!.signal.aborted).toBe(true)
    await expect(spawned.result).rejects.toBeInstanceOf(CancelledError)
    await turns(3)
    expect(calls).toBe(0)
    expect(done).toEqual([late, spawned])
    const warnings = lines.filter((l) => l.level === WARN && l.service === 'TaskService')
    expect(warnings).toEqual([
      expect.objectContaining({ task: 'lateWork', taskId: late!.id }),
      expect.objectContaining({ task: 'lateSpawn', taskId: spawned.id, owner: 'Late' }),
    ])
    expect(warnings[0]!.msg).toMatch(/after shutdown/)
    expectBalanced(app.taskService)
    expect(app.taskService.size).toBe(0)
  })

  it('cancels queued tasks (they never run) and aborts the signals of running ones', async () => {
    const app = await startApp({ config: { TaskService: { max_concurrency: 2 } } })
    const done: string[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void done.push(`${h.name}:${h.state}`))
    let queuedCalls = 0
    const running = [
      app.taskService.spawn((signal) => untilAborted(signal), { name: 'r1' }),
      app.taskService.spawn((signal) => untilAborted(signal), { name: 'r2' }),
    ]
    const queued = [
      app.taskService.spawn(() => void queuedCalls++, { name: 'q1' }),
      app.taskService.spawn(() => void queuedCalls++, { name: 'q2' }),
    ]
    await turns(1)
    expect(running.map((h) => h.state)).toEqual(['running', 'running'])
    await app.stop()
    expect(app.state).toBe('stopped')
    for (const h of [...running, ...queued]) {
      expect(h.state).toBe('cancelled')
      expect(h.signal.aborted).toBe(true)
      expect(h.error).toBeInstanceOf(CancelledError)
    }
    expect((running[0]!.signal.reason as Error).message).toMatch(/shutting down/)
    await turns(3)
    expect(queuedCalls).toBe(0)
    expect(done.sort()).toEqual(['q1:cancelled', 'q2:cancelled', 'r1:cancelled', 'r2:cancelled'])
    expectBalanced(app.taskService)
  })

  it('waits for aborted tasks that take time to clean up, and warns about none of them', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    const handle = app.taskService.spawn(async (signal) => {
      await untilAborted(signal).catch(() => {})
      await sleep(500, { clock })
      return 'cleaned up'
    })
    await turns(1)
    const stopping = app.stop()
    await clock.advance(499)
    expect(app.state).toBe('stopping')
    expect(handle.state).toBe('running')
    await clock.advance(1)
    expect(await stopping).toBe(0)
    expect(handle.state).toBe('succeeded')
    expect(pendingWarnings(lines)).toEqual([])
    expect(clock.pending).toBe(0)
  })

  it('waits up to shutdown_timeout (default 10s), then logs ONE warning naming every task that did not settle', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    app.taskService.spawn(stuck, { name: 'alpha' })
    app.taskService.spawn(stuck, { name: 'beta' })
    const polite = app.taskService.spawn((signal) => untilAborted(signal), { name: 'polite' })
    await turns(1)
    const stopping = app.stop()
    await turns(2)
    expect(polite.state).toBe('cancelled')
    await clock.advance(9_999)
    expect(app.state).toBe('stopping')
    expect(pendingWarnings(lines)).toEqual([])
    await clock.advance(1)
    await stopping
    expect(app.state).toBe('stopped')
    const warnings = pendingWarnings(lines)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ level: WARN, service: 'TaskService', msg: '2 pending and incomplete tasks: alpha, beta' })
    expect(warnings[0]!.tasks).toEqual([{ name: 'alpha', count: 1 }, { name: 'beta', count: 1 }])
    expect(clock.pending).toBe(0)
    expectBalanced(app.taskService)
    expect(app.taskService.stats()).toMatchObject({ running: 2, cancelled: 1 })
  })

  it('reads shutdown_timeout as a duration (real time, 50ms)', async () => {
    const { logger, lines } = memoryLogger()
    const app = await startApp({ logger, config: { TaskService: { shutdown_timeout: '50ms' } } })
    app.taskService.spawn(stuck, { name: 'wedged' })
    const [unnamed] = app.taskService.schedule(() => new Promise(() => {}))
    await turns(1)
    await app.stop()
    expect(pendingWarnings(lines).map((l) => l.msg)).toEqual([`2 pending and incomplete tasks: wedged, ${unnamed!.name}`])
  })

  it('never waits beyond the app exit budget (exitTimeoutMs), and still names the stragglers', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    class SlowService extends Service {
      override async finalize(): Promise<void> {
        await sleep(40, { clock })
      }
    }
    const app = new Application({ clock, logger, handleSignals: false, exitTimeoutMs: 100 })
    apps.push(app)
    app.addService(SlowService)
    await app.start()
    app.taskService.spawn(stuck, { name: 'straggler' })
    await turns(1)
    const stopping = app.stop()
    await clock.advance(40) // SlowService used 40 of the 100 ms (its share is 50: half for it, half for the TaskService)
    expect(app.state).toBe('stopping')
    await clock.advance(53) // the TaskService is told to wrap up a tenth of its 60 ms before the end
    expect(app.state).toBe('stopping')
    await clock.advance(1)
    await stopping
    expect(app.state).toBe('stopped')
    expect(clock.now()).toBe(94)
    expect(pendingWarnings(lines).map((l) => l.msg)).toEqual(['1 pending and incomplete tasks: straggler'])
    expect(clock.pending).toBe(0)
  })

  it('returns at once when nothing is pending, arming no timer', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    app.taskService.schedule(() => 1)
    await app.taskService.onIdle()
    const setTimeoutSpy = vi.spyOn(clock, 'setTimeout')
    await app.stop() // resolves without advancing the clock
    expect(setTimeoutSpy.mock.calls.filter(([, ms]) => ms === 10_000)).toEqual([])
    expect(pendingWarnings(lines)).toEqual([])
  })
})

describe('TaskService drain', () => {
  it('a task that cannot be started (an internal fault, never the function) ends failed and is logged; the others still run', async () => {
    const clock = new TestClock()
    const { logger, lines } = memoryLogger()
    const app = await startApp({ clock, logger })
    const ts = app.taskService
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_m, h: TaskHandle) => void done.push(h))
    const calls: string[] = []
    const [victim, next] = ts.schedule(function victim() {
      calls.push('victim')
    }, function next() {
      calls.push('next')
    })
    // The next reading of the clock is the victim's start stamp: make it throw, as a broken clock would.
    const boom = new Error('clock broke')
    vi.spyOn(clock, 'now').mockImplementationOnce(() => {
      throw boom
    })
    await turns(1)
    expect(calls).toEqual(['next'])
    expect(victim!.state).toBe('failed')
    expect(victim!.error).toBe(boom)
    expect(next!.state).toBe('succeeded')
    expect(done).toEqual([victim, next])
    expectBalanced(ts)
    expect(ts.stats()).toMatchObject({ scheduled: 2, failed: 1, succeeded: 1, queued: 0, running: 0 })
    const faults = lines.filter((l) => l.level === ERROR && /Could not start task "victim"/.test(l.msg))
    expect(faults).toEqual([expect.objectContaining({ service: 'TaskService', task: 'victim', err: expect.objectContaining({ message: 'clock broke' }) })])
    // Not a hot loop and nothing armed: later work runs on the next turn as usual.
    const [after] = ts.schedule(() => 'after')
    await turns(1)
    expect(after!.state).toBe('succeeded')
    await app.stop()
  })
})

describe('TaskService cost per task', () => {
  it('does no work over the pending set per completion, per start or while idle', async () => {
    const clock = new TestClock()
    const app = await startApp({ clock, config: { TaskService: { shutdown_timeout: '1ms' } } })
    const ts = app.taskService
    const never = (): Promise<never> => new Promise(() => {})
    ts.schedule(...new Array<() => Promise<never>>(20_000).fill(never))
    await turns(1)
    expect(ts.stats().running).toBe(20_000)

    const probe = ts.schedule(() => 1)[0]!
    await probe.settled
    const handle = Object.getPrototypeOf(probe) as TaskHandle
    const touched = [
      vi.spyOn(handle, 'state', 'get'),
      vi.spyOn(handle, 'name', 'get'),
      vi.spyOn(handle, 'owner', 'get'),
      vi.spyOn(handle, 'meta', 'get'),
      vi.spyOn(handle, 'startedAt', 'get'),
      vi.spyOn(handle, 'cancel'),
    ]
    const list = vi.spyOn(ts, 'list')
    const work = (): number => touched.reduce((sum, spy) => sum + spy.mock.calls.length, 0)

    // Idle with 20,000 pending: ticks and turns touch no task.
    await clock.advance(5_000)
    await turns(5)
    expect(work()).toBe(0)

    // One completion, one failure, one cancellation and one new start each touch a constant number of tasks.
    const gate = deferred()
    const [a, b, c] = ts.schedule(() => gate.promise, async () => Promise.reject(new Error('x')), (signal: AbortSignal) => untilAborted(signal))
    await turns(1)
    gate.resolve()
    c!.cancel()
    await Promise.all([a!.settled, b!.settled, c!.settled])
    const [d] = ts.schedule(() => 'd')
    await d!.settled
    expect(work()).toBeLessThan(60)
    expect(list).not.toHaveBeenCalled()
    expect(ts.stats()).toMatchObject({ running: 20_000, succeeded: 3, failed: 1, cancelled: 1 })
    vi.restoreAllMocks()
    const stopping = app.stop()
    await clock.advance(1)
    await stopping
  }, 30_000)
})
