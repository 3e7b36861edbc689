/**
 * Fire times across daylight-saving changes follow croner: under the TestClock, the wall times at which the runs
 * start equal `new Cron(pattern, { timezone }).nextRuns(n, start)`, for interval and fixed-time patterns, on the
 * spring-forward and the fall-back day of Europe/Prague and America/New_York.
 */
import { Cron } from 'croner'
import { describe, expect, it } from 'vitest'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { TestClock } from '../../src/testing/test-clock.js'
import { silentLogger } from '../support/logs.js'

const HOUR = 3_600_000
const WINDOW = 48 * HOUR

// The day before each change, at noon UTC: the window covers the change and the day after.
const DAYS: Array<[zone: string, change: string, start: string]> = [
  ['Europe/Prague', 'spring forward 2024-03-31', '2024-03-30T12:00:00Z'],
  ['Europe/Prague', 'fall back 2024-10-27', '2024-10-26T12:00:00Z'],
  ['America/New_York', 'spring forward 2024-03-10', '2024-03-09T12:00:00Z'],
  ['America/New_York', 'fall back 2024-11-03', '2024-11-02T12:00:00Z'],
]

const PATTERNS = [
  '*/15 * * * *', // interval: skips the gap, runs in both passes of a repeated hour
  '0 * * * *',
  '0 */30 * * * *', // 6 fields
  '30 2 * * *', // fixed time inside the gap (Prague and New York spring) and inside the repeated hour (Prague fall)
  '30 1 * * *', // fixed time inside the repeated hour (New York fall)
  '0 2 * * *',
  '15,45 1-3 * * *',
]

/** Runs `pattern` for the window on a TestClock and returns the wall times at which its runs started. */
async function fireTimes(pattern: string, timezone: string, start: number): Promise<string[]> {
  const clock = new TestClock({ wallTime: start })
  const manager = new TaskManager({ clock, logger: silentLogger() })
  const fires: string[] = []
  manager.registerCron('job', pattern, () => void fires.push(new Date(clock.wallNow()).toISOString()), { timezone })
  await clock.advance(WINDOW)
  await manager.shutdownTaskManager()
  expect(clock.pending).toBe(0)
  return fires
}

/** croner's own sequence for the same window. */
function cronerTimes(pattern: string, timezone: string, start: number): string[] {
  return new Cron(pattern, { timezone })
    .nextRuns(500, new Date(start))
    .filter((date) => date.getTime() <= start + WINDOW)
    .map((date) => date.toISOString())
}

describe.each(DAYS)('%s, %s', (timezone, _change, startIso) => {
  const start = Date.parse(startIso)
  it.each(PATTERNS)("fires '%s' at croner's nextRuns times", async (pattern) => {
    const expected = cronerTimes(pattern, timezone, start)
    expect(expected.length).toBeGreaterThan(0)
    expect(await fireTimes(pattern, timezone, start)).toEqual(expected)
  })
})

describe('the daylight-saving cases really are in these windows', () => {
  it('New York spring forward: 02:30 does not exist, the fixed-time job runs at 03:00 EDT (07:00Z)', async () => {
    const fires = await fireTimes('30 2 * * *', 'America/New_York', Date.parse('2024-03-09T12:00:00Z'))
    expect(fires).toEqual(['2024-03-10T07:00:00.000Z', '2024-03-11T06:30:00.000Z'])
  })

  it('New York fall back: the interval job runs in both passes of 01:xx, the fixed-time job once', async () => {
    const start = Date.parse('2024-11-02T12:00:00Z')
    const quarter = await fireTimes('*/15 * * * *', 'America/New_York', start)
    const oneAm = quarter.filter((iso) => iso >= '2024-11-03T05:00:00.000Z' && iso < '2024-11-03T07:00:00.000Z')
    expect(oneAm).toHaveLength(8) // 01:00–01:45 EDT and 01:00–01:45 EST
    expect(await fireTimes('30 1 * * *', 'America/New_York', start)).toEqual(['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z'])
  })

  it('Prague spring forward: the hourly job runs 23 times on that local day', async () => {
    const fires = await fireTimes('0 * * * *', 'Europe/Prague', Date.parse('2024-03-30T12:00:00Z'))
    // local day 2024-03-31 runs from 2024-03-30T23:00Z to 2024-03-31T22:00Z
    expect(fires.filter((iso) => iso >= '2024-03-30T23:00:00.000Z' && iso < '2024-03-31T22:00:00.000Z')).toHaveLength(23)
  })
})
