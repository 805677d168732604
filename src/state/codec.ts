// Plain data to bytes and back, for snapshots: objects, arrays (holes too),
// Maps, Sets, strings, numbers (±Infinity and NaN too), booleans, null and
// undefined, with every object written once and referred to after, so what
// refers to what survives the trip. V8's own serializer does the same but
// writes every key of every object and every copy of a string, and reads a
// million tasks back in tens of seconds; here an object's keys are written
// once per shape, a string once, and the values go to typed arrays, so a
// snapshot of a million tasks reads back in about a second. Anything else (a
// class instance, a function) is refused: the state must be plain data.

const enum Tag {
  Undefined, Null, False, True, Number, String, Ref, Object, Array, Hole, Map, Set
}

/** The encoded form: tags, integers, numbers and strings, each its own array. */
interface Streams {
  tags: Uint8Array
  ints: Uint32Array
  nums: Float64Array
  strings: string[]
  shapes: string[][]
}

class Growing<T extends Uint8Array | Uint32Array | Float64Array> {
  array: T
  length = 0
  constructor (readonly make: (size: number) => T) {
    this.array = make(1024)
  }

  push (value: number): void {
    if (this.length === this.array.length) {
      const bigger = this.make(this.array.length * 2)
      bigger.set(this.array)
      this.array = bigger
    }
    this.array[this.length++] = value
  }

  done (): T {
    return this.array.subarray(0, this.length) as T
  }
}

/** Encodes `value`, which must be plain data. */
export function encode (value: unknown): Buffer {
  const tags = new Growing((n) => new Uint8Array(n))
  const ints = new Growing((n) => new Uint32Array(n))
  const nums = new Growing((n) => new Float64Array(n))
  const strings: string[] = []
  const stringIds = new Map<string, number>()
  const shapes: string[][] = []
  // Shapes by their keys, one key a level: no string is made to look one up.
  const shapeTree: ShapeNode = { id: -1, next: new Map() }
  const seen = new Map<object, number>()
  let objects = 0

  const str = (s: string): number => {
    let id = stringIds.get(s)
    if (id === undefined) {
      id = strings.length
      strings.push(s)
      stringIds.set(s, id)
    }
    return id
  }

  // An explicit stack instead of recursion: a long chain of objects cannot overflow it.
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    switch (typeof v) {
      case 'undefined': tags.push(Tag.Undefined); continue
      case 'boolean': tags.push(v ? Tag.True : Tag.False); continue
      case 'number': tags.push(Tag.Number); nums.push(v); continue
      case 'string': tags.push(Tag.String); ints.push(str(v)); continue
      case 'object': break
      default: throw new TypeError(`a snapshot holds plain data only, not a ${typeof v}`)
    }
    if (v === null || v === HOLE) {
      tags.push(v === null ? Tag.Null : Tag.Hole)
      continue
    }
    const known = seen.get(v)
    if (known !== undefined) {
      tags.push(Tag.Ref)
      ints.push(known)
      continue
    }
    seen.set(v, objects++)
    // Children are pushed last first, so they are written in order.
    if (Array.isArray(v)) {
      tags.push(Tag.Array)
      ints.push(v.length)
      for (let i = v.length - 1; i >= 0; i--) stack.push(i in v ? v[i] : HOLE)
    } else if (v instanceof Map) {
      tags.push(Tag.Map)
      ints.push(v.size)
      const pairs = [...v]
      for (let i = pairs.length - 1; i >= 0; i--) stack.push(pairs[i]![1], pairs[i]![0])
    } else if (v instanceof Set) {
      tags.push(Tag.Set)
      ints.push(v.size)
      const items = [...v]
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i])
    } else {
      const proto = Object.getPrototypeOf(v) as unknown
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`a snapshot holds plain data only, not a ${(v as object).constructor?.name ?? 'class instance'}`)
      const record = v as Record<string, unknown>
      // The values go on the stack last first, so they are written in the keys' order.
      const base = stack.length
      let node = shapeTree
      let count = 0
      for (const key in record) {
        let next = node.next.get(key)
        if (next === undefined) node.next.set(key, next = { id: -1, next: new Map() })
        node = next
        stack.push(record[key])
        count++
      }
      for (let low = base, high = base + count - 1; low < high; low++, high--) {
        const swap = stack[low]
        stack[low] = stack[high]
        stack[high] = swap
      }
      if (node.id === -1) {
        node.id = shapes.length
        shapes.push(Object.keys(record))
      }
      tags.push(Tag.Object)
      ints.push(node.id)
    }
  }
  return pack({ tags: tags.done(), ints: ints.done(), nums: nums.done(), strings, shapes })
}

interface ShapeNode {
  id: number
  next: Map<string, ShapeNode>
}

// A hole in an array, while encoding.
const HOLE = Object.freeze({})

/** Decodes what `encode` made. */
export function decode (bytes: Buffer): unknown {
  const { tags, ints, nums, strings, shapes } = unpack(bytes)
  const objects: unknown[] = []
  let t = 0
  let i = 0
  let n = 0
  // Containers being filled: the container, how it is filled, how many values it still takes.
  interface Open { into: unknown, kind: Tag, keys: string[] | undefined, next: number, size: number, key: unknown }
  const open: Open[] = []
  let result: unknown
  const place = (value: unknown): void => {
    for (;;) {
      const top = open[open.length - 1]
      if (top === undefined) {
        result = value
        return
      }
      switch (top.kind) {
        case Tag.Object: (top.into as Record<string, unknown>)[top.keys![top.next]!] = value; break
        case Tag.Array: if (value !== HOLE) (top.into as unknown[])[top.next] = value; break
        case Tag.Set: (top.into as Set<unknown>).add(value); break
        case Tag.Map:
          if (top.key === HOLE) {
            top.key = value
            return
          }
          (top.into as Map<unknown, unknown>).set(top.key, value)
          top.key = HOLE
          break
      }
      if (++top.next < top.size) return
      // Filled: it is itself the next value of the one around it.
      open.pop()
      value = top.into
    }
  }
  while (t < tags.length) {
    const tag = tags[t++] as Tag
    switch (tag) {
      case Tag.Undefined: place(undefined); break
      case Tag.Null: place(null); break
      case Tag.False: place(false); break
      case Tag.True: place(true); break
      case Tag.Number: place(nums[n++]); break
      case Tag.String: place(strings[ints[i++]!]); break
      case Tag.Ref: place(objects[ints[i++]!]); break
      case Tag.Hole: place(HOLE); break
      case Tag.Object: {
        const shape = ints[i++]!
        // Its keys are set in the shape's order: objects of one shape share one hidden class.
        const object = {}
        objects.push(object)
        const keys = shapes[shape]!
        if (keys.length === 0) place(object)
        else open.push({ into: object, kind: tag, keys, next: 0, size: keys.length, key: HOLE })
        break
      }
      case Tag.Array: case Tag.Map: case Tag.Set: {
        const size = ints[i++]!
        const into = tag === Tag.Array ? new Array(size) : tag === Tag.Map ? new Map() : new Set()
        objects.push(into)
        if (size === 0) place(into)
        else open.push({ into, kind: tag, keys: undefined, next: 0, size, key: HOLE })
        break
      }
      default: throw new Error(`not a snapshot (tag ${String(tag)})`)
    }
  }
  return result
}

// The streams in one buffer: a JSON line with the strings' lengths and the
// shapes, then the numbers, integers and tags (aligned), then the strings' text.
function pack ({ tags, ints, nums, strings, shapes }: Streams): Buffer {
  const text = Buffer.from(strings.join(''), 'utf8')
  const lengths = new Uint32Array(strings.map((s) => s.length))
  const head = Buffer.from(JSON.stringify({ tags: tags.length, ints: ints.length, nums: nums.length, strings: strings.length, text: text.length, shapes }) + '\n')
  const pad = Buffer.alloc((8 - head.length % 8) % 8)
  return Buffer.concat([head, pad, bytesOf(nums), bytesOf(ints), bytesOf(lengths), bytesOf(tags), text])
}

function unpack (bytes: Buffer): Streams {
  const newline = bytes.indexOf(10)
  const head = JSON.parse(bytes.toString('utf8', 0, newline)) as { tags: number, ints: number, nums: number, strings: number, text: number, shapes: string[][] }
  let at = newline + 1
  at += (8 - at % 8) % 8
  // Copied out, so each typed array is aligned whatever the buffer's offset.
  const take = (length: number): ArrayBuffer => {
    const slice = (bytes.buffer as ArrayBuffer).slice(bytes.byteOffset + at, bytes.byteOffset + at + length)
    at += length
    return slice
  }
  const nums = new Float64Array(take(head.nums * 8))
  const ints = new Uint32Array(take(head.ints * 4))
  const lengths = new Uint32Array(take(head.strings * 4))
  const tags = new Uint8Array(take(head.tags))
  const text = bytes.toString('utf8', at, at + head.text)
  const strings = new Array<string>(head.strings)
  let from = 0
  for (let s = 0; s < lengths.length; s++) {
    strings[s] = text.slice(from, from + lengths[s]!)
    from += lengths[s]!
  }
  return { tags, ints, nums, strings, shapes: head.shapes }
}

const bytesOf = (array: Uint8Array | Uint32Array | Float64Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)
