/**
 * Every public export has an `@example` in its TSDoc. typedoc checks that exports are documented, but has no check
 * for a missing example; this test walks each package entry point (the `@tsab/source` paths of its `exports`)
 * with the TypeScript compiler API. Re-exports of third-party declarations (tsyringe) are exempt.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/build-packages.js'

interface EntryPoint {
  packageName: string
  packageDir: string
  subpath: string
  file: string
}

function entryPoints(): EntryPoint[] {
  const packagesDir = join(repoRoot, 'packages')
  const entries: EntryPoint[] = []
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifestPath = join(packagesDir, dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; exports?: Record<string, unknown> }
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)['@tsab/source'] : undefined
      if (typeof source === 'string') {
        entries.push({ packageName: manifest.name, packageDir: join(packagesDir, dir), subpath, file: join(packagesDir, dir, source) })
      }
    }
  }
  return entries
}

function compilerOptions(packageDir: string): ts.CompilerOptions {
  const configPath = join(packageDir, 'tsconfig.build.json')
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
    },
  })
  return { ...(parsed?.options ?? {}), noEmit: true }
}

function hasExample(declaration: ts.Declaration): boolean {
  return ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example')
}

/** Names of the entry point's exports whose declarations carry no `@example`, with where they are declared. */
function exportsWithoutExample(entry: EntryPoint, program: ts.Program): string[] {
  const checker = program.getTypeChecker()
  const sourceFile = program.getSourceFile(entry.file)
  if (!sourceFile) return [`${entry.file} is not part of the program`]
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile)
  if (!moduleSymbol) return []
  const missing: string[] = []
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declarations = (symbol.declarations ?? []).filter((d) => !d.getSourceFile().fileName.includes('/node_modules/'))
    if (declarations.length === 0) continue // a third-party re-export, documented where it comes from
    if (declarations.some(hasExample)) continue
    const first = declarations[0]!
    const file = first.getSourceFile()
    const { line } = file.getLineAndCharacterOfPosition(first.getStart())
    missing.push(`${exported.name} (${relative(repoRoot, file.fileName)}:${line + 1})`)
  }
  return missing
}

const entries = entryPoints()
// One program per package: building a program is the slow part, and a package's entry points share one.
const programs = new Map<string, ts.Program>()
function programOf(entry: EntryPoint): ts.Program {
  let program = programs.get(entry.packageDir)
  if (program === undefined) {
    const roots = entries.filter((e) => e.packageDir === entry.packageDir && existsSync(e.file)).map((e) => e.file)
    program = ts.createProgram(roots, compilerOptions(entry.packageDir))
    programs.set(entry.packageDir, program)
  }
  return program
}

describe('API reference examples', () => {
  it('finds the package entry points', () => {
    expect(entries.map((e) => `${e.packageName}${e.subpath.slice(1)}`)).toEqual(expect.arrayContaining(['@tsab/core', '@tsab/core/testing', '@tsab/core/support']))
  })

  for (const entry of entries) {
    const label = `${entry.packageName}${entry.subpath.slice(1)}`
    it(`${label}: the entry point exists`, () => {
      expect(existsSync(entry.file), `${relative(repoRoot, entry.file)} is named in package.json but missing`).toBe(true)
    })

    it.skipIf(!existsSync(entry.file))(`${label}: every export has an @example`, () => {
      expect(exportsWithoutExample(entry, programOf(entry))).toEqual([])
    })
  }
})
