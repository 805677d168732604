// Ids that live as long as their task, customer, consent or request-history
// entry. Each kind of id is drawn from its own seeded sequence, so the same
// fixtures and requests give the same ids in every process (users snapshot
// them) and one kind's ids do not depend on how many of another were made.
// An id is written straight into one flat string of 56 bytes: Node's
// randomUUID() returns a rope of ~18 pieces, and whatever keeps it keeps ~570.
import { createHash } from 'node:crypto'
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus'

const HEX = Buffer.from('0123456789abcdef', 'latin1')
const DASH = 0x2d
const bytes = Buffer.alloc(16)
const text = Buffer.alloc(36)

/** FNV-1a over the seed's UTF-16 code units: a sequence's 32-bit seed from its name. */
function seedOf (name: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193)
  return hash | 0
}

/** A seeded sequence of version 4 UUIDs: the same name gives the same ids in every process. */
export class IdSource {
  readonly #name: string
  #rng: ReturnType<typeof xoroshiro128plus>

  constructor (name: string) {
    this.#name = name
    this.#rng = xoroshiro128plus(seedOf(name))
  }

  /** Starts the sequence again from its first id (a reset sandbox draws what a new one would). */
  restart (): void {
    this.#rng = xoroshiro128plus(seedOf(this.#name))
  }

  /** Where the sequence is, to carry on from with `resume` (a snapshot's). */
  get position (): readonly number[] {
    return this.#rng.getState!()
  }

  /** Carries on from a `position`. */
  resume (position: readonly number[]): void {
    this.#rng = xoroshiro128plusFromState(position)
  }

  /** The next 32 bits of the sequence, as an unsigned number. */
  nextInt (): number {
    return this.#rng.next() >>> 0
  }

  /** The next id. With a `tag`, its first 32 bits are the tag instead (see tagOf). */
  next (tag?: number): string {
    const rng = this.#rng
    for (let at = 0; at < 16; at += 4) bytes.writeInt32BE(rng.next(), at)
    if (tag !== undefined) bytes.writeUInt32BE(tag >>> 0, 0)
    return written()
  }
}

/** `bytes` as a version 4 UUID in text. */
function written (): string {
  bytes[6] = (bytes[6]! & 0x0f) | 0x40 // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80 // RFC 9562 variant
  let out = 0
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[out++] = DASH
    const byte = bytes[i]!
    text[out++] = HEX[byte >> 4]!
    text[out++] = HEX[byte & 0x0f]!
  }
  return text.toString('latin1')
}

/** A version 4 UUID that is a function of `name`: the same name, the same id, with no sequence to keep. */
export function idOf (name: string): string {
  createHash('md5').update(name).digest().copy(bytes)
  return written()
}

/** The first 32 bits of a UUID in text (the tag of IdSource.next(tag)), or undefined when it is not one. */
export function tagOf (id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(8) !== DASH) return undefined
  let tag = 0
  for (let i = 0; i < 8; i++) {
    const digit = hexValue(id.charCodeAt(i))
    if (digit < 0) return undefined
    tag = tag * 16 + digit
  }
  return tag
}

function hexValue (code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  return -1
}
