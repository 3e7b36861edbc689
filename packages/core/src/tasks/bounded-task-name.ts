/**
 * `boundedTaskName()`: the name under which a task is counted wherever names become keys of a bounded set (metric
 * attributes, dashboard groups). One rule, shared by `@tsab/telemetry` and `@tsab/web`; it does not change a task's
 * own name (logs and `list()` keep the real one).
 */
import type { TaskHandle } from './task-types.js'

const SPACE = 32
const ZERO = 48
const NINE = 57

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE
}

/**
 * The task's name with its per-task part removed, so that the set of names stays bounded however many tasks run:
 *
 * - the default name `task-<id>` (a task with neither `options.name` nor a named function) is `'anonymous'`;
 * - a name that ends in a space and a number, as a TaskManager's anonymous tasks do (`"<baseName> <n>"`, from
 *   `registerAnonymousTask`), is its base name: `'download 17'` → `'download'` (only the last number goes:
 *   `'retry 3 1'` → `'retry 3'`);
 * - any other name is returned as it is.
 *
 * Cheap enough to call for every task (no allocation unless a suffix is cut).
 *
 * @param task - anything with the task's `id` and `name`, e.g. a `TaskHandle` or a `TaskInfo`
 * @example
 * ```ts
 * import { boundedTaskName } from '@tsab/core'
 * console.log(boundedTaskName({ id: 7, name: 'task-7' })) // anonymous
 * console.log(boundedTaskName({ id: 8, name: 'download 17' })) // download
 * console.log(boundedTaskName({ id: 9, name: 'send-email' })) // send-email
 * ```
 */
export function boundedTaskName(task: Pick<TaskHandle, 'id' | 'name'>): string {
  const name = task.name
  const last = name.length - 1
  if (last < 0 || !isDigit(name.charCodeAt(last))) return name
  // Only names that end in a digit can carry a per-task number; the template string is built only for those.
  if (name.startsWith('task-') && name === `task-${task.id}`) return 'anonymous'
  let start = last
  while (start > 0 && isDigit(name.charCodeAt(start - 1))) start--
  if (start >= 2 && name.charCodeAt(start - 1) === SPACE) return name.slice(0, start - 1)
  return name
}
