/**
 * The API reference builds cleanly: typedoc runs with the root typedoc.json (warnings are errors there: an export
 * without TSDoc, a broken {@link}, a referenced type that is not exported) and emits nothing.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, runProcess, withBuiltPackages } from './support/build-packages.js'

// Colour codes would break the warning search below.
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '')

describe('API reference (typedoc)', () => {
  it('builds without warnings or errors', async () => {
    const result = await withBuiltPackages(() =>
      runProcess(process.execPath, [join(repoRoot, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
        cwd: repoRoot,
        timeoutMs: 240_000,
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      }),
    )
    const output = plain(`${result.stdout}\n${result.stderr}`)
    const problems = output.split('\n').filter((line) => /\[(warning|error)\]/.test(line))
    expect(problems, output).toEqual([])
    expect(result.timedOut, output).toBe(false)
    expect(result.status, output).toBe(0)
  }, 600_000)
})
