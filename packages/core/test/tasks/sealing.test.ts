/**
 * Sealed handles and services (spec §4a): what a user holds has exactly the documented members, at run time (the
 * property names along the prototype chain) and in the types. Engine callbacks are reachable from no handle, no
 * TaskService and no Service.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { TaskGroup } from '../../src/concurrency/task-group.js'
import { Service } from '../../src/service/service.js'
import type { ForeverHandle } from '../../src/tasks/forever-runner.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import type { TaskService } from '../../src/tasks/task-service.js'
import type { TaskHandle } from '../../src/tasks/task-types.js'
import * as core from '../../src/index.js'
import { useTestApps } from '../support/app.js'

const { startApp } = useTestApps()

const HANDLE_MEMBERS = [
  'id',
  'name',
  'owner',
  'meta',
  'state',
  'signal',
  'result',
  'settled',
  'value',
  'error',
  'startedAt',
  'finishedAt',
  'cancel',
].sort()

const FOREVER_MEMBERS = ['name', 'restarts', 'running', 'cancel'].sort()

/** Every property name reachable on `value`: its own and its prototypes', up to (not including) Object.prototype. */
function reachableNames(value: object): string[] {
  const names = new Set<string>()
  for (let object: object | null = value; object !== null && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    for (const name of Object.getOwnPropertyNames(object)) if (name !== 'constructor') names.add(name)
  }
  return [...names].sort()
}

describe('sealed task handles', () => {
  it('a TaskService handle exposes exactly the TaskHandle members', async () => {
    const app = await startApp()
    const [scheduled] = app.taskService.schedule(() => 1)
    const spawned = app.taskService.spawn(async () => 2, { name: 'two', owner: 'me', meta: { requestId: 'r1' }, timeoutMs: 1_000 })
    const promised = app.taskService.spawn(Promise.resolve(3))
    // Every state: queued now, running/settled later; the names never change.
    for (const handle of [scheduled!, spawned, promised]) expect(reachableNames(handle)).toEqual(HANDLE_MEMBERS)
    void spawned.result
    void spawned.settled
    void spawned.signal
    await app.taskService.onIdle()
    for (const handle of [scheduled!, spawned, promised]) expect(reachableNames(handle)).toEqual(HANDLE_MEMBERS)
    await app.stop()
  })

  it('handles of a standalone TaskManager, a Service TaskManager and a TaskGroup are sealed alike', async () => {
    const manager = new TaskManager({ name: 'standalone' })
    const own = manager.registerTask('own', () => 1)
    const app = await startApp()
    class Poller extends Service {}
    const poller = app.addService(Poller)
    const viaService = poller.tasks.registerTask('via-service', () => 2)
    let child: TaskHandle | undefined
    await TaskGroup.run(async (group) => {
      child = group.spawn(async () => 3)
    })
    for (const handle of [own, viaService, child!]) expect(reachableNames(handle)).toEqual(HANDLE_MEMBERS)
    await manager.shutdownTaskManager()
    await app.stop()
  })

  it('no implementation method is reachable: start, abandon, list links, host callbacks', async () => {
    const app = await startApp()
    const [handle] = app.taskService.schedule(() => 1)
    for (const name of ['start', 'abandon', 'linkAfter', 'unlink', 'prevInList', 'nextInList', 'taskSettled', 'isDone', 'ageMs', 'createdAt']) {
      expect(name in handle!, name).toBe(false)
    }
    await app.stop()
  })

  it('a runForever handle exposes exactly the ForeverHandle members', async () => {
    const app = await startApp()
    const [runner] = app.taskService.runForever({ name: 'loop', run: (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)) })
    expect(reachableNames(runner!)).toEqual(FOREVER_MEMBERS)
    runner!.cancel()
    await app.stop()
  })

  it('types: a handle has exactly the documented keys', () => {
    expectTypeOf<keyof TaskHandle>().toEqualTypeOf<
      'id' | 'name' | 'owner' | 'meta' | 'state' | 'signal' | 'result' | 'settled' | 'value' | 'error' | 'startedAt' | 'finishedAt' | 'cancel'
    >()
    expectTypeOf<keyof ForeverHandle>().toEqualTypeOf<'name' | 'restarts' | 'running' | 'cancel'>()
  })
})

describe('sealed services', () => {
  it('TaskService has no engine callbacks on its surface; Service has no createdTasks', async () => {
    const app = await startApp()
    class Plain extends Service {}
    const plain = app.addService(Plain)
    const serviceNames = reachableNames(app.taskService)
    for (const name of ['taskSettled', 'countRestart', 'taskStarting', 'createdTasks']) {
      expect(serviceNames, name).not.toContain(name)
      expect(name in app.taskService, name).toBe(false)
    }
    expect('createdTasks' in plain).toBe(false)
    expect(reachableNames(plain)).not.toContain('createdTasks')
    await app.stop()
  })

  it('types: no engine callback on TaskService or Service', () => {
    expectTypeOf<TaskService>().not.toHaveProperty('taskSettled')
    expectTypeOf<TaskService>().not.toHaveProperty('countRestart')
    expectTypeOf<TaskService>().not.toHaveProperty('taskStarting')
    expectTypeOf<Service>().not.toHaveProperty('createdTasks')
  })

  it('the package exports neither the engine nor the Task class nor the accessors', () => {
    for (const name of ['Task', 'TaskEngine', 'taskInternals', 'createdTasksOf', 'lastEnteredTask', 'TaskList']) {
      expect(Object.keys(core), name).not.toContain(name)
    }
  })
})
