/**
 * IPv8 tutorial, anonymous tasks: twenty tasks nobody needs to cancel by name, all running side by side, so the
 * whole run takes about one task's time (half a second), not twenty.
 */
import { sleep, TaskManager } from '@tsab/core'
import { formatList, runIfMain } from './run-if-main.js'

/** Registers twenty anonymous tasks, waits for them and returns what it prints. */
export async function main(): Promise<string> {
  const completed: number[] = []
  let running = 0
  let mostAtOnce = 0
  const executeMeToo = (i: number) => async (signal: AbortSignal) => {
    mostAtOnce = Math.max(mostAtOnce, ++running)
    await sleep(500, { signal })
    running--
    completed.push(i)
  }

  const taskManager = new TaskManager()
  for (let i = 0; i < 20; i++) taskManager.registerAnonymousTask('execute_me_too', executeMeToo(i))
  const names = taskManager.getAnonymousTasks('execute_me_too').map((task) => task.name)
  await taskManager.waitForTasks()

  await taskManager.shutdownTaskManager()
  return [`names: ${names[0]} … ${names.at(-1)}`, formatList(completed), `at most ${mostAtOnce} ran at the same time`].join('\n')
}

await runIfMain(import.meta.url, main)
