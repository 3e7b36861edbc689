import { describe, expect, it } from 'vitest'
import { OVERFLOW_TASK_NAME, TaskSeriesTable } from '../../src/tasks/task-series.js'

describe('TaskSeriesTable', () => {
  it('gives every task of one (bounded name, owner) the same row', () => {
    const table = new TaskSeriesTable(10, () => {})
    const a = table.lookup({ id: 1, name: 'download 1', owner: 'Crawler' })
    expect(table.lookup({ id: 2, name: 'download 2', owner: 'Crawler' })).toBe(a)
    expect(table.lookup({ id: 3, name: 'download', owner: 'Crawler' })).toBe(a)
    expect(table.lookup({ id: 4, name: 'download 1', owner: 'Other' })).not.toBe(a)
    expect(table.lookup({ id: 5, name: 'download 1' })).not.toBe(a)
    expect(table.rows.map((row) => [row.name, row.owner])).toEqual([
      ['download', 'Crawler'],
      ['download', 'Other'],
      ['download 1', undefined],
    ])
  })

  it('builds each row\'s attribute sets once, with the owner only when there is one', () => {
    const table = new TaskSeriesTable(10, () => {})
    const owned = table.lookup({ id: 1, name: 'a', owner: 'S' })
    const free = table.lookup({ id: 2, name: 'b' })
    expect(owned.attributes.failed).toEqual({ 'tsab.task.name': 'a', 'tsab.task.owner': 'S', 'tsab.task.state': 'failed' })
    expect(free.attributes.queued).toEqual({ 'tsab.task.name': 'b', 'tsab.task.state': 'queued' })
    expect(Object.isFrozen(owned.attributes.running)).toBe(true)
    expect(table.lookup({ id: 3, name: 'a', owner: 'S' }).attributes.failed).toBe(owned.attributes.failed)
  })

  it('reports a name by the rule whatever names were seen before (the rule is not applied twice)', () => {
    const table = new TaskSeriesTable(10, () => {})
    // "x 1 2" is the second anonymous task of base "x 1"; a task named "x 1" on purpose is numbered: "x".
    expect(table.lookup({ id: 1, name: 'x 1 2', owner: 'S' }).name).toBe('x 1')
    expect(table.lookup({ id: 2, name: 'x 1', owner: 'S' }).name).toBe('x')
    expect(table.lookup({ id: 3, name: 'x 1', owner: 'S' }).name).toBe('x')
  })

  it('does not grow with numbered or default names', () => {
    const table = new TaskSeriesTable(10, () => {})
    for (let id = 1; id <= 1_000; id++) {
      table.lookup({ id, name: `task-${id}` })
      table.lookup({ id, name: `job ${id}`, owner: 'S' })
    }
    expect(table.rows.map((row) => row.name)).toEqual(['anonymous', 'job'])
  })

  it('past its limit reports new names as one "(other)" row and says so once', () => {
    const overflows: string[] = []
    const table = new TaskSeriesTable(2, (name) => overflows.push(name))
    const a = table.lookup({ id: 1, name: 'a' })
    table.lookup({ id: 2, name: 'b', owner: 'S' })
    const c = table.lookup({ id: 3, name: 'c' })
    const d = table.lookup({ id: 4, name: 'd', owner: 'S' })
    expect(c).toBe(d)
    expect(c.name).toBe(OVERFLOW_TASK_NAME)
    expect(c.owner).toBeUndefined()
    expect(table.lookup({ id: 5, name: 'a' })).toBe(a)
    expect(overflows).toEqual(['c'])
    expect(table.rows).toHaveLength(3)
  })

  it('counts restarts per runner name, bounded the same way', () => {
    const table = new TaskSeriesTable(1, () => {})
    table.restartsOf('poll').count++
    table.restartsOf('poll').count++
    table.restartsOf('other').count++
    expect([...table.restarts].map((r) => [r.attributes, r.count])).toEqual([[{ 'tsab.task.name': 'poll' }, 2]])
    expect(table.restartsOf('third').attributes).toEqual({ 'tsab.task.name': OVERFLOW_TASK_NAME })
  })
})
