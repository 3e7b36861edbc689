/**
 * `EventStreams`: the open Server-Sent Events responses of `GET /tsab/api/events`. It writes one event to every
 * client at once and drops a client that cannot keep up (more than `maxBufferedBytes` unsent on its socket, or a
 * full buffer that did not drain within `maxBlockedMs`): nothing is buffered without bound and no client is ever
 * served data older than that. What the events say is the dashboard's business.
 */
import type { ServerResponse } from 'node:http'
import type { Clock, Logger } from '@tsab/core'

/** Limits of {@link EventStreams}. */
export interface EventStreamsOptions {
  readonly clock: Clock
  readonly logger: Logger
  /** Streams open at once at most; more are refused. @default 32 */
  readonly maxClients?: number
  /** Unsent bytes a client's socket may hold before the client is dropped. @default 256 KiB */
  readonly maxBufferedBytes?: number
  /** How long a client may stay unable to take more (its buffer over the high-water mark) before it is dropped. @default 1 s */
  readonly maxBlockedMs?: number
}

interface Client {
  readonly response: ServerResponse
  // When a write first found the buffer full, until the next 'drain' (clock ms).
  blockedSince: number | undefined
  readonly onDrain: () => void
  readonly onClose: () => void
}

/** Server-Sent Events to many clients with bounded buffers. */
export class EventStreams {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #maxClients: number
  readonly #maxBufferedBytes: number
  readonly #maxBlockedMs: number
  readonly #clients = new Set<Client>()
  #dropped = 0

  constructor(options: EventStreamsOptions) {
    this.#clock = options.clock
    this.#logger = options.logger
    this.#maxClients = options.maxClients ?? 32
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024
    this.#maxBlockedMs = options.maxBlockedMs ?? 1_000
  }

  /** Open streams. */
  get size(): number {
    return this.#clients.size
  }

  /** Clients dropped for being too slow, since the start. */
  get dropped(): number {
    return this.#dropped
  }

  /** Whether one more stream may open. */
  get hasRoom(): boolean {
    return this.#clients.size < this.#maxClients
  }

  /**
   * Starts an event stream on `response` (its headers not sent yet): status 200, `text/event-stream`, a reconnect
   * delay of `retryMs` for the browser, then `first` (already formatted events), if any.
   */
  open(response: ServerResponse, retryMs: number, first = ''): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise hold events back to fill their buffers.
      'x-accel-buffering': 'no',
    })
    response.socket?.setNoDelay(true)
    const client: Client = {
      response,
      blockedSince: undefined,
      onDrain: () => void (client.blockedSince = undefined),
      onClose: () => this.#forget(client),
    }
    response.on('drain', client.onDrain)
    response.once('close', client.onClose)
    this.#clients.add(client)
    this.#write(client, `retry: ${retryMs}\n\n${first}`)
  }

  /** Sends one event to every client (after dropping those that fell behind). */
  broadcast(event: string, data: string): void {
    this.sweep()
    if (this.#clients.size === 0) return
    const chunk = format(event, data)
    for (const client of this.#clients) this.#write(client, chunk)
  }

  /** Drops every client that fell behind. */
  sweep(): void {
    const now = this.#clock.now()
    for (const client of this.#clients) {
      // The response's own buffer plus its socket's: every byte written and not yet handed to the kernel.
      const buffered = client.response.writableLength
      const blockedFor = client.blockedSince === undefined ? 0 : now - client.blockedSince
      if (buffered > this.#maxBufferedBytes || blockedFor > this.#maxBlockedMs) {
        this.#dropped++
        this.#logger.debug({ buffered, blockedMs: Math.round(blockedFor) }, 'Dropped a dashboard event stream that could not keep up')
        this.#forget(client)
        client.response.destroy()
      }
    }
  }

  /** Ends every stream (the browser reconnects later, if the server is still there). */
  closeAll(): void {
    for (const client of [...this.#clients]) {
      this.#forget(client)
      client.response.end()
    }
  }

  #write(client: Client, chunk: string): void {
    if (!client.response.write(chunk) && client.blockedSince === undefined) client.blockedSince = this.#clock.now()
  }

  #forget(client: Client): void {
    if (!this.#clients.delete(client)) return
    client.response.off('drain', client.onDrain)
    client.response.off('close', client.onClose)
  }
}

/**
 * One Server-Sent Event. `data` must be a single line (JSON from `JSON.stringify` always is).
 *
 * @example
 * ```ts fragment
 * format('stats', '{"running":1}') // 'event: stats\ndata: {"running":1}\n\n'
 * ```
 */
export function format(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`
}
