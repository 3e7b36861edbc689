/**
 * IPv8 tutorial, "Periodic and delayed tasks": add 1 every 100 ms, inject a single 2 after 500 ms, and let the
 * periodic task cancel itself once the list holds 20 items. Prints `[1, 1, 1, 1, 2, 1, …]`.
 */
import { realClock, TaskManager, type Clock } from '@tsab/core'
import { formatList, runIfMain } from './run-if-main.js'

/** Options of {@link main}: tests pass a `TestClock`. */
export interface PeriodicExampleOptions {
  /** The clock of the TaskManager. @default realClock */
  clock?: Clock
}

/** Runs the periodic and the delayed task until the list is full; returns the printed list. */
export async function main(options: PeriodicExampleOptions = {}): Promise<string> {
  const completed: number[] = []
  const taskManager = new TaskManager({ clock: options.clock ?? realClock })
  const executeMeToo = (i: number) => () => {
    if (completed.length === 20) {
      taskManager.cancelPendingTask('keep adding 1') // this run finishes; no further run happens
      return
    }
    completed.push(i)
  }

  // The first periodic run comes after one interval; at 500 ms both timers are due, and the delayed one,
  // armed first, fires first.
  taskManager.registerTask('keep adding 1', executeMeToo(1), { interval: 100 })
  taskManager.registerTask('sneaky inject', executeMeToo(2), { delay: 500 })
  await taskManager.waitForTasks()

  await taskManager.shutdownTaskManager()
  return formatList(completed)
}

await runIfMain(import.meta.url, () => main())
