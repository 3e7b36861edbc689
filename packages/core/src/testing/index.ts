/**
 * `@tsab/core/testing`: helpers for testing applications and services built on tsab.
 */
export { TestClock, type TestClockOptions } from './test-clock.js'
export { createTestApplication } from './create-test-application.js'
