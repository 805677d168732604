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

/** What an entry keeps of `text`: `last` itself when the text is the same. */
function kept (text: string, last: string): string {
  return text === last ? last : clip(text)
}

/**
 * Kept column by column in plain arrays that grow to the capacity and are then
 * overwritten in a ring: an entry is no object of its own, and its numbers stay
 * unboxed. Recording on every request then promotes only the strings it keeps
 * to the old generation, not an entry object and two boxed numbers as well.
 */
export class RequestHistory {
  readonly #capacity: number
  readonly #timeMs: number[] = []
  readonly #durationMs: number[] = []
  readonly #status: number[] = []
  readonly #method: string[] = []
  readonly #path: string[] = []
  readonly #requestId: string[] = []
  readonly #userAgent: (string | null)[] = []
  readonly #clientId: (string | null)[] = []
  readonly #customerId: (string | null)[] = []
  #next = 0
  // The last text kept per column: a request like the one before keeps that
  // string again instead of its own copy, so nothing new outlives the request.
  #lastPath = ''
  #lastUserAgent = ''
  #lastClientId = ''

  constructor (capacity: number) {
    this.#capacity = capacity
  }

  get capacity (): number {
    return this.#capacity
  }

  record (entry: Recorded): void {
    const at = this.#next
    this.#timeMs[at] = entry.timeMs
    this.#durationMs[at] = entry.duration_ms
    this.#status[at] = entry.status
    this.#method[at] = entry.method
    this.#path[at] = this.#lastPath = kept(entry.path, this.#lastPath)
    this.#requestId[at] = entry.request_id
    this.#userAgent[at] = entry.user_agent === null ? null : (this.#lastUserAgent = kept(entry.user_agent, this.#lastUserAgent))
    this.#clientId[at] = entry.client_id === null ? null : (this.#lastClientId = kept(entry.client_id, this.#lastClientId))
    this.#customerId[at] = entry.customer_id === null ? null : clip(entry.customer_id)
    this.#next = at + 1 === this.#capacity ? 0 : at + 1
  }

  /** Newest first, optionally only one client's or customer's. */
  list (filter: HistoryFilter = {}): RecordedRequest[] {
    const out: RecordedRequest[] = []
    const limit = filter.limit ?? this.#capacity
    const customerId = filter.customerId?.toLowerCase()
    const size = this.#timeMs.length
    for (let i = 1; i <= size && out.length < limit; i++) {
      const at = (this.#next - i + size) % size
      if (filter.clientId !== undefined && this.#clientId[at] !== filter.clientId) continue
      if (customerId !== undefined && this.#customerId[at]?.toLowerCase() !== customerId) continue
      out.push({
        time: new Date(this.#timeMs[at]!).toISOString(),
        method: this.#method[at]!,
        path: this.#path[at]!,
        status: this.#status[at]!,
        user_agent: this.#userAgent[at]!,
        request_id: this.#requestId[at]!,
        duration_ms: this.#durationMs[at]!,
        client_id: this.#clientId[at]!,
        customer_id: this.#customerId[at]!
      })
    }
    return out
  }

  clear (): void {
    for (const column of [this.#timeMs, this.#durationMs, this.#status, this.#method, this.#path, this.#requestId, this.#userAgent, this.#clientId, this.#customerId]) {
      column.length = 0
    }
    this.#next = 0
  }
}
