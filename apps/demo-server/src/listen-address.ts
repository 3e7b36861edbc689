/**
 * `parseListen()`: turns the `[web] listen` setting (`host:port`, `[ipv6]:port` or a bare port) and an optional
 * `PORT` override into a host and port for `server.listen()`. Validation only; no sockets here.
 */

/** Where the HTTP server listens. */
export interface ListenAddress {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::1` (IPv6 without brackets). */
  host: string
  /** TCP port; `0` lets the OS pick a free one. */
  port: number
}

/** Used when `[web] listen` gives only a port: local connections only, never every interface by accident. */
export const DEFAULT_HOST = '127.0.0.1'

function parsePort(name: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new RangeError(`Expected \`${name}\` to be a port number from 0 to 65535, got ${JSON.stringify(text)}`)
  }
  return Number(text)
}

/**
 * Parses `listen` (`'127.0.0.1:8080'`, `'[::1]:8080'`, `'0.0.0.0:80'` or `'8080'`); a defined `portOverride`
 * (the `PORT` environment variable) replaces the port.
 *
 * @throws RangeError for a malformed address or a port outside 0..65535
 * @example
 * ```ts fragment
 * parseListen('127.0.0.1:8080')           // { host: '127.0.0.1', port: 8080 }
 * parseListen('[::1]:8080', '3000')       // { host: '::1', port: 3000 }
 * parseListen('9000')                     // { host: '127.0.0.1', port: 9000 }
 * ```
 */
export function parseListen(listen: string, portOverride?: string): ListenAddress {
  const text = listen.trim()
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d+)$/.exec(text)
  let address: ListenAddress
  if (match !== null) {
    address = { host: match[1] ?? match[2]!, port: parsePort('[web] listen', match[3]!) }
  } else if (/^\d+$/.test(text)) {
    address = { host: DEFAULT_HOST, port: parsePort('[web] listen', text) }
  } else {
    throw new RangeError(
      `Expected \`[web] listen\` to be "host:port", "[ipv6]:port" or a port number, got ${JSON.stringify(listen)}`,
    )
  }
  if (portOverride !== undefined && portOverride !== '') address.port = parsePort('PORT', portOverride.trim())
  return address
}
