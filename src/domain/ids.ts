// Ids and keys that live as long as their task. Node's randomUUID() returns a
// rope of ~18 concatenated pieces, and a Map keyed by it never flattens it:
// ~570 bytes stay alive per id. A flat copy is 56 bytes (see `npm run bench`).
import { randomUUID } from 'node:crypto'

const ONE_BYTE = /^[\u0000-\u00ff]*$/ // eslint-disable-line no-control-regex

/** A flat copy of a string built by concatenation; lossless for any string. */
export function flat (value: string): string {
  // Matching a regex flattens a rope in place; a one-byte string is then copied whole.
  if (ONE_BYTE.test(value)) return Buffer.from(value, 'latin1').toString('latin1')
  return value
}

export function newId (): string {
  return flat(randomUUID())
}
