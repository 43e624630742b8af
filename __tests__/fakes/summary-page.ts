import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fromHtml } from 'hast-util-from-html'
import { defaultSchema, sanitize } from 'hast-util-sanitize'
import { toHtml } from 'hast-util-to-html'
import { marked } from 'marked'
import { chromium, type Browser } from 'playwright-core'

/**
 * A job summary as GitHub shows it, in headless Chromium: the step summaries' Markdown (HTML
 * blocks and ```mermaid fences) rendered by marked with GitHub-flavoured Markdown and raw HTML
 * kept (so our own escaping is what is tested, not a sanitizer's), inside GitHub's markdown-body
 * styles (github-markdown-css, light) in a column of 1012 pixels, the width of the summary column
 * on a desktop screen. Mermaid fences are then drawn by mermaid, as GitHub draws them.
 */

const require = createRequire(import.meta.url)
/** Debian's chromium (the package .ci/run installs). */
export const CHROMIUM = '/usr/bin/chromium'
/** The width of GitHub's job summary column. */
export const COLUMN_WIDTH = 1012

/** What the page showed. */
export interface SummaryPage {
  /**
   * what GitHub's sanitizer would take out of the rendered Markdown ('' when nothing): the
   * allowlist of hast-util-sanitize's default schema, which follows GitHub's
   */
  sanitized: string
  /** every link: its text, href and title */
  links: { text: string; href: string; title: string }[]
  /** each table's own width and the width it may take */
  tables: { scrollWidth: number; clientWidth: number; rows: number }[]
  /** the column's content width (over COLUMN_WIDTH means a horizontal scroll) */
  columnScrollWidth: number
  /** elements a summary must never bring: script, iframe, object, embed, img, style, svg */
  activeElements: string[]
  /** attributes that run code: on*, javascript: URLs */
  activeAttributes: string[]
  /** alert(), confirm(), prompt() the page opened */
  dialogs: string[]
  /** requests the page made (none: everything is inline) */
  requests: string[]
  /** errors thrown in the page */
  errors: string[]
  /** the column's text as shown (collapsed details left out) */
  text: string
  /** the text of the <pre> blocks inside collapsed <details> */
  collapsed: string[]
  /** `title` attributes of code elements (short digests) */
  codeTitles: { text: string; title: string }[]
  /** each Mermaid chart as drawn: its task labels, and its width */
  charts: { tasks: string[]; width: number }[]
}

/** Opens the summary in Chromium, checks it, draws the charts and saves a screenshot. */
export async function openSummary(markdown: string, screenshot: string): Promise<SummaryPage> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: bash .ci/run installs Debian's chromium package`)
  const body = await marked.parse(markdown, { gfm: true })
  const tree = fromHtml(body, { fragment: true })
  const asIs = toHtml(tree)
  const clean = toHtml(sanitize(tree, defaultSchema))
  const sanitized = asIs === clean ? '' : firstDifference(asIs, clean)
  const css = fs.readFileSync(
    require.resolve('github-markdown-css/github-markdown-light.css'),
    'utf8'
  )
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>summary</title>
<style>${css}</style>
<style>body { margin: 0; padding: 16px; } #column { width: ${COLUMN_WIDTH}px; }</style>
</head><body><article id="column" class="markdown-body">${body}</article></body></html>`
  let browser: Browser | undefined
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium keeps calling out of a closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    })
    const tab = await browser.newPage({ viewport: { width: COLUMN_WIDTH + 32, height: 800 } })
    const dialogs: string[] = []
    const requests: string[] = []
    const errors: string[] = []
    tab.on('dialog', dialog => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    tab.on('pageerror', error => errors.push(error.message))
    // Nothing may load: a summary is inline. Every request is noted and refused.
    await tab.route('**/*', route => {
      requests.push(route.request().url())
      return route.abort()
    })
    await tab.setContent(page, { waitUntil: 'load' })
    // The checks run as the page's own script, after the summary is in place: the summary brings none.
    await tab.addScriptTag({ path: path.join(import.meta.dirname, 'summary-page.inpage.js') })
    const seen = (await tab.evaluate('window.summaryChecks.inspect()')) as Omit<
      SummaryPage,
      'charts' | 'dialogs' | 'requests' | 'errors'
    >
    // Only now mermaid: it draws the fences, as GitHub's renderer does.
    await tab.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') })
    const charts = (await tab.evaluate(
      'window.summaryChecks.drawCharts()'
    )) as SummaryPage['charts']
    fs.mkdirSync(path.dirname(screenshot), { recursive: true })
    await tab.screenshot({ path: screenshot, fullPage: true })
    return { ...seen, sanitized, charts, dialogs, requests, errors }
  } finally {
    await browser?.close()
  }
}

/** Where two renderings part: 80 characters of each from there. */
function firstDifference(a: string, b: string): string {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return `as rendered: …${a.slice(i, i + 80)}\nsanitized:   …${b.slice(i, i + 80)}`
}
