import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import * as fs from 'node:fs'
import { imagePlatform, pushImage, writeImage, type PlatformContent } from '../../src/image.js'
import type { Platform } from '../../src/lib/oci.js'
import { registryClient } from '../../src/ports/registry.js'
import type { Target } from '../../src/targets.js'
import type { RunningRegistry } from '../services/distribution.js'

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

/**
 * A base image as distroless ships one (/etc/passwd with the nonroot user, an env), for
 * `platforms`, pushed anonymously to `registry` as `<name>:1`; returns its index digest.
 */
export async function pushTestBase(
  registry: RunningRegistry,
  work: string,
  platforms: readonly Platform[],
  epoch: number,
  name = 'acme/base'
): Promise<string> {
  const passwd = path.join(work, 'passwd')
  fs.writeFileSync(
    passwd,
    'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n'
  )
  const layout = path.join(work, 'base')
  const base = await writeImage(
    layout,
    platforms.map(platform => ({
      platform,
      files: [{ path: '/etc/passwd', source: passwd, mode: 0o644 }]
    })),
    {
      created: '2023-01-01T00:00:00Z',
      entrypoint: [],
      user: '0',
      env: ['SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
      labels: {},
      createdBy: 'base'
    },
    {},
    epoch
  )
  const client = registryClient({ credentials: () => undefined })
  await pushImage(client, layout, base, { host: registry.host, name }, ['1'])
  return base.index.digest
}
