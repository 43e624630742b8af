import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { AGE_MS, ageRestoredCache, measureCache, trimUnused } from '../src/go-cache.js'

function fakeCache(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-gocache-'))
  for (const sub of ['00', '7f', 'ff']) fs.mkdirSync(path.join(dir, sub))
  fs.writeFileSync(path.join(dir, '00', 'aa-a'), 'v1 action\n')
  fs.writeFileSync(path.join(dir, '00', 'aa-d'), Buffer.alloc(1000))
  fs.writeFileSync(path.join(dir, '7f', 'bb-a'), 'v1 action\n')
  fs.writeFileSync(path.join(dir, '7f', 'bb-d'), Buffer.alloc(3000))
  fs.mkdirSync(path.join(dir, 'ff', 'cc-d')) // an executable entry (Go 1.26 stores those as folders)
  fs.writeFileSync(path.join(dir, 'ff', 'cc-d', 'prog'), Buffer.alloc(500))
  fs.writeFileSync(path.join(dir, 'ff', 'not-an-entry.txt'), 'x')
  fs.writeFileSync(
    path.join(dir, 'README'),
    'This directory holds cached build artifacts from the Go build system.\n'
  )
  return dir
}

test('restored entries are dated back, so Go’s hourly markUsed will bump any it uses', () => {
  const dir = fakeCache()
  const now = Date.now()
  const aged = ageRestoredCache(dir, now)
  expect(aged).toEqual({ entries: 5, bytes: 10 + 1000 + 10 + 3000 + 500 })
  for (const p of ['00/aa-a', '7f/bb-d', 'ff/cc-d']) {
    expect(Math.round(fs.statSync(path.join(dir, p)).mtimeMs / 1000)).toBe(
      Math.round((now - AGE_MS) / 1000)
    )
  }
  expect(fs.readFileSync(path.join(dir, 'trim.txt'), 'utf8')).toBe(String(Math.floor(now / 1000)))
})

test('trimUnused keeps entries the build touched or created and drops the rest', () => {
  const dir = fakeCache()
  const restoredAt = Date.now()
  ageRestoredCache(dir, restoredAt)
  // The build uses aa (Go sets its mtime to now) and writes a new entry dd.
  const later = new Date(restoredAt + 5000)
  fs.utimesSync(path.join(dir, '00', 'aa-a'), later, later)
  fs.utimesSync(path.join(dir, '00', 'aa-d'), later, later)
  fs.writeFileSync(path.join(dir, '7f', 'dd-a'), 'v1 new\n')
  const { kept, removed } = trimUnused(dir, restoredAt)
  expect(kept).toEqual({ entries: 3, bytes: 10 + 1000 + 7 })
  expect(removed).toEqual({ entries: 3, bytes: 10 + 3000 + 500 })
  expect(fs.existsSync(path.join(dir, '7f', 'bb-d'))).toBe(false)
  expect(fs.existsSync(path.join(dir, 'ff', 'cc-d'))).toBe(false)
  expect(fs.existsSync(path.join(dir, 'ff', 'not-an-entry.txt'))).toBe(true)
  expect(fs.existsSync(path.join(dir, 'trim.txt'))).toBe(false)
  expect(measureCache(dir)).toEqual(kept)
})

test('after a failed restore only the files it added are removed', async () => {
  const { listFiles, removeAdded } = await import('../src/stages/cache-restore.js')
  const dir = fakeCache()
  const before = listFiles(dir)
  fs.mkdirSync(path.join(dir, 'ab'))
  fs.writeFileSync(path.join(dir, 'ab', 'truncated-d'), Buffer.alloc(10))
  fs.writeFileSync(path.join(dir, '00', 'new-a'), 'x')
  fs.writeFileSync(path.join(dir, '7f', 'bb-d'), Buffer.alloc(10)) // overwritten by the extraction
  fs.chmodSync(path.join(dir, '00'), 0o555)
  expect(removeAdded(dir, before)).toBe(3)
  expect([...listFiles(dir).keys()].sort()).toEqual(
    [...before.keys()].filter(f => !f.endsWith('bb-d')).sort()
  )
  expect(fs.existsSync(path.join(dir, 'ab'))).toBe(false)
})
