/**
 * EventStreams on stand-in responses (Writable streams that accept data at will): the SSE framing, a broadcast to
 * every client, and a slow client dropped, never buffered without bound: over the byte limit, or unable to take
 * more for longer than a second. Time comes from a TestClock.
 */
import type { ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { createLogger } from '@tsab/core'
import { TestClock } from '@tsab/core/testing'
import { describe, expect, it } from 'vitest'
import { EventStreams, format } from '../../src/dashboard/event-stream.js'

/** A response whose client reads only when told to (`flow()`), with a 1 KiB high-water mark. */
class FakeResponse extends Writable {
  chunks: string[] = []
  head: { status: number; headers: Record<string, string> } | undefined
  #pending: Array<() => void> = []
  #flowing: boolean
  socket = { setNoDelay: () => {} }

  constructor(flowing: boolean) {
    super({ highWaterMark: 1024, decodeStrings: false })
    this.#flowing = flowing
  }

  writeHead(status: number, headers: Record<string, string>): this {
    this.head = { status, headers }
    return this
  }

  override _write(chunk: string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(String(chunk))
    if (this.#flowing) callback()
    else this.#pending.push(callback)
  }

  /** The client catches up: everything buffered is taken. */
  flow(): void {
    this.#flowing = true
    for (const callback of this.#pending.splice(0)) callback()
  }
}

function setUp(options: { maxBufferedBytes?: number; maxBlockedMs?: number; maxClients?: number } = {}) {
  const clock = new TestClock()
  const streams = new EventStreams({ clock, logger: createLogger({ level: 'silent' }), ...options })
  const open = (flowing = true): FakeResponse => {
    const response = new FakeResponse(flowing)
    streams.open(response as unknown as ServerResponse, 1_000, format('stats', '{"first":true}'))
    return response
  }
  return { clock, streams, open }
}

describe('EventStreams', () => {
  it('answers with an event stream: headers, the reconnect delay, the first event', () => {
    const { streams, open } = setUp()
    const response = open()
    expect(response.head).toEqual({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store' }),
    })
    expect(response.chunks.join('')).toBe('retry: 1000\n\nevent: stats\ndata: {"first":true}\n\n')
    expect(streams.size).toBe(1)
  })

  it('sends each event to every client, and forgets a client that closed', () => {
    const { streams, open } = setUp()
    const [a, b] = [open(), open()]
    streams.broadcast('task', '{"n":1}')
    for (const response of [a, b]) expect(response.chunks.at(-1)).toBe('event: task\ndata: {"n":1}\n\n')
    b.destroy()
    b.emit('close')
    expect(streams.size).toBe(1)
    expect(b.listenerCount('drain') + b.listenerCount('close')).toBe(0)
  })

  it('drops a client whose buffer stays full for more than maxBlockedMs', async () => {
    const { clock, streams, open } = setUp({ maxBlockedMs: 1_000 })
    const slow = open(false)
    const fast = open()
    const big = JSON.stringify({ pad: 'x'.repeat(2_000) })
    streams.broadcast('task', big) // over the high-water mark: the slow client is now blocked
    await clock.advance(900)
    streams.broadcast('task', big)
    expect(streams.size).toBe(2)
    await clock.advance(200)
    streams.sweep()
    expect(streams.size).toBe(1)
    expect(slow.destroyed).toBe(true)
    expect(fast.destroyed).toBe(false)
    expect(streams.dropped).toBe(1)
    expect(slow.listenerCount('drain')).toBe(0)
  })

  it('keeps a client that drains in time', async () => {
    const { clock, streams, open } = setUp({ maxBlockedMs: 1_000 })
    const slow = open(false)
    streams.broadcast('task', JSON.stringify({ pad: 'x'.repeat(2_000) }))
    await clock.advance(800)
    slow.flow()
    await new Promise((resolve) => setImmediate(resolve)) // 'drain' is emitted on a later tick
    await clock.advance(800)
    streams.sweep()
    expect(streams.size).toBe(1)
  })

  it('drops a client at once when more than maxBufferedBytes are waiting for it', () => {
    const { streams, open } = setUp({ maxBufferedBytes: 8 * 1024, maxBlockedMs: 60_000 })
    const slow = open(false)
    const chunk = JSON.stringify({ pad: 'x'.repeat(1_000) })
    for (let i = 0; i < 20 && streams.size > 0; i++) streams.broadcast('task', chunk)
    expect(streams.size).toBe(0)
    expect(slow.writableLength).toBeLessThanOrEqual(8 * 1024 + 1_100)
  })

  it('refuses more than maxClients streams', () => {
    const { streams, open } = setUp({ maxClients: 2 })
    open()
    expect(streams.hasRoom).toBe(true)
    open()
    expect(streams.hasRoom).toBe(false)
  })

  it('closeAll() ends every stream and removes its listeners', () => {
    const { streams, open } = setUp()
    const responses = [open(), open()]
    streams.closeAll()
    expect(streams.size).toBe(0)
    for (const response of responses) {
      expect(response.writableEnded).toBe(true)
      expect(response.listenerCount('drain') + response.listenerCount('close')).toBe(0)
    }
  })
})
