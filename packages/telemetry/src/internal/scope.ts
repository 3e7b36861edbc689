/**
 * The OpenTelemetry instrumentation scope of `@tsab/telemetry`: the meter and tracer name and version. Read from
 * the package manifest, so the version reported in `otel_scope_version` never drifts from the package.
 */
import { createRequire } from 'node:module'

/** Name of the meter and of the tracer (the instrumentation scope). */
export const SCOPE_NAME = '@tsab/telemetry'

// src/internal/scope.ts and dist/internal/scope.js both sit two levels below the package root.
const manifest = createRequire(import.meta.url)('../../package.json') as { version?: unknown }

/** Version of the instrumentation scope: this package's version. */
export const SCOPE_VERSION = typeof manifest.version === 'string' ? manifest.version : '0.0.0'
