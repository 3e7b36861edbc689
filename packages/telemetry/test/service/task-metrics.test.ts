import { DataPointType, type Histogram } from '@opentelemetry/sdk-metrics'
import { Service, type TaskObserver } from '@tsab/core'
import { describe, expect, it, vi } from 'vitest'
import { TelemetryMetrics } from '../../src/index.js'
import { turns, until } from '../../../core/test/support/event-loop.js'
import { useTelemetryApps } from '../support/apps.js'
import { useOpenTelemetry } from '../support/otel.js'
import { hang, untilAborted } from '../../../core/test/support/promises.js'

const otel = useOpenTelemetry()
const startApp = useTelemetryApps()

const { taskFinished, taskDuration, taskActive, taskRestarts } = TelemetryMetrics

class Worker extends Service {}

describe('TelemetryService task metrics', () => {
  it('counts finished tasks by bounded name, owner and state, with a duration for each task that ran', async () => {
    const sdk = otel.registerMetrics()
    const { app, telemetry } = await startApp({ before: (a) => a.addService(Worker) })
    expect(telemetry.isMeasuring).toBe(true)
    const ts = app.taskService
    for (let i = 0; i < 3; i++) ts.spawn(async () => 1, { name: 'ok' })
    for (let i = 0; i < 2; i++) ts.spawn(async () => Promise.reject(new Error('boom')), { name: 'bad' })
    const slow = ts.spawn(untilAborted, { name: 'slow' })
    ts.spawn(async () => 1, { name: 'never' }).cancel()
    ts.schedule(async () => 1)
    const worker = app.getService(Worker)
    worker.tasks.registerAnonymousTask('sync', async () => 1)
    worker.tasks.registerAnonymousTask('sync', async () => 1)
    await until(() => slow.state === 'running')
    slow.cancel()
    await ts.onIdle()

    const collected = await sdk.collect()
    const finished = (name: string, state: string, owner?: string) =>
      collected.value(taskFinished, { 'tsab.task.name': name, 'tsab.task.state': state, ...(owner ? { 'tsab.task.owner': owner } : {}) })
    expect(finished('ok', 'succeeded')).toBe(3)
    expect(finished('ok', 'failed')).toBe(0)
    expect(finished('bad', 'failed')).toBe(2)
    expect(finished('slow', 'cancelled')).toBe(1)
    expect(finished('never', 'cancelled')).toBe(1)
    expect(finished('anonymous', 'succeeded')).toBe(1)
    expect(finished('sync', 'succeeded', 'Worker')).toBe(2)
    expect(collected.points(taskFinished).map((p) => p.attributes['tsab.task.name']).sort()).toEqual(
      ['anonymous', 'bad', 'never', 'ok', 'slow', 'sync'].flatMap((name) => [name, name, name]),
    )
    // No owner: no owner attribute (not an empty one).
    expect(collected.points(taskFinished).find((p) => p.attributes['tsab.task.name'] === 'ok')!.attributes).not.toHaveProperty('tsab.task.owner')
    expect(collected.type(taskFinished)).toBe(DataPointType.SUM)

    const duration = (name: string, state: string) => collected.value<Histogram>(taskDuration, { 'tsab.task.name': name, 'tsab.task.state': state })
    expect(duration('ok', 'succeeded')!.count).toBe(3)
    expect(duration('bad', 'failed')!.count).toBe(2)
    expect(duration('slow', 'cancelled')!.count).toBe(1)
    expect(duration('slow', 'cancelled')!.sum).toBeGreaterThanOrEqual(0)
    // Cancelled while queued: it never ran, so it has no running time.
    expect(duration('never', 'cancelled')).toBeUndefined()
    expect(collected.points<Histogram>(taskDuration).reduce((n, p) => n + p.value.count, 0)).toBe(3 + 2 + 1 + 1 + 2)
    expect(collected.type(taskDuration)).toBe(DataPointType.HISTOGRAM)

    // Nothing is queued or running any more, and every series says so.
    const active = collected.points(taskActive)
    expect(active.length).toBe(6 * 2)
    expect(active.every((p) => p.value === 0)).toBe(true)
  })

  it('reports tasks queued and running now, and back to 0 once they are done', async () => {
    const sdk = otel.registerMetrics()
    const { app } = await startApp({ config: { TaskService: { max_concurrency: 1 } } })
    const held = hang()
    const blocker = app.taskService.spawn(() => held.promise, { name: 'blocker', owner: 'Tests' })
    app.taskService.spawn(async () => 1, { name: 'waiting' })
    app.taskService.spawn(async () => 1, { name: 'waiting' })
    await until(() => blocker.state === 'running')
    let collected = await sdk.collect()
    expect(collected.value(taskActive, { 'tsab.task.name': 'blocker', 'tsab.task.owner': 'Tests', 'tsab.task.state': 'running' })).toBe(1)
    expect(collected.value(taskActive, { 'tsab.task.name': 'blocker', 'tsab.task.state': 'queued' })).toBe(0)
    expect(collected.value(taskActive, { 'tsab.task.name': 'waiting', 'tsab.task.state': 'queued' })).toBe(2)
    expect(collected.value(taskActive, { 'tsab.task.name': 'waiting', 'tsab.task.state': 'running' })).toBe(0)
    expect(collected.type(taskActive)).toBe(DataPointType.SUM)
    held.release()
    await app.taskService.onIdle()
    collected = await sdk.collect()
    expect(collected.points(taskActive).map((p) => p.value)).toEqual([0, 0, 0, 0])
    expect(collected.value(taskFinished, { 'tsab.task.name': 'waiting', 'tsab.task.state': 'succeeded' })).toBe(2)
  })

  it('counts the tasks that were queued before it started, and never goes below 0', async () => {
    const sdk = otel.registerMetrics()
    const held = hang()
    const { app } = await startApp({ start: false })
    const early = app.taskService.spawn(() => held.promise, { name: 'early' })
    const refused = app.taskService.spawn(async () => 1, { name: 'early', signal: AbortSignal.abort() })
    expect(refused.state).toBe('cancelled')
    await app.start()
    await until(() => early.state === 'running')
    let collected = await sdk.collect()
    expect(collected.value(taskActive, { 'tsab.task.name': 'early', 'tsab.task.state': 'running' })).toBe(1)
    expect(collected.value(taskActive, { 'tsab.task.name': 'early', 'tsab.task.state': 'queued' })).toBe(0)
    held.release()
    await app.taskService.onIdle()
    collected = await sdk.collect()
    expect(collected.points(taskActive).map((p) => p.value)).toEqual([0, 0])
    // Only what finished while observed: the refused task ended before the service started.
    expect(collected.value(taskFinished, { 'tsab.task.name': 'early', 'tsab.task.state': 'succeeded' })).toBe(1)
    expect(collected.value(taskFinished, { 'tsab.task.name': 'early', 'tsab.task.state': 'cancelled' })).toBe(0)
  })

  it('counts the restarts of runForever functions', async () => {
    const sdk = otel.registerMetrics()
    const { app } = await startApp()
    let runs = 0
    const held = hang()
    const [runner] = app.taskService.runForever({
      name: 'flaky',
      run: async () => {
        if (++runs <= 2) throw new Error('not yet')
        await held.promise
      },
      backoff: { initialMs: 0, jitter: 0 },
    })
    await until(() => runner!.restarts === 2 && runs === 3)
    const collected = await sdk.collect()
    expect(collected.points(taskRestarts)).toEqual([{ attributes: { 'tsab.task.name': 'flaky' }, value: 2 }])
    expect(collected.type(taskRestarts)).toBe(DataPointType.SUM)
    held.release()
  })

  it('reports new names past [telemetry] max_task_names as "(other)" and warns once', async () => {
    const sdk = otel.registerMetrics()
    const { app, lines } = await startApp({ config: { telemetry: { max_task_names: 2 } } })
    for (const name of ['a', 'b', 'c', 'd', 'a']) app.taskService.spawn(async () => 1, { name })
    await app.taskService.onIdle()
    const collected = await sdk.collect()
    const succeeded = collected.points(taskFinished).filter((p) => p.attributes['tsab.task.state'] === 'succeeded')
    expect(succeeded.map((p) => [p.attributes['tsab.task.name'], p.value])).toEqual([
      ['a', 2],
      ['b', 1],
      ['(other)', 2],
    ])
    const warnings = lines.filter((line) => line.msg.includes('max_task_names'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ level: 40, task: 'c', limit: 2 })
  })

  it('leaves tsab.task.duration out with [telemetry] task_duration = false', async () => {
    const sdk = otel.registerMetrics()
    const { app } = await startApp({ config: { telemetry: { task_duration: 'off' } } })
    app.taskService.spawn(async () => 1, { name: 'quick' })
    await app.taskService.onIdle()
    const collected = await sdk.collect()
    expect(collected.value(taskFinished, { 'tsab.task.name': 'quick', 'tsab.task.state': 'succeeded' })).toBe(1)
    expect(collected.points(taskDuration)).toEqual([])
  })

  it('stops observing at finalize: no observer left, and nothing reported after the stop', async () => {
    const sdk = otel.registerMetrics()
    const registered: TaskObserver[] = []
    const removed: TaskObserver[] = []
    const { app } = await startApp({
      start: false,
      before: (a) => {
        const observe = a.taskService.observe.bind(a.taskService)
        vi.spyOn(a.taskService, 'observe').mockImplementation((observer) => {
          registered.push(observer)
          const stop = observe(observer)
          return () => {
            removed.push(observer)
            stop()
          }
        })
      },
    })
    await app.start()
    app.taskService.spawn(async () => 1, { name: 'before-stop' })
    await app.taskService.onIdle()
    expect(registered).toHaveLength(1)
    // Task metrics and runtime metrics: one collection callback each.
    expect(sdk.liveCallbacks.size).toBe(2)
    const before = await sdk.collect()
    expect(before.value(taskFinished, { 'tsab.task.name': 'before-stop', 'tsab.task.state': 'succeeded' })).toBe(1)
    const telemetryObserver = registered[0]
    await app.stop()
    // (The application also watches exit-time through an observer of its own, for its shutdown summary.)
    expect(removed).toContain(telemetryObserver)
    expect(sdk.liveCallbacks.size).toBe(0)
    // A task refused after the stop is still "finished" for a TaskService observer; nobody counts it now.
    const late = app.taskService.spawn(async () => 1, { name: 'after-stop' })
    expect(late.state).toBe('cancelled')
    await turns(2)
    const after = await sdk.collect()
    expect(after.points(taskFinished)).toEqual(before.points(taskFinished))
    expect(JSON.stringify(after.resourceMetrics.scopeMetrics)).not.toContain('after-stop')
  })
})
