/**
 * Finds the fenced code blocks of the documentation pages and turns the `ts` ones into runnable snippets.
 * This file only reads Markdown; compiling and running the snippets is done by `snippets.test.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

/** One fenced code block, with the 1-based line of its opening fence. */
export interface FencedBlock {
  /** The info string after the opening fence, trimmed (`ts`, `ts fragment`, `text`, ...). */
  info: string
  /** The block's text, without the fences, with a trailing newline per line. */
  code: string
  /** 1-based line number of the opening fence. */
  line: number
  /** 1-based line number of the closing fence (the last line of the page when the block is never closed). */
  endLine: number
}

/** A complete `ts` program found in a page, ready to be written to disk and run. */
export interface Snippet {
  /** The page, relative to the repository root with `/` separators (`docs/guides/config.md`). */
  page: string
  /** 1-based line of the opening fence in `page`. */
  line: number
  /** Stable file stem for the snippet: `<page slug>-<n>`, n counting the page's complete snippets from 1. */
  stem: string
  /** The program text as written in the page. */
  code: string
  /** The `text` block that follows the snippet, when there is one: the exact stdout expected. */
  expectedOutput?: string
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/

/**
 * Splits a Markdown page into its fenced code blocks (CommonMark fences: three or more backticks or tildes;
 * the closing fence uses the same character and is at least as long, with no info string).
 *
 * @example
 * ```ts fragment
 * extractFencedBlocks('```ts\nconsole.log(1)\n```\n') // [{ info: 'ts', code: 'console.log(1)\n', line: 1, endLine: 3 }]
 * ```
 */
export function extractFencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split(/\r?\n/)
  const blocks: FencedBlock[] = []
  let open: { fence: string; info: string; line: number; body: string[] } | undefined
  lines.forEach((text, index) => {
    if (open === undefined) {
      const match = FENCE.exec(text)
      // A backtick fence's info string may not contain backticks (CommonMark), which keeps inline ``` out.
      if (match && !(match[1]!.startsWith('`') && match[2]!.includes('`'))) {
        open = { fence: match[1]!, info: match[2]!.trim(), line: index + 1, body: [] }
      }
      return
    }
    const close = FENCE.exec(text)
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length && close[2]!.trim() === '') {
      blocks.push({ info: open.info, code: open.body.map((l) => `${l}\n`).join(''), line: open.line, endLine: index + 1 })
      open = undefined
      return
    }
    open.body.push(text)
  })
  if (open !== undefined) {
    const unclosed: { info: string; line: number; body: string[] } = open
    blocks.push({ info: unclosed.info, code: unclosed.body.map((l) => `${l}\n`).join(''), line: unclosed.line, endLine: lines.length })
  }
  return blocks
}

/** True when the block is TypeScript (`ts` or `typescript` as the first word of the info string). */
export function isTypeScript(block: FencedBlock): boolean {
  const language = block.info.split(/\s+/)[0]
  return language === 'ts' || language === 'typescript'
}

/** True when the block is marked as a piece of a program (`ts fragment`): shown, never run. */
export function isFragment(block: FencedBlock): boolean {
  return block.info.split(/\s+/).slice(1).includes('fragment')
}

/**
 * The complete `ts` programs of one page, each paired with the `text` block that follows it (after optional
 * blank lines) as its expected stdout.
 *
 * @example
 * ```ts fragment
 * snippetsOfPage('docs/guides/config.md', readFileSync('docs/guides/config.md', 'utf8'))
 * ```
 */
export function snippetsOfPage(page: string, markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/)
  const blocks = extractFencedBlocks(markdown)
  const slug = page.replace(/\.md$/i, '').replace(/^docs\//, '').replace(/[^A-Za-z0-9]+/g, '-')
  const snippets: Snippet[] = []
  blocks.forEach((block, index) => {
    if (!isTypeScript(block) || isFragment(block)) return
    const snippet: Snippet = { page, line: block.line, stem: `${slug}-${snippets.length + 1}`, code: block.code }
    const next = blocks[index + 1]
    if (next !== undefined && next.info.split(/\s+/)[0] === 'text') {
      const between = lines.slice(block.endLine, next.line - 1)
      if (between.every((l) => l.trim() === '')) snippet.expectedOutput = next.code
    }
    snippets.push(snippet)
  })
  return snippets
}

/**
 * The documentation pages whose snippets are executed: `README.md`, each package's `packages/*\/README.md` (shown
 * on the npm registry) and every `docs/**\/*.md` except the generated API reference and installed or generated folders.
 *
 * @example
 * ```ts fragment
 * documentationPages('/work/main') // ['README.md', 'packages/core/README.md', ..., 'docs/README.md', 'docs/guides/config.md', ...]
 * ```
 */
export function documentationPages(root: string): string[] {
  const skipped = new Set(['api', 'node_modules', '.snippets', 'test'])
  const pages: string[] = ['README.md']
  const packagesDir = join(root, 'packages')
  for (const name of readdirSync(packagesDir).sort()) {
    if (existsSync(join(packagesDir, name, 'README.md'))) pages.push(`packages/${name}/README.md`)
  }
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) walk(path)
      } else if (entry.name.toLowerCase().endsWith('.md')) {
        pages.push(relative(root, path).split(sep).join('/'))
      }
    }
  }
  walk(join(root, 'docs'))
  return pages
}

/**
 * Every complete snippet of every documentation page under `root`.
 *
 * @example
 * ```ts fragment
 * allSnippets('/work/main').map((s) => `${s.page}:${s.line}`)
 * ```
 */
export function allSnippets(root: string): Snippet[] {
  return documentationPages(root).flatMap((page) => snippetsOfPage(page, readFileSync(join(root, page), 'utf8')))
}

/**
 * Normalises program output for comparison: trailing whitespace is removed from every line and from the end.
 *
 * @example
 * ```ts fragment
 * normaliseOutput('a  \nb\n\n') // 'a\nb'
 * ```
 */
export function normaliseOutput(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd()
}
