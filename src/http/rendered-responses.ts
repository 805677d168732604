// Serialized answers of the data operations, kept while what they were made
// from is unchanged. Bud's copy of a customer's data changes only when a
// pull lands or data is removed, and the same request then always gets the
// same bytes: a client polling a page gets them without the page being made
// and serialized again (a page of 100 transactions is ~75 KB of JSON).
// Bounded by size; the oldest go first.

/** The most characters of answers kept: a few hundred pages. */
export const MAX_RENDERED_CHARS = 16 * 1024 * 1024

interface Rendered {
  version: string
  body: string
}

export class RenderedResponses {
  readonly #maxChars: number
  readonly #byKey = new Map<string, Rendered>()
  #chars = 0

  constructor (maxChars = MAX_RENDERED_CHARS) {
    this.#maxChars = maxChars
  }

  /** The body kept for `key`, if it was made from this version of the data. */
  get (key: string, version: string): string | undefined {
    const kept = this.#byKey.get(key)
    return kept?.version === version ? kept.body : undefined
  }

  set (key: string, version: string, body: string): void {
    if (body.length > this.#maxChars) return
    this.#drop(key)
    this.#byKey.set(key, { version, body })
    this.#chars += body.length
    for (const [oldest] of this.#byKey) {
      if (this.#chars <= this.#maxChars) break
      this.#drop(oldest)
    }
  }

  clear (): void {
    this.#byKey.clear()
    this.#chars = 0
  }

  #drop (key: string): void {
    const kept = this.#byKey.get(key)
    if (kept === undefined) return
    this.#chars -= kept.body.length
    this.#byKey.delete(key)
  }
}
