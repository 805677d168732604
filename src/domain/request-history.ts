// The sandbox's "Recent Requests": a fixed-size ring of what clients sent,
// newest first when read. Recording is O(1) and allocation-light so it can
// stay on for every request.

export interface RecordedRequest {
  time: string
  method: string
  path: string
  status: number
  user_agent: string | null
  request_id: string
  duration_ms: number
  client_id: string | null
  customer_id: string | null
}

export interface HistoryFilter {
  clientId?: string | undefined
  customerId?: string | undefined
  limit?: number | undefined
}

/** What is kept per request: the time as a number, formatted only when read. */
export type Recorded = Omit<RecordedRequest, 'time'> & { timeMs: number }

/** The most characters of each text a client sent that an entry keeps. */
const MAX_TEXT = 1024

// A slice would keep the whole original alive (V8 slices point into it); the
// JSON round trip makes a copy of just the kept part. Only long values pay.
function clip (text: string): string {
  return text.length <= MAX_TEXT ? text : JSON.parse(JSON.stringify(text.slice(0, MAX_TEXT))) + '…'
}

export class RequestHistory {
  readonly #entries: (Recorded | undefined)[]
  #next = 0

  constructor (capacity: number) {
    this.#entries = new Array(capacity)
  }

  get capacity (): number {
    return this.#entries.length
  }

  record (entry: Recorded): void {
    entry.path = clip(entry.path)
    if (entry.user_agent !== null) entry.user_agent = clip(entry.user_agent)
    if (entry.client_id !== null) entry.client_id = clip(entry.client_id)
    if (entry.customer_id !== null) entry.customer_id = clip(entry.customer_id)
    this.#entries[this.#next] = entry
    this.#next = (this.#next + 1) % this.#entries.length
  }

  /** Newest first, optionally only one client's or customer's. */
  list (filter: HistoryFilter = {}): RecordedRequest[] {
    const out: RecordedRequest[] = []
    const limit = filter.limit ?? this.#entries.length
    const customerId = filter.customerId?.toLowerCase()
    for (let i = 1; i <= this.#entries.length && out.length < limit; i++) {
      const entry = this.#entries[(this.#next - i + this.#entries.length) % this.#entries.length]
      if (entry === undefined) break
      if (filter.clientId !== undefined && entry.client_id !== filter.clientId) continue
      if (customerId !== undefined && entry.customer_id?.toLowerCase() !== customerId) continue
      const { timeMs, ...rest } = entry
      out.push({ time: new Date(timeMs).toISOString(), ...rest })
    }
    return out
  }

  clear (): void {
    this.#entries.fill(undefined)
    this.#next = 0
  }
}
