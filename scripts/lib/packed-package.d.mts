/** Types of packed-package.mjs, for the TypeScript tests that import it. */
export declare const DEPENDENCY_FIELDS: readonly string[]
export declare function listFiles(dir: string): string[]
export interface SourceMapTarget {
  map: string
  source: string
  resolved: string
  exists: boolean
}
export declare function sourceMapTargets(dir: string): SourceMapTarget[]
export declare function packedPackageProblems(dir: string, expected?: { directory?: string }): string[]
