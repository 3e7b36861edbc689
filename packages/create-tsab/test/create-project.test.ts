/**
 * createProject(): the files it writes (template copied with the name filled in, `.gitignore` restored, the
 * package.json with the tsab packages at create-tsab's own version) and what it refuses without writing anything.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ownVersion } from '../src/cli.js'
import { createProject, CreateProjectError } from '../src/create-project.js'
import { TOOL_VERSIONS } from '../src/project-manifest.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
let scratch: string
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'create-tsab-'))
})
afterEach(() => rmSync(scratch, { recursive: true, force: true }))

const read = (...parts: string[]) => readFileSync(join(...parts), 'utf8')

describe('createProject()', () => {
  it('writes the project: ESM package.json, tsconfigs with decorator metadata, sources, tests, dev loop, README', () => {
    const project = createProject({ directory: join(scratch, 'my-app'), tsabVersion: '1.2.3' })
    expect(project.name).toBe('my-app')
    expect(project.files).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'scripts/dev.mjs',
      'src/app.ts',
      'src/main.ts',
      'src/services/report-service.ts',
      'src/services/task-log-service.ts',
      'test/app.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
      'vitest.config.ts',
    ])
    const manifest = JSON.parse(read(project.directory, 'package.json'))
    expect(manifest).toMatchObject({ name: 'my-app', private: true, type: 'module', engines: { node: '>=20.19' } })
    expect(manifest.dependencies).toEqual({ '@tsab/core': '^1.2.3', '@tsab/web': '^1.2.3' })
    expect(manifest.devDependencies).toEqual(TOOL_VERSIONS)
    expect(Object.keys(manifest.scripts)).toEqual(['dev', 'build', 'start', 'test', 'typecheck'])
    const tsconfig = read(project.directory, 'tsconfig.json')
    expect(tsconfig).toMatch(/"experimentalDecorators": true/)
    expect(tsconfig).toMatch(/"emitDecoratorMetadata": true/)
    expect(read(project.directory, 'src', 'app.ts')).toContain("name: 'my-app'")
    expect(read(project.directory, 'README.md')).toMatch(/^# my-app\n/)
    expect(read(project.directory, 'README.md')).toContain('`create-tsab` 1.2.3')
    for (const file of project.files) expect(read(project.directory, file), file).not.toMatch(/\{\{\w+\}\}/)
  })

  it('writes into an existing empty directory', () => {
    mkdirSync(join(scratch, 'empty'))
    expect(createProject({ directory: join(scratch, 'empty'), tsabVersion: '0.1.0' }).files).toContain('package.json')
  })

  it('refuses a directory that is not empty, and writes nothing', () => {
    const directory = join(scratch, 'taken')
    mkdirSync(directory)
    writeFileSync(join(directory, 'notes.txt'), 'mine')
    expect(() => createProject({ directory, tsabVersion: '0.1.0' })).toThrow(
      new CreateProjectError(`The directory ${directory} already exists and is not empty; choose another name, or empty it first.`),
    )
    expect(readdirSync(directory)).toEqual(['notes.txt'])
  })

  it('refuses a path that is a file', () => {
    writeFileSync(join(scratch, 'file'), '')
    expect(() => createProject({ directory: join(scratch, 'file'), tsabVersion: '0.1.0' })).toThrow(/exists and is not a directory/)
  })

  it.each([
    ['My-App', /has upper-case letters; npm package names are lower case \(try "my-app"\)/],
    ['.hidden', /starts with "\."/],
    ['_private', /starts with "_"/],
    ['my app', /may only contain lower-case letters, digits and - \. _ ~/],
    ['café', /may only contain/],
    ['http', /is the name of a Node\.js core module/],
    ['node_modules', /is a name npm reserves/],
    ['typescript', /is the name of one of the project's own dependencies/],
    ['a'.repeat(215), /is 215 characters long; npm allows at most 214/],
  ])('refuses the name %j and creates no directory', (name, message) => {
    const directory = join(scratch, name)
    expect(() => createProject({ directory, tsabVersion: '0.1.0' })).toThrow(CreateProjectError)
    expect(() => createProject({ directory, tsabVersion: '0.1.0' })).toThrow(message)
    expect(existsSync(directory)).toBe(false)
  })
})

describe('versions', () => {
  it("create-tsab's version is its package.json version", () => {
    expect(ownVersion()).toBe(JSON.parse(read(packageDir, 'package.json')).version)
  })

  it('the written tool ranges start at the versions tsab itself is built and tested with', () => {
    const root = JSON.parse(read(packageDir, '..', '..', 'package.json')) as { devDependencies: Record<string, string> }
    for (const [name, range] of Object.entries(TOOL_VERSIONS)) {
      expect(range.replace(/^[~^]/, ''), name).toBe(root.devDependencies[name])
    }
  })
})
