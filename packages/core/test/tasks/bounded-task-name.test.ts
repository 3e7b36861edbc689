/**
 * `boundedTaskName()`: default names count as `anonymous`, a TaskManager's anonymous tasks as their base name, any
 * other name as it is; checked on plain objects and on real handles of a TaskService and a TaskManager.
 */
import { describe, expect, it } from 'vitest'
import { boundedTaskName } from '../../src/index.js'
import { TaskManager } from '../../src/tasks/task-manager.js'
import { useTestApps } from '../support/app.js'
import { deferred } from '../support/promises.js'

const { startApp } = useTestApps()

describe('boundedTaskName()', () => {
  it.each([
    [{ id: 7, name: 'task-7' }, 'anonymous'],
    [{ id: 12345, name: 'task-12345' }, 'anonymous'],
    [{ id: 8, name: 'download 17' }, 'download'],
    [{ id: 8, name: 'GET /users 3' }, 'GET /users'],
    [{ id: 9, name: 'retry 3 1' }, 'retry 3'],
    [{ id: 9, name: 'send-email' }, 'send-email'],
    [{ id: 9, name: '' }, ''],
    [{ id: 9, name: 'v2' }, 'v2'],
    [{ id: 9, name: 'job-42' }, 'job-42'],
    [{ id: 9, name: ' 5' }, ' 5'],
    [{ id: 9, name: 'a 5' }, 'a'],
    [{ id: 9, name: '2024' }, '2024'],
  ])('%o → %s', (task, expected) => {
    expect(boundedTaskName(task)).toBe(expected)
  })

  it('keeps a name that only looks like another task\'s default name (task-<other id>)', () => {
    expect(boundedTaskName({ id: 3, name: 'task-2024' })).toBe('task-2024')
  })

  it('maps real handles: a default name, a named function, and a TaskManager\'s anonymous tasks', async () => {
    const app = await startApp()
    const gate = deferred()
    const unnamed = app.taskService.spawn(() => gate.promise)
    const named = app.taskService.spawn(async function sendEmail() {})
    const manager = new TaskManager({ taskService: app.taskService, name: 'Downloads' })
    const first = manager.registerAnonymousTask('download', () => gate.promise)
    const second = manager.registerAnonymousTask('download', () => gate.promise)
    expect([first.name, second.name]).toEqual(['download 1', 'download 2'])
    expect([unnamed, named, first, second].map(boundedTaskName)).toEqual(['anonymous', 'sendEmail', 'download', 'download'])
    // What an observer sees is the same handle, so the same rule applies there.
    expect(app.taskService.list().map(boundedTaskName)).toEqual(['anonymous', 'sendEmail', 'download', 'download'])
    gate.resolve()
    await manager.shutdownTaskManager()
    await app.taskService.onIdle()
    await app.stop()
  })
})
