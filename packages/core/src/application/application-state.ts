/**
 * The lifecycle states of an Application. Transitions are driven by `Application` only.
 */

/**
 * The lifecycle state of an {@link Application}.
 *
 * | state | meaning |
 * |---|---|
 * | `created` | constructed; services may be added |
 * | `initializing` | init-time: modules, services and `initialize()` run |
 * | `running` | run-time: `main()` was called, ticks are published |
 * | `stopping` | exit-time: `finalize()` hooks run, tasks are shut down |
 * | `stopped` | done; `exitCode` is final |
 *
 * @example
 * ```ts
 * import type { ApplicationState } from '@tsab/core'
 * const isUp = (state: ApplicationState) => state === 'running'
 * ```
 */
export type ApplicationState = 'created' | 'initializing' | 'running' | 'stopping' | 'stopped'
