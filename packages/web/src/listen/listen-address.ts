/**
 * `parseListenAddresses()`: turns the `[web] listen` setting (one or more `host:port`, `[ipv6]:port` or bare ports,
 * separated by spaces or new lines) and the `PORT` environment variable into addresses to bind. Parsing only: the
 * sockets are the WebService's.
 */
import { ErrorCodes, TsabError } from '@tsab/core'

/**
 * One address the WebService binds.
 *
 * @example
 * ```ts
 * import type { ListenAddress } from '@tsab/web'
 * const address: ListenAddress = { host: '::1', port: 8080 }
 * ```
 */
export interface ListenAddress {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::1` (IPv6 without brackets). */
  readonly host: string
  /** TCP port; `0` lets the operating system pick a free one. */
  readonly port: number
}

/** Used when `[web] listen` gives only a port: local connections only, never every interface by accident. */
const DEFAULT_HOST = '127.0.0.1'

const ADDRESS = /^(?:\[([^\]\s]+)\]|([^:[\]\s]+)):(\d+)$/

function configError(where: string, expectation: string, value: string): TsabError {
  return new TsabError(ErrorCodes.ConfigValue, `${where}: expected ${expectation}, got ${JSON.stringify(value)} (string)`)
}

function parsePort(where: string, text: string): number {
  return portOf(where, text, text)
}

// `text` is the port; `shown` the value the message quotes (the whole address it came from).
function portOf(where: string, text: string, shown: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw configError(where, shown === text ? 'a port number from 0 to 65535' : 'an address whose port is from 0 to 65535', shown)
  }
  return Number(text)
}

function parseOne(text: string): ListenAddress {
  const match = ADDRESS.exec(text)
  // The whole address is shown, not only its port: "got "127.0.0.1:99999"" says which entry of a list is wrong.
  const where = 'Config [web] listen'
  if (match !== null) return { host: match[1] ?? match[2]!, port: portOf(where, match[3]!, text) }
  if (/^\d+$/.test(text)) return { host: DEFAULT_HOST, port: portOf(where, text, text) }
  throw configError('Config [web] listen', '"host:port", "[ipv6]:port" or a port number (several separated by spaces)', text)
}

/**
 * Parses `listen`: one or more addresses separated by spaces or new lines, each `'127.0.0.1:8080'`, `'[::1]:8080'`,
 * `'0.0.0.0:80'` or a bare port (then on 127.0.0.1). A non-empty `portOverride` (the `PORT` environment variable)
 * replaces the port of the **first** address.
 *
 * @throws `TsabError` with code `TSAB_CONFIG_VALUE` naming `[web] listen` (or `PORT`), the value and what was expected
 * @example
 * ```ts
 * import { parseListenAddresses } from '@tsab/web'
 * console.log(parseListenAddresses('127.0.0.1:8080 [::1]:8080', '3000'))
 * // [ { host: '127.0.0.1', port: 3000 }, { host: '::1', port: 8080 } ]
 * ```
 */
export function parseListenAddresses(listen: string, portOverride?: string): ListenAddress[] {
  const parts = listen.split(/\s+/).filter((part) => part !== '')
  if (parts.length === 0) throw configError('Config [web] listen', 'at least one address such as "127.0.0.1:8080"', listen)
  const addresses = parts.map(parseOne)
  if (portOverride !== undefined && portOverride.trim() !== '') {
    addresses[0] = { host: addresses[0]!.host, port: parsePort('Environment variable PORT', portOverride.trim()) }
  }
  return addresses
}

/**
 * `host:port` as people write it: IPv6 hosts in brackets.
 *
 * @example
 * ```ts
 * import { formatListenAddress } from '@tsab/web'
 * console.log(formatListenAddress({ host: '::1', port: 8080 })) // [::1]:8080
 * ```
 */
export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

/**
 * True when `host` can only be reached from this machine (`127.0.0.0/8`, `::1`, `localhost`). A dashboard or
 * debug route that is safe on loopback needs a token anywhere else.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from '@tsab/web'
 * console.log(isLoopbackHost('127.0.0.1'), isLoopbackHost('0.0.0.0')) // true false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || /^::ffff:127\./i.test(host)
}
