// Serialized answers of the data operations, kept while what they were made
// from is unchanged. Bud's copy of a customer's data changes only when a
// pull lands or data is removed, and the same request then always gets the
// same bytes: a client polling a page gets them without the page being made
// and serialized again (a page of 100 transactions is ~130 KB of JSON). They
// are kept as bytes, encoded once: a string would be measured and encoded
// as UTF-8 again on every send.
// Bounded by size; the oldest go first.

/** How many items of a long `data` array serializedBytes serializes at a time: some 35 KB of transactions. */
const ITEMS_PER_PIECE = 25

/**
 * The answer serialized by `serialize` (the route's fast-json-stringify), as
 * UTF-8 bytes. A long `data` array is serialized some items at a time and
 * the pieces written into one buffer: the same bytes as serializing it
 * whole, without V8 first flattening one string of the whole answer. A
 * page of 100 transactions is some 130 KB, past the 128 KB from which V8
 * puts a string in its large-object space, each in memory of its own that
 * is fresh to the process: on the virtual machines this was measured on,
 * flattening such a string took ten times as long as one just under it
 * (docs/performance.md).
 */
export function serializedBytes (serialize: (body: unknown) => string, body: unknown, itemsPerPiece = ITEMS_PER_PIECE): Buffer {
  const whole = () => Buffer.from(serialize(body))
  const envelope = typeof body === 'object' && body !== null ? body as Record<string, unknown> : undefined
  const items = Array.isArray(envelope?.data) ? envelope.data as unknown[] : undefined
  if (envelope === undefined || items === undefined || items.length <= itemsPerPiece) return whole()
  // What comes before and after the items: the answer with none, cut inside its empty list.
  const empty = serialize({ ...envelope, data: [] })
  const list = empty.indexOf('"data":[]')
  if (list < 0) return whole()
  const head = empty.slice(0, list + '"data":['.length)
  const tail = empty.slice(head.length)
  const pieces = [head]
  for (let i = 0; i < items.length; i += itemsPerPiece) {
    const part = serialize({ ...envelope, data: items.slice(i, i + itemsPerPiece) })
    if (i > 0) pieces.push(',')
    pieces.push(part.slice(head.length, part.length - tail.length))
  }
  pieces.push(tail)
  let length = 0
  for (const piece of pieces) length += Buffer.byteLength(piece)
  const bytes = Buffer.allocUnsafe(length)
  let written = 0
  for (const piece of pieces) written += bytes.write(piece, written)
  return bytes
}

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

  /** Keeps `body` for `key`, and returns it. */
  set (key: string, version: string, body: Buffer): Buffer {
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
