/**
 * `readWebSettings()`: every `[web]` config value the WebService uses, read and checked in one place, into one typed
 * object. Keys, defaults and limits are listed here and nowhere else; the service only consumes the result.
 */
import { ErrorCodes, TsabError, type Config, type Logger } from '@tsab/core'
import { formatListenAddress, isLoopbackHost, parseListenAddresses, type ListenAddress } from '../listen/listen-address.js'

/**
 * The WebService's settings, as read from `[web]` (durations in milliseconds, sizes in bytes).
 *
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * import { readWebSettings } from '@tsab/web'
 * const settings = readWebSettings(new Config({ config: { web: { listen: '8081', body_limit: 4096 } }, env: {} }), {})
 * console.log(settings.addresses, settings.bodyLimit) // [ { host: '127.0.0.1', port: 8081 } ] 4096
 * ```
 */
export interface WebSettings {
  /** `[web] listen`, the first port replaced by env `PORT`. @default `127.0.0.1:8080` */
  readonly addresses: readonly ListenAddress[]
  /** `[web] body_limit`: largest request body in bytes (413 above). @default 1 MiB */
  readonly bodyLimit: number
  /** `[web] headers_timeout`: a client must send its headers within this time (408 otherwise). @default 10 s */
  readonly headersTimeoutMs: number
  /** `[web] request_timeout`: ... and its whole request. @default 30 s */
  readonly requestTimeoutMs: number
  /** `[web] keep_alive_timeout`: idle keep-alive connections are closed after this time. @default 5 s */
  readonly keepAliveTimeoutMs: number
  /** `[web] connection_timeout`: a socket with no traffic for this long is destroyed (`0`: never). @default 60 s */
  readonly connectionTimeoutMs: number
  /** `[web] max_header_size`: largest request head in bytes (431 above). @default 16 KiB */
  readonly maxHeaderSize: number
  /** `[web] shutdown_delay`: at stop, keep serving this long after readiness turned 503. @default 0 */
  readonly shutdownDelayMs: number
  /** `[web] shutdown_timeout`: longest wait for requests in flight at stop, then their connections are cut. @default 10 s */
  readonly shutdownTimeoutMs: number
  /** `[web] retry_after`: the `retry-after` of a 503 for an overloaded server, rounded up to seconds. @default 1 s */
  readonly retryAfterSeconds: number
  /** `[web] dashboard`: serve the live task dashboard under `/tsab/`. @default false */
  readonly dashboard: boolean
  /**
   * `[web] dashboard_token` (blanks around it removed): the token the dashboard asks for (`Authorization: Bearer
   * <token>` or `?token=<token>`). Required when `dashboard` is on and an address is not loopback; when set, it is
   * asked for on loopback too. @default none
   */
  readonly dashboardToken: string | undefined
}

/**
 * The `[web]` keys and their defaults (added to the config's defaults by the WebService).
 *
 * @example
 * ```ts
 * import { WEB_DEFAULTS } from '@tsab/web'
 * console.log(WEB_DEFAULTS.listen, WEB_DEFAULTS.body_limit) // 127.0.0.1:8080 1048576
 * ```
 */
export const WEB_DEFAULTS = {
  listen: '127.0.0.1:8080',
  body_limit: 1_048_576,
  headers_timeout: '10s',
  request_timeout: '30s',
  keep_alive_timeout: '5s',
  connection_timeout: '60s',
  max_header_size: 16_384,
  shutdown_delay: '0s',
  shutdown_timeout: '10s',
  retry_after: '1s',
  dashboard: false,
} as const

// Keys without a default (unset means "none"); not unknown, even though WEB_DEFAULTS does not list them.
const OTHER_KNOWN_KEYS = ['dashboard_token']

const HOUR = 3_600_000
const POSITIVE_DURATION = { min: 0, exclusiveMin: true, max: 24 * HOUR }

// Shorter tokens can be guessed by anyone who can reach a dashboard on the network.
const MIN_TOKEN_LENGTH = 16

function readToken(config: Config): string | undefined {
  const token = config.getString('web', 'dashboard_token')?.trim()
  if (token === undefined || token === '') return undefined
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    // A secret: the message says what is wrong with it, never what it is.
    throw new TsabError(
      ErrorCodes.ConfigValue,
      `Config [web] dashboard_token: expected a token of at least ${MIN_TOKEN_LENGTH} characters without blanks ` +
        `(e.g. \`openssl rand -hex 16\`), got a value of ${token.length} character${token.length === 1 ? '' : 's'} (not shown)`,
    )
  }
  return token
}

// The dashboard shows task names, errors and stacks: never to other machines without a token.
function checkDashboardExposure(settings: WebSettings): void {
  if (!settings.dashboard || settings.dashboardToken !== undefined) return
  const exposed = settings.addresses.filter((address) => !isLoopbackHost(address.host))
  if (exposed.length === 0) return
  throw new TsabError(
    ErrorCodes.ConfigValue,
    `Config [web] dashboard = true while [web] listen includes ${exposed.map(formatListenAddress).join(' ')}, which other machines ` +
      'can reach: set [web] dashboard_token (clients send it as "Authorization: Bearer <token>" or ?token=<token>), ' +
      'listen on loopback addresses only, or turn [web] dashboard off',
  )
}

/**
 * Reads and checks every `[web]` value. A value of the wrong type or outside its limits throws `TSAB_CONFIG_VALUE`
 * naming `[web] key`, the value and the limits (`[web] body_limit = -1` → "expected an integer >= 1, got -1").
 * `headers_timeout` is capped at `request_timeout` (Node refuses a longer one). `dashboard = true` on an address
 * that is not loopback (e.g. `0.0.0.0:8080`) without a `dashboard_token` throws `TSAB_CONFIG_VALUE` naming both keys.
 *
 * @param env - where `PORT` is read from (`process.env` in the WebService)
 * @param logger - told about `[web]` keys nobody reads (a typo, or a key of an older version)
 * @example
 * ```ts
 * import { Config } from '@tsab/core'
 * import { readWebSettings } from '@tsab/web'
 * try {
 *   readWebSettings(new Config({ config: { web: { body_limit: -1 } }, env: {} }), {})
 * } catch (error) {
 *   console.log((error as Error).message) // Config [web] body_limit: expected an integer >= 1, got -1 (number)
 * }
 * ```
 */
export function readWebSettings(config: Config, env: Record<string, string | undefined>, logger?: Logger): WebSettings {
  const requestTimeoutMs = config.getDuration('web', 'request_timeout', 30_000, POSITIVE_DURATION)
  const settings: WebSettings = {
    addresses: parseListenAddresses(config.getString('web', 'listen', WEB_DEFAULTS.listen), env['PORT']),
    bodyLimit: config.getNumber('web', 'body_limit', WEB_DEFAULTS.body_limit, { min: 1, max: 2 ** 31 - 1, integer: true }),
    requestTimeoutMs,
    headersTimeoutMs: Math.min(requestTimeoutMs, config.getDuration('web', 'headers_timeout', 10_000, POSITIVE_DURATION)),
    keepAliveTimeoutMs: config.getDuration('web', 'keep_alive_timeout', 5_000, POSITIVE_DURATION),
    connectionTimeoutMs: config.getDuration('web', 'connection_timeout', 60_000, { min: 0, max: 24 * HOUR }),
    maxHeaderSize: config.getNumber('web', 'max_header_size', WEB_DEFAULTS.max_header_size, { min: 1024, max: 1_048_576, integer: true }),
    shutdownDelayMs: config.getDuration('web', 'shutdown_delay', 0, { min: 0, max: HOUR }),
    shutdownTimeoutMs: config.getDuration('web', 'shutdown_timeout', 10_000, { min: 0, max: HOUR }),
    retryAfterSeconds: Math.ceil(config.getDuration('web', 'retry_after', 1_000, { min: 0, exclusiveMin: true, max: 24 * HOUR }) / 1000),
    dashboard: config.getBoolean('web', 'dashboard', WEB_DEFAULTS.dashboard),
    dashboardToken: readToken(config),
  }
  checkDashboardExposure(settings)
  const known = new Set<string>([...Object.keys(WEB_DEFAULTS), ...OTHER_KNOWN_KEYS])
  const unknown = Object.keys(config.section('web')).filter((key) => !known.has(key.toLowerCase()))
  if (unknown.length > 0) {
    logger?.warn(
      { keys: unknown },
      `Config [web] has keys nothing reads: ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
    )
  }
  return settings
}
