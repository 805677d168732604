// Task and consent ids: random version 4 UUIDs, as Bud's are.
import t from 'tap'
import { newId } from '../../src/domain/ids.js'

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
