// A kept state (STATE_DIR or REDIS_URL): what a start needs to carry on
// from the journal. The state's own time (every request handled at one
// instant, recorded with it, and the same instant again when it is applied),
// what it draws (tokens, fault dice) derived from the state's secret so a
// replay draws the same, and the webhook signing key kept with the journal
// so receivers keep verifying. Where the journal lives is the only
// difference between the two: a file for one process, a Redis stream for
// several (redis.ts).
import { createHmac, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requestContext } from '@fastify/request-context'
import type { JWK } from 'jose'
import { IdSource } from '../domain/ids.js'
import { JOURNAL_FILE, openJournal, STATE_FORMAT, StateError, type Entries, type JournalEntry, type JournalHeader, type JournalWriter } from './journal.js'
import { readSnapshotFile, SNAPSHOT_FILE, type Draws, type SnapshotHeader } from './snapshot.js'
import type { RedisLog } from './redis.js'

declare module '@fastify/request-context' {
  interface RequestContextData {
    /** The instant a request is handled at: its every reading of the clock. */
    at: number
    /** A journal entry being applied (at start, or another replica's), not a client's request. */
    applied: boolean
  }
}

export { StateError }

/** What a start's settings must be to carry on from a state: its version, fixtures and the settings that shape what requests do. */
export type StateShape = JournalHeader['shape']

/** Where the webhook signing key is kept: the key kept, or the one `make` makes and keeps. */
export interface KeyStore {
  keep (make: () => Promise<JWK>): Promise<JWK>
}

interface StateCommon {
  /** The state's place, for logs and refusals: the directory, or the Redis URL without its password. */
  where: string
  header: JournalHeader
  /** What the journal holds after the snapshot, to replay at start; emptied once replayed. */
  entries: Entries
  /** How many entries came before `entries`: those the snapshot holds. */
  position: number
  /** The snapshot to start from, if any; dropped once restored. */
  snapshot: { header: SnapshotHeader, bytes: Buffer } | undefined
  /** The size of the last snapshot taken or restored (0: none yet). */
  snapshotBytes: number
  /** How far the state has drawn (tokens, fault dice): a snapshot keeps it. */
  draws: { position (): Draws, resume (draws: Draws): void }
  /** A torn last line was cut at start. */
  repaired: boolean
  /** The clock's source: the instant pinned, else the request's, else real time. */
  now: () => number
  /** Pins the time (while the app is built); `undefined` lets it run. */
  pin (ms: number | undefined): void
  /** A token, the next of the state's sequence. */
  drawToken: () => string
  /** A number in [0, 1), the next of the state's fault dice. */
  random: () => number
  signingKey: KeyStore
  /** True while the journal is replayed at start: nothing is sent then. */
  replaying: boolean
  /** True once the start's replay is done: only then does the state hold every entry journaled. */
  replayed: boolean
}

export interface DirState extends StateCommon { kind: 'dir', writer: JournalWriter }
export interface RedisState extends StateCommon {
  kind: 'redis'
  log: RedisLog
  /** The id of the last entry read at start: the stream is followed from there. */
  lastId: string
}
export type State = DirState | RedisState

/** The header a new state starts with. */
export function freshHeader (shape: StateShape): JournalHeader {
  return { bud_sandbox_state: STATE_FORMAT, created_at_ms: Date.now(), secret: randomBytes(32).toString('hex'), shape }
}

/** Refuses a state made with other settings, naming the first that differs. */
export function checkShape (where: string, header: JournalHeader, shape: StateShape, setting: string): void {
  if (header.bud_sandbox_state > STATE_FORMAT) {
    throw new StateError(`${setting} ${where}: written by a newer bud-sandbox (state format ${header.bud_sandbox_state}; this one reads ${STATE_FORMAT})`)
  }
  for (const [name, value] of Object.entries(shape)) {
    const kept = header.shape[name]
    if (kept !== value) {
      throw new StateError(`${setting} ${where} was written with ${name} ${JSON.stringify(kept ?? null)}; this start gives ${JSON.stringify(value)} (start with the same, or with another ${setting})`)
    }
  }
}

/** What both kinds share, from the header: the time, the draws. The time is pinned to the state's first instant until the app is built. */
export function common (where: string, header: JournalHeader, entries: Entries, signingKey: KeyStore): StateCommon {
  let pinned: number | undefined = header.created_at_ms
  let tokens = 0
  const dice = new IdSource(`${header.secret}/faults`)
  return {
    where,
    header,
    entries,
    position: 0,
    snapshot: undefined,
    snapshotBytes: 0,
    draws: {
      position: () => ({ tokens, dice: dice.position }),
      resume: (draws) => {
        tokens = draws.tokens
        dice.resume(draws.dice)
      }
    },
    repaired: false,
    now: () => pinned ?? requestContext.get('at') ?? Date.now(),
    pin: (ms) => { pinned = ms },
    drawToken: () => createHmac('sha256', header.secret).update(`token/${tokens++}`).digest('base64url'),
    random: () => dice.nextInt() / 2 ** 32,
    signingKey,
    replaying: false,
    replayed: false
  }
}

const SIGNING_KEY_FILE = 'webhook-signing-key.json'

/** Opens the state in `dir`, or makes it. */
export function openState (dir: string, shape: StateShape): DirState {
  const { header, entries, repaired, writer } = openJournal(dir, () => freshHeader(shape))
  let start: Pick<StateCommon, 'entries' | 'position' | 'snapshot'>
  try {
    checkShape(dir, header, shape, 'STATE_DIR')
    start = afterSnapshot(dir, header, entries)
  } catch (err) {
    writer.close().catch(() => {})
    throw err
  }
  const keyFile = join(dir, SIGNING_KEY_FILE)
  const signingKey: KeyStore = {
    keep: async (make) => {
      if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as JWK
      const jwk = await make()
      writeFileSync(`${keyFile}.tmp`, JSON.stringify(jwk), { mode: 0o600 })
      renameSync(`${keyFile}.tmp`, keyFile)
      return jwk
    }
  }
  return { ...common(dir, header, entries, signingKey), ...start, repaired, kind: 'dir', writer }
}

/**
 * Where a start picks up: the snapshot in the directory, if any, and the
 * journal's entries after it. The journal is cut just after each snapshot,
 * but a crash between the two leaves entries the snapshot already holds at
 * its head: those are skipped.
 */
function afterSnapshot (dir: string, header: JournalHeader, entries: Entries & Iterable<JournalEntry>): Pick<StateCommon, 'entries' | 'position' | 'snapshot'> & { snapshotBytes?: number } {
  const base = header.base ?? 0
  const snapshot = readSnapshotFile(dir)
  if (snapshot === undefined) {
    if (base > 0) throw new StateError(`STATE_DIR ${dir}: the journal goes on from a snapshot that is missing (${SNAPSHOT_FILE}); move the directory away to start afresh`)
    return { entries, position: 0, snapshot: undefined }
  }
  const held = snapshot.header.entries
  if (snapshot.header.secret !== header.secret || held < base || held > base + entries.length) {
    throw new StateError(`STATE_DIR ${dir}: ${SNAPSHOT_FILE} does not go with ${JOURNAL_FILE} (it holds ${held} entries; the journal, entries ${base + 1} to ${base + entries.length}); move the directory away to start afresh`)
  }
  const skip = held - base
  const rest = {
    length: entries.length - skip,
    * [Symbol.iterator] () {
      let n = 0
      for (const entry of entries) if (n++ >= skip) yield entry
    }
  }
  return { entries: rest, position: held, snapshot, snapshotBytes: snapshot.bytes.length }
}

/** Whether the request being handled is a journal entry being applied. */
export const applying = (): boolean => requestContext.get('applied') === true
