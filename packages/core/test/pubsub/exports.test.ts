import { describe, expect, expectTypeOf, it } from 'vitest'
import * as core from '../../src/index.js'
import type { MessageName, PubSubOptions, PubSubWaitForOptions, Subscriber } from '../../src/index.js'

describe('@tsab/core pubsub exports', () => {
  it('exports PubSub, subscribe, Messages and TICK_PERIODS by name', () => {
    expect(typeof core.PubSub).toBe('function')
    expect(typeof core.subscribe).toBe('function')
    expect(core.Messages.TaskDone).toBe('TaskService.task_done!')
    expect(core.TICK_PERIODS).toHaveLength(8)
  })

  it('has the public types of the contract', () => {
    const pubsub = new core.PubSub()
    expectTypeOf(pubsub.subscribe).returns.toEqualTypeOf<() => void>()
    expectTypeOf(pubsub.unsubscribe).returns.toEqualTypeOf<boolean>()
    expectTypeOf(pubsub.waitFor).returns.toEqualTypeOf<Promise<unknown[]>>()
    expectTypeOf(pubsub.subscriber('A!')).toMatchTypeOf<AsyncIterableIterator<[string, ...unknown[]]> & { close(): void }>()
    expectTypeOf(core.subscribe('A!')).toEqualTypeOf<MethodDecorator>()
    // Subscribers may type their arguments and may be async.
    expectTypeOf<(message: string, count: number) => void>().toMatchTypeOf<Subscriber>()
    expectTypeOf<(message: string) => Promise<void>>().toMatchTypeOf<Subscriber>()
    expectTypeOf<PubSubOptions>().toHaveProperty('clock')
    expectTypeOf<PubSubWaitForOptions>().toHaveProperty('timeoutMs')
    expectTypeOf<MessageName>().toMatchTypeOf<string>()
  })
})
