/**
 * `@tsab/core/support`: the small toolkit other tsab packages (`@tsab/bullmq`, `@tsab/web`, …) share with core, so
 * none of them carries a copy: argument checks with tsab's "Expected `x` to be …, got …" messages, promise
 * observation, the bounded wait of every shutdown, straggler summaries, a binary heap, a logger that never throws
 * and wall-clock time on a `Clock`. Application code rarely needs it; `@tsab/core` is the public API.
 */
export {
  describeValue,
  expectedMessage,
  assertFunction,
  assertNonEmptyString,
  assertString,
  assertBoolean,
  assertOptionalBoolean,
  assertNumber,
  assertOptionalNumber,
  assertOptionalObject,
  assertOptionalSignal,
  isThenable,
  type NumberRule,
} from '../internal/validate.js'
export { observed, rejected } from '../internal/observed.js'
export { within } from '../internal/within.js'
export { summarizeNames, type NameSummary, type NameCount } from '../internal/name-summary.js'
export { BinaryHeap } from '../internal/binary-heap.js'
export { guardLogger } from '../internal/guarded-logger.js'
export { wallTime } from '../internal/wall-time.js'
