/**
 * `boundedTaskName()`: the default name `task-<id>` counts as `anonymous`, an owned `"<base> <n>"` (a TaskManager's
 * anonymous tasks) as its base name, any other name as it is; on plain objects and on real TaskService and
 * TaskManager handles.
 */
import { describe, expect, it } from 'vitest'
import { boundedTaskName } from '../../src/index.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { useTestApps } from '../support/app.js'
import { deferred } from '../support/promises.js'

const { startApp } = useTestApps()

describe('boundedTaskName()', () => {
  it('counts the default name task-<id> of its own task as "anonymous", with or without owner', () => {
    expect(boundedTaskName({ id: 7, name: 'task-7' })).toBe('anonymous')
    expect(boundedTaskName({ id: 12345, name: 'task-12345', owner: 'Crawler' })).toBe('anonymous')
  })

  it("keeps a name that only looks like another task's default name", () => {
    for (const name of ['task-7', 'task-', 'task-08', 'task-2024']) expect(boundedTaskName({ id: 8, name }), name).toBe(name)
  })

  it('counts an owned "<base> <n>" as its base name, the last space separating the counter', () => {
    expect(boundedTaskName({ id: 1, name: 'download 1', owner: 'Crawler' })).toBe('download')
    expect(boundedTaskName({ id: 1, name: 'download 12345', owner: 'Crawler' })).toBe('download')
    expect(boundedTaskName({ id: 1, name: 'GET /users 3', owner: 'Crawler' })).toBe('GET /users')
    expect(boundedTaskName({ id: 1, name: 'sync peer 2 17', owner: 'Peers' })).toBe('sync peer 2')
    expect(boundedTaskName({ id: 1, name: 'a  3', owner: 'X' })).toBe('a ')
    expect(boundedTaskName({ id: 1, name: 'line\nbreak 4', owner: 'X' })).toBe('line\nbreak')
  })

  it('keeps names that are not "<base> <n>" with n a positive integer without leading zeros', () => {
    for (const name of ['', 'download', 'download 0', 'download 01', 'download -1', 'download 1.5', 'download1', ' 1', '7', 'download 1 ', 'v2']) {
      expect(boundedTaskName({ id: 1, name, owner: 'Crawler' }), JSON.stringify(name)).toBe(name)
    }
  })

  it('keeps a numbered name of a task without owner (only TaskManager tasks are numbered by tsab)', () => {
    expect(boundedTaskName({ id: 1, name: 'download 3' })).toBe('download 3')
  })

  it('agrees with the regular-expression form of the rule on many generated names', () => {
    const counted = /^(.+) [1-9][0-9]*$/s
    const parts = ['', ' ', 'a', 'b c', '0', '1', '01', '10', '99', '\n', 'task-', '-']
    for (const a of parts) {
      for (const b of parts) {
        for (const c of parts) {
          const name = a + b + c
          const expected = counted.exec(name)?.[1] ?? name
          expect(boundedTaskName({ id: 0, name: name === 'task-0' ? 'x' : name, owner: 'o' }), JSON.stringify(name)).toBe(name === 'task-0' ? 'x' : expected)
        }
      }
    }
  })

  it('names real TaskService and TaskManager handles (and what list() shows) by the rule', async () => {
    const app = await startApp()
    const gate = deferred()
    const unnamed = app.taskService.spawn(() => gate.promise)
    const named = app.taskService.spawn(async function sendEmail() {}, { name: 'fetch 3' })
    const manager = new TaskManager({ taskService: app.taskService, name: 'Downloads' })
    const first = manager.registerAnonymousTask('sync peer 2', () => gate.promise)
    const second = manager.registerAnonymousTask('sync peer 2', () => gate.promise)
    const explicit = manager.registerTask('shard 3', () => gate.promise)
    expect([first.name, second.name]).toEqual(['sync peer 2 1', 'sync peer 2 2'])
    const expected = ['anonymous', 'fetch 3', 'sync peer 2', 'sync peer 2', 'shard']
    expect([unnamed, named, first, second, explicit].map(boundedTaskName)).toEqual(expected)
    expect(app.taskService.list().map(boundedTaskName)).toEqual(expected)
    gate.resolve()
    await manager.shutdownTaskManager()
    await app.taskService.onIdle()
    await app.stop()
  })
})
