// The sandbox clock: real time plus an offset that /__admin/clock moves.
// Everything time-based (progress, dedupe, the 90-day window) reads this clock,
// never Date.now(), so a test moves time instead of sleeping.
import { DateTime, Duration } from 'luxon'

export interface Clock {
  now (): DateTime
  nowMs (): number
}

/** Where the clock takes its ticks from: the real clock in production, a hand-moved one in tests. */
export type TimeSource = () => number

export class SandboxClock implements Clock {
  readonly #source: TimeSource
  #offsetMs = 0

  constructor (source: TimeSource) {
    this.#source = source
  }

  nowMs (): number {
    return this.#source() + this.#offsetMs
  }

  now (): DateTime {
    return DateTime.fromMillis(this.nowMs(), { zone: 'utc' })
  }

  /** Moves the clock forward; it keeps running from there. */
  advance (by: Duration): void {
    this.#offsetMs += by.toMillis()
  }

  /** Sets the clock to an instant; it keeps running from there. */
  set (to: DateTime): void {
    this.#offsetMs = to.toMillis() - this.#source()
  }
}

export function toIso (ms: number): string {
  return new Date(ms).toISOString()
}
