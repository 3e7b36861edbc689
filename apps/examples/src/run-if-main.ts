/**
 * `runIfMain`: lets each example file be run directly (`node dist/<example>.js`) and imported by the tests.
 * It only prints; what an example does is in its own file.
 */
import { pathToFileURL } from 'node:url'

/**
 * Prints the output of `main()` when `moduleUrl` is the script node was started with.
 *
 * @example
 * ```ts fragment
 * await runIfMain(import.meta.url, main)
 * ```
 */
export async function runIfMain(moduleUrl: string, main: () => Promise<string>): Promise<void> {
  const script = process.argv[1]
  if (script !== undefined && pathToFileURL(script).href === moduleUrl) console.log(await main())
}

/** Formats a list the way the Python tutorial prints one: `[1, 2, 3]`. */
export function formatList(values: readonly unknown[]): string {
  return `[${values.join(', ')}]`
}
