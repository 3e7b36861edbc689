/**
 * Child processes of the benchmark suite: measurements that need a fresh process (memory, cold throughput,
 * allocation with the garbage collector kept out of the way) run `main.js --child <kind> ...` and print one JSON
 * line. This file starts such a child and reads its answer; what each child measures is in its benchmark.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const mainScript = fileURLToPath(new URL('./main.js', import.meta.url))

/** Runs `node <nodeFlags> main.js --child <args>` and returns the JSON of its last output line. */
export async function inChild<T>(args: readonly string[], nodeFlags: readonly string[] = []): Promise<T> {
  const argv = ['--expose-gc', ...nodeFlags, mainScript, '--child', ...args]
  try {
    return parseLastLine<T>((await run(process.execPath, argv, { maxBuffer: 1 << 20 })).stdout)
  } catch {
    // One retry: a concurrent `pnpm build` in the same checkout can rewrite dist/ while the child loads it.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    return parseLastLine<T>((await run(process.execPath, argv, { maxBuffer: 1 << 20 })).stdout)
  }
}

// The answer is the child's last line: modules may print notes (a skipped benchmark) while loading.
function parseLastLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1]!) as T
}

/** Child side: prints `value` as the last line of output. */
export function answer(value: unknown): void {
  process.stdout.write(`\n${JSON.stringify(value)}\n`)
}
