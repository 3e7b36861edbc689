import { Service } from '@tsab/core'
import { createTestApplication } from '@tsab/core/testing'
import { describe, expect, it } from 'vitest'
import { ANONYMOUS_TASK_NAME, boundedTaskName } from '../../src/index.js'

describe('boundedTaskName()', () => {
  it('reports the default name task-<id> of its own task as "anonymous"', () => {
    expect(boundedTaskName({ id: 7, name: 'task-7' })).toBe(ANONYMOUS_TASK_NAME)
    expect(boundedTaskName({ id: 7, name: 'task-7', owner: 'Crawler' })).toBe('anonymous')
  })

  it('keeps a name that only looks like another task\'s default name', () => {
    expect(boundedTaskName({ id: 8, name: 'task-7' })).toBe('task-7')
    expect(boundedTaskName({ id: 8, name: 'task-' })).toBe('task-')
    expect(boundedTaskName({ id: 8, name: 'task-08' })).toBe('task-08')
  })

  it('reports "<base> <n>" of a task with an owner as its base name, the last space separating the counter', () => {
    expect(boundedTaskName({ id: 1, name: 'download 1', owner: 'Crawler' })).toBe('download')
    expect(boundedTaskName({ id: 1, name: 'download 12345', owner: 'Crawler' })).toBe('download')
    expect(boundedTaskName({ id: 1, name: 'sync peer 2 17', owner: 'Peers' })).toBe('sync peer 2')
    expect(boundedTaskName({ id: 1, name: 'a  3', owner: 'X' })).toBe('a ')
    expect(boundedTaskName({ id: 1, name: 'line\nbreak 4', owner: 'X' })).toBe('line\nbreak')
  })

  it('keeps names that are not "<base> <n>" with n a positive integer without leading zeros', () => {
    for (const name of ['download', 'download 0', 'download 01', 'download -1', 'download 1.5', 'download1', ' 1', '7', 'download 1 ']) {
      expect(boundedTaskName({ id: 1, name, owner: 'Crawler' }), name).toBe(name)
    }
  })

  it('keeps a numbered name of a task without owner (only TaskManager tasks are numbered by tsab)', () => {
    expect(boundedTaskName({ id: 1, name: 'download 3' })).toBe('download 3')
  })

  it('names the real TaskService and TaskManager tasks as the rule says', async () => {
    class Crawler extends Service {}
    const app = await createTestApplication()
    try {
      const crawler = app.addService(Crawler)
      const [unnamed] = app.taskService.schedule(async () => 1)
      const named = app.taskService.spawn(async () => 1, { name: 'fetch 3' })
      const first = crawler.tasks.registerAnonymousTask('sync peer 2', async () => 1)
      const second = crawler.tasks.registerAnonymousTask('sync peer 2', async () => 1)
      const explicit = crawler.tasks.registerTask('sync peer 2', async () => 1)
      await app.taskService.onIdle()
      expect([first.name, second.name]).toEqual(['sync peer 2 1', 'sync peer 2 2'])
      expect([unnamed!, named, first, second, explicit].map(boundedTaskName)).toEqual([
        'anonymous',
        'fetch 3',
        'sync peer 2',
        'sync peer 2',
        // Registered under this name on purpose, but numbered: grouped with "sync peer".
        'sync peer',
      ])
    } finally {
      await app.stop()
    }
  })
})
