/**
 * A minimal Server-Sent Events client for tests: reads a `text/event-stream` response with fetch, parses its events
 * as they come, and waits for one that matches.
 */
import { expect, vi } from 'vitest'

/** One parsed event. */
export interface ServerEvent {
  event: string
  data: string
  /** When it arrived (performance.now()). */
  at: number
}

/** An open event stream. */
export interface EventStreamClient {
  readonly response: Response
  readonly events: ServerEvent[]
  /** Resolves once the server ended the stream (or it broke). */
  readonly ended: Promise<void>
  /** Waits for an event named `event` whose parsed data satisfies `predicate`. */
  waitFor<T = unknown>(event: string, predicate?: (data: T) => boolean, timeoutMs?: number): Promise<T>
  close(): void
}

/** Opens `url` as an event stream (`headers` are sent as is). */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const controller = new AbortController()
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const events: ServerEvent[] = []
  const ended = (async () => {
    if (response.body === null) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data.push(line.slice(6))
          }
          if (data.length > 0) events.push({ event, data: data.join('\n'), at: performance.now() })
        }
      }
    } catch {
      // aborted by close(), or cut by the server
    }
  })()
  return {
    response,
    events,
    ended,
    async waitFor<T>(event: string, predicate: (data: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
      let found: T | undefined
      await vi.waitFor(
        () => {
          const match = events.find((item) => item.event === event && predicate(JSON.parse(item.data) as T))
          expect(match, `an event "${event}" that matches`).toBeDefined()
          found = JSON.parse(match!.data) as T
        },
        { timeout: timeoutMs, interval: 10 },
      )
      return found!
    },
    close: () => controller.abort(),
  }
}
