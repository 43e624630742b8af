import type { Target } from './targets.js'

/** What a file in the dist folder is. */
export type ArtifactKind = 'binary' | 'archive' | 'package' | 'sbom' | 'checksums' | 'signature'

/** One file the run produced, recorded by the stage that made it. */
export interface Artifact {
  kind: ArtifactKind
  /** absolute path */
  path: string
  /** file name as published; for a binary, its name with extension, sub-folder included (bin/app.exe) */
  name: string
  /** the target it was built for (absent for files that cover all targets) */
  target?: Target
  /** for binaries: the binary's name without extension */
  binary?: string
  /** archives and bare binaries: the binaries it holds (their SBOMs describe these) */
  holds?: string[]
  /** bytes, set once the file is final */
  size?: number
  /** signatures: the checksums file the bundle signs */
  signs?: string
  /** hex digests by algorithm, set by the checksum stage */
  digests?: Partial<Record<'sha256' | 'sha512', string>>
  /** binaries: when its go build started (clock.now()) and how long it took */
  buildStart?: number
  buildMs?: number
  /** binaries: ELF interpreter when dynamically linked */
  interpreter?: string
  /** binaries: bytes before UPX compressed it (the compress stage) */
  uncompressedSize?: number
}

/** The run's list of artifacts; stages add to it and query it instead of globbing folders. */
export class ArtifactRegistry {
  private readonly items: Artifact[] = []

  /** Records an artifact and returns it. */
  add(artifact: Artifact): Artifact {
    this.items.push(artifact)
    return artifact
  }

  /** All artifacts in the order they were added. */
  all(): readonly Artifact[] {
    return this.items
  }

  /** The files that hold binaries: archives (or bare binaries) and Linux packages, in the order added. */
  files(): Artifact[] {
    return this.items.filter(a => a.kind === 'archive' || a.kind === 'package')
  }

  /** What is published: archives (or bare binaries), Linux packages and SBOMs, in the order added. */
  published(): Artifact[] {
    return this.items.filter(a => a.kind === 'archive' || a.kind === 'package' || a.kind === 'sbom')
  }

  /**
   * Everything the run hands on (workflow artifact, release): the published files, then the
   * checksums files and their signatures.
   */
  handedOn(): Artifact[] {
    return [...this.published(), ...this.byKind('checksums'), ...this.byKind('signature')]
  }

  /** The binaries a published file (archive or bare binary) holds, in build order. */
  binariesIn(file: Artifact): Artifact[] {
    return this.byKind('binary', file.target?.id).filter(
      b => file.holds === undefined || file.holds.includes(b.binary!)
    )
  }

  /** Artifacts of one kind, optionally for one target id. */
  byKind(kind: ArtifactKind, targetId?: string): Artifact[] {
    return this.items.filter(
      a => a.kind === kind && (targetId === undefined || a.target?.id === targetId)
    )
  }
}
