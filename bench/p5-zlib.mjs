// P5 side measurement: node:zlib gzip of each binary at level 6 and at level 9 (writeArchive's before 08780cb),
// alternating, one file at a time, in one thread. Usage: node bench/p5-zlib.mjs <file>...
// Prints per level the summed CPU time of this process and the summed compressed size as JSON.
import * as fs from 'node:fs'
import { gzipSync } from 'node:zlib'

const totals = { 6: { cpuMs: 0, bytes: 0 }, 9: { cpuMs: 0, bytes: 0 } }
for (const file of process.argv.slice(2)) {
  const input = fs.readFileSync(file)
  for (const level of [6, 9]) {
    const before = process.cpuUsage()
    const out = gzipSync(input, { level })
    const used = process.cpuUsage(before)
    totals[level].cpuMs += (used.user + used.system) / 1000
    totals[level].bytes += out.length
  }
}
process.stdout.write(JSON.stringify(totals))
