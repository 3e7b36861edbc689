/**
 * Writes a new project: checks the target folder and the name first (nothing is written when either is refused),
 * then copies template/ with the name filled in and writes the package.json. It installs nothing and needs no
 * network; the command line around it is cli.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEPENDENCY_NAMES, projectManifest } from './project-manifest.js'
import { projectNameProblem } from './project-name.js'

/** The folder with the project's files, shipped in the package next to dist/. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../template/', import.meta.url))

// npm leaves `.gitignore` out of a tarball, so the template keeps it under another name.
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' }

/** A refusal: the target folder or the name cannot be used. Nothing was written. */
export class CreateProjectError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CreateProjectError'
  }
}

/** What {@link createProject} needs. */
export interface CreateProjectOptions {
  /** The project's folder; its last segment is the project's name. */
  directory: string
  /** The version of the tsab packages to depend on (create-tsab's own). */
  tsabVersion: string
  /** Where the project's files come from. @default the template/ folder of this package */
  templateDir?: string
}

/** What {@link createProject} wrote. */
export interface CreatedProject {
  /** The package name (the folder's name). */
  name: string
  /** The absolute path of the project's folder. */
  directory: string
  /** Every written file, relative to `directory`, `/`-separated, sorted. */
  files: string[]
}

/** Every file under `dir`, relative to it, `/`-separated. */
function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
}

/**
 * Writes a new tsab project into `options.directory` (created if missing).
 *
 * @throws CreateProjectError when the folder exists and is not empty, is a file, or its name is not a valid npm
 *   package name; nothing is written then
 */
export function createProject(options: CreateProjectOptions): CreatedProject {
  const directory = resolve(options.directory)
  const name = basename(directory)
  const problem = projectNameProblem(name, DEPENDENCY_NAMES)
  if (problem !== undefined) throw new CreateProjectError(`Cannot use "${name}" as the project's name: ${problem}.`)
  if (existsSync(directory)) {
    if (!statSync(directory).isDirectory()) throw new CreateProjectError(`${directory} exists and is not a directory.`)
    if (readdirSync(directory).length > 0) {
      throw new CreateProjectError(`The directory ${directory} already exists and is not empty; choose another name, or empty it first.`)
    }
  }
  const templateDir = options.templateDir ?? TEMPLATE_DIR
  const written: string[] = []
  for (const file of templateFiles(templateDir)) {
    const target = RENAMED[file] ?? file
    const text = readFileSync(join(templateDir, file), 'utf8').replaceAll('{{name}}', name).replaceAll('{{tsabVersion}}', options.tsabVersion)
    mkdirSync(dirname(join(directory, target)), { recursive: true })
    writeFileSync(join(directory, target), text)
    written.push(target)
  }
  mkdirSync(directory, { recursive: true })
  writeFileSync(join(directory, 'package.json'), projectManifest(name, options.tsabVersion))
  written.push('package.json')
  return { name, directory, files: written.sort() }
}
