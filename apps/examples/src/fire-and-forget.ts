/**
 * The asyncio teaser of the IPv8 tutorial, in JavaScript: which numbers are in the list, and when, if some calls
 * are awaited and some are not. Prints the list right after the last push, then once the stragglers are done.
 */
import { sleep } from '@tsab/core'
import { formatList, runIfMain } from './run-if-main.js'

/** Runs the teaser and returns what it prints. */
export async function main(): Promise<string> {
  const completed: number[] = []
  async function executeMeToo(i: number): Promise<void> {
    await sleep(50)
    completed.push(i)
  }

  // Unlike a Python coroutine, calling an async function starts it at once: 1 does run, nobody waits for it.
  void executeMeToo(1)
  await executeMeToo(2) // 1 armed its timer first, so it lands first
  completed.push(3)
  void executeMeToo(4) // started, not awaited
  completed.push(5)
  const whenMainReturns = formatList(completed)
  await sleep(100) // the stragglers finish while we wait for something else
  return [`when main() returns: ${whenMainReturns}`, `100 ms later:        ${formatList(completed)}`].join('\n')
}

await runIfMain(import.meta.url, main)
