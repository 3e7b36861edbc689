/**
 * The `create-tsab` command line: `create-tsab <directory>` (what `npm create tsab@latest <directory>` runs) writes a
 * project and prints the commands to run next. Parsing and messages only; the writing is create-project.ts.
 */
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createProject, CreateProjectError } from './create-project.js'

/** Where the command writes and which folder it runs in; tests pass their own. */
export interface CliIo {
  /** The working directory the target folder is relative to. */
  cwd: string
  /** Writes to standard output. */
  out(text: string): void
  /** Writes to standard error. */
  err(text: string): void
}

/** This package's version: the tsab packages of the written project get the same one. */
export function ownVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return manifest.version
}

const USAGE = `Usage: npm create tsab@latest <directory>
       create-tsab <directory>

Writes a new tsab application into <directory> (created if missing; it must be empty). The folder's name becomes
the package name. Nothing is installed: the command prints what to run next.

Options:
  -h, --help     show this help
  -v, --version  show the version of create-tsab (the written project depends on the same tsab version)
`

/** Quotes a path for a POSIX shell when it needs it. */
function shellPath(path: string): string {
  return /^[\w./@~-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`
}

/**
 * Runs the command with `args` (without `node` and the script) and returns the exit code: 0 when the project was
 * written (or for --help/--version), 1 when it was refused, 2 for a usage error.
 */
export function runCli(args: readonly string[], io: CliIo): number {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    io.err(`create-tsab: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (parsed.values.help) {
    io.out(USAGE)
    return 0
  }
  const version = ownVersion()
  if (parsed.values.version) {
    io.out(`${version}\n`)
    return 0
  }
  const [target, ...extra] = parsed.positionals
  if (target === undefined || extra.length > 0) {
    io.err(`create-tsab: ${target === undefined ? 'give the directory to create' : `one directory only, got ${parsed.positionals.length}`}\n\n${USAGE}`)
    return 2
  }
  try {
    const project = createProject({ directory: resolve(io.cwd, target), tsabVersion: version })
    const where = relative(io.cwd, project.directory)
    const steps = [
      ...(where === '' ? [] : [`cd ${shellPath(where)}`]),
      'npm install',
      'npm run dev      # builds, starts and restarts on every change; try http://127.0.0.1:8080/health/ready',
      'npm test         # the tests, with vitest',
      'npm run build && npm start   # the compiled app, as in production',
    ]
    io.out(
      `Created ${project.name} (tsab ${version}) in ${project.directory}: ${project.files.length} files.\n\n` +
        `Next:\n${steps.map((step) => `  ${step}\n`).join('')}`,
    )
    return 0
  } catch (error) {
    // A refusal explains itself; anything else (a folder we may not write to) is reported the same way.
    const message = error instanceof CreateProjectError ? error.message : `could not write the project: ${(error as Error).message}`
    io.err(`create-tsab: ${message}\n`)
    return 1
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  })
}
