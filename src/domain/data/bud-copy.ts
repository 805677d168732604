// Bud's copy of a connection's data: what the financial-data operations
// answer. It keeps no transactions, only the pulls that filled it — each a
// window [from, to] fetched at an instant — and derives from them and the
// bank which version of each transaction Bud holds, since when, and which
// pending ones were replaced. The first pull is the connection's own
// (90 days up to its last pull); each successful refresh adds one when it
// completes on the sandbox clock.
import { DAY_MS, entriesOn, givenOn, openBank, settledFromMs, type Bank, type BankSeed, type Entry } from './bank.js'

export interface Pull {
  fromMs: number
  toMs: number
  atMs: number
}

export interface ConnectionData {
  bank: Bank
  /** The first pull's instant: the bank's balances are known from there. */
  anchorMs: number
  /** In the order they happened. Empty after the provider's data was removed, until a refresh brings it again. */
  pulls: Pull[]
  /** Bumped when past pulls change other than by a new one (merged, removed): page tokens made before no longer hold. */
  generation: number
  /** Which change this state of the copy is, among all copies' changes in this process: a new one on every change. */
  changeId: number
}

// Every change to any copy takes the next number: a copy's changeId tells its states apart cheaply.
let changes = 0

/** How many changes were numbered: a snapshot keeps it, so copies restored and copies changed later never share a number. */
export const changesSoFar = (): number => changes

export function resumeChanges (count: number): void {
  changes = Math.max(changes, count)
}

/** Bud holds the 90 days up to a connection's first pull. */
export const FIRST_PULL_DAYS = 90
/** Pulls kept per connection; past it the two oldest overlapping ones are merged. */
export const MAX_PULLS = 64

export function openData (customerId: string, provider: string, seed: BankSeed, lastPullAtMs: number): ConnectionData {
  return {
    bank: openBank(customerId, provider, seed, lastPullAtMs),
    anchorMs: lastPullAtMs,
    pulls: [{ fromMs: lastPullAtMs - FIRST_PULL_DAYS * DAY_MS, toMs: lastPullAtMs, atMs: lastPullAtMs }],
    generation: 0,
    changeId: ++changes
  }
}

/** The id of the entry's version the bank showed at `atMs`, or undefined when it did not show it yet. */
export function versionAt (entry: Entry, atMs: number): string | undefined {
  if (atMs < entry.existsFromMs) return undefined
  return entry.bookedAtMs !== undefined && atMs < entry.bookedAtMs ? entry.pendingId : entry.bookedId
}

const covers = (pull: Pull, dateMs: number) => pull.fromMs <= dateMs && dateMs <= pull.toMs

/** What Bud holds of one bank transaction, as of the pulls up to `asOfMs`. */
export interface Held {
  entry: Entry
  transactionId: string
  pending: boolean
  /** When Bud first stored this version. */
  updatedAtMs: number
  /** The pending version this one replaced, and when, if Bud had held it. */
  replaced: { transactionId: string, atMs: number } | undefined
}

/** The version of `entry` Bud holds, if any: the one the latest pull covering its date saw. */
export function held (data: ConnectionData, entry: Entry, asOfMs: number): Held | undefined {
  const pulls = data.pulls
  let latest: Pull | undefined
  for (let i = pulls.length - 1; i >= 0; i--) {
    const pull = pulls[i]!
    if (pull.atMs <= asOfMs && covers(pull, entry.dateMs)) {
      latest = pull
      break
    }
  }
  if (latest === undefined) return undefined
  const id = versionAt(entry, latest.atMs)
  if (id === undefined) return undefined
  let updatedAtMs = latest.atMs
  let sawPending = false
  for (const pull of pulls) {
    if (pull.atMs > asOfMs || !covers(pull, entry.dateMs)) continue
    const seen = versionAt(entry, pull.atMs)
    if (seen === id) {
      updatedAtMs = pull.atMs
      break
    }
    if (seen !== undefined) sawPending = true
  }
  const pending = id === entry.pendingId && entry.bookedAtMs !== undefined
  return {
    entry,
    transactionId: id,
    pending,
    updatedAtMs,
    replaced: sawPending && !pending ? { transactionId: entry.pendingId!, atMs: updatedAtMs } : undefined
  }
}

/** Adds a completed pull; true when it stored a transaction Bud did not hold before. */
export function applyPull (data: ConnectionData, pull: Pull): boolean {
  let brought = false
  const entries: Entry[] = []
  // Newest day first: what a pull brings is most often what happened since the last one.
  // A day whose generated transactions Bud already holds as they will always be is not
  // generated again: only what fixtures gave or a test added there can be new.
  for (let day = Math.floor(pull.toMs / DAY_MS); day >= Math.floor(pull.fromMs / DAY_MS) && !brought; day--) {
    entries.length = 0
    const onDay = settledIn(data.pulls, day, pull.atMs) ? givenOn(data.bank, day, entries) : entriesOn(data.bank, day, entries)
    for (const entry of onDay) {
      if (!covers(pull, entry.dateMs)) continue
      const after = versionAt(entry, pull.atMs)
      if (after !== undefined && after !== held(data, entry, Infinity)?.transactionId) {
        brought = true
        break
      }
    }
  }
  data.pulls.push(pull)
  data.changeId = ++changes
  if (data.pulls.length > MAX_PULLS) mergeOldest(data)
  return brought
}

/**
 * True when Bud holds every generated transaction of `day` in its settled
 * version, and a pull at `atMs` would see the same: the latest pull touching
 * the day covered all of it once it had settled, and so does `atMs`.
 */
function settledIn (pulls: readonly Pull[], day: number, atMs: number): boolean {
  const settledMs = settledFromMs(day)
  if (atMs < settledMs) return false
  const startMs = day * DAY_MS
  const endMs = startMs + DAY_MS - 1
  for (let i = pulls.length - 1; i >= 0; i--) {
    const pull = pulls[i]!
    if (pull.toMs < startMs || pull.fromMs > endMs) continue
    return pull.fromMs <= startMs && endMs <= pull.toMs && pull.atMs >= settledMs
  }
  return false
}

/** Merges the oldest two pulls whose windows meet (or, failing that, the two oldest) into one: the bound on what a connection keeps. */
function mergeOldest (data: ConnectionData): void {
  const pulls = data.pulls
  let i = pulls.findIndex((p, k) => k + 1 < pulls.length && p.fromMs <= pulls[k + 1]!.toMs && pulls[k + 1]!.fromMs <= p.toMs)
  if (i < 0) i = 0
  const [a, b] = [pulls[i]!, pulls[i + 1]!]
  pulls.splice(i, 2, { fromMs: Math.min(a.fromMs, b.fromMs), toMs: Math.max(a.toMs, b.toMs), atMs: b.atMs })
  data.generation++
}

/** The periods Bud holds in full: the pulls' windows, merged where they meet. */
export function transactionWindows (data: ConnectionData, asOfMs: number = Infinity): Pull[] {
  const sorted = data.pulls.filter((p) => p.atMs <= asOfMs).sort((a, b) => a.fromMs - b.fromMs)
  const out: Pull[] = []
  for (const pull of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && pull.fromMs <= last.toMs) {
      last.toMs = Math.max(last.toMs, pull.toMs)
      last.atMs = Math.max(last.atMs, pull.atMs)
    } else {
      out.push({ ...pull })
    }
  }
  return out
}

/** The instant of the latest pull: what Bud's balances are as of. Undefined when Bud holds nothing. */
export function lastPullAt (data: ConnectionData): number | undefined {
  let at: number | undefined
  for (const pull of data.pulls) at = Math.max(at ?? pull.atMs, pull.atMs)
  return at
}

/** Removes everything Bud holds of the connection (Remove Provider Data); the bank keeps its history. */
export function removeAll (data: ConnectionData): void {
  data.pulls = []
  data.generation++
  data.changeId = ++changes
}
