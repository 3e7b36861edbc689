/**
 * Applications with a TelemetryService for tests: quiet (logs kept in memory), no signal handlers, stopped after
 * each test; the test fails if one left an unhandled rejection behind.
 */
import { Application, type ApplicationOptions } from '@tsab/core'
import { afterEach, expect } from 'vitest'
import { TelemetryService } from '../../src/index.js'
import { memoryLogger, type LogLine } from '../../../core/test/support/logs.js'
import { watchUnhandledRejections } from '../../../core/test/support/unhandled.js'

/** An application made by {@link useTelemetryApps}, with its TelemetryService and its log lines. */
export interface TelemetryApp {
  readonly app: Application
  readonly telemetry: TelemetryService
  readonly lines: LogLine[]
}

/** Options of one test application. */
export interface TelemetryAppOptions {
  /** `options.config` of the application. */
  readonly config?: ApplicationOptions['config']
  /** Runs after the TelemetryService was added and before the start (add other services here). */
  readonly before?: (app: Application) => void
  /** Start it (default) or leave it `created`. */
  readonly start?: boolean
}

/** Installs the per-test teardown and returns a factory of applications with a TelemetryService. */
export function useTelemetryApps(): (options?: TelemetryAppOptions) => Promise<TelemetryApp> {
  const unhandled = watchUnhandledRejections()
  const apps: Application[] = []
  afterEach(async () => {
    for (const app of apps.splice(0)) if (app.state !== 'stopped') await app.stop()
    expect(unhandled.splice(0)).toEqual([])
  })
  return async (options = {}) => {
    const { logger, lines } = memoryLogger()
    const app = new Application({ name: 'telemetry-test', logger, handleSignals: false, config: options.config ?? {} })
    apps.push(app)
    const telemetry = app.addService(TelemetryService)
    options.before?.(app)
    if (options.start !== false) await app.start()
    return { app, telemetry, lines }
  }
}
