/**
 * IPv8 tutorial, "Adding tasks": two named tasks, one cancelled before it ever runs. Prints `[2]`.
 */
import { sleep, TaskManager } from '@tsab/core'
import { formatList, runIfMain } from './run-if-main.js'

/** Registers two named tasks, cancels the first, waits for the rest and returns the printed list. */
export async function main(): Promise<string> {
  const completed: number[] = []
  const executeMeToo = (i: number) => async (signal: AbortSignal) => {
    await sleep(500, { signal })
    completed.push(i)
  }

  const taskManager = new TaskManager()
  taskManager.registerTask('execute_me_too1', executeMeToo(1))
  taskManager.registerTask('execute_me_too2', executeMeToo(2))
  taskManager.cancelPendingTask('execute_me_too1') // cancelled before it started: it never runs
  await taskManager.waitForTasks()

  await taskManager.shutdownTaskManager()
  return formatList(completed)
}

await runIfMain(import.meta.url, main)
