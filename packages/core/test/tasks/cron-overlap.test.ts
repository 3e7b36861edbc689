/**
 * Overlap policies under random run durations (fast-check): a `* * * * * *` schedule fires every second; run k
 * lasts `durations[k % length]` ms on the TestClock. The observed run starts, the peak concurrency and the skip
 * count must equal a small model of each policy: 'skip' and 'wait' never overlap, 'allow' runs side by side.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CronOverlap } from '../../src/tasks/cron-options.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { createTestApplication } from '../../src/testing/create-test-application.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { silentLogger } from '../support/logs.js'
import { watchUnhandledRejections } from '../support/unhandled.js'

const unhandled = watchUnhandledRejections()
const FIRES = 30
// Between two fires, so that the last waiting run (if due by then) has started.
const WINDOW_MS = FIRES * 1_000 + 500
// 100·k + 1 ms: a chain of n < 100 back-to-back runs started at a fire ends n ms past a multiple of 100 ms, never on
// a whole second, so no run ends exactly at a fire time and the model needs no tie rule.
const duration = fc.integer({ min: 0, max: 45 }).map((tenths) => tenths * 100 + 1)
const durations = fc.array(duration, { minLength: 1, maxLength: 12 })

interface Outcome {
  /** Clock time (ms from the start) at which each run started. */
  readonly starts: number[]
  readonly peak: number
  readonly skipped: number
}

/** What each policy must do, computed from the fire times and the durations alone. */
function model(overlap: CronOverlap, lengths: number[]): Outcome {
  const starts: number[] = []
  const ends: number[] = []
  let skipped = 0
  let busyUntil = -Infinity
  let waiting = false
  const start = (at: number): void => {
    const end = at + lengths[starts.length % lengths.length]!
    starts.push(at)
    ends.push(end)
    busyUntil = Math.max(busyUntil, end)
  }
  for (let fire = 1_000; fire <= FIRES * 1_000; fire += 1_000) {
    if (waiting && busyUntil < fire) {
      waiting = false
      start(busyUntil)
    }
    if (overlap === 'allow' || busyUntil < fire) start(fire)
    else if (overlap === 'wait' && !waiting) waiting = true
    else skipped++
  }
  if (waiting && busyUntil <= WINDOW_MS) start(busyUntil)
  let peak = 0
  for (const at of starts) peak = Math.max(peak, starts.filter((s, i) => s <= at && ends[i]! > at).length)
  return { starts, peak, skipped }
}

/** Runs the schedule on a TestClock (through a TaskService when `withApp`) and observes it. */
async function observe(overlap: CronOverlap, lengths: number[], withApp: boolean): Promise<Outcome> {
  const clock = new TestClock({ wallTime: Date.UTC(2024, 0, 1) })
  const logger = silentLogger()
  const app = withApp ? await createTestApplication({ clock, logger }) : undefined
  const manager = new TaskManager({ clock, logger, taskService: app?.taskService })
  const starts: number[] = []
  let running = 0
  let peak = 0
  manager.registerCron('job', '* * * * * *', async (signal) => {
    const ms = lengths[starts.length % lengths.length]!
    starts.push(clock.now())
    peak = Math.max(peak, ++running)
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = clock.setTimeout(resolve, ms)
        signal.addEventListener('abort', () => {
          clock.clearTimeout(timer)
          reject(signal.reason)
        }, { once: true })
      })
    } finally {
      running--
    }
  }, { overlap })
  await clock.advance(WINDOW_MS)
  const info = manager.cronInfo('job')!
  expect(info.fired).toBe(FIRES)
  expect(info.started).toBe(starts.length)
  await manager.shutdownTaskManager()
  await app?.stop()
  expect(clock.pending).toBe(0)
  expect(running).toBe(0)
  return { starts, peak, skipped: info.skipped }
}

describe.each([
  ['standalone', false],
  ['through a TaskService', true],
] as const)('overlap policies, %s', (_label, withApp) => {
  const runs = withApp ? 15 : 40
  /** The observed outcome equals the model for random durations, and `check` holds for it. */
  const matchesModel = (overlap: CronOverlap, check: (seen: Outcome) => void) =>
    fc.assert(
      fc.asyncProperty(durations, async (lengths) => {
        const seen = await observe(overlap, lengths, withApp)
        check(seen)
        expect(seen).toEqual(model(overlap, lengths))
      }),
      { numRuns: runs },
    )

  it("'skip': never two runs at once; every fire during a run is skipped and counted", async () => {
    await matchesModel('skip', (seen) => expect(seen.peak).toBeLessThanOrEqual(1))
  })

  it("'wait': never two runs at once; one run starts right when the running one ends", async () => {
    await matchesModel('wait', (seen) => expect(seen.peak).toBeLessThanOrEqual(1))
  })

  it("'allow': every fire starts a run, side by side with the running ones", async () => {
    await matchesModel('allow', (seen) => {
      expect(seen.starts).toHaveLength(FIRES)
      expect(seen.skipped).toBe(0)
    })
  })

  it("'allow' really overlaps: 3-second runs every second reach 4 at once", async () => {
    const seen = await observe('allow', [3_001], withApp)
    expect(seen.peak).toBe(4)
    expect(model('allow', [3_001]).peak).toBe(4)
  })
})

it('leaves no unhandled rejection behind', () => {
  expect(unhandled).toEqual([])
})
