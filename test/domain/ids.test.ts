// Task and consent ids: random version 4 UUIDs, as Bud's are.
import t from 'tap'
import { newId, tagOf } from '../../src/domain/ids.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('ids are version 4 UUIDs and do not repeat, across many refills of the random pool', async (t) => {
  const seen = new Set<string>()
  const malformed: string[] = []
  for (let i = 0; i < 20_000; i++) {
    const id = newId()
    if (!V4.test(id)) malformed.push(id)
    seen.add(id)
  }
  t.same(malformed, [])
  t.equal(seen.size, 20_000)
})

t.test('every hex digit turns up in every random position', async (t) => {
  // A stuck nibble (a formatting slip) would leave some position with one digit only.
  const digits = Array.from({ length: 36 }, () => new Set<string>())
  for (let i = 0; i < 2_000; i++) [...newId()].forEach((c, at) => digits[at]!.add(c))
  const counts = digits.map((d) => d.size)
  const fixed = [8, 13, 14, 18, 23] // dashes and the version digit
  t.same(counts.filter((_, at) => !fixed.includes(at) && at !== 19), Array(30).fill(16))
  t.same(fixed.map((at) => counts[at]), [1, 1, 1, 1, 1])
  t.equal(counts[19], 4, 'the variant digit is one of 8, 9, a, b')
})

t.test('a tagged id carries its tag in its first 32 bits and is still a version 4 UUID', async (t) => {
  for (const tag of [0, 1, 0xdeadbeef, 2 ** 32 - 1]) {
    const id = newId(tag)
    t.match(id, V4)
    t.equal(id.slice(0, 8), tag.toString(16).padStart(8, '0'))
    t.equal(tagOf(id), tag)
    t.equal(tagOf(id.toUpperCase()), tag)
  }
  t.not(newId(7), newId(7), 'the rest stays random')
  for (const notAnId of ['', 'deadbeef', 'deadbeef-', `deadbeeg-${newId().slice(9)}`, `deadbeef_${newId().slice(9)}`, `${newId()}0`]) {
    t.equal(tagOf(notAnId), undefined, JSON.stringify(notAnId))
  }
})
