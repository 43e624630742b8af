import * as fs from 'node:fs'
import * as path from 'node:path'
import { INPUT } from '../src/inputs.js'

const text = fs.readFileSync(path.join(import.meta.dirname, '..', 'action.yml'), 'utf8')

/** Keys two spaces deep in one top-level section of action.yml. */
function keysOf(section: string): string[] {
  const body = text.split(new RegExp(`^${section}:\\s*$`, 'm'))[1]!.split(/^\S/m)[0]!
  return [...body.matchAll(/^ {2}([a-z0-9-]+):/gm)].map(m => m[1]!)
}

test('action.yml declares exactly the inputs the code reads', () => {
  expect(keysOf('inputs').sort()).toEqual(Object.values(INPUT).sort())
})

test('action.yml declares the outputs the report stage sets, runs on node24 from dist/main.js', () => {
  expect(keysOf('outputs').sort()).toEqual([
    'artifact-ids',
    'artifacts',
    'assets',
    'attestations',
    'cache-hit',
    'checksums-file',
    'dist-dir',
    'matrix',
    'release-id',
    'release-url',
    'targets',
    'version'
  ])
  expect(text).toMatch(/^ {2}using: node24$/m)
  expect(text).toMatch(/^ {2}main: dist\/main\.js$/m)
  expect(text).toMatch(/^ {2}post: dist\/post\.js$/m)
  expect(text).toMatch(/^ {2}post-if: success\(\)$/m)
})

test('no input default in action.yml but the token: the code owns defaults so the CLI and the action agree', () => {
  // Only the workflow can hand the job's token to the action; the code cannot derive it.
  expect([...text.matchAll(/^ {4}default: (.*)$/gm)].map(m => m[1])).toEqual([
    '${{ github.token }}'
  ])
})

test('no expression in action.yml but the token default: runners evaluate or refuse them anywhere', () => {
  // nektos/act refuses `${{ … }}` in a description ("expressions are not allowed here").
  expect([...text.matchAll(/\$\{\{[^}]*\}\}/g)].map(m => m[0])).toEqual(['${{ github.token }}'])
})
