// Faults on demand: added latency (fixed or ranged) and a share of 503s on the
// Bud operations, so clients can test their timeouts and retries. Randomness
// is injected, so tests choose the outcome.

export interface FaultSettings {
  /** Added latency in ms: a fixed value, or a range to draw from uniformly. */
  latencyMs: number | { min: number, max: number }
  /** The share of requests answered 503, from 0 to 1. */
  errorRate: number
}

export const NO_FAULTS: FaultSettings = { latencyMs: 0, errorRate: 0 }

export interface FaultDecision {
  delayMs: number
  unavailable: boolean
}

/** The faults every client has unless it was given its own: the fixtures', or what a control set for all. */
export interface SharedFaults {
  settings: FaultSettings
}

/** One client's faults: its own when a control set them for it, else the shared ones. */
export class Faults {
  #own: FaultSettings | undefined
  readonly #shared: SharedFaults
  readonly #random: () => number

  constructor (shared: SharedFaults, random: () => number) {
    this.#shared = shared
    this.#random = random
  }

  get settings (): FaultSettings {
    return this.#own ?? this.#shared.settings
  }

  set (settings: FaultSettings): void {
    this.#own = settings
  }

  /** The client's own faults, if a control set them (what a snapshot keeps). */
  get own (): FaultSettings | undefined {
    return this.#own
  }

  /** Back to the shared faults. */
  reset (): void {
    this.#own = undefined
  }

  /** What to do to the next request; undefined when no fault applies (the fast path). */
  decide (): FaultDecision | undefined {
    const { latencyMs, errorRate } = this.settings
    if (latencyMs === 0 && errorRate === 0) return undefined
    const delayMs = typeof latencyMs === 'number'
      ? latencyMs
      : Math.round(latencyMs.min + (latencyMs.max - latencyMs.min) * this.#random())
    return { delayMs, unavailable: errorRate > 0 && this.#random() < errorRate }
  }
}
