// Rewrites action.yml's inputs section and README.md's inputs table from src/inputs/table.ts.
// `npm run gen:inputs` compiles src/inputs/ into build/ first: Node 20 runs no TypeScript.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { updateActionYml, updateReadme } from '../build/src/inputs/docs.js'

const root = path.join(import.meta.dirname, '..')
for (const [name, update] of [
  ['action.yml', updateActionYml],
  ['README.md', updateReadme]
]) {
  const file = path.join(root, name)
  const before = fs.readFileSync(file, 'utf8')
  const after = update(before)
  if (after !== before) fs.writeFileSync(file, after)
  console.log(`${name}: ${after === before ? 'up to date' : 'rewritten'}`)
}
