// A snapshot of a kept state: the engine's own data after a number of
// journal entries, so a start restores it and replays only the entries
// after it, and the journal no longer needs what came before. It is the
// same objects the engine runs on — customers, tasks, consents, worlds,
// tokens, webhooks, findings — each of which gives its plain data and takes
// it back (`snapshot()` / `restore()`), encoded together in one pass
// (codec.ts), so what refers to what (a task and the customer's connection
// it refreshed) stays as it was. Nothing is converted
// to a second model; nothing but the engine's own restore reads it.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TokenIssuer } from '../domain/auth.js'
import { changesSoFar, resumeChanges } from '../domain/data/bud-copy.js'
import type { Worlds, WorldsSnapshot } from '../domain/worlds.js'
import type { DispatcherSnapshot, WebhookDispatcher } from '../webhooks/dispatcher.js'
import { decode, encode } from './codec.js'
import { StateError, syncDirectory, writeFully } from './journal.js'

/** The snapshot's format; one written by a newer version is refused. */
export const SNAPSHOT_FORMAT = 1
export const SNAPSHOT_FILE = 'snapshot.bin'
/** A snapshot is taken once the journal holds this many entries after the last (SNAPSHOT_EVERY). */
export const SNAPSHOT_EVERY = 20_000

/**
 * Whether a snapshot is due: `every` entries after the last one, and at
 * least as many bytes of them as it took. So a big state is snapshotted
 * less often, and snapshots never write more than the journal has grown.
 */
export function snapshotDue (entries: number, bytes: number, every: number, lastSnapshotBytes: number): boolean {
  return entries >= every && bytes >= lastSnapshotBytes
}

/** Written before the data, as one JSON line: which state, and how far into its journal. */
export interface SnapshotHeader {
  bud_sandbox_snapshot: number
  /** The state's secret: a snapshot is only ever read with its own journal. */
  secret: string
  /** How many journal entries it holds the effect of: a start replays those after. */
  entries: number
  /** REDIS_URL: the id of the last stream entry it holds. */
  stream_id?: string
  taken_at_ms: number
}

/** What the state draws (tokens, fault dice), as far as it has drawn. */
export interface Draws {
  tokens: number
  dice: readonly number[]
}

/** What a snapshot is taken of, and restored into. */
export interface Snapshotted {
  worlds: Worlds
  tokens: TokenIssuer
  webhooks: WebhookDispatcher
  draws: { position (): Draws, resume (draws: Draws): void }
}

interface Payload {
  worlds: WorldsSnapshot
  tokens: ReturnType<TokenIssuer['snapshot']>
  webhooks: DispatcherSnapshot
  draws: Draws
  changes: number
}

/** The state as bytes: taken at once, between two requests, so it holds exactly the entries journaled so far. */
export function takeSnapshot (from: Snapshotted): Buffer {
  const payload: Payload = {
    worlds: from.worlds.snapshot(),
    tokens: from.tokens.snapshot(),
    webhooks: from.webhooks.snapshot(),
    draws: from.draws.position(),
    changes: changesSoFar()
  }
  return encode(payload)
}

/** Back to the state the bytes hold, in an app made with the same fixtures and settings and not yet used. */
export function restoreSnapshot (into: Snapshotted, bytes: Buffer): void {
  const payload = decode(bytes) as Payload
  resumeChanges(payload.changes)
  into.worlds.restore(payload.worlds)
  into.tokens.restore(payload.tokens)
  // After the worlds: a delivery's due instant is on its client's clock.
  into.webhooks.restore(payload.webhooks)
  into.draws.resume(payload.draws)
}

/** Writes the snapshot where a crash can never leave half of one: beside it first, then renamed over the old one. */
export function writeSnapshotFile (dir: string, header: SnapshotHeader, bytes: Buffer): void {
  const file = join(dir, SNAPSHOT_FILE)
  const temporary = `${file}.tmp`
  const fd = openSync(temporary, 'w', 0o600)
  try {
    writeFully(fd, Buffer.from(JSON.stringify(header) + '\n'))
    writeFully(fd, bytes)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, file)
  syncDirectory(dir)
}

/** The snapshot in `dir`, if there is one; a damaged one, or a newer version's, stops the start with one line. */
export function readSnapshotFile (dir: string): { header: SnapshotHeader, bytes: Buffer } | undefined {
  const file = join(dir, SNAPSHOT_FILE)
  // One a crash left half written is not the snapshot: the one before it (or none) is.
  rmSync(`${file}.tmp`, { force: true })
  if (!existsSync(file)) return undefined
  let all: Buffer
  try {
    all = readFileSync(file)
  } catch (err) {
    throw new StateError(`STATE_DIR ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}: cannot read it`)
  }
  return parseSnapshot(all, `STATE_DIR ${file}`, 'move the directory away to start afresh')
}

/** A snapshot as written (its header line, then its data); `where` names it in a refusal. */
export function parseSnapshot (all: Buffer, where: string, remedy = 'start on an empty database'): { header: SnapshotHeader, bytes: Buffer } {
  const newline = all.indexOf(10)
  let header: Partial<SnapshotHeader> | undefined
  try {
    header = JSON.parse(all.toString('utf8', 0, newline)) as Partial<SnapshotHeader>
  } catch {}
  if (newline === -1 || header === undefined || header === null || typeof header.bud_sandbox_snapshot !== 'number' || typeof header.entries !== 'number' || typeof header.secret !== 'string') {
    throw new StateError(`${where}: not a bud-sandbox snapshot (it is damaged; ${remedy})`)
  }
  if (header.bud_sandbox_snapshot > SNAPSHOT_FORMAT) {
    throw new StateError(`${where}: written by a newer bud-sandbox (snapshot format ${header.bud_sandbox_snapshot}; this one reads ${SNAPSHOT_FORMAT})`)
  }
  return { header: header as SnapshotHeader, bytes: all.subarray(newline + 1) }
}

/** A snapshot's bytes as written: its header line, then its data. */
export function snapshotBytes (header: SnapshotHeader, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), bytes])
}
