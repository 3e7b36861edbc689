/**
 * `TaskList`: the TaskService's running tasks, as a doubly linked list threaded through the tasks themselves.
 *
 * Same contract as the `Set<Task>` it replaces (insertion order, O(1) add and delete), without a hash table:
 * with a million tasks in flight a `Set` spends more time growing, shrinking and hashing than the tasks run.
 */
import type { Task } from '../tasks/task.js'

/** An insertion-ordered collection of tasks; a task can be in at most one list at a time. */
export class TaskList implements Iterable<Task> {
  // The oldest and newest task; both undefined when the list is empty.
  #head: Task | undefined
  #tail: Task | undefined
  // Kept as a counter because walking the list to count it would be O(n).
  #size = 0

  /** The number of tasks in the list. */
  get size(): number {
    return this.#size
  }

  /** Appends `task`, which must not be in any list. */
  add(task: Task): void {
    task.linkAfter(this.#tail)
    if (this.#head === undefined) this.#head = task
    this.#tail = task
    this.#size++
  }

  /** Removes `task`; false when it is not in this list. */
  delete(task: Task): boolean {
    const prev = task.prevInList
    const next = task.nextInList
    // A task with no predecessor is in this list only if it is the head.
    if (prev === undefined && this.#head !== task) return false
    task.unlink()
    if (prev === undefined) this.#head = next
    if (next === undefined) this.#tail = prev
    this.#size--
    return true
  }

  /** Iterates oldest first. Take a snapshot (`[...list]`) before removing tasks while iterating. */
  *[Symbol.iterator](): IterableIterator<Task> {
    for (let task = this.#head; task !== undefined; task = task.nextInList) yield task
  }
}
