/**
 * The bounded task name: what a task reports as `tsab.task.name` in metrics and as its span name. Task names are
 * free text and may be unique per task; metric attributes must come from a small set. This file owns the rule only.
 */
import type { TaskInfo } from '@tsab/core'

/**
 * The bounded name of every task that kept the TaskService's default name `task-<id>`.
 *
 * @example
 * ```ts
 * import { ANONYMOUS_TASK_NAME, boundedTaskName } from '@tsab/telemetry'
 * console.log(boundedTaskName({ id: 3, name: 'task-3' }) === ANONYMOUS_TASK_NAME) // true
 * ```
 */
export const ANONYMOUS_TASK_NAME = 'anonymous'

// "<base> <n>": the last space, then a counter without leading zeros. Greedy `(.+)` makes the last space the
// separator, so a base name that itself contains spaces or numbers ("sync peer 2") is kept whole.
const COUNTED_NAME = /^(.+) [1-9][0-9]*$/s

/**
 * The name a task reports in metrics (`tsab.task.name`) and as its span name, from a bounded set:
 *
 * 1. A task without a name of its own is named `task-<id>` by the TaskService: it reports as `anonymous`. Only
 *    the exact default name of that task counts (`task-7` for the task with id 7), not any name that starts
 *    with `task-`.
 * 2. A task **with an owner** whose name ends in a space and a counter (`<base> <n>`, `n` a positive integer
 *    without leading zeros) reports as `<base>`: that is how `TaskManager.registerAnonymousTask(base)` names its
 *    tasks (`download 1`, `download 2`, …), and every `TaskManager` task has an owner (the manager's name). The
 *    last space separates the counter, so `sync peer 2 17` reports as `sync peer 2`. A task named so on purpose
 *    (`registerTask('shard 3')`) reports as `shard` too: numbered names are grouped, never spread over series.
 * 3. Every other name is kept as it is.
 *
 * @param task - a `TaskHandle`, a `TaskInfo` or anything with their `id`, `name` and `owner`
 * @returns the bounded name
 * @example
 * ```ts
 * import { boundedTaskName } from '@tsab/telemetry'
 * console.log(boundedTaskName({ id: 7, name: 'task-7' })) // anonymous
 * console.log(boundedTaskName({ id: 8, name: 'download 12', owner: 'Crawler' })) // download
 * console.log(boundedTaskName({ id: 9, name: 'sync peer 2 17', owner: 'Peers' })) // sync peer 2
 * console.log(boundedTaskName({ id: 10, name: 'download 12' })) // download 12 (no owner: kept)
 * ```
 */
export function boundedTaskName(task: Pick<TaskInfo, 'id' | 'name' | 'owner'>): string {
  const name = task.name
  if (name.startsWith('task-') && name === `task-${task.id}`) return ANONYMOUS_TASK_NAME
  if (task.owner !== undefined) {
    const match = COUNTED_NAME.exec(name)
    if (match !== null) return match[1]!
  }
  return name
}
