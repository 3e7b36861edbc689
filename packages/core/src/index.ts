/**
 * `@tsab/core`: the public surface. Every export is named; nothing from `internal/` is exported.
 */
import 'reflect-metadata'

// dependency injection (re-exported from tsyringe so services need no other import)
export { injectable, inject, singleton } from 'tsyringe'
export type { DependencyContainer } from 'tsyringe'

// errors
export { ErrorCodes, type ErrorCode } from './errors/codes.js'
export { TsabError } from './errors/tsab-error.js'
export { CancelledError, ChildCancelledError, TimeoutError, isCancellation } from './errors/cancellation.js'
export {
  ServiceNotFoundError,
  DuplicateServiceError,
  DuplicateTaskError,
  InvalidStateError,
  CacheNotFoundError,
  OverloadedError,
} from './errors/errors.js'
export { QueueFull, QueueEmpty, QueueShutDown } from './errors/queue-errors.js'

// clock
export { type Clock, realClock } from './clock/clock.js'

// logging
export { LOGGER, createLogger, type Logger, type CreateLoggerOptions } from './logging/logger.js'

// application
export { Application, type ApplicationOptions } from './application/application.js'
export type { ApplicationState } from './application/application-state.js'

// services
export { Service, type ServiceClass } from './service/service.js'
export { Module, type ModuleClass } from './service/module.js'

// tasks
export { TaskService } from './tasks/task-service.js'
export { TaskManager, type TaskManagerOptions, type RegisterOptions } from './tasks/task-manager.js'
export type { ForeverSpec, ForeverHandle, ForeverInfo } from './tasks/forever-runner.js'
export type { TaskObserver, TaskRunWrapper } from './tasks/task-observer.js'
export type { BackoffOptions } from './tasks/backoff.js'
export type { TaskFunction, Schedulable, TaskState, TaskOptions, TaskHandle, TaskInfo, TaskStats, TaskMeta } from './tasks/task-types.js'
export type { CronOptions, CronOverlap } from './tasks/cron-options.js'
export type { CronInfo } from './tasks/cron-schedule.js'
export { cron, type CronDecoratorOptions } from './tasks/cron-decorator.js'

// config
export { Config, type ConfigOptions } from './config/config.js'
export type { ConfigNumberRule, ConfigDurationRule, ConfigStringRule } from './config/config-rules.js'
export { parseDuration } from './config/duration.js'

// pubsub
export { PubSub, type PubSubOptions, type PubSubWaitForOptions, type Subscriber } from './pubsub/pubsub.js'
export { subscribe } from './pubsub/subscribe.js'
export { Messages, TICK_PERIODS, type MessageName } from './pubsub/messages.js'

// futures and request caches
export { Future, type FutureOptions } from './futures/future.js'
export { NumberCache, RandomNumberCache } from './futures/number-cache.js'
export {
  RequestCache,
  type RequestCacheOptions,
  type PassthroughOptions,
  type WaitForCacheOptions,
} from './futures/request-cache.js'

// concurrency
export type { BlockingOptions } from './concurrency/wait-options.js'
export { sleep, type SleepOptions } from './concurrency/sleep.js'
export { withTimeout, type WithTimeoutOptions } from './concurrency/with-timeout.js'
export { gather, type GatherOptions } from './concurrency/gather.js'
export { wait, type WaitOptions, type WaitResult, type ReturnWhen } from './concurrency/wait.js'
export { asCompleted, type AsCompletedOptions } from './concurrency/as-completed.js'
export { shield, type ShieldOptions } from './concurrency/shield.js'
export { TaskGroup, type TaskGroupOptions, type TaskGroupSpawnOptions } from './concurrency/task-group.js'
export { Semaphore, BoundedSemaphore } from './concurrency/semaphore.js'
export { Lock } from './concurrency/lock.js'
export { Event } from './concurrency/event.js'
export { Queue, type QueueCloseOptions } from './concurrency/queue.js'
export { link, awaitChild, type AwaitChildOptions } from './concurrency/link.js'
