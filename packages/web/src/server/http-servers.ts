/**
 * The node:http servers behind one Fastify instance: one per listen address, all with the same limits and the
 * same request handler. Creating, binding and draining them is here; routing is Fastify's, when to drain the
 * WebService's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { sleep, type Clock } from '@tsab/core'
import type { WebSettings } from '../config/web-settings.js'
import type { ListenAddress } from '../listen/listen-address.js'

/** A request handler as node:http calls it (Fastify's `routing`). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void

/** Answers a request Node could not parse or that came too slowly (the `clientError` event). */
export type ClientErrorHandler = (error: NodeJS.ErrnoException, socket: Duplex) => void

/**
 * A node:http server with the WebService's limits: headers, request, keep-alive and idle-socket timeouts, and the
 * largest request head. Node checks the headers and request timeouts on a timer; it runs every quarter of the
 * headers timeout (at most once a second, at least every 10 ms), so a slow client is cut off close to its
 * deadline rather than up to 30 s later (Node's default interval). The Fastify server gets `onClientError` from
 * Fastify; the others need it here.
 */
export function createHttpServer(handler: RequestHandler, settings: WebSettings, onClientError?: ClientErrorHandler): Server {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      maxHeaderSize: settings.maxHeaderSize,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 4))),
    },
    handler,
  )
  if (settings.connectionTimeoutMs > 0) server.setTimeout(settings.connectionTimeoutMs)
  if (onClientError !== undefined) server.on('clientError', onClientError)
  return server
}

/** Binds `server` to `address`; resolves with the bound address (with the real port when the port was 0). */
export function listenOn(server: Server, address: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening)
      reject(error)
    }
    const onListening = (): void => {
      server.off('error', onError)
      const bound = server.address() as AddressInfo
      resolve({ host: bound.address, port: bound.port })
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host: address.host, port: address.port })
  })
}

/** What {@link drainServers} did. */
export interface DrainOutcome {
  /** Connections still open when `timeoutMs` ran out (they were closed then). */
  readonly cutConnections: number
}

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)))
}

/**
 * Stops every server from accepting connections and waits until their connections have ended: idle keep-alive
 * connections are closed at once (Node's `close()` does so), busy ones end after their response (the WebService
 * marks responses `connection: close` while draining). What is still open after `timeoutMs` is destroyed.
 */
export async function drainServers(servers: readonly Server[], timeoutMs: number, clock: Clock): Promise<DrainOutcome> {
  const closed = Promise.all(
    servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))),
  )
  const deadline = new AbortController()
  const timedOut = sleep(timeoutMs, { clock, signal: deadline.signal }).then(
    () => true,
    () => false,
  )
  const late = await Promise.race([closed.then(() => false), timedOut])
  deadline.abort()
  if (!late) return { cutConnections: 0 }
  const counts = await Promise.all(servers.map(connectionCount))
  for (const server of servers) server.closeAllConnections()
  await closed
  return { cutConnections: counts.reduce((sum, count) => sum + count, 0) }
}

/**
 * Destroys every connection of every server at once (the drain's deadline passed, or the application's exit budget
 * ran out) and stops them from accepting.
 */
export function closeServersNow(servers: readonly Server[]): void {
  for (const server of servers) {
    if (server.listening) server.close()
    server.closeAllConnections()
  }
}
