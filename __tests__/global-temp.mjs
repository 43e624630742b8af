// Jest's globalSetup and globalTeardown: every temp folder of a test run (the tests' own, the
// spawned action's, go's, wine prefixes, registries') lives in one folder made here, which the
// workers inherit as TMPDIR, and which is removed when the run ends. Without it each full run
// left gigabytes in /tmp (a wine prefix alone is about 700 MB).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const KEY = 'XBUILD_TEST_TMPDIR'

export async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-jest-'))
  // Open like /tmp itself (sticky, world-writable): tests run the action as another user
  // (nobody, in the cache tests) in folders made here.
  fs.chmodSync(dir, 0o1777)
  process.env[KEY] = dir
  process.env.TMPDIR = dir
}

export async function teardown() {
  const dir = process.env[KEY]
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
}
