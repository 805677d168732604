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

export class Faults {
  #settings: FaultSettings
  readonly #initial: FaultSettings
  readonly #random: () => number

  constructor (initial: FaultSettings, random: () => number) {
    this.#initial = initial
    this.#settings = initial
    this.#random = random
  }

  get settings (): FaultSettings {
    return this.#settings
  }

  set (settings: FaultSettings): void {
    this.#settings = settings
  }

  reset (): void {
    this.#settings = this.#initial
  }

  /** What to do to the next request; undefined when no fault applies (the fast path). */
  decide (): FaultDecision | undefined {
    const { latencyMs, errorRate } = this.#settings
    if (latencyMs === 0 && errorRate === 0) return undefined
    const delayMs = typeof latencyMs === 'number'
      ? latencyMs
      : Math.round(latencyMs.min + (latencyMs.max - latencyMs.min) * this.#random())
    return { delayMs, unavailable: errorRate > 0 && this.#random() < errorRate }
  }
}
