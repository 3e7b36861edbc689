import { describe, expect, it } from 'vitest'
import { PubSub } from '../../src/pubsub/pubsub.js'
import { subscribe } from '../../src/pubsub/subscribe.js'
import { memoryLogger } from '../support/logs.js'
import { collectUnhandledRejections } from '../support/unhandled.js'

collectUnhandledRejections()

describe('@subscribe and PubSub.subscribeAll()', () => {
  it('subscribes decorated methods bound to the target, called as method(message, ...args)', () => {
    class Counter {
      calls: unknown[][] = []
      @subscribe('Count!')
      onCount(message: string, n: number): void {
        this.calls.push([message, n])
      }
      notDecorated(): void {
        throw new Error('must not be subscribed')
      }
    }
    const pubsub = new PubSub()
    const counter = new Counter()
    pubsub.subscribeAll(counter)
    pubsub.publish('Count!', 3)
    expect(counter.calls).toEqual([['Count!', 3]])
  })

  it('stacks: several messages on one method, and one message on several methods', () => {
    const calls: string[] = []
    class Listener {
      @subscribe('A!')
      @subscribe('B!')
      both(message: string): void {
        calls.push(`both:${message}`)
      }
      @subscribe('A!')
      onlyA(message: string): void {
        calls.push(`onlyA:${message}`)
      }
    }
    const pubsub = new PubSub()
    pubsub.subscribeAll(new Listener())
    expect(pubsub.listenerCount('A!')).toBe(2)
    expect(pubsub.listenerCount('B!')).toBe(1)
    pubsub.publish('A!')
    pubsub.publish('B!')
    expect(calls.sort()).toEqual(['both:A!', 'both:B!', 'onlyA:A!'])
  })

  it('returns a disposer that removes every subscription it made (idempotent)', () => {
    class Listener {
      @subscribe('A!')
      @subscribe('B!')
      on(): void {}
    }
    const pubsub = new PubSub()
    const other = pubsub.subscribe('A!', () => {})
    const dispose = pubsub.subscribeAll(new Listener())
    dispose()
    dispose()
    expect(pubsub.listenerCount('A!')).toBe(1)
    expect(pubsub.listenerCount('B!')).toBe(0)
    other()
  })

  it('keeps instances apart: each subscribeAll binds to its own target', () => {
    class Tally {
      count = 0
      @subscribe('Inc!')
      inc(): void {
        this.count++
      }
    }
    const pubsub = new PubSub()
    const a = new Tally()
    const b = new Tally()
    const disposeA = pubsub.subscribeAll(a)
    pubsub.subscribeAll(b)
    pubsub.publish('Inc!')
    disposeA()
    pubsub.publish('Inc!')
    expect([a.count, b.count]).toEqual([1, 2])
  })

  it('a subclass sees the decorated methods of its base classes, and base classes do not see subclass ones', () => {
    const calls: string[] = []
    class Base {
      @subscribe('Base!')
      onBase(): void {
        calls.push('base')
      }
    }
    class Middle extends Base {
      @subscribe('Middle!')
      onMiddle(): void {
        calls.push('middle')
      }
    }
    class Leaf extends Middle {
      @subscribe('Leaf!')
      onLeaf(): void {
        calls.push('leaf')
      }
    }
    const pubsub = new PubSub()
    pubsub.subscribeAll(new Leaf())
    pubsub.publish('Base!')
    pubsub.publish('Middle!')
    pubsub.publish('Leaf!')
    expect(calls).toEqual(['base', 'middle', 'leaf'])

    const basePubsub = new PubSub()
    basePubsub.subscribeAll(new Base())
    expect(basePubsub.listenerCount('Middle!')).toBe(0)
    expect(basePubsub.listenerCount('Leaf!')).toBe(0)
    expect(basePubsub.listenerCount('Base!')).toBe(1)
  })

  it('calls the override of an inherited decorated method, once even when the override is decorated again', () => {
    const calls: string[] = []
    class Base {
      @subscribe('Save!')
      onSave(_message: string): void {
        calls.push('base')
      }
    }
    class Plain extends Base {
      override onSave(): void {
        calls.push('plain override')
      }
    }
    class Redecorated extends Base {
      @subscribe('Save!')
      @subscribe('Flush!')
      override onSave(message: string): void {
        calls.push(`redecorated:${message}`)
      }
    }
    const pubsub = new PubSub()
    pubsub.subscribeAll(new Plain())
    pubsub.publish('Save!')
    expect(calls).toEqual(['plain override'])

    calls.length = 0
    const other = new PubSub()
    other.subscribeAll(new Redecorated())
    expect(other.listenerCount('Save!')).toBe(1)
    other.publish('Save!')
    other.publish('Flush!')
    expect(calls).toEqual(['redecorated:Save!', 'redecorated:Flush!'])
  })

  it('subscribes decorated static methods with subscribeAll(TheClass)', () => {
    const calls: string[] = []
    class WithStatic {
      @subscribe('Static!')
      static onStatic(message: string): void {
        calls.push(`${this.name}:${message}`)
      }
    }
    const pubsub = new PubSub()
    pubsub.subscribeAll(WithStatic)
    pubsub.publish('Static!')
    expect(calls).toEqual(['WithStatic:Static!'])
    expect(pubsub.listenerCount('Static!')).toBe(1)
    // An instance does not pick up static methods.
    const other = new PubSub()
    other.subscribeAll(new WithStatic())
    expect(other.listenerCount('Static!')).toBe(0)
  })

  it('supports symbol-named methods', () => {
    const key = Symbol('handler')
    const calls: string[] = []
    class WithSymbol {
      @subscribe('Sym!')
      [key](message: string): void {
        calls.push(message)
      }
    }
    const pubsub = new PubSub()
    pubsub.subscribeAll(new WithSymbol())
    pubsub.publish('Sym!')
    expect(calls).toEqual(['Sym!'])
  })

  it('returns a no-op disposer for an object without decorated methods', () => {
    const pubsub = new PubSub()
    const dispose = pubsub.subscribeAll({ hello() {} })
    expect(typeof dispose).toBe('function')
    expect(() => dispose()).not.toThrow()
    expect(() => pubsub.subscribeAll(Object.create(null) as object)()).not.toThrow()
    expect(() => pubsub.subscribeAll(() => {})()).not.toThrow()
  })

  it('isolates errors of decorated methods like any subscriber (sync and async)', async () => {
    class Faulty {
      @subscribe('F!')
      syncFail(): void {
        throw new Error('sync')
      }
      @subscribe('F!')
      async asyncFail(): Promise<void> {
        throw new Error('async')
      }
    }
    const { logger, lines } = memoryLogger()
    const pubsub = new PubSub({ logger })
    pubsub.subscribeAll(new Faulty())
    expect(() => pubsub.publish('F!')).not.toThrow()
    await new Promise((resolve) => setImmediate(resolve))
    expect(lines.map((line) => [line.message, (line.err as Error).message]).sort()).toEqual([
      ['F!', 'async'],
      ['F!', 'sync'],
    ])
  })

  it('throws TypeError for a target that is not an object', () => {
    const pubsub = new PubSub()
    for (const bad of [null, undefined, 42, 'str']) {
      expect(() => pubsub.subscribeAll(bad as never)).toThrow(TypeError)
    }
    expect(() => pubsub.subscribeAll(null as never)).toThrow(/Expected `target` to be an object, got null \(null\)/)
  })

  it('subscribes nothing when a decorated property is no longer a function', () => {
    class Broken {
      @subscribe('A!')
      first(): void {}
      @subscribe('B!')
      second(): void {}
    }
    const target = new Broken()
    ;(target as unknown as { second: unknown }).second = 'gone'
    const pubsub = new PubSub()
    expect(() => pubsub.subscribeAll(target)).toThrow(TypeError)
    expect(() => pubsub.subscribeAll(target)).toThrow(/Expected `target.second` to be a function/)
    expect(pubsub.listenerCount('A!')).toBe(0)
    expect(pubsub.listenerCount('B!')).toBe(0)
  })

  describe('subscribe(message)', () => {
    it('rejects a bad message name at decoration time', () => {
      expect(() => subscribe(42 as never)).toThrow(TypeError)
      expect(() => subscribe('')).toThrow(RangeError)
      expect(() => subscribe('')).toThrow(/Expected `message` to be a non-empty string/)
    })

    it('rejects members that are not methods', () => {
      const decorator = subscribe('A!') as (target: object, key: string, descriptor?: PropertyDescriptor) => void
      expect(() => decorator({}, 'getter', { get: () => 1 })).toThrow(TypeError)
      expect(() => decorator({}, 'field', undefined)).toThrow(TypeError)
      expect(() => decorator({}, 'value', { value: 5 })).toThrow(/Expected `@subscribe\("A!"\) target value` to be a method/)
    })

    it('stores nothing enumerable on the class', () => {
      class Listener {
        @subscribe('A!')
        on(): void {}
      }
      expect(Object.keys(Listener.prototype)).toEqual([])
      expect(Object.getOwnPropertySymbols(Listener.prototype).map(String)).toEqual(['Symbol(tsab.pubsub.subscriptions)'])
    })
  })
})
