// STATE_DIR: what a start needs to carry on from the journal. The state's
// own time (every request handled at one instant, recorded with it, and the
// same instant again on replay), what it draws (tokens, fault dice) derived
// from the state's secret so a replay draws the same, and the webhook
// signing key kept beside the journal so receivers keep verifying.
import { createHmac, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requestContext } from '@fastify/request-context'
import type { JWK } from 'jose'
import { IdSource } from '../domain/ids.js'
import { openJournal, STATE_FORMAT, StateError, type JournalEntry, type JournalHeader, type JournalWriter } from './journal.js'

declare module '@fastify/request-context' {
  interface RequestContextData {
    /** The instant a request is handled at: its every reading of the clock. */
    at: number
  }
}

export { StateError }

/** What a start's settings must be to carry on from a state: its version, fixtures and the settings that shape what requests do. */
export type StateShape = JournalHeader['shape']

const SIGNING_KEY_FILE = 'webhook-signing-key.json'

export interface State {
  dir: string
  header: JournalHeader
  /** What the journal holds, to replay; emptied once replayed. */
  entries: JournalEntry[]
  /** A torn last line was cut at start. */
  repaired: boolean
  writer: JournalWriter
  /** The clock's source: the instant being replayed, else the request's, else real time. */
  now: () => number
  /** Pins the time (while building and replaying); `undefined` lets it run. */
  pin (ms: number | undefined): void
  /** A token, the next of the state's sequence. */
  drawToken: () => string
  /** A number in [0, 1), the next of the state's fault dice. */
  random: () => number
  signingKey: { load (): JWK | undefined, save (jwk: JWK): void }
  /** True while the journal is being replayed: nothing is journaled, logged or sent then. */
  replaying: boolean
}

/**
 * Opens the state in `dir`, or makes it. The time is pinned to the instant
 * the state was first made until the journal has been replayed.
 */
export function openState (dir: string, shape: StateShape): State {
  const { header, entries, repaired, writer } = openJournal(dir, () => ({
    bud_sandbox_state: STATE_FORMAT,
    created_at_ms: Date.now(),
    secret: randomBytes(32).toString('hex'),
    shape
  }))
  for (const [name, value] of Object.entries(shape)) {
    const kept = header.shape[name]
    if (kept !== value) {
      throw new StateError(`STATE_DIR ${dir} was written with ${name} ${JSON.stringify(kept ?? null)}; this start gives ${JSON.stringify(value)} (start with the same, or with another STATE_DIR)`)
    }
  }
  let pinned: number | undefined = header.created_at_ms
  let tokens = 0
  const dice = new IdSource(`${header.secret}/faults`)
  const keyFile = join(dir, SIGNING_KEY_FILE)
  return {
    dir,
    header,
    entries,
    repaired,
    writer,
    now: () => pinned ?? requestContext.get('at') ?? Date.now(),
    pin: (ms) => { pinned = ms },
    drawToken: () => createHmac('sha256', header.secret).update(`token/${tokens++}`).digest('base64url'),
    random: () => dice.nextInt() / 2 ** 32,
    signingKey: {
      load: () => existsSync(keyFile) ? JSON.parse(readFileSync(keyFile, 'utf8')) as JWK : undefined,
      save: (jwk) => {
        writeFileSync(`${keyFile}.tmp`, JSON.stringify(jwk), { mode: 0o600 })
        renameSync(`${keyFile}.tmp`, keyFile)
      }
    },
    replaying: false
  }
}
