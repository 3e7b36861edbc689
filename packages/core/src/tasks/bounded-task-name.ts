/**
 * `boundedTaskName()`: the name under which a task is counted wherever names become keys of a bounded set (metric
 * attributes and span names in `@tsab/telemetry`, task groups on the `@tsab/web` dashboard). The rule lives here
 * once; a task's own name is unchanged (logs and `list()` keep it).
 */
import type { TaskHandle } from './task-types.js'

const SPACE = 32
const ZERO = 48
const ONE = 49
const NINE = 57

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE
}

/**
 * The name a task is counted under, from a bounded set however many tasks run:
 *
 * 1. A task without a name of its own gets the TaskService's default `task-<id>`: it counts as `'anonymous'`. Only
 *    the exact default name of that task counts (`task-7` for the task with id 7), not any name starting `task-`.
 * 2. A task **with an owner** whose name ends in a space and a counter (`<base> <n>`, `n` a positive integer
 *    without leading zeros) counts as `<base>`: that is how `TaskManager.registerAnonymousTask(base)` names its
 *    tasks (`download 1`, `download 2`, …), and every TaskManager task has an owner (the manager's name). The last
 *    space separates the counter (`'sync peer 2 17'` → `'sync peer 2'`); a task named so on purpose
 *    (`registerTask('shard 3')`) counts as `shard` too: numbered names are grouped, never spread.
 * 3. Every other name is kept as it is.
 *
 * Cheap enough for every task: no regular expression, no allocation unless a counter is cut off.
 *
 * @param task - a `TaskHandle`, a `TaskInfo` or anything with their `id`, `name` and `owner`
 * @returns the bounded name
 * @example
 * ```ts
 * import { boundedTaskName } from '@tsab/core'
 * console.log(boundedTaskName({ id: 7, name: 'task-7' })) // anonymous
 * console.log(boundedTaskName({ id: 8, name: 'download 12', owner: 'Crawler' })) // download
 * console.log(boundedTaskName({ id: 9, name: 'sync peer 2 17', owner: 'Peers' })) // sync peer 2
 * console.log(boundedTaskName({ id: 10, name: 'download 12' })) // download 12 (no owner: kept)
 * ```
 */
export function boundedTaskName(task: Pick<TaskHandle, 'id' | 'name' | 'owner'>): string {
  const name = task.name
  const last = name.length - 1
  // Both rules need a name that ends in a digit; the template string is built only for such names.
  if (last < 0 || !isDigit(name.charCodeAt(last))) return name
  if (name.startsWith('task-') && name === `task-${task.id}`) return 'anonymous'
  if (task.owner === undefined) return name
  let start = last
  while (start > 0 && isDigit(name.charCodeAt(start - 1))) start--
  // A counter starts with 1-9, follows a space, and leaves a base of at least one character.
  if (name.charCodeAt(start) < ONE || start < 2 || name.charCodeAt(start - 1) !== SPACE) return name
  return name.slice(0, start - 1)
}
