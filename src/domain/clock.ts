// The sandbox clock: real time plus an offset that /__admin/clock moves.
// Everything time-based (progress, dedupe, the 90-day window) reads this clock,
// never Date.now(), so a test moves time instead of sleeping.
//
// It also owns the range of instants the sandbox serves. Every instant a
// control or a fixture gives is checked against it, so none can leave the
// clock invalid, and what a read generates (a bank's days between its anchor
// and now) stays bounded: at most HISTORY before the clock and CLOCK_SPAN past
// the last start or reset, and always within EARLIEST..LATEST.
import { DateTime, Duration } from 'luxon'

export interface Clock {
  now (): DateTime
  nowMs (): number
}

/** Where the clock takes its ticks from: the real clock in production, a hand-moved one in tests. */
export type TimeSource = () => number

const DAY_MS = 24 * 60 * 60 * 1000
/** The first instant the sandbox serves. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1)
/** The last instant the sandbox serves. */
export const LATEST_MS = Date.UTC(2100, 0, 1)
/** How far back an instant given to the sandbox may be (a last pull, a consent, a bank transaction): two years. */
export const HISTORY_MS = 731 * DAY_MS
/** How far the clock may be moved past the last start or reset: two years. */
export const CLOCK_SPAN_MS = 731 * DAY_MS

export interface ClockSnapshot {
  offsetMs: number
  startMs: number
}

export class SandboxClock implements Clock {
  readonly #source: TimeSource
  #offsetMs = 0
  #startMs: number

  constructor (source: TimeSource) {
    this.#source = source
    this.#startMs = source()
  }

  nowMs (): number {
    return this.#source() + this.#offsetMs
  }

  now (): DateTime {
    return DateTime.fromMillis(this.nowMs(), { zone: 'utc' })
  }

  /** What a snapshot keeps of the clock: how far it was moved, and from where it may move. */
  snapshot (): ClockSnapshot {
    return { offsetMs: this.#offsetMs, startMs: this.#startMs }
  }

  restore (kept: ClockSnapshot): void {
    this.#offsetMs = kept.offsetMs
    this.#startMs = kept.startMs
  }

  /** Moves the clock forward; it keeps running from there. */
  advance (by: Duration): void {
    this.#offsetMs += by.toMillis()
  }

  /** Sets the clock to an instant; it keeps running from there. */
  set (to: DateTime): void {
    this.#offsetMs = to.toMillis() - this.#source()
  }

  /** A reset starts the span the clock may move across again from now. */
  restartSpan (): void {
    this.#startMs = this.nowMs()
  }

  /** The furthest instant the clock may be moved to. */
  latestMs (): number {
    return Math.min(LATEST_MS, this.#startMs + CLOCK_SPAN_MS)
  }
}

/** The earliest past instant the sandbox takes at `nowMs`. */
export function earliestPastMs (nowMs: number): number {
  return Math.max(EARLIEST_MS, nowMs - HISTORY_MS)
}

/**
 * Why an instant given at `nowMs` cannot be served, or undefined when it can:
 * within the history the sandbox keeps, and not past `latestMs`.
 */
export function outOfRange (ms: number, nowMs: number, latestMs: number): string | undefined {
  const earliest = earliestPastMs(nowMs)
  if (ms >= earliest && ms <= latestMs) return undefined
  return `This value should be between ${toIso(earliest)} and ${toIso(latestMs)}: the sandbox serves two years before its clock (and from 2000)`
}

/**
 * An instant as ISO 8601 text (`2026-11-23T12:00:00.000Z`), as toISOString
 * writes it. A page of transactions writes some 300 instants over a few
 * days: each day's date is written once and kept, the time of day added to
 * it.
 */
export function toIso (ms: number): string {
  if (!(ms >= 0 && ms < LAST_FOUR_DIGIT_YEAR_MS)) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  let date = isoDates.get(day)
  if (date === undefined) {
    if (isoDates.size >= 4096) isoDates.clear()
    isoDates.set(day, date = new Date(day * DAY_MS).toISOString().slice(0, 11))
  }
  const inDay = ms - day * DAY_MS
  const seconds = Math.floor(inDay / 1000)
  return `${date}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${String(inDay % 1000).padStart(3, '0')}Z`
}

/** Years after 9999 are written with six digits and a sign: left to toISOString. */
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(10_000, 0, 1)
const isoDates = new Map<number, string>()
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'))
