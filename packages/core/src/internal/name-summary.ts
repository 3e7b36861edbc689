/**
 * `summarizeNames()`: a long list of names (stragglers, running tasks) as a short, bounded text and a structured
 * field, so one log record stays a line: equal names are grouped with a count, and the list is cut after a limit.
 * Exported for other tsab packages from `@tsab/core/support`.
 */

/**
 * One name and how often it occurred, in a {@link NameSummary}.
 *
 * @example
 * ```ts
 * import type { NameCount } from '@tsab/core/support'
 * const group: NameCount = { name: 'job:resize', count: 3 }
 * ```
 */
export interface NameCount {
  /** The name. */
  readonly name: string
  /** How often it occurred. */
  readonly count: number
}

/**
 * What {@link summarizeNames} returns: fields for the log record and its one-line text.
 *
 * @example
 * ```ts
 * import { summarizeNames, type NameSummary } from '@tsab/core/support'
 * const summary: NameSummary = summarizeNames(['a', 'b', 'a'])
 * console.log(summary.total, summary.text) // 3 a ×2, b
 * ```
 */
export interface NameSummary {
  /** How many names there were in all (with repeats). */
  readonly total: number
  /** The groups, most frequent first (ties in first-seen order), at most `limit` of them; long names cut. */
  readonly groups: NameCount[]
  /** How many groups were cut off. */
  readonly more: number
  /** `"a ×3, b, c … and 7 more"`, or `"(none)"`. */
  readonly text: string
}

// A name longer than this is cut in the text: one absurd name must not blow the record's bound.
const MAX_NAME_LENGTH = 200

/**
 * Groups `names` by equal name with counts, keeps the `limit` largest groups, and renders them as one line
 * (`"a ×3, b, c … and 7 more"`; a name longer than 200 characters is cut).
 *
 * @example
 * ```ts
 * import { summarizeNames } from '@tsab/core/support'
 * const names = summarizeNames(['fetch', 'fetch', 'index', 'mail'], 2)
 * console.log(`${names.total} pending: ${names.text}`) // 4 pending: fetch ×2, index … and 1 more
 * ```
 */
export function summarizeNames(names: Iterable<string>, limit = 50): NameSummary {
  const counts = new Map<string, number>()
  let total = 0
  for (const name of names) {
    counts.set(name, (counts.get(name) ?? 0) + 1)
    total++
  }
  // Array.prototype.sort is stable: equal counts keep first-seen order.
  const all = [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count)
  const groups = all.slice(0, limit).map(({ name, count }) => ({ name: name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name, count }))
  const more = all.length - groups.length
  const shown = groups.map(({ name, count }) => (count > 1 ? `${name} ×${count}` : name))
  const text = total === 0 ? '(none)' : `${shown.join(', ')}${more > 0 ? ` … and ${more} more` : ''}`
  return { total, groups, more, text }
}
