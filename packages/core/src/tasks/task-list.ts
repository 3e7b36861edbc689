/**
 * `TaskList`: an engine's queue or running list, a doubly linked list threaded through the tasks themselves.
 *
 * Insertion order, O(1) append, removal and shift, and no allocation per task: with a million tasks in flight a
 * `Set` spends more time growing, shrinking and hashing than the tasks run, and an array queue keeps re-growing.
 * A task is in at most one list at a time (queued, then running).
 */
import { taskInternals, type Task } from './task.js'

const { next, prev, linkAfter, unlink } = taskInternals

/** An insertion-ordered list of tasks. */
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

  /** The oldest task. */
  get head(): Task | undefined {
    return this.#head
  }

  /** Appends `task`, which must not be in any list. */
  add(task: Task): void {
    linkAfter(task, this.#tail)
    if (this.#head === undefined) this.#head = task
    this.#tail = task
    this.#size++
  }

  /** Removes `task`, which must be in this list. */
  delete(task: Task): void {
    if (prev(task) === undefined) this.#head = next(task)
    if (next(task) === undefined) this.#tail = prev(task)
    unlink(task)
    this.#size--
  }

  /** Iterates oldest first. Take a snapshot (`[...list]`) before removing tasks while iterating. */
  *[Symbol.iterator](): IterableIterator<Task> {
    for (let task = this.#head; task !== undefined; task = next(task)) yield task
  }
}
