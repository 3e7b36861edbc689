/**
 * `@tsab/telemetry`: OpenTelemetry metrics and traces for every tsab task, Node runtime metrics and a Prometheus
 * endpoint. Every export is named; nothing from `internal/` is exported.
 */
export { TelemetryService } from './service/telemetry-service.js'
export { boundedTaskName, ANONYMOUS_TASK_NAME } from './names/task-names.js'
export { TelemetryMetrics, TelemetryAttributes } from './names/telemetry-names.js'
