/**
 * Which names create-tsab accepts for a project: the folder's name becomes the package.json `name`, so it follows
 * npm's rules for a new unscoped package. This file only checks names; writing the project is create-project.ts.
 */
import { builtinModules } from 'node:module'

/** npm's limit on a package name's length. */
const MAX_LENGTH = 214
// Lower case, URL-safe, not starting with `.` or `_` (npm's rules for new packages).
const NAME = /^[a-z0-9~-][a-z0-9._~-]*$/

/**
 * Why `name` cannot be the project's name, or `undefined` when it can.
 *
 * @param name - the last segment of the target folder
 * @param taken - names the project depends on (npm refuses to install a package into a project of the same name)
 */
export function projectNameProblem(name: string, taken: readonly string[]): string | undefined {
  if (name.length === 0) return 'the name is empty'
  if (name.length > MAX_LENGTH) return `the name is ${name.length} characters long; npm allows at most ${MAX_LENGTH}`
  if (name !== name.toLowerCase()) return `"${name}" has upper-case letters; npm package names are lower case (try "${name.toLowerCase()}")`
  if (name.startsWith('.') || name.startsWith('_')) return `"${name}" starts with "${name[0]}", which npm does not allow`
  if (!NAME.test(name)) return `"${name}" may only contain lower-case letters, digits and - . _ ~`
  if (name === 'node_modules' || name === 'favicon.ico') return `"${name}" is a name npm reserves`
  if (builtinModules.includes(name)) return `"${name}" is the name of a Node.js core module`
  if (taken.includes(name)) return `"${name}" is the name of one of the project's own dependencies`
  return undefined
}
