/**
 * TaskService additions (spec §4a): `meta` (checked, copied, frozen; in list(), log records and observers),
 * `[TaskService] max_queued` with OverloadedError (all or nothing), the observer API and `listForever()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'
import { OverloadedError } from '../../src/errors/errors.js'
import { Messages } from '../../src/pubsub/messages.js'
import type { TaskObserver } from '../../src/tasks/task-observer.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import { expectBalanced, testOptions, useTestApps } from '../support/app.js'
import { turns } from '../support/event-loop.js'
import { Level } from '../support/logs.js'
import { deferred } from '../support/promises.js'

const { startApp } = useTestApps()

describe('TaskService meta (§4a)', () => {
  it('copies and freezes meta, and shows it on the handle and in list()', async () => {
    const app = await startApp()
    const meta = { requestId: 'req-1', attempt: 2, retry: false }
    const gate = deferred()
    const handle = app.taskService.spawn(() => gate.promise, { name: 'audit', meta })
    meta.requestId = 'changed'
    expect(handle.meta).toEqual({ requestId: 'req-1', attempt: 2, retry: false })
    expect(Object.isFrozen(handle.meta)).toBe(true)
    expect(app.taskService.list()).toEqual([expect.objectContaining({ name: 'audit', state: 'queued', meta: handle.meta })])
    await turns(2)
    const [info] = app.taskService.list()
    expect(info).toMatchObject({ state: 'running', meta: { requestId: 'req-1' } })
    expect(typeof info!.startedAt).toBe('number')
    gate.resolve()
    await handle.settled
    await app.stop()
  })

  it('rejects bad meta with a TypeError naming the key, and schedules nothing', async () => {
    const app = await startApp()
    const bad: unknown[] = [null, 'x', [1], { a: {} }, { a: Number.NaN }, { a: undefined }, { a: () => 1 }]
    for (const meta of bad) {
      expect(() => app.taskService.spawn(async () => 1, { meta: meta as never })).toThrow(TypeError)
    }
    expect(() => app.taskService.spawn(async () => 1, { meta: { nested: {} } as never })).toThrow(/options\.meta\.nested/)
    expect(app.taskService.stats().scheduled).toBe(0)
    await app.stop()
  })

  it('keeps a "__proto__" key as a plain own key', async () => {
    const app = await startApp()
    const meta = JSON.parse('{"__proto__": "x", "ok": 1}') as Record<string, string | number>
    const handle = app.taskService.spawn(async () => 1, { meta })
    expect(Object.keys(handle.meta!)).toEqual(['__proto__', 'ok'])
    expect(Object.getPrototypeOf(handle.meta)).toBe(Object.prototype)
    await handle.settled
    await app.stop()
  })

  it('adds meta as fields to the failure log record, under tsab’s own fields', async () => {
    const options = testOptions()
    const app = await startApp(options)
    const handle = app.taskService.spawn(
      async () => {
        throw new Error('boom')
      },
      { name: 'charge', owner: 'Billing', meta: { requestId: 'req-9', task: 'not mine' } },
    )
    await handle.settled
    const line = options.lines.find((l) => l.level === Level.error && l.msg === 'Task "charge" failed')
    expect(line).toMatchObject({ requestId: 'req-9', task: 'charge', owner: 'Billing', taskId: handle.id })
    expect(line!.err.message).toBe('boom')
    await app.stop()
  })
})

describe('TaskService max_queued (§4a)', () => {
  it('throws OverloadedError once max_queued tasks are queued, and accepts again once they start', async () => {
    const app = await startApp({ config: { TaskService: { max_queued: 3 } } })
    const gate = deferred()
    app.taskService.schedule(() => gate.promise, () => gate.promise)
    app.taskService.spawn(() => gate.promise)
    let caught: unknown
    try {
      app.taskService.spawn(() => gate.promise)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(OverloadedError)
    expect((caught as OverloadedError).code).toBe('TSAB_OVERLOADED')
    expect((caught as OverloadedError).limit).toBe(3)
    expect((caught as Error).message).toMatch(/\[TaskService\] max_queued/)
    expect(app.taskService.stats().scheduled).toBe(3)
    await turns(2) // the three start: nothing queued any more
    expect(app.taskService.stats().queued).toBe(0)
    app.taskService.schedule(() => gate.promise, () => gate.promise, () => gate.promise)
    gate.resolve()
    await app.taskService.onIdle()
    expectBalanced(app.taskService)
    await app.stop()
  })

  it('exposes the limit it read as maxQueued (Infinity when unlimited)', async () => {
    const limited = await startApp({ config: { TaskService: { max_queued: 7 } } })
    expect(limited.taskService.maxQueued).toBe(7)
    await limited.stop()
    const unlimited = await startApp()
    expect(unlimited.taskService.maxQueued).toBe(Infinity)
    await unlimited.stop()
  })

  it('is all or nothing for schedule(a, b, c)', async () => {
    const app = await startApp({ config: { TaskService: { max_queued: 2 } } })
    let calls = 0
    const work = async () => void calls++
    app.taskService.schedule(work)
    expect(() => app.taskService.schedule(work, work)).toThrow(OverloadedError)
    expect(app.taskService.stats()).toMatchObject({ scheduled: 1, queued: 1 })
    app.taskService.schedule(work)
    await app.taskService.onIdle()
    expect(calls).toBe(2)
    await app.stop()
  })

  it('rejects a bad max_queued at start naming [TaskService] max_queued', async () => {
    await expect(startApp({ config: { TaskService: { max_queued: 0 } } })).rejects.toThrow(/\[TaskService\] max_queued/)
    await expect(startApp({ config: { TaskService: { max_queued: 'many' } } })).rejects.toThrow(/max_queued/)
  })
})

describe('TaskService.observe() (§4a)', () => {
  it('reports scheduled, started (running, startedAt set) and finished (final, before task_done!) in order', async () => {
    const app = await startApp()
    const events: string[] = []
    const observer: TaskObserver = {
      scheduled: (task) => events.push(`scheduled ${task.name} ${task.state}`),
      started: (task) => void events.push(`started ${task.name} ${task.state} ${typeof task.startedAt}`),
      finished: (task) => events.push(`finished ${task.name} ${task.state}`),
    }
    const stop = app.taskService.observe(observer)
    app.pubsub.subscribe(Messages.TaskDone, (_m, task: TaskHandle) => events.push(`task_done ${task.name}`))
    const ok = app.taskService.spawn(async () => events.push('run ok'), { name: 'ok' })
    const bad = app.taskService.spawn(
      async () => {
        throw new Error('x')
      },
      { name: 'bad' },
    )
    const early = app.taskService.spawn(async () => 1, { name: 'early' })
    early.cancel()
    await Promise.all([ok.settled, bad.settled])
    expect(events).toEqual([
      'scheduled ok queued',
      'scheduled bad queued',
      'scheduled early queued',
      'finished early cancelled',
      'task_done early',
      'started ok running number',
      'run ok',
      'started bad running number',
      'finished ok succeeded',
      'task_done ok',
      'finished bad failed',
      'task_done bad',
    ])
    stop()
    stop()
    events.length = 0
    await app.taskService.spawn(async () => 1).settled
    expect(events).toEqual(['task_done task-4'])
    await app.stop()
  })

  it('runs the task function inside the contexts observers provide, the first observer outermost', async () => {
    const app = await startApp()
    const outer = new AsyncLocalStorage<string>()
    const inner = new AsyncLocalStorage<string>()
    app.taskService.observe({ started: (task) => (fn) => outer.run(`outer:${task.name}`, fn) })
    app.taskService.observe({ started: () => (fn) => inner.run(`inner:${outer.getStore()}`, fn) })
    const handle = app.taskService.spawn(
      async () => {
        await Promise.resolve()
        return `${outer.getStore()} ${inner.getStore()}`
      },
      { name: 'ctx' },
    )
    expect(await handle.result).toBe('outer:ctx inner:outer:ctx')
    await app.stop()
  })

  it('logs a throwing observer and keeps running the task and the other observers', async () => {
    const options = testOptions()
    const app = await startApp(options)
    const seen: string[] = []
    app.taskService.observe({
      scheduled: () => {
        throw new Error('observer broke')
      },
      started: () => {
        throw new Error('observer broke')
      },
      finished: () => {
        throw new Error('observer broke')
      },
    })
    app.taskService.observe({ finished: (task) => seen.push(task.state) })
    const handle = app.taskService.spawn(async () => 'fine')
    expect(await handle.result).toBe('fine')
    expect(seen).toEqual(['succeeded'])
    const errors = options.lines.filter((l) => l.level === Level.error && /observer failed/.test(l.msg))
    expect(errors.map((l) => l.msg)).toEqual([
      'Task observer failed in scheduled()',
      'Task observer failed in started()',
      'Task observer failed in finished()',
    ])
    await app.stop()
  })

  it('rejects a bad observer synchronously', async () => {
    const app = await startApp()
    expect(() => app.taskService.observe(undefined as never)).toThrow(TypeError)
    expect(() => app.taskService.observe({ finished: 'no' } as never)).toThrow(/observer\.finished/)
    await app.stop()
  })

  it('reports runForever restarts and lists the runners', async () => {
    const options = testOptions({ config: { logging: { level: 'silent' } } })
    const app = await startApp(options)
    const restarts: number[] = []
    app.taskService.observe({ restarted: (runner) => restarts.push(runner.restarts) })
    let runs = 0
    const [runner] = app.taskService.runForever({
      name: 'pulse',
      run: async () => {
        runs++
      },
      backoff: { initialMs: 10, jitter: 0 },
    })
    expect(app.taskService.listForever()).toEqual([{ name: 'pulse', restarts: 0, running: true }])
    await turns(2)
    await options.clock.advance(10)
    await options.clock.advance(20)
    expect(runs).toBe(3)
    expect(restarts).toEqual([1, 2])
    expect(app.taskService.listForever()).toEqual([{ name: 'pulse', restarts: 2, running: true }])
    runner!.cancel()
    await app.taskService.onIdle()
    await turns(1)
    expect(app.taskService.listForever()).toEqual([])
    await app.stop()
  })
})
