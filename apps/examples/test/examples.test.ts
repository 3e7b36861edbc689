import { afterEach, describe, expect, it } from 'vitest'
import { TestClock } from '@tsab/core/testing'
import { main as anonymousTasks } from '../src/anonymous-tasks.js'
import { main as fireAndForget } from '../src/fire-and-forget.js'
import { main as namedTasks } from '../src/named-tasks.js'
import { main as periodicAndDelayed } from '../src/periodic-and-delayed.js'
import { main as requestCache } from '../src/request-cache.js'
import { main as serviceTasks } from '../src/service-tasks.js'
import { main as shutdownInsteadOfWait } from '../src/shutdown-instead-of-wait.js'

const unhandled: unknown[] = []
process.on('unhandledRejection', (reason) => void unhandled.push(reason))
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve))
  expect(unhandled.splice(0)).toEqual([])
})

const twentyWithInjectedTwo = '[1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]'

describe('the IPv8 task management tutorial, ported', () => {
  it('fire-and-forget: un-awaited calls still run, and land after main() moved on', async () => {
    expect(await fireAndForget()).toBe(['when main() returns: [1, 2, 3, 5]', '100 ms later:        [1, 2, 3, 5, 4]'].join('\n'))
  })

  it('named tasks: one cancelled before it runs prints [2]', async () => {
    expect(await namedTasks()).toBe('[2]')
  })

  it('shutting down instead of waiting prints []', async () => {
    expect(await shutdownInsteadOfWait()).toBe('[]')
  })

  it('twenty anonymous tasks run side by side', async () => {
    expect(await anonymousTasks()).toBe(
      ['names: execute_me_too 1 … execute_me_too 20', `[${[...Array(20).keys()].join(', ')}]`, 'at most 20 ran at the same time'].join('\n'),
    )
  })

  it('periodic + delayed prints [1, 1, 1, 1, 2, 1, …] (20 items) on a TestClock', async () => {
    const clock = new TestClock()
    const output = periodicAndDelayed({ clock })
    await clock.advance(3_000)
    expect(await output).toBe(twentyWithInjectedTwo)
    expect(clock.pending).toBe(0)
  })

  // Real time, the tutorial's own 100 ms / 500 ms: only a stall of the event loop longer than an interval could
  // reorder it, hence the retries on a starved machine.
  it('periodic + delayed prints the same on the real clock', { retry: 2 }, async () => {
    expect(await periodicAndDelayed()).toBe(twentyWithInjectedTwo)
  })

  it('a test cancels the task a service registered in its constructor: it never runs', async () => {
    expect(await serviceTasks()).toBe(['cancelled: error out :-( (cancelled)', 'runs: 0'].join('\n'))
  })

  it('the NumberCache futures end true, false and cancelled', async () => {
    expect(await requestCache()).toBe(['future0.result()=true', 'future1.result()=false', 'future2.isCancelled=true'].join('\n'))
  })
})
