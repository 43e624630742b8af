// P10's interpreter side, in a fresh node process as a job meets it: loads the template engine
// (build/, compiled from src/) and renders every batch of the job file given as argv[2]; prints
// the load and render times and the outcomes as JSON.
import * as fs from 'node:fs'
import { performance } from 'node:perf_hooks'

const { batches } = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const t0 = performance.now()
const { renderOurs, templateValues } = await import('../build/__tests__/fakes/template-oracle.js')
const t1 = performance.now()
const outcomes = batches.map(b => {
  const values = templateValues(b.data)
  return b.cases.map(text => renderOurs(text, values))
})
const t2 = performance.now()
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, renderMs: t2 - t1, outcomes }))
