import * as fs from 'node:fs'
import * as path from 'node:path'

/** Marks a dist folder as written by this action, so a later run may empty it. */
export const DIST_MARKER = '.go-xbuild-dist'

/** True when the folder holds files and no marker: emptying it could destroy the user's files. */
export function isForeignDist(dist: string): boolean {
  let entries: string[]
  try {
    entries = fs.readdirSync(dist)
  } catch {
    return false // absent: the build stage creates it
  }
  return entries.length > 0 && !entries.includes(DIST_MARKER)
}

/** Empties a dist folder this action wrote before (resolve refused foreign ones) and marks it as ours. */
export function prepareDist(dist: string): void {
  fs.rmSync(dist, { recursive: true, force: true })
  fs.mkdirSync(dist, { recursive: true })
  fs.writeFileSync(
    path.join(dist, DIST_MARKER),
    'written by go-xbuild-action; emptied on every run\n'
  )
  // Inside a checkout the folder would be untracked: git would call the tree modified, and Go
  // would stamp every binary vcs.modified=true and its version "+dirty". Ignored, it is not.
  fs.writeFileSync(path.join(dist, '.gitignore'), '# written by go-xbuild-action\n*\n')
}
