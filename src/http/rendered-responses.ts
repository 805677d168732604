// Serialized answers of the data operations, kept while what they were made
// from is unchanged. Bud's copy of a customer's data changes only when a
// pull lands or data is removed, and the same request then always gets the
// same bytes: a client polling a page gets them without the page being made
// and serialized again (a page of 100 transactions is ~130 KB of JSON). They
// are kept as bytes, encoded once: a string would be measured and encoded
// as UTF-8 again on every send.
// Bounded by size; the oldest go first.

/** The most bytes of answers kept: a hundred or so pages. */
export const MAX_RENDERED_BYTES = 16 * 1024 * 1024

interface Rendered {
  version: string
  body: Buffer
}

export class RenderedResponses {
  readonly #maxBytes: number
  readonly #byKey = new Map<string, Rendered>()
  #bytes = 0

  constructor (maxBytes = MAX_RENDERED_BYTES) {
    this.#maxBytes = maxBytes
  }

  /** The body kept for `key`, if it was made from this version of the data. */
  get (key: string, version: string): Buffer | undefined {
    const kept = this.#byKey.get(key)
    return kept?.version === version ? kept.body : undefined
  }

  /** Keeps `text` for `key` as UTF-8, and returns the bytes kept (or made, when too large to keep). */
  set (key: string, version: string, text: string): Buffer {
    const body = Buffer.from(text)
    if (body.length > this.#maxBytes) return body
    this.#drop(key)
    this.#byKey.set(key, { version, body })
    this.#bytes += body.length
    for (const [oldest] of this.#byKey) {
      if (this.#bytes <= this.#maxBytes) break
      this.#drop(oldest)
    }
    return body
  }

  clear (): void {
    this.#byKey.clear()
    this.#bytes = 0
  }

  #drop (key: string): void {
    const kept = this.#byKey.get(key)
    if (kept === undefined) return
    this.#bytes -= kept.body.length
    this.#byKey.delete(key)
  }
}
