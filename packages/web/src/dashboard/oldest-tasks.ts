/**
 * `oldestTasks()`: the `limit` oldest of a task list, oldest first, in O(n log limit) with a bounded min-heap, so
 * that a snapshot of 100,000 tasks does not sort them all.
 */
import type { TaskInfo } from '@tsab/core'

/** The `limit` tasks with the largest `ageMs`, oldest first (ties keep list order). */
export function oldestTasks(tasks: readonly TaskInfo[], limit: number): TaskInfo[] {
  if (tasks.length <= limit) return stableByAge([...tasks])
  // A min-heap on (ageMs, then later list position first) of the best `limit` seen so far: its root is the one to
  // beat. Indexes into `tasks` keep ties in list order.
  const heap: number[] = []
  const less = (a: number, b: number): boolean => tasks[a]!.ageMs < tasks[b]!.ageMs || (tasks[a]!.ageMs === tasks[b]!.ageMs && a > b)
  const down = (from: number): void => {
    let i = from
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && less(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && less(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === i) return
      ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
      i = smallest
    }
  }
  for (let index = 0; index < tasks.length; index++) {
    if (heap.length < limit) {
      heap.push(index)
      let i = heap.length - 1
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (!less(heap[i]!, heap[parent]!)) break
        ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
        i = parent
      }
    } else if (less(heap[0]!, index)) {
      heap[0] = index
      down(0)
    }
  }
  return stableByAge(heap.sort((a, b) => a - b).map((index) => tasks[index]!))
}

function stableByAge(tasks: TaskInfo[]): TaskInfo[] {
  // Array.prototype.sort is stable: equal ages keep their order.
  return tasks.sort((a, b) => b.ageMs - a.ageMs)
}
