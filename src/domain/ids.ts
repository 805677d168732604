// Ids that live as long as their task, customer or request-history entry.
// Node's randomUUID() returns a rope of ~18 concatenated pieces, and whatever
// keeps it keeps ~570 bytes; an id written here is one flat string of 56 bytes.
import { randomFillSync } from 'node:crypto'

const HEX = Buffer.from('0123456789abcdef', 'latin1')
const DASH = 0x2d
// Random bytes drawn 4 KiB at a time (as randomUUID() does), written out as text in one buffer.
const random = Buffer.alloc(16 * 256)
let used = random.length
const text = Buffer.alloc(36)

/**
 * A random (version 4) UUID, written straight into a flat string: five times
 * cheaper than flattening randomUUID()'s, and ids are made on every request.
 * With a `tag`, its first 32 bits are the tag instead of random (see tagOf).
 */
export function newId (tag?: number): string {
  if (used === random.length) {
    randomFillSync(random)
    used = 0
  }
  if (tag !== undefined) random.writeUInt32BE(tag >>> 0, used)
  random[used + 6] = (random[used + 6]! & 0x0f) | 0x40 // version 4
  random[used + 8] = (random[used + 8]! & 0x3f) | 0x80 // RFC 9562 variant
  let at = 0
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = DASH
    const byte = random[used + i]!
    text[at++] = HEX[byte >> 4]!
    text[at++] = HEX[byte & 0x0f]!
  }
  used += 16
  return text.toString('latin1')
}

/** The first 32 bits of a UUID in text (the tag of newId(tag)), or undefined when it is not one. */
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
