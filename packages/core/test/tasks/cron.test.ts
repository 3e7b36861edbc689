import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { CancelledError } from '../../src/errors/cancellation.js'
import { DuplicateTaskError } from '../../src/errors/errors.js'
import type { Logger } from '../../src/logging/logger.js'
import { Messages } from '../../src/pubsub/messages.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { turns } from '../support/event-loop.js'
import { Level, type LogLine, memoryLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
const START = Date.UTC(2024, 0, 1) // 2024-01-01T00:00:00Z, a Monday
const HOUR = 3_600_000
let clock: TestClock
let logger: Logger
let lines: LogLine[]
let app: Application
let manager: TaskManager
let done: TaskHandle[]
// Timers the running app keeps armed by itself (its ticker): what "no timer left behind" compares with.
let idle: number

/** Sleeps `ms` on the test clock, rejecting with the signal's reason when it aborts. */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clock.clearTimeout(timer)
      reject(signal.reason)
    }, { once: true })
  })
}

const iso = (ms: number): string => new Date(ms).toISOString()

beforeEach(async () => {
  clock = new TestClock({ wallTime: START })
  ;({ logger, lines } = memoryLogger())
  app = await createTestApplication({ clock, logger })
  manager = new TaskManager({ name: 'jobs', taskService: app.taskService, clock, logger })
  done = []
  app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => void done.push(handle))
  idle = clock.pending
})

afterEach(async () => {
  await manager.shutdownTaskManager().catch(() => {})
  await app.stop()
  await turns()
  expect(clock.pending).toBe(0)
  expect(unhandled.splice(0)).toEqual([])
})

describe('TaskManager.registerCron()', () => {
  it('fires a */5-second schedule exactly 720 times in one simulated hour, at the right wall times', async () => {
    const fires: number[] = []
    manager.registerCron('beat', '*/5 * * * * *', () => void fires.push(clock.wallNow()))
    await clock.advance(HOUR)
    expect(fires).toHaveLength(720)
    expect(fires[0]).toBe(START + 5_000)
    expect(fires.at(-1)).toBe(START + HOUR)
    expect(fires.every((at, i) => i === 0 || at - fires[i - 1]! === 5_000)).toBe(true)
    expect(done.filter((handle) => handle.name === 'beat' && handle.state === 'succeeded')).toHaveLength(720)
    expect(manager.cronInfo('beat')).toMatchObject({ fired: 720, started: 720, skipped: 0, failed: 0, running: 0 })
  })

  it('fires 720 times an hour without a TaskService too, and leaves no timer after shutdown', async () => {
    const own = new TaskManager({ name: 'own', clock, logger })
    let runs = 0
    const handle = own.registerCron('beat', '*/5 * * * * *', () => void runs++)
    await clock.advance(HOUR)
    expect(runs).toBe(720)
    await own.shutdownTaskManager()
    expect(handle.state).toBe('cancelled')
    expect(clock.pending).toBe(idle)
  })

  it('accepts 5 fields (minutes) and 6 fields (seconds first)', async () => {
    const minutes: string[] = []
    const seconds: string[] = []
    manager.registerCron('minutes', '*/20 * * * *', () => void minutes.push(iso(clock.wallNow())))
    manager.registerCron('seconds', '30 */20 * * * *', () => void seconds.push(iso(clock.wallNow())))
    await clock.advance(HOUR)
    expect(minutes).toEqual(['2024-01-01T00:20:00.000Z', '2024-01-01T00:40:00.000Z', '2024-01-01T01:00:00.000Z'])
    expect(seconds).toEqual(['2024-01-01T00:00:30.000Z', '2024-01-01T00:20:30.000Z', '2024-01-01T00:40:30.000Z'])
  })

  it('reads the pattern in options.timezone', async () => {
    const fires: string[] = []
    manager.registerCron('prague-9am', '0 9 * * *', () => void fires.push(iso(clock.wallNow())), { timezone: 'Europe/Prague' })
    manager.registerCron('ny-9am', '0 9 * * *', () => void fires.push(iso(clock.wallNow())), { timezone: 'America/New_York' })
    await clock.advance(24 * HOUR)
    expect(fires).toEqual(['2024-01-01T08:00:00.000Z', '2024-01-01T14:00:00.000Z'])
  })

  it('never calls the function inside registerCron(), and counts the first fire from the registration', async () => {
    clock.setWallTime(START + 4_999)
    let runs = 0
    manager.registerCron('soon', '*/5 * * * * *', () => void runs++)
    expect(runs).toBe(0)
    await clock.advance(1)
    expect(runs).toBe(1)
  })

  it('runs each fire as a TaskService task: named after the schedule, owner, meta, listed while running, task_done!', async () => {
    let release!: () => void
    manager.registerCron('report', '0 * * * *', () => new Promise<void>((resolve) => (release = resolve)), { timezone: 'UTC' })
    await clock.advance(HOUR)
    const listed = app.taskService.list()
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ name: 'report', owner: 'jobs', state: 'running', meta: { cron: '0 * * * *', scheduledAt: '2024-01-01T01:00:00.000Z' } })
    release()
    await clock.advance(0)
    expect(app.taskService.list()).toEqual([])
    expect(done.map((handle) => [handle.name, handle.owner, handle.state])).toEqual([['report', 'jobs', 'succeeded']])
  })

  it('the handle is the schedule: active under its name, not a TaskService task, settles cancelled on cancelPendingTask', async () => {
    const handle = manager.registerCron('report', '0 * * * *', () => 'ok')
    await clock.advance(0)
    expect(handle.state).toBe('running')
    expect(manager.getTask('report')).toBe(handle)
    expect(manager.isPendingTaskActive('report')).toBe(true)
    expect(manager.getTasks()).toEqual([handle])
    expect(app.taskService.size).toBe(0)
    expect(manager.cancelPendingTask('report', 'enough')).toBe(handle)
    expect(manager.isPendingTaskActive('report')).toBe(false)
    await expect(handle.result).rejects.toBeInstanceOf(CancelledError)
    await expect(handle.result).rejects.toMatchObject({ reason: 'enough' })
    expect(handle.state).toBe('cancelled')
    expect(clock.pending).toBe(idle)
    expect(manager.nextRuns('report')).toEqual([])
    expect(manager.cronInfo('report')).toBeUndefined()
    // the name is free again at once
    manager.registerCron('report', '0 * * * *', () => 'again')
  })

  it('cancelling the schedule cancels its running run and settles only after that run has settled', async () => {
    const calls: string[] = []
    const handle = manager.registerCron('slow', '* * * * *', async (signal) => {
      calls.push('run:start')
      try {
        await work(10 * 60_000, signal)
      } finally {
        calls.push('run:cleanup')
      }
    })
    void handle.settled.then(() => calls.push('schedule:settled'))
    await clock.advance(60_000)
    expect(calls).toEqual(['run:start'])
    handle.cancel('stop')
    await clock.advance(0)
    expect(calls).toEqual(['run:start', 'run:cleanup', 'schedule:settled'])
    expect(done.map((run) => run.state)).toEqual(['cancelled'])
  })

  it('logs a run that throws with the schedule name and goes on (stopOnError: false by default)', async () => {
    let n = 0
    const handle = manager.registerCron('flaky', '* * * * *', () => {
      n++
      if (n === 2) throw new Error('boom')
      return n
    })
    await clock.advance(5 * 60_000)
    expect(n).toBe(5)
    expect(handle.state).toBe('running')
    const failures = lines.filter((line) => line.level === Level.error)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ task: 'flaky', owner: 'jobs', cron: '* * * * *', err: { message: 'boom' } })
    expect(manager.cronInfo('flaky')).toMatchObject({ fired: 5, started: 5, failed: 1 })
  })

  it('logs a throwing run without a TaskService too, with the schedule name', async () => {
    const own = new TaskManager({ name: 'own', clock, logger })
    own.registerCron('flaky', '* * * * *', () => {
      throw new Error('boom')
    })
    await clock.advance(2 * 60_000)
    expect(lines.filter((line) => line.level === Level.error && line.task === 'flaky' && line.err?.message === 'boom')).toHaveLength(2)
    expect(own.isPendingTaskActive('flaky')).toBe(true)
    await own.shutdownTaskManager()
  })

  it('with stopOnError a failing run ends the schedule: the handle fails with its error and nothing runs again', async () => {
    let n = 0
    const error = new Error('fatal')
    const handle = manager.registerCron('strict', '* * * * *', () => {
      if (++n === 3) throw error
    }, { stopOnError: true })
    await clock.advance(10 * 60_000)
    expect(n).toBe(3)
    expect(handle.state).toBe('failed')
    await expect(handle.result).rejects.toBe(error)
    expect(manager.isPendingTaskActive('strict')).toBe(false)
    expect(lines.some((line) => line.level === Level.error && /Cron "strict" stopped after a failed run/.test(line.msg))).toBe(true)
    expect(clock.pending).toBe(idle)
  })

  it('with stopOnError and overlap allow, the schedule settles after the other runs in flight finished', async () => {
    const calls: string[] = []
    let n = 0
    const handle = manager.registerCron('strict', '* * * * *', async (signal) => {
      const me = ++n
      if (me === 1) {
        await work(90_000, signal)
        calls.push('first:done')
      } else {
        calls.push('second:throws')
        throw new Error('second failed')
      }
    }, { stopOnError: true, overlap: 'allow' })
    void handle.settled.then(() => calls.push('schedule:settled'))
    await clock.advance(10 * 60_000)
    expect(calls).toEqual(['second:throws', 'first:done', 'schedule:settled'])
    expect(n).toBe(2)
    expect(handle.state).toBe('failed')
  })

  it('skips a fire when the TaskService is overloaded, and counts it', async () => {
    const tight = await createTestApplication({ clock, logger, config: { TaskService: { max_concurrency: 1, max_queued: 1 } } })
    const busy = new TaskManager({ name: 'busy', taskService: tight.taskService, clock, logger })
    // one running and one queued task fill the service
    tight.taskService.spawn((signal) => work(HOUR, signal), { name: 'blocker' })
    await clock.advance(0)
    tight.taskService.spawn(() => 'queued', { name: 'queued' })
    busy.registerCron('report', '* * * * *', () => 'ran', { overlap: 'allow' })
    await clock.advance(60_000)
    expect(busy.cronInfo('report')).toMatchObject({ fired: 1, started: 0, skipped: 1 })
    expect(lines.some((line) => line.level === Level.warn && /overloaded/.test(line.msg))).toBe(true)
    await busy.shutdownTaskManager()
    await tight.stop()
  })

  it('ends cancelled when the TaskService refuses its runs (it was shut down first)', async () => {
    const other = await createTestApplication({ clock, logger })
    const orphan = new TaskManager({ name: 'orphan', taskService: other.taskService, clock, logger })
    const handle = orphan.registerCron('report', '* * * * *', () => 'never')
    await other.stop()
    await clock.advance(60_000)
    expect(handle.state).toBe('cancelled')
    expect(clock.pending).toBe(idle)
    await orphan.shutdownTaskManager()
  })

  it('ends failed and logs it when starting a run fails for another reason than overload (an internal fault)', async () => {
    const broken = new Error('spawn broke')
    const faulty = new TaskManager({ name: 'faulty', clock, logger, taskService: { spawn: () => { throw broken } } as never })
    const handle = faulty.registerCron('report', '* * * * *', () => 'never')
    await clock.advance(60_000)
    expect(handle.state).toBe('failed')
    expect(handle.error).toBe(broken)
    expect(lines.some((line) => line.level === Level.error && line.msg === 'Cron "report" failed' && line.err?.message === 'spawn broke')).toBe(true)
    expect(clock.pending).toBe(idle)
    await faulty.shutdownTaskManager()
  })

  it('throws DuplicateTaskError for an active name (cron or not); nothing else is registered', () => {
    manager.registerTask('taken', () => new Promise(() => {}))
    manager.registerCron('report', '0 * * * *', () => {})
    expect(() => manager.registerCron('taken', '0 * * * *', () => {})).toThrow(DuplicateTaskError)
    expect(() => manager.registerCron('report', '0 * * * *', () => {})).toThrow(DuplicateTaskError)
    expect(() => manager.registerTask('report', () => {})).toThrow(DuplicateTaskError)
    expect(manager.getTasks().map((task) => task.name)).toEqual(['taken', 'report'])
  })

  it('after shutdown: logs a warning, never calls the function and returns a cancelled handle', async () => {
    await manager.shutdownTaskManager()
    let runs = 0
    const handle = manager.registerCron('late', '* * * * * *', () => void runs++)
    expect(handle.state).toBe('cancelled')
    await clock.advance(10_000)
    expect(runs).toBe(0)
    expect(lines.some((line) => line.level === Level.warn && /registered after TaskManager "jobs" shut down/.test(line.msg))).toBe(true)
    expect(clock.pending).toBe(idle)
  })

  it('shutdownTaskManager cancels every schedule and waits for their runs; no timer is left on the clock', async () => {
    const calls: string[] = []
    const a = manager.registerCron('a', '*/10 * * * * *', (signal) => work(25_000, signal).finally(() => calls.push('a:end')))
    const b = manager.registerCron('b', '0 0 * * *', () => {})
    await clock.advance(10_000)
    expect(clock.pending).toBeGreaterThan(idle)
    await manager.shutdownTaskManager()
    expect(calls).toEqual(['a:end'])
    expect([a.state, b.state]).toEqual(['cancelled', 'cancelled'])
    expect(clock.pending).toBe(idle)
  })
})

describe('TaskManager.nextRuns() and cronInfo()', () => {
  it("matches croner's own sequence and defaults to one fire time", () => {
    manager.registerCron('nightly', '30 2 * * *', () => {}, { timezone: 'Europe/Prague' })
    expect(manager.nextRuns('nightly').map((date) => date.toISOString())).toEqual(['2024-01-01T01:30:00.000Z'])
    expect(manager.nextRuns('nightly', 3).map((date) => date.toISOString())).toEqual([
      '2024-01-01T01:30:00.000Z',
      '2024-01-02T01:30:00.000Z',
      '2024-01-03T01:30:00.000Z',
    ])
    expect(manager.nextRuns('nightly', 0)).toEqual([])
  })

  it('moves with the clock', async () => {
    manager.registerCron('hourly', '0 * * * *', () => {})
    await clock.advance(HOUR + 1)
    expect(manager.nextRuns('hourly')[0]?.toISOString()).toBe('2024-01-01T02:00:00.000Z')
    expect(manager.cronInfo('hourly')?.nextRun?.toISOString()).toBe('2024-01-01T02:00:00.000Z')
  })

  it('gives [] / undefined for unknown names and tasks that are not cron schedules', () => {
    manager.registerTask('plain', () => new Promise(() => {}))
    expect(manager.nextRuns('missing', 3)).toEqual([])
    expect(manager.nextRuns('plain', 3)).toEqual([])
    expect(manager.cronInfo('missing')).toBeUndefined()
    expect(manager.cronInfo('plain')).toBeUndefined()
  })

  it('rejects a bad count or name', () => {
    manager.registerCron('hourly', '0 * * * *', () => {})
    expect(() => manager.nextRuns('hourly', -1)).toThrow(RangeError)
    expect(() => manager.nextRuns('hourly', 1.5)).toThrow(/Expected `count` to be an integer >= 0, got 1.5/)
    expect(() => manager.nextRuns('hourly', '2' as never)).toThrow(TypeError)
    expect(() => manager.nextRuns(3 as never)).toThrow(/Expected `name` to be a string/)
    expect(() => manager.cronInfo(3 as never)).toThrow(TypeError)
  })

  it('reports the options and counters', () => {
    manager.registerCron('report', '0 * * * *', () => {}, { timezone: 'UTC', overlap: 'wait', stopOnError: true })
    expect(manager.cronInfo('report')).toEqual({
      name: 'report',
      pattern: '0 * * * *',
      timezone: 'UTC',
      overlap: 'wait',
      stopOnError: true,
      fired: 0,
      started: 0,
      skipped: 0,
      failed: 0,
      running: 0,
      nextRun: new Date('2024-01-01T01:00:00.000Z'),
    })
  })
})

describe('wall-clock changes', () => {
  it('does not fire early when the wall clock is set back, and fires at the wall time it waits for', async () => {
    const fires: string[] = []
    manager.registerCron('hourly', '0 * * * *', () => void fires.push(iso(clock.wallNow())))
    await clock.advance(30 * 60_000) // 00:30
    clock.setWallTime(START) // back to 00:00: the timer armed for 30 more minutes fires too early
    await clock.advance(30 * 60_000)
    expect(fires).toEqual([])
    await clock.advance(30 * 60_000)
    expect(fires).toEqual(['2024-01-01T01:00:00.000Z'])
  })

  it('does not make up fires passed over when the wall clock jumps forward; it says so', async () => {
    const fires: string[] = []
    manager.registerCron('minutely', '* * * * *', () => void fires.push(iso(clock.wallNow())))
    await clock.advance(30_000)
    clock.setWallTime(START + 2 * HOUR)
    await clock.advance(30_000) // the timer armed for 00:01 fires at 02:00:30 wall time: one late run
    await clock.advance(90_000)
    expect(fires).toEqual(['2024-01-01T02:00:30.000Z', '2024-01-01T02:01:00.000Z', '2024-01-01T02:02:00.000Z'])
    expect(lines.filter((line) => line.level === Level.warn && /fired 7170000 ms late/.test(line.msg))).toHaveLength(1)
  })
})
