/**
 * IPv8 tutorial, "Adding tasks", second half: shutting down instead of waiting cancels every task. Prints `[]`.
 */
import { sleep, TaskManager } from '@tsab/core'
import { formatList, runIfMain } from './run-if-main.js'

/** Registers two named tasks and shuts the manager down at once; returns the printed list. */
export async function main(): Promise<string> {
  const completed: number[] = []
  const executeMeToo = (i: number) => async (signal: AbortSignal) => {
    await sleep(500, { signal }) // rejects with CancelledError when the manager shuts down
    completed.push(i)
  }

  const taskManager = new TaskManager()
  taskManager.registerTask('execute_me_too1', executeMeToo(1))
  taskManager.registerTask('execute_me_too2', executeMeToo(2))

  await taskManager.shutdownTaskManager() // cancels both and waits until they have settled
  return formatList(completed)
}

await runIfMain(import.meta.url, main)
