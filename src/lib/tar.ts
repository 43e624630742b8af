import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { types } from 'node:util'
import tarStream from 'tar-stream'

/** One member of a reproducible tar stream: a file read from disk, or a directory. */
export interface TarMember {
  /** path inside the tar, '/'-separated, relative */
  name: string
  /** permission bits */
  mode: number
  /** absolute path of the file's content; absent for a directory */
  source?: string
  /** the file's size in bytes (0 for a directory) */
  size: number
}

/**
 * Streams the members, in the order given, as a ustar archive (pax only for long or non-ASCII
 * names) with every header fixed: owner 0:0 without names, one mtime, no device numbers. The
 * same members and mtime give the same bytes on every machine; archives and image layers share it.
 */
export function packTar(members: readonly TarMember[], seconds: number): Readable {
  const pack = tarStream.pack()
  const mtime = new Date(seconds * 1000)
  const fill = async (): Promise<void> => {
    for (const m of members) {
      const header: tarStream.Header = {
        name: m.name,
        type: m.source === undefined ? 'directory' : 'file',
        mode: m.mode,
        size: m.source === undefined ? 0 : m.size,
        mtime,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        linkname: '',
        devmajor: 0,
        devminor: 0
      }
      await new Promise<void>((resolve, reject) => {
        // The callback, not the pipe, says tar-stream took the entry with exactly `size` bytes.
        const sink = pack.entry(header, err => (err ? reject(err) : resolve()))
        if (m.source === undefined) {
          sink.end(Buffer.alloc(0))
          return
        }
        // tar-stream's sink is a streamx Writable, which Node's pipeline drives like its own.
        pipeline(createReadStream(m.source), sink as unknown as NodeJS.WritableStream).catch(reject)
      })
    }
    pack.finalize()
  }
  fill().catch((err: unknown) =>
    pack.destroy(types.isNativeError(err) ? err : new Error(String(err)))
  )
  return pack as unknown as Readable
}
