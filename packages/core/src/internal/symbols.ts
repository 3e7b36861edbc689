/**
 * Symbols for calls between tsab's own classes that are not part of the public API.
 */

/** `taskService[kShutdownBudget](ms)`: the Application tells the TaskService how much exit budget is left. */
export const kShutdownBudget: unique symbol = Symbol('tsab.shutdownBudget')
