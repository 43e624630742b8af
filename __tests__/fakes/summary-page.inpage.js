/* global document, window */
// Runs inside the summary page (Chromium), not in node: what the page shows, and its charts drawn.
window.summaryChecks = {
  /** The column as the reader sees it, and anything in it that could run or load. */
  inspect() {
    const column = document.getElementById('column')
    const all = [...column.querySelectorAll('*')]
    return {
      links: [...column.querySelectorAll('a')].map(a => ({
        text: a.textContent ?? '',
        href: a.getAttribute('href') ?? '',
        title: a.getAttribute('title') ?? ''
      })),
      tables: [...column.querySelectorAll('table')].map(t => ({
        scrollWidth: t.scrollWidth,
        clientWidth: t.clientWidth,
        rows: t.rows.length
      })),
      columnScrollWidth: column.scrollWidth,
      activeElements: all
        .map(e => e.tagName.toLowerCase())
        .filter(t => ['script', 'iframe', 'object', 'embed', 'img', 'style', 'svg'].includes(t)),
      activeAttributes: all.flatMap(e =>
        [...e.attributes]
          .filter(a => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value))
          .map(a => `${e.tagName.toLowerCase()} ${a.name}=${a.value}`)
      ),
      text: column.innerText,
      collapsed: [...column.querySelectorAll('details:not([open]) pre')].map(
        p => p.textContent ?? ''
      ),
      codeTitles: [...column.querySelectorAll('code[title]')].map(c => ({
        text: c.textContent ?? '',
        title: c.getAttribute('title') ?? ''
      }))
    }
  },

  /** Draws each ```mermaid block (marked: <pre><code class="language-mermaid">) as GitHub does. */
  async drawCharts() {
    const mermaid = window.mermaid
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' })
    const nodes = []
    for (const code of document.querySelectorAll('code.language-mermaid')) {
      const div = document.createElement('div')
      div.className = 'mermaid'
      div.textContent = code.textContent
      code.parentElement.replaceWith(div)
      nodes.push(div)
    }
    await mermaid.run({ nodes })
    return nodes.map(n => ({
      tasks: [
        ...n.querySelectorAll('text.taskText, text.taskTextOutsideRight, text.taskTextOutsideLeft')
      ].map(t => (t.textContent ?? '').trim()),
      width: n.querySelector('svg')?.getBoundingClientRect().width ?? 0
    }))
  }
}
