/**
 * `@tsab/web`: the public surface. HTTP services on Fastify 5 for tsab applications.
 */

// the service
export { WebService } from './web-service/web-service.js'
export type { Readiness } from './health/health-routes.js'
export type { RequestTaskOptions } from './tasks/spawn-from-request.js'

// config and addresses
export { readWebSettings, WEB_DEFAULTS, type WebSettings } from './config/web-settings.js'
export { parseListenAddresses, formatListenAddress, isLoopbackHost, type ListenAddress } from './listen/listen-address.js'

// error answers
export type { ErrorBody } from './errors/error-responses.js'
export { validationMessage, type SchemaError } from './errors/validation-message.js'
