/**
 * Tests of the snippet extractor used by snippets.test.ts: which blocks run, where they are, what output they expect.
 */
import { describe, expect, it } from 'vitest'
import { extractFencedBlocks, normaliseOutput, snippetsOfPage } from './support/markdown-snippets.js'

const page = [
  '# Title', //                                  1
  '', //                                         2
  '```ts', //                                    3
  "console.log('a')", //                         4
  '```', //                                      5
  '', //                                         6
  '```text', //                                  7
  'a', //                                        8
  '```', //                                      9
  '', //                                        10
  '```ts fragment', //                          11
  'app.stop()', //                              12
  '```', //                                     13
  '', //                                        14
  '````md', //                                  15
  '```ts', //                                   16
  'inside a longer fence', //                   17
  '```', //                                     18
  '````', //                                    19
  '', //                                        20
  '```ts', //                                   21
  "console.log('b')", //                        22
  '```', //                                     23
  'Some prose, so the next block is not output.', // 24
  '```text', //                                 25
  'not b', //                                   26
  '```', //                                     27
].join('\n')

describe('extractFencedBlocks()', () => {
  it('returns each block with its info string, body and opening line', () => {
    const blocks = extractFencedBlocks(page)
    expect(blocks.map((b) => [b.info, b.line])).toEqual([
      ['ts', 3],
      ['text', 7],
      ['ts fragment', 11],
      ['md', 15],
      ['ts', 21],
      ['text', 25],
    ])
    expect(blocks[0]!.code).toBe("console.log('a')\n")
  })

  it('keeps a shorter fence inside a longer one as text', () => {
    expect(extractFencedBlocks(page)[3]!.code).toBe('```ts\ninside a longer fence\n```\n')
  })
})

describe('snippetsOfPage()', () => {
  it('skips fragments and numbers the complete snippets of a page', () => {
    const snippets = snippetsOfPage('docs/guides/demo.md', page)
    expect(snippets.map((s) => [s.stem, s.line])).toEqual([
      ['guides-demo-1', 3],
      ['guides-demo-2', 21],
    ])
  })

  it('takes the text block right after a snippet (blank lines allowed) as its expected output, and no other', () => {
    const [first, second] = snippetsOfPage('README.md', page)
    expect(first!.expectedOutput).toBe('a\n')
    expect(second!.expectedOutput).toBeUndefined()
  })
})

describe('normaliseOutput()', () => {
  it('ignores trailing whitespace only', () => {
    expect(normaliseOutput('a  \r\nb\n\n')).toBe('a\nb')
    expect(normaliseOutput(' a')).not.toBe(normaliseOutput('a'))
  })
})
