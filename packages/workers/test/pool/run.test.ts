/**
 * WorkerPoolService.run(): results, tracking as TaskService tasks, worker errors, crashes, bad modules and the
 * call-site checks.
 */
import { getEventListeners } from 'node:events'
import { Messages, OverloadedError, type TaskHandle } from '@tsab/core'
import { describe, expect, it } from 'vitest'
import { collectUnhandledRejections } from '../../../core/test/support/unhandled.js'
import { WorkerCrashedError, WorkerModuleError, WorkerErrorCodes, hashWorker } from '../../src/index.js'
import { fixture, startPool, until } from '../support.js'

collectUnhandledRejections()

describe('WorkerPoolService.run()', () => {
  it('runs the default export in a worker thread and resolves with its value', async () => {
    const { pool } = await startPool()
    const handle = pool.run<{ payload: unknown; threadId: number }>(fixture('echo.mjs'), { n: 1, list: [1, 2], when: new Date(0) })
    const value = await handle.result
    expect(value.payload).toEqual({ n: 1, list: [1, 2], when: new Date(0) })
    expect(value.threadId).toBeGreaterThan(0)
    expect(handle.state).toBe('succeeded')
    expect(pool.size).toBe(0)
  })

  it('is a TaskService task: in list() and stats(), published as task_done!, with name, owner and meta', async () => {
    const { app, pool } = await startPool()
    const done: TaskHandle[] = []
    app.pubsub.subscribe(Messages.TaskDone, (_name, handle: TaskHandle) => void done.push(handle))
    const before = app.taskService.stats()
    const handle = pool.run(fixture('spin.mjs'), 200, { meta: { requestId: 'r-7' } })
    expect(handle.name).toBe('spin.mjs')
    expect(handle.owner).toBe('WorkerPoolService')
    expect(handle.meta).toEqual({ requestId: 'r-7' })
    expect(app.taskService.list()).toEqual([expect.objectContaining({ id: handle.id, name: 'spin.mjs', owner: 'WorkerPoolService', meta: { requestId: 'r-7' } })])
    expect(pool.size).toBe(1)
    await handle.settled
    expect(handle.state).toBe('succeeded')
    const after = app.taskService.stats()
    expect(after.scheduled - before.scheduled).toBe(1)
    expect(after.succeeded - before.succeeded).toBe(1)
    expect(done).toEqual([handle])
  })

  it('takes name and owner from the options', async () => {
    const { pool } = await startPool()
    const handle = pool.run(fixture('echo.mjs'), 1, { name: 'resize', owner: 'Images' })
    await handle.result
    expect([handle.name, handle.owner]).toEqual(['resize', 'Images'])
  })

  it('accepts a path, relative or absolute, and a file: URL string', async () => {
    const { pool } = await startPool()
    const url = fixture('echo.mjs')
    const relative = new URL(url).pathname.replace(`${process.cwd()}/`, '')
    for (const filename of [url.pathname, url.href, relative]) {
      expect(((await pool.run<{ payload: unknown }>(filename, 'x').result).payload)).toBe('x')
    }
  })

  it('runs the example hash worker', async () => {
    const { pool } = await startPool()
    const { createHash } = await import('node:crypto')
    let expected = Buffer.from('tsab')
    for (let i = 0; i < 3; i++) expected = createHash('sha256').update(expected).digest()
    const handle = pool.run(hashWorker, { input: 'tsab', iterations: 3 })
    expect(await handle.result).toEqual({ digest: expected.toString('hex'), iterations: 3 })
    expect(handle.name).toBe('hash.js')
  })

  it('moves the buffers of transferList instead of copying them', async () => {
    const { pool } = await startPool()
    const buffer = new ArrayBuffer(1024)
    const handle = pool.run(fixture('byte-length.mjs'), buffer, { transferList: [buffer] })
    expect(buffer.byteLength).toBe(0) // detached here: it was moved
    expect(await handle.result).toBe(1024)
  })

  it('copies the payload at the call: later changes do not reach the worker', async () => {
    const { pool } = await startPool()
    const payload = { list: [1] }
    const handle = pool.run<{ payload: unknown }>(fixture('echo.mjs'), payload)
    payload.list.push(2)
    expect((await handle.result).payload).toEqual({ list: [1] })
  })

  it('leaves the buffers of a refused run usable', async () => {
    const { pool } = await startPool({ threads: 1, max_queue: 0 })
    const busy = pool.run(fixture('spin.mjs'), 50)
    const buffer = new ArrayBuffer(8)
    expect(() => pool.run(fixture('byte-length.mjs'), buffer, { transferList: [buffer] })).toThrow(OverloadedError)
    expect(buffer.byteLength).toBe(8)
    await busy.settled
  })

  it('removes its abort listener from the task signal when the run ends', async () => {
    const { pool } = await startPool()
    // Long enough to be watched (a run listens to its task's cancellation once it has lasted a sweep or two).
    const handle = pool.run(fixture('spin.mjs'), 150)
    await until(() => handle.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(getEventListeners(handle.signal, 'abort')).toHaveLength(1)
    await handle.settled
    expect(handle.state).toBe('succeeded')
    expect(getEventListeners(handle.signal, 'abort')).toHaveLength(0)
  })
})

describe('a worker function that throws', () => {
  it('fails the task with its error: name, message, stack, own properties and cause', async () => {
    const { pool, lines } = await startPool()
    const handle = pool.run(fixture('fail.mjs'), 'custom')
    await handle.settled
    expect(handle.state).toBe('failed')
    const error = handle.error as Error & { code: string; field: string; cause: Error }
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ValidationError')
    expect(error.message).toBe('email is not valid')
    expect(error.stack).toContain('ValidationError: email is not valid')
    expect(error.stack).toContain('fail.mjs')
    expect(error.code).toBe('E_INVALID')
    expect(error.field).toBe('email')
    expect('callback' in error).toBe(false) // a function cannot cross threads; the rest of the error does
    expect(error.cause).toBeInstanceOf(RangeError)
    expect(error.cause.message).toBe('too long')
    await expect(handle.result).rejects.toBe(error)
    const logged = lines.find((line) => line.msg === 'Task "fail.mjs" failed')
    expect(logged?.err).toMatchObject({ message: 'email is not valid', code: 'E_INVALID' })
  })

  it('keeps the class of built-in errors, rejections and aggregate errors', async () => {
    const { pool } = await startPool()
    await expect(pool.run(fixture('fail.mjs'), 'type').result).rejects.toThrow(TypeError)
    await expect(pool.run(fixture('fail.mjs'), 'async').result).rejects.toThrow('rejected later')
    const aggregate = pool.run(fixture('fail.mjs'), 'aggregate')
    await aggregate.settled
    expect(aggregate.error).toBeInstanceOf(AggregateError)
    expect((aggregate.error as AggregateError).errors.map((e: Error) => `${e.name}: ${e.message}`)).toEqual(['Error: one', 'TypeError: two'])
  })

  it('fails the task with a thrown non-error value as it was', async () => {
    const { pool } = await startPool()
    const handle = pool.run(fixture('fail.mjs'), 'value')
    await handle.settled
    expect(handle.error).toEqual({ reason: 'a plain object', kind: 'value' })
  })

  it('fails the task when the result cannot be sent back, and the pool keeps serving', async () => {
    const { pool } = await startPool()
    const handle = pool.run(fixture('returns-function.mjs'))
    await handle.settled
    expect(handle.error).toBeInstanceOf(TypeError)
    expect((handle.error as Error).message).toMatch(/returns-function\.mjs returned a function/)
    expect(await pool.run(fixture('echo.mjs'), 2).result).toMatchObject({ payload: 2 })
  })
})

describe('a worker thread that dies', () => {
  it('fails only that task on process.exit(); a new thread serves the runs queued behind it', async () => {
    const { pool } = await startPool({ threads: 1 })
    const before = await pool.run<{ threadId: number }>(fixture('echo.mjs'), 0).result
    const exit = pool.run(fixture('exit.mjs'), 7)
    const queued = pool.run<{ threadId: number }>(fixture('echo.mjs'), 1)
    await exit.settled
    expect(exit.state).toBe('failed')
    expect(exit.error).toBeInstanceOf(WorkerCrashedError)
    expect(exit.error).toMatchObject({ code: WorkerErrorCodes.WorkerCrashed, exitCode: 7, outOfMemory: false, taskName: 'exit.mjs' })
    expect((exit.error as Error).message).toMatch(/exit\.mjs.*exited with code 7/)
    const after = await queued.result
    expect(after.threadId).not.toBe(before.threadId)
    expect(pool.threads).toBe(1)
  })

  it('leaves the runs on other threads alone when one thread exits', async () => {
    const { pool } = await startPool({ threads: 2 })
    const neighbour = pool.run(fixture('spin.mjs'), 400)
    const exit = pool.run(fixture('exit.mjs'), 1)
    await exit.settled
    expect(exit.error).toBeInstanceOf(WorkerCrashedError)
    expect(await neighbour.result).toBeGreaterThan(0)
    expect(neighbour.state).toBe('succeeded')
  })

  it('fails only that task when the thread runs out of memory (max_old_generation_size_mb)', async () => {
    const { pool } = await startPool({ max_old_generation_size_mb: 16 })
    const handle = pool.run(fixture('oom.mjs'))
    await handle.settled
    expect(handle.state).toBe('failed')
    expect(handle.error).toBeInstanceOf(WorkerCrashedError)
    expect(handle.error).toMatchObject({ outOfMemory: true })
    expect((handle.error as Error).message).toMatch(/ran out of memory/)
    expect(await pool.run(fixture('echo.mjs'), 'still serving').result).toMatchObject({ payload: 'still serving' })
  }, 60_000)
})

describe('a module that cannot be used', () => {
  it.each([
    ['missing.mjs', /missing\.mjs cannot be loaded/],
    ['no-default.mjs', /no-default\.mjs has no default export function \(its default export is undefined\)/],
    ['not-a-function.mjs', /not-a-function\.mjs has no default export function \(its default export is an object \(work\)\)/],
    ['throws-on-load.mjs', /throws-on-load\.mjs cannot be loaded: cannot initialise the model/],
  ])('fails the task naming the file: %s', async (name, message) => {
    const { pool } = await startPool()
    const handle = pool.run(fixture(name))
    await handle.settled
    expect(handle.state).toBe('failed')
    expect(handle.error).toBeInstanceOf(WorkerModuleError)
    expect(handle.error).toMatchObject({ code: 'TSAB_WORKER_MODULE', filename: fixture(name).pathname })
    expect((handle.error as Error).message).toMatch(message)
    expect(await pool.run(fixture('echo.mjs'), 1).result).toMatchObject({ payload: 1 })
  })
})

describe('bad input at the call site', () => {
  it('throws a TypeError naming `filename` for anything but a path or a file: URL', async () => {
    const { app, pool } = await startPool()
    for (const filename of [undefined, 42, '', {}, new URL('https://example.com/worker.js'), 'file://%zz']) {
      expect(() => pool.run(filename as never)).toThrow(TypeError)
      expect(() => pool.run(filename as never)).toThrow(/Expected `filename` to be a path or a file: URL/)
    }
    expect(app.taskService.stats().scheduled).toBe(0)
  })

  it('throws a TypeError naming where a function or symbol sits in the payload; nothing is scheduled', async () => {
    const { app, pool } = await startPool()
    expect(() => pool.run(fixture('echo.mjs'), () => 1)).toThrow(/Expected `payload` to be a value structured clone can copy/)
    expect(() => pool.run(fixture('echo.mjs'), Symbol('s'))).toThrow(TypeError)
    expect(() => pool.run(fixture('echo.mjs'), { user: { save() {} } })).toThrow(/`payload\.user\.save`/)
    expect(() => pool.run(fixture('echo.mjs'), [1, [2, Symbol('x')]])).toThrow(/`payload\[1\]\[1\]`/)
    expect(() => pool.run(fixture('echo.mjs'), new Map([['k', () => 1]]))).toThrow(/`payload<value 0>`/)
    expect(() => pool.run(fixture('echo.mjs'), { w: new WeakMap() })).toThrow(/`payload\.w`/)
    expect(() => pool.run(fixture('echo.mjs'), { p: Promise.resolve(1) })).toThrow(TypeError)
    expect(app.taskService.stats().scheduled).toBe(0)
  })

  it('accepts cycles, buffers, typed arrays and class instances', async () => {
    const { pool } = await startPool()
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      length(): number {
        return Math.hypot(this.x, this.y)
      }
    }
    const cyclic: Record<string, unknown> = { point: new Point(3, 4), bytes: new Uint8Array([1, 2]), raw: new ArrayBuffer(2) }
    cyclic['self'] = cyclic
    const { payload } = await pool.run<{ payload: Record<string, unknown> }>(fixture('echo.mjs'), cyclic).result
    expect(payload['point']).toEqual({ x: 3, y: 4 })
    expect(payload['self']).toBe(payload)
  })

  it('accepts a MessagePort only in transferList', async () => {
    const { pool } = await startPool()
    const { port1, port2 } = new MessageChannel()
    try {
      expect(() => pool.run(fixture('echo.mjs'), { port: port1 })).toThrow(/`payload\.port`/)
      const handle = pool.run(fixture('byte-length.mjs'), { port: port1 }, { transferList: [port1] })
      await handle.settled
      expect(handle.state).toBe('succeeded')
    } finally {
      port1.close()
      port2.close()
    }
  })

  it('checks the options: transferList must be an array, task options as spawn() checks them', async () => {
    const { app, pool } = await startPool()
    expect(() => pool.run(fixture('echo.mjs'), 1, null as never)).toThrow(/Expected `options` to be an object/)
    expect(() => pool.run(fixture('echo.mjs'), 1, { transferList: 'x' as never })).toThrow(/Expected `options.transferList` to be an array/)
    expect(() => pool.run(fixture('echo.mjs'), 1, { timeoutMs: -1 })).toThrow(/options.timeoutMs/)
    expect(() => pool.run(fixture('echo.mjs'), 1, { name: '' })).toThrow(/options.name/)
    expect(() => pool.run(fixture('echo.mjs'), 1, { meta: { f: (() => 1) as never } })).toThrow(TypeError)
    expect(pool.size).toBe(0)
    expect(app.taskService.stats().scheduled).toBe(0)
  })
})

describe('[workers] max_queue', () => {
  it('throws OverloadedError synchronously beyond threads + max_queue runs, and accepts again once one ends', async () => {
    const { app, pool } = await startPool({ threads: 1, max_queue: 2 })
    const accepted = [1, 2, 3].map(() => pool.run(fixture('spin.mjs'), 150))
    let refused: unknown
    try {
      pool.run(fixture('spin.mjs'), 150)
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(OverloadedError)
    expect(refused).toMatchObject({ code: 'TSAB_OVERLOADED', limit: 2 })
    expect((refused as Error).message).toMatch(/\[workers\] max_queue = 2/)
    expect(app.taskService.stats().scheduled).toBe(3)
    await accepted[0]!.settled
    await Promise.resolve()
    const fourth = pool.run(fixture('spin.mjs'), 10)
    await Promise.all([...accepted, fourth].map((h) => h.result))
  })

  it('with max_queue = 0 accepts only as many runs as there are threads', async () => {
    const { pool } = await startPool({ threads: 1, max_queue: 0 })
    const running = pool.run(fixture('spin.mjs'), 50)
    expect(() => pool.run(fixture('spin.mjs'), 50)).toThrow(OverloadedError)
    await running.result
  })
})
