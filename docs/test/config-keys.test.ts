/**
 * Every config key the guides list (the `| \`[section] key\` |` rows of docs/**\/*.md) is read and checked at start
 * (spec §2a): with a bad value, building and starting an application fails with a message that names the key (or the
 * environment variable it came from), shows the value and says what was expected; nothing is left running.
 *
 * A package that adds keys documents them in a guide's key table and adds one line per key to `BAD_VALUES` below
 * (with a `setup` that adds its service).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Application } from '@tsab/core'
import { QueueService } from '@tsab/bullmq'
import { TelemetryService } from '@tsab/telemetry'
import { WebService } from '@tsab/web'
import { WorkerPoolService } from '@tsab/workers'
import { repoRoot } from './support/build-packages.js'

/** One bad value: where it is set (a `[section] key`, else an environment variable) and what adds its reader. */
interface BadValue {
  /** `[section] key`, set through `TSAB__SECTION__KEY`; or the name of an environment variable. */
  readonly key: string
  readonly value: string
  /** Adds the service that reads the key (core's own keys need nothing). */
  readonly setup?: (app: Application) => void
  /** What the message names when it is not the key itself (an environment variable that is a key's default). */
  readonly named?: string
  /** A secret: the message must not show the value. */
  readonly secret?: boolean
}

const withQueues = (app: Application): void => void app.addService(QueueService)
const withWeb = (app: Application): void => void app.addService(WebService)
const withTelemetry = (app: Application): void => {
  app.addService(WebService)
  app.addService(TelemetryService)
}
const withWorkers = (app: Application): void => void app.addService(WorkerPoolService)

const BAD_VALUES: readonly BadValue[] = [
  { key: '[Application] finalize_timeout', value: 'bogus' },
  { key: '[Application] blocked_loop_warning', value: '-1s' },
  { key: '[logging] level', value: 'verbose' },
  { key: '[TaskService] max_concurrency', value: '0' },
  { key: '[TaskService] max_queued', value: 'lots' },
  { key: '[TaskService] shutdown_timeout', value: 'bogus' },
  { key: '[QueueService] backend', value: 'kafka', setup: withQueues },
  { key: '[QueueService] prefix', value: 'my queues', setup: withQueues },
  { key: '[QueueService] shutdown_timeout', value: 'bogus', setup: withQueues },
  { key: '[QueueService] lock_duration', value: '1e309s', setup: withQueues },
  { key: '[QueueService] stalled_interval', value: '0', setup: withQueues },
  { key: '[redis] url', value: 'localhost:6379', setup: withQueues },
  { key: '[web] listen', value: '127.0.0.1:99999', setup: withWeb },
  { key: '[web] body_limit', value: '-1', setup: withWeb },
  { key: '[web] headers_timeout', value: '0', setup: withWeb },
  { key: '[web] request_timeout', value: 'soon', setup: withWeb },
  { key: '[web] keep_alive_timeout', value: '-5s', setup: withWeb },
  { key: '[web] connection_timeout', value: 'never', setup: withWeb },
  { key: '[web] max_header_size', value: '10', setup: withWeb },
  { key: '[web] shutdown_delay', value: '2d', setup: withWeb },
  { key: '[web] shutdown_timeout', value: '1e309s', setup: withWeb },
  { key: '[web] retry_after', value: '0', setup: withWeb },
  { key: '[web] dashboard', value: 'maybe', setup: withWeb },
  { key: '[web] dashboard_token', value: 'sh0rt', setup: withWeb, secret: true },
  { key: '[telemetry] metrics', value: 'maybe', setup: withTelemetry },
  { key: '[telemetry] traces', value: '2', setup: withTelemetry },
  { key: '[telemetry] task_duration', value: 'yesno', setup: withTelemetry },
  { key: '[telemetry] runtime_metrics', value: 'perhaps', setup: withTelemetry },
  { key: '[telemetry] eventloop_resolution', value: '0', setup: withTelemetry },
  { key: '[telemetry] max_task_names', value: '0', setup: withTelemetry },
  { key: '[telemetry] prometheus', value: 'sure', setup: withTelemetry },
  { key: '[telemetry] prometheus_path', value: 'metrics', setup: withTelemetry },
  { key: '[workers] threads', value: '0', setup: withWorkers },
  { key: '[workers] max_queue', value: '-1', setup: withWorkers },
  { key: '[workers] idle_timeout', value: 'bogus', setup: withWorkers },
  { key: '[workers] cancel_grace', value: '-1s', setup: withWorkers },
  { key: '[workers] max_old_generation_size_mb', value: '0', setup: withWorkers },
  { key: 'LOG_LEVEL', value: 'loud', named: 'LOG_LEVEL' },
  { key: 'REDIS_URL', value: 'http://cache:6379', setup: withQueues, named: 'REDIS_URL' },
  { key: 'TSAB_CONFIG', value: '/nonexistent/site.ini', named: 'site.ini' },
]

/** The `[section] key` rows of every key table in the documentation. */
function documentedKeys(): string[] {
  const keys = new Set<string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(join(dir, entry.name))
      else if (entry.name.endsWith('.md')) {
        for (const match of readFileSync(join(dir, entry.name), 'utf8').matchAll(/^\| `(\[[^\]]+\] [a-z0-9_]+)` \|/gm)) keys.add(match[1]!)
      }
    }
  }
  walk(join(repoRoot, 'docs'))
  return [...keys].sort()
}

/** `[Section] key` as the environment variable that sets it. */
const envName = (key: string): string => {
  const [, section, name] = /^\[([^\]]+)\] (.+)$/.exec(key)!
  return `TSAB__${section!.toUpperCase()}__${name!.toUpperCase()}`
}

// Snippets and tests must not see the developer's own config.
const HERMETIC = ['REDIS_URL', 'LOG_LEVEL', 'TSAB_CONFIG']
const saved = { ...process.env }
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
})

/** Builds and starts an app with `bad` set; returns the error and the app (when it was built). */
async function startWith(bad: BadValue): Promise<{ error: unknown; app?: Application }> {
  for (const name of HERMETIC) delete process.env[name]
  process.env[bad.key.startsWith('[') ? envName(bad.key) : bad.key] = bad.value
  let app: Application | undefined
  try {
    // Quiet, unless the level itself is what is tried (then it logs its own failure at info level).
    const quiet: Record<string, Record<string, unknown>> = bad.key === 'LOG_LEVEL' ? {} : { logging: { level: 'silent' } }
    app = new Application({ name: 'config-keys', handleSignals: false, config: quiet })
    bad.setup?.(app)
    await app.start()
  } catch (error) {
    return { error, app }
  } finally {
    if (app !== undefined && app.state !== 'stopped') await app.stop()
  }
  return { error: undefined, app }
}

describe('config keys', () => {
  it('every key the docs list has a bad value below, and every key below is documented', () => {
    const tested = BAD_VALUES.map((bad) => bad.key).filter((key) => key.startsWith('[')).sort()
    expect(tested).toEqual(documentedKeys())
  })

  it.each(BAD_VALUES.map((bad) => [bad.key, bad.value, bad] as const))('%s = %j fails the start with a message naming it, the value and what was expected', async (key, value, bad) => {
    const { error, app } = await startWith(bad)
    expect(error, 'the start succeeded').toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(bad.named ?? key)
    if (bad.secret === true) expect(message).not.toContain(value)
    else expect(message).toContain(/^\d+$/.test(value) ? value : JSON.stringify(value))
    if (bad.key !== 'TSAB_CONFIG') expect(message).toMatch(/expected .+, got /i)
    if (app !== undefined) {
      expect(app.state).toBe('stopped')
      expect(app.exitCode).toBe(1)
    }
  })
})
