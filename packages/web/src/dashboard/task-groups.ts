/**
 * `TaskGroups`: the dashboard's per (owner, bounded name) counters, kept up to date from the TaskService's observer
 * events: how many tasks of each group are queued and running now, how many ended in each state, their latest run
 * times and last error. The number of groups is bounded; the tasks themselves are never kept.
 */
import { boundedTaskName, type TaskHandle, type TaskInfo } from '@tsab/core'
import type { TaskGroupSummary } from './dashboard-types.js'
import { describeError } from './finished-tasks.js'
import { DurationWindow } from './duration-window.js'

/** Most groups the dashboard keeps; tasks of further owner/name pairs are counted under {@link OTHER_GROUP}. */
export const MAX_GROUPS = 200
/** The name of the group that collects the tasks of every owner/name pair past {@link MAX_GROUPS}. */
export const OTHER_GROUP = '(other)'

const MAX_LAST_ERROR = 500

class TaskGroup {
  queued = 0
  running = 0
  succeeded = 0
  failed = 0
  cancelled = 0
  lastError: string | undefined
  readonly durations = new DurationWindow()
  constructor(
    readonly name: string,
    readonly owner: string | undefined,
  ) {}
}

type Named = Pick<TaskHandle, 'id' | 'name' | 'owner'>

/** Counters per (owner, bounded task name), fed by the observer events of one TaskService. */
export class TaskGroups {
  // owner → bounded name → group (a Map accepts `undefined` as the key of tasks without an owner).
  readonly #byOwner = new Map<string | undefined, Map<string, TaskGroup>>()
  #size = 0
  #other: TaskGroup | undefined
  // The raw name, owner and group of the last lookup: runs of tasks of one kind skip the name rule and the maps.
  #lastName: string | undefined
  #lastOwner: string | undefined
  #lastGroup: TaskGroup | undefined

  /** Counts tasks that were already queued or running when observing began. */
  seed(tasks: readonly TaskInfo[]): void {
    for (const task of tasks) {
      const group = this.#groupOf(task)
      if (task.state === 'queued') group.queued++
      else group.running++
    }
  }

  /** A task was scheduled (queued). */
  scheduled(task: TaskHandle): void {
    this.#groupOf(task).queued++
  }

  /** A task started running. */
  started(task: TaskHandle): void {
    const group = this.#groupOf(task)
    group.queued--
    group.running++
  }

  /** A task finished: it leaves `queued` or `running` (whichever it was in) and counts in its final state. */
  finished(task: TaskHandle): void {
    const group = this.#groupOf(task)
    const startedAt = task.startedAt
    if (startedAt === undefined) group.queued--
    else {
      group.running--
      if (task.finishedAt !== undefined) group.durations.add(task.finishedAt - startedAt)
    }
    const state = task.state
    if (state === 'succeeded') group.succeeded++
    else if (state === 'failed') {
      group.failed++
      const { message } = describeError(task.error)
      group.lastError = message.length > MAX_LAST_ERROR ? `${message.slice(0, MAX_LAST_ERROR)}…` : message
    } else group.cancelled++
  }

  /** Every group, by owner then name (tasks without an owner first), with its run-time percentiles. */
  summaries(): TaskGroupSummary[] {
    const groups: TaskGroup[] = []
    for (const byName of this.#byOwner.values()) groups.push(...byName.values())
    if (this.#other !== undefined) groups.push(this.#other)
    groups.sort((a, b) => compare(a.owner ?? '', b.owner ?? '') || compare(a.name, b.name))
    return groups.map((group) => {
      const summary: TaskGroupSummary = {
        name: group.name,
        ...(group.owner === undefined ? {} : { owner: group.owner }),
        running: Math.max(0, group.running),
        queued: Math.max(0, group.queued),
        succeeded: group.succeeded,
        failed: group.failed,
        cancelled: group.cancelled,
        ...group.durations.percentiles(),
      }
      if (group.lastError !== undefined) summary.lastError = group.lastError
      return summary
    })
  }

  /** How many groups there are (the overflow group included). */
  get size(): number {
    return this.#size + (this.#other === undefined ? 0 : 1)
  }

  #groupOf(task: Named): TaskGroup {
    const rawName = task.name
    const owner = task.owner
    if (rawName === this.#lastName && owner === this.#lastOwner && this.#lastGroup !== undefined) return this.#lastGroup
    const name = boundedTaskName(task)
    let byName = this.#byOwner.get(owner)
    let group = byName?.get(name)
    if (group === undefined) {
      if (this.#size >= MAX_GROUPS) group = this.#other ??= new TaskGroup(OTHER_GROUP, undefined)
      else {
        if (byName === undefined) this.#byOwner.set(owner, (byName = new Map()))
        group = new TaskGroup(name, owner)
        byName.set(name, group)
        this.#size++
      }
    }
    this.#lastName = rawName
    this.#lastOwner = owner
    this.#lastGroup = group
    return group
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
