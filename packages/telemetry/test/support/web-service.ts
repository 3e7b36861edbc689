/**
 * A stand-in for `@tsab/web`'s WebService in tests: a Service named 'WebService' with a real Fastify 5 instance as
 * `server` (spec §11). The test listens and closes it itself.
 */
import type { AddressInfo } from 'node:net'
import { Service, type Application } from '@tsab/core'
import Fastify, { type FastifyInstance } from 'fastify'

/** Service 'WebService' exposing a Fastify instance, like the real one. */
export class StandInWebService extends Service {
  /** The Fastify instance routes are added to. */
  readonly server: FastifyInstance = Fastify()

  constructor(app: Application) {
    super(app, 'WebService')
  }

  /** Listens on a free loopback port; returns the base URL. */
  async listen(): Promise<string> {
    await this.server.listen({ host: '127.0.0.1', port: 0 })
    const address = this.server.server.address() as AddressInfo
    return `http://127.0.0.1:${address.port}`
  }
}
