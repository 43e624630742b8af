import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { imagePlatform, type PlatformContent } from '../../src/image.js'
import type { Target } from '../../src/targets.js'

const run = promisify(execFile)
const HELLO = path.join(import.meta.dirname, '..', 'fixtures', 'hello')

/**
 * The hello fixture built for each target (version 1.2.3, no cgo) into `work/<target>/hello`,
 * as the content of an image: the binary at /usr/local/bin/hello.
 */
export async function helloContents(
  work: string,
  targets: readonly Target[]
): Promise<PlatformContent[]> {
  const contents: PlatformContent[] = []
  for (const t of targets) {
    const out = path.join(work, t.id, 'hello')
    await run(
      'go',
      ['build', '-trimpath', '-ldflags', '-s -w -X main.version=1.2.3', '-o', out, '.'],
      {
        cwd: HELLO,
        env: {
          ...process.env,
          GOOS: t.goos,
          GOARCH: t.goarch,
          CGO_ENABLED: '0',
          ...(t.variant ? { GOARM: t.variant } : {})
        }
      }
    )
    contents.push({
      platform: imagePlatform(t),
      files: [{ path: '/usr/local/bin/hello', source: out, mode: 0o755 }]
    })
  }
  return contents
}
