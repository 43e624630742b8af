import {
  escapeHtml,
  mermaidGantt,
  renderHtml,
  renderText,
  type Block
} from '../src/lib/summary-doc.js'
import { cacheResult, summaryBlocks, type RunSummary, type SummaryCache } from '../src/summary.js'

const HOSTILE = '<img src=x onerror=alert(1)>'
const T0 = Date.UTC(2026, 11, 5, 10, 0, 0)

/** A 3-target release run; `over` replaces any part. */
function runOf(over: Partial<RunSummary> = {}): RunSummary {
  const file = (target: string, order: number, name: string, digit: string, ms = 4000) => ({
    target,
    order,
    name,
    href: `https://github.com/o/r/releases/download/v1.4.0/${name}`,
    size: 2_000_000 + order,
    sha256: digit.repeat(64),
    buildMs: ms
  })
  return {
    version: '1.4.0',
    tag: 'v1.4.0',
    go: 'go1.26.8',
    shortCommit: 'c0ffee1',
    targets: 3,
    releaseTargets: 3,
    release: { url: 'https://github.com/o/r/releases/tag/v1.4.0', draft: false, created: true },
    artifacts: [{ name: 'hello_all', url: 'https://github.com/o/r/actions/runs/9/artifacts/17' }],
    // Registry order (windows first) differs from the plan's: the table follows the plan.
    files: [
      file('windows/amd64', 2, 'hello_1.4.0_windows_amd64.zip', 'c'),
      file('linux/amd64', 0, 'hello_1.4.0_linux_amd64.tar.gz', 'a', 9000),
      file('linux/arm64', 1, 'hello_1.4.0_linux_arm64.tar.gz', 'b')
    ],
    checksums: [
      {
        name: 'checksums.txt',
        href: 'https://github.com/o/r/releases/download/v1.4.0/checksums.txt'
      }
    ],
    notes: [],
    warnings: [],
    stages: [
      { name: 'resolving', start: T0, ms: 800 },
      { name: 'building binaries', start: T0 + 800, ms: 9200 }
    ],
    builds: [
      { label: 'linux_amd64', start: T0 + 800, ms: 9000 },
      { label: 'linux_arm64', start: T0 + 800, ms: 4000 },
      { label: 'windows_amd64', start: T0 + 4800, ms: 4000 }
    ],
    totalMs: 12_000,
    ...over
  }
}

const html = (run: RunSummary): string => renderHtml(summaryBlocks(run))

describe('the summary, top to bottom', () => {
  test('headline: a link to the release, the version and the number of files, before anything else', () => {
    const text = html(runOf())
    expect(text.indexOf('<h3>go-xbuild released v1.4.0</h3>')).toBe(0)
    expect(text).toContain(
      '<a href="https://github.com/o/r/releases/tag/v1.4.0">release v1.4.0</a> · workflow artifact <a href="https://github.com/o/r/actions/runs/9/artifacts/17">hello_all</a> · 3 files for 3 targets · version 1.4.0 · go1.26.8 · commit c0ffee1 · took 12.0s'
    )
    expect(text.indexOf('<h3>')).toBeLessThan(text.indexOf('Nothing needs attention'))
    expect(text.indexOf('Nothing needs attention')).toBeLessThan(text.indexOf('<h4>Files</h4>'))
  })

  test('files: plan order, download links, short digest with the full one as title and in the list', () => {
    const text = html(runOf())
    const names = [...text.matchAll(/<td><a href="[^"]+">(hello_[^<]+)<\/a><\/td>/g)].map(m => m[1])
    expect(names).toEqual([
      'hello_1.4.0_linux_amd64.tar.gz',
      'hello_1.4.0_linux_arm64.tar.gz',
      'hello_1.4.0_windows_amd64.zip'
    ])
    expect(text).toContain(`<code title="${'a'.repeat(64)}">${'a'.repeat(12)}</code>`)
    expect(text).toContain('<td align="right">1.9\u00a0MiB</td>')
    expect(text).toContain('<td align="right">9.0s</td>')
    expect(text).toContain(
      `<details><summary>sha256 of every file</summary><pre>${'a'.repeat(64)}  hello_1.4.0_linux_amd64.tar.gz&#10;${'b'.repeat(64)}  hello_1.4.0_linux_arm64.tar.gz&#10;`
    )
    expect(text).toContain(
      'Checksums: <a href="https://github.com/o/r/releases/download/v1.4.0/checksums.txt">checksums.txt</a>'
    )
  })

  test.each([
    [
      1,
      'a warning',
      { warnings: ['upx: darwin binaries left uncompressed'] },
      'upx: darwin binaries left uncompressed'
    ],
    [
      2,
      'a skipped smoke run',
      {
        smoke: [
          { target: 'linux_amd64', binary: 'hello', outcome: 'passed' as const, detail: 'native' },
          {
            target: 'darwin_arm64',
            binary: 'hello',
            outcome: 'skipped' as const,
            detail: 'needs a macOS runner'
          }
        ]
      },
      'smoke test skipped: darwin_arm64 hello: needs a macOS runner'
    ],
    [
      3,
      'legs still missing',
      {
        release: {
          url: 'https://github.com/o/r/releases/tag/untagged-1',
          draft: true,
          created: false,
          waiting: ['hello_1.4.0_darwin_arm64.tar.gz']
        }
      },
      'not published yet: 1 planned file is not on the <a href="https://github.com/o/r/releases/tag/untagged-1">draft</a> (hello_1.4.0_darwin_arm64.tar.gz)'
    ],
    [
      4,
      'a draft left',
      {
        release: {
          url: 'https://github.com/o/r/releases/tag/untagged-1',
          draft: true,
          created: true
        }
      },
      'the release is left a draft'
    ],
    [
      5,
      'a cache fault',
      {
        caches: {
          restores: [
            {
              kind: 'module' as const,
              key: 'k',
              matchedKey: '',
              failure: 'HTTP 503',
              bytes: 0,
              ms: 20
            }
          ],
          saveBlockedBy: ''
        }
      },
      'module cache not restored: HTTP 503'
    ]
  ])('[%d] %s needs attention', (_n, _what, over, line) => {
    const text = html(runOf(over))
    expect(text).toContain('<h4>Needs attention (1)</h4>\n<ul><li>')
    expect(text).toContain(line)
    expect(text).not.toContain('Nothing needs attention')
  })

  test('nothing to attend to says so, with the smoke runs that passed', () => {
    const smoke = [
      { target: 'linux_amd64', binary: 'hello', outcome: 'passed' as const, detail: 'native' }
    ]
    expect(html(runOf({ smoke }))).toContain(
      '<p>Nothing needs attention: no warnings, all 1 smoke runs passed.</p>'
    )
  })

  test.each<[number, Partial<SummaryCache>, string]>([
    [1, { matchedKey: 'k' }, 'hit'],
    [2, { matchedKey: 'k-older' }, 'partial'],
    [3, { matchedKey: '' }, 'miss'],
    [4, { matchedKey: '', failure: 'timeout' }, 'fault']
  ])('[%d] cache %j -> %s', (_n, over, result) => {
    expect(cacheResult({ kind: 'build', key: 'k', matchedKey: '', bytes: 0, ms: 0, ...over })).toBe(
      result
    )
  })

  test('caches: key kind with the key as title, result, sizes and times, and what the post step does', () => {
    const caches = {
      restores: [
        {
          kind: 'module' as const,
          key: 'mod-1',
          matchedKey: 'mod-1',
          bytes: 5 * 1024 * 1024,
          ms: 1500
        },
        { kind: 'build-base' as const, key: 'base-1', matchedKey: 'base-0', bytes: 1024, ms: 300 },
        { kind: 'build' as const, key: 'layer-1', matchedKey: '', bytes: 0, ms: 40 }
      ],
      saveBlockedBy: ''
    }
    const text = html(runOf({ caches }))
    expect(text).toContain(
      '<tr><td><span title="mod-1">module</span></td><td>hit</td><td align="right">5.0\u00a0MiB</td><td align="right">1.5s</td><td>nothing to save (hit)</td></tr>'
    )
    expect(text).toContain(
      '<tr><td><span title="base-1">base</span></td><td><span title="base-0">partial</span></td><td align="right">1.0\u00a0KiB</td><td align="right">300ms</td><td>by the post step, after the job</td></tr>'
    )
    expect(text).toContain('<td><span title="layer-1">layer</span></td><td>miss</td>')
    const blocked = html(
      runOf({ caches: { ...caches, saveBlockedBy: 'pull_request events never save' } })
    )
    expect(blocked).toContain('<td>not saved: pull_request events never save</td>')
  })

  test('where the time went: stage shares and a gantt of the stages and every target build', () => {
    const text = html(runOf())
    expect(text).toContain(
      '<tr><td>building binaries</td><td align="right">9.2s</td><td align="right">77%</td></tr>'
    )
    expect(text).toContain('3 target builds; the slowest: linux_amd64 (9.0s).')
    // The fence stands alone between blank lines: GitHub draws it only outside the HTML blocks.
    expect(text).toContain(
      [
        '',
        '```mermaid',
        'gantt',
        '  title Stages and target builds',
        '  dateFormat x',
        '  axisFormat %H:%M:%S',
        '  section stages',
        `    resolving : ${T0}, ${T0 + 800}`,
        `    building binaries : ${T0 + 800}, ${T0 + 10000}`,
        '  section builds',
        `    linux_amd64 : ${T0 + 800}, ${T0 + 9800}`,
        `    linux_arm64 : ${T0 + 800}, ${T0 + 4800}`,
        `    windows_amd64 : ${T0 + 4800}, ${T0 + 8800}`,
        '```',
        ''
      ].join('\n')
    )
  })

  test('publish jobs list the legs they collected', () => {
    const text = html(
      runOf({
        legs: [
          { name: 'hello_leg-1', files: 2 },
          { name: 'hello_leg-2', files: 1 }
        ]
      })
    )
    expect(text).toContain('<h4>Legs collected (2)</h4>')
    expect(text).toContain('<tr><td>hello_leg-1</td><td align="right">2</td></tr>')
  })
})

describe('every value is data, never markup', () => {
  test(`a file named ${HOSTILE} renders as text in the table and the digest list`, () => {
    const text = html(
      runOf({
        files: [
          {
            target: 'linux/amd64',
            order: 0,
            name: HOSTILE,
            href: 'https://x.test/a',
            size: 1,
            sha256: 'a'.repeat(64)
          }
        ],
        warnings: [`bad ${HOSTILE}`]
      })
    )
    expect(text).not.toContain('<img')
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(text.match(/&lt;img src=x onerror=alert\(1\)&gt;/g)).toHaveLength(3)
  })

  test.each([
    [1, '"><script>alert(1)</script>', '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'],
    [2, "it's & <b>", 'it&#39;s &amp; &lt;b&gt;'],
    // A blank line would end the HTML block and let Markdown read the rest: newlines become <br>.
    [
      3,
      'line one\n\n![x](https://tracker.test/p.png)',
      'line one<br><br>![x](https://tracker.test/p.png)'
    ]
  ])('[%d] escapeHtml(%j)', (_n, input, output) => {
    expect(escapeHtml(input)).toBe(output)
  })

  test('only http(s) links become links; an attribute cannot be broken out of', () => {
    const blocks: Block[] = [
      {
        kind: 'paragraph',
        parts: [
          { text: 'a', href: 'javascript:alert(1)' },
          { text: 'b', href: 'data:text/html,<script>alert(1)</script>' },
          { text: 'c', href: 'https://x.test/" onmouseover="alert(1)' },
          { text: 'd', href: 'https://x.test/ok', title: '" onclick="alert(1)' }
        ]
      }
    ]
    expect(renderHtml(blocks)).toBe(
      '<p>abc<a href="https://x.test/ok" title="&quot; onclick=&quot;alert(1)">d</a></p>'
    )
  })

  test('no line of the HTML is blank but the ones around the chart, whatever the values hold', () => {
    const text = html(runOf({ warnings: ['a\n\nb', 'c\r\n\r\nd'], notes: ['e\n\nf'] }))
    const lines = text.split('\n')
    const fence = lines.indexOf('```mermaid')
    const blanks = lines.flatMap((l, i) => (l === '' ? [i] : []))
    expect(blanks).toEqual([fence - 1, lines.indexOf('```', fence) + 1])
  })

  test('chart labels cannot end a task, start a comment or break the fence', () => {
    const gantt = mermaidGantt({
      kind: 'chart',
      title: 'x```y',
      sections: [{ name: 's:1', bars: [{ label: 'a: b #c %%d\n```', start: 0, ms: 0 }] }]
    })
    expect(gantt.split('\n').slice(2)).toEqual([
      '  title x___y',
      '  dateFormat x',
      '  axisFormat %H:%M:%S',
      '  section s_1',
      '    a_ b _c __d____ : 0, 1',
      '```'
    ])
  })
})

describe('the plain-text rendering (the command line)', () => {
  test('tables, links as text (href), a bar chart and no control characters', () => {
    const text = renderText(summaryBlocks(runOf({ warnings: ['beep\u0007 \u001b[31mred'] })))
    expect(text).toContain('\ngo-xbuild released v1.4.0\n')
    expect(text).toContain('release v1.4.0 (https://github.com/o/r/releases/tag/v1.4.0)')
    expect(text).toMatch(
      /linux\/amd64 +hello_1\.4\.0_linux_amd64\.tar\.gz \(https:[^)]+\) +1\.9\u00a0MiB +aaaaaaaaaaaa +9\.0s/
    )
    expect(text).toContain('- beep? ?[31mred')
    const bars = text.split('\n').filter(l => l.startsWith('builds: '))
    // One time scale of 40 characters for the 10 s from the first stage to the last build.
    const row = (label: string, lead: number, bar: number, time: string): string =>
      `${label.padEnd('stages: building binaries'.length)}  ${('·'.repeat(lead) + '█'.repeat(bar)).padEnd(40)}  ${time}`
    expect(bars).toEqual([
      row('builds: linux_amd64', 3, 36, '9.0s'),
      row('builds: linux_arm64', 3, 16, '4.0s'),
      row('builds: windows_amd64', 19, 16, '4.0s')
    ])
  })
})
