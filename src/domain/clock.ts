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

export function toIso (ms: number): string {
  return new Date(ms).toISOString()
}
