/**
 * The dashboard's bounded aggregates on their own: run-time percentiles over a fixed window, per-group counters
 * (bounded names, bounded number of groups), the oldest tasks of a list, the throughput history and the finished
 * tasks (last failures, batches, errors described safely).
 */
import type { Clock, TaskHandle, TaskInfo, TaskStats } from '@tsab/core'
import { describe, expect, it } from 'vitest'
import { DURATION_WINDOW_SIZE, DurationWindow } from '../../src/dashboard/duration-window.js'
import { BATCH_TASKS, describeError, FinishedTasks, RECENT_FAILURES } from '../../src/dashboard/finished-tasks.js'
import { oldestTasks } from '../../src/dashboard/oldest-tasks.js'
import { MAX_GROUPS, OTHER_GROUP, TaskGroups } from '../../src/dashboard/task-groups.js'
import { HISTORY_POINTS, ThroughputHistory } from '../../src/dashboard/throughput-history.js'

type State = TaskHandle['state']

/** A stand-in for a TaskHandle with just what the aggregates read. */
function task(id: number, name: string, state: State, extra: Partial<TaskHandle> = {}): TaskHandle {
  return { id, name, state, ...extra } as TaskHandle
}

const clock: Clock = { now: () => 1_000, wallNow: () => 1_700_000_000_000, setTimeout: () => 0, clearTimeout: () => {} }

describe('DurationWindow', () => {
  it('is empty until a run is added', () => {
    expect(new DurationWindow().percentiles()).toEqual({ p50Ms: null, p95Ms: null })
  })

  it('gives nearest-rank p50 and p95 of the runs, rounded to 0.1 ms', () => {
    const window = new DurationWindow()
    for (let ms = 1; ms <= 100; ms++) window.add(ms + 0.04)
    expect(window.percentiles()).toEqual({ p50Ms: 50, p95Ms: 95 })
  })

  it('keeps only the last runs: old ones stop counting', () => {
    const window = new DurationWindow()
    for (let i = 0; i < DURATION_WINDOW_SIZE; i++) window.add(1_000)
    for (let i = 0; i < DURATION_WINDOW_SIZE; i++) window.add(10)
    expect(window.percentiles()).toEqual({ p50Ms: 10, p95Ms: 10 })
    window.add(5_000)
    expect(window.percentiles().p95Ms).toBe(10)
  })
})

describe('TaskGroups', () => {
  it('counts queued, running and final states per owner and bounded name', () => {
    const groups = new TaskGroups()
    const a = task(1, 'task-1', 'queued')
    const b = task(2, 'download 1', 'queued', { owner: 'Downloads' })
    const c = task(3, 'download 2', 'queued', { owner: 'Downloads' })
    for (const t of [a, b, c]) groups.scheduled(t)
    groups.started(b)
    groups.started(c)
    groups.finished(task(2, 'download 1', 'succeeded', { owner: 'Downloads', startedAt: 10, finishedAt: 30 }))
    groups.finished(task(3, 'download 2', 'failed', { owner: 'Downloads', startedAt: 10, finishedAt: 50, error: new Error('disk full') }))
    groups.finished(task(1, 'task-1', 'cancelled')) // cancelled while queued: no run time
    expect(groups.summaries()).toEqual([
      { name: 'anonymous', running: 0, queued: 0, succeeded: 0, failed: 0, cancelled: 1, p50Ms: null, p95Ms: null },
      { name: 'download', owner: 'Downloads', running: 0, queued: 0, succeeded: 1, failed: 1, cancelled: 0, p50Ms: 20, p95Ms: 40, lastError: 'disk full' },
    ])
  })

  it('counts the tasks already there when observing began (seed)', () => {
    const groups = new TaskGroups()
    const infos: TaskInfo[] = [
      { id: 1, name: 'a', state: 'running', ageMs: 5 },
      { id: 2, name: 'a', state: 'queued', ageMs: 1 },
    ]
    groups.seed(infos)
    groups.started(task(2, 'a', 'running'))
    expect(groups.summaries()).toMatchObject([{ name: 'a', running: 2, queued: 0 }])
  })

  it('keeps at most MAX_GROUPS groups; further names count under (other)', () => {
    const groups = new TaskGroups()
    for (let i = 0; i < MAX_GROUPS + 50; i++) groups.scheduled(task(i, `kind-${i}`, 'queued', { owner: 'x' }))
    expect(groups.size).toBe(MAX_GROUPS + 1)
    const summaries = groups.summaries()
    expect(summaries).toHaveLength(MAX_GROUPS + 1)
    expect(summaries.find((group) => group.name === OTHER_GROUP)).toMatchObject({ queued: 50 })
    // An existing group still gets its own tasks.
    groups.scheduled(task(1_000, 'kind-3', 'queued', { owner: 'x' }))
    expect(groups.summaries().find((group) => group.name === 'kind-3')).toMatchObject({ queued: 2 })
  })

  it('cuts a long last error', () => {
    const groups = new TaskGroups()
    groups.scheduled(task(1, 'a', 'queued'))
    groups.finished(task(1, 'a', 'failed', { error: new Error('x'.repeat(2_000)) }))
    expect(groups.summaries()[0]!.lastError).toHaveLength(501)
  })
})

describe('oldestTasks()', () => {
  const info = (id: number, ageMs: number): TaskInfo => ({ id, name: `t${id}`, state: 'running', ageMs })

  it('returns the oldest first, at most `limit`, ties in list order', () => {
    const list = [info(1, 5), info(2, 50), info(3, 5), info(4, 70), info(5, 50), info(6, 1)]
    expect(oldestTasks(list, 3).map((t) => t.id)).toEqual([4, 2, 5])
    expect(oldestTasks(list, 10).map((t) => t.id)).toEqual([4, 2, 5, 1, 3, 6])
  })

  it('agrees with a full sort on a large shuffled list', () => {
    const list = Array.from({ length: 20_000 }, (_, i) => info(i, (i * 7_919) % 10_007))
    const expected = [...list].sort((a, b) => b.ageMs - a.ageMs || a.id - b.id).slice(0, 500)
    expect(oldestTasks(list, 500)).toEqual(expected)
  })
})

describe('ThroughputHistory', () => {
  const stats = (succeeded: number, failed: number, cancelled: number): TaskStats => ({
    scheduled: 0, queued: 0, running: 0, succeeded, failed, cancelled, restarts: 0,
  })

  it('turns counter differences into rates per second', () => {
    const history = new ThroughputHistory()
    history.sample(stats(0, 0, 0), 0, 1_000)
    history.sample(stats(100, 2, 1), 1_000, 2_000)
    history.sample(stats(400, 2, 1), 3_000, 4_000) // a late sample: 300 over 2 s
    expect(history.toJSON()).toEqual({ at: [2_000, 4_000], succeeded: [100, 150], failed: [2, 0], cancelled: [1, 0] })
    expect(history.latest).toEqual({ succeeded: 150, failed: 0, cancelled: 0 })
  })

  it('keeps the last HISTORY_POINTS points, oldest first', () => {
    const history = new ThroughputHistory()
    for (let i = 0; i <= HISTORY_POINTS + 10; i++) history.sample(stats(i, 0, 0), i * 1_000, i * 1_000)
    const { at } = history.toJSON()
    expect(at).toHaveLength(HISTORY_POINTS)
    expect(at[0]).toBe(11_000)
    expect(at.at(-1)).toBe((HISTORY_POINTS + 10) * 1_000)
  })
})

describe('FinishedTasks', () => {
  it('remembers the last failures with their stacks, newest first', () => {
    const finished = new FinishedTasks(clock)
    for (let i = 1; i <= RECENT_FAILURES + 5; i++) {
      finished.add(task(i, 'job', 'failed', { error: new Error(`failure ${i}`), startedAt: 900, finishedAt: 950 }), false)
    }
    const failures = finished.recentFailures()
    expect(failures).toHaveLength(RECENT_FAILURES)
    expect(failures[0]).toMatchObject({ id: RECENT_FAILURES + 5, state: 'failed', durationMs: 50, error: { name: 'Error', message: `failure ${RECENT_FAILURES + 5}` } })
    expect(failures[0]!.error!.stack).toContain('failure 25')
    expect(failures[0]!.finishedAt).toBe(1_700_000_000_000 - 50)
    expect(finished.takeBatch()).toBeUndefined() // nobody was watching
  })

  it('batches finished tasks while collecting: every failure (up to 20), others up to 100, the rest counted', () => {
    const finished = new FinishedTasks(clock)
    for (let i = 0; i < BATCH_TASKS + 30; i++) finished.add(task(i, 'ok', 'succeeded', { startedAt: 1, finishedAt: 2 }), true)
    finished.add(task(999, 'bad', 'failed', { error: 'plain string' }), true)
    const batch = finished.takeBatch()!
    expect(batch.tasks).toHaveLength(BATCH_TASKS + 1)
    expect(batch.omitted).toBe(30)
    expect(batch.tasks.find((t) => t.id === 999)).toMatchObject({ error: { name: 'string', message: 'plain string' }, durationMs: null })
    expect(finished.takeBatch()).toBeUndefined()
  })

  it('describes any thrown value without throwing, bounded in size', () => {
    const hostile = new Error('x')
    Object.defineProperty(hostile, 'message', { get: () => { throw new Error('no') } })
    expect(describeError(hostile)).toEqual({ name: 'Error', message: 'unprintable error' })
    expect(describeError(42)).toEqual({ name: 'number', message: '42' })
    expect(describeError(new Error('y'.repeat(10_000))).message.length).toBeLessThan(2_100)
    const noStack = new Error('z')
    noStack.stack = undefined
    expect(describeError(noStack)).toEqual({ name: 'Error', message: 'z' })
  })
})
