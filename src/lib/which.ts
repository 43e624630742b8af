import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'

/** Finds an executable on a PATH string (no shell, no `which` process): absolute path or undefined. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  if (name === '') return undefined
  if (path.isAbsolute(name)) return isExecutableFile(name) ? name : undefined
  // A relative name with a separator would resolve against the working directory, not PATH.
  if (name.includes('/') || name.includes(path.sep)) return undefined
  const exts =
    process.platform === 'win32' && path.extname(name) === ''
      ? (process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(e => e !== '')
      : ['']
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    // Empty or relative entries mean the working directory: the checked-out repository could
    // plant a fake compiler there, so only absolute entries are searched.
    if (!path.isAbsolute(dir)) continue
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext)
      if (isExecutableFile(candidate)) return candidate
    }
  }
  return undefined
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
