/**
 * The QueueService's config, read once and checked (spec §2a): `[QueueService] backend`, `prefix`,
 * `shutdown_timeout`, `lock_duration`, `stalled_interval`, and `[redis] url` (else env `REDIS_URL`). A bad value is
 * a `TSAB_CONFIG_VALUE` error naming `[section] key`, the value and what was expected; using the values is the
 * service's and the backends'.
 */
import { ErrorCodes, TsabError, type Config } from '@tsab/core'
import { describeValue } from '@tsab/core/support'

/** Everything the QueueService reads from config, checked. */
export interface QueueSettings {
  readonly backend: 'memory' | 'bullmq'
  /** The Redis URL (bullmq backend only). */
  readonly url: string | undefined
  readonly prefix: string
  readonly shutdownTimeoutMs: number
  readonly lockDurationMs: number
  readonly stalledIntervalMs: number
}

// One day: a longer timeout or lock is a typo (and would not fit the timers it arms).
const MAX_MS = 86_400_000
const DURATION = { min: 0, exclusiveMin: true, max: MAX_MS } as const
const REDIS_URL = { pattern: /^rediss?:\/\/[^\s/?#]*(?::\d+)?(?:\/\d*)?$/, expected: 'a redis:// or rediss:// URL such as "redis://host:6379/0"' }

/** Reads and checks the QueueService's config; throws a `TSAB_CONFIG_VALUE` `TsabError` for the first bad value. */
export function readQueueSettings(config: Config, env: Record<string, string | undefined>): QueueSettings {
  const forced = config.getString('QueueService', 'backend', undefined, { oneOf: ['memory', 'bullmq'] }) as QueueSettings['backend'] | undefined
  let url = config.getString('redis', 'url', undefined, REDIS_URL) || undefined
  const fromEnv = env['REDIS_URL']
  if (url === undefined && fromEnv !== undefined && fromEnv !== '') {
    if (!REDIS_URL.pattern.test(fromEnv) || !parses(fromEnv)) {
      throw new TsabError(ErrorCodes.ConfigValue, `REDIS_URL (the default of config [redis] url): expected ${REDIS_URL.expected}, got ${describeValue(fromEnv)}`)
    }
    url = fromEnv
  } else if (url !== undefined && !parses(url)) {
    throw new TsabError(ErrorCodes.ConfigValue, `Config [redis] url: expected ${REDIS_URL.expected}, got ${describeValue(url)}`)
  }
  const backend = forced ?? (url !== undefined ? 'bullmq' : 'memory')
  if (backend === 'bullmq' && url === undefined) {
    throw new TsabError(ErrorCodes.ConfigValue, 'Config [QueueService] backend: "bullmq" needs config [redis] url or env REDIS_URL, got neither')
  }
  return {
    backend,
    url,
    prefix: config.getString('QueueService', 'prefix', 'tsab', { pattern: /^[^\s{}]+$/, expected: 'a non-empty Redis key prefix without blanks or braces' }),
    shutdownTimeoutMs: config.getDuration('QueueService', 'shutdown_timeout', 10_000, DURATION),
    lockDurationMs: config.getDuration('QueueService', 'lock_duration', 30_000, DURATION),
    stalledIntervalMs: config.getDuration('QueueService', 'stalled_interval', 30_000, DURATION),
  }
}

function parses(url: string): boolean {
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}
