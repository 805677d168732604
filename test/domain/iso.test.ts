// Instants are written as ISO 8601 text in every answer; toIso keeps each
// day's date and adds the time of day, and must write exactly what
// Date.prototype.toISOString writes, at any instant a client can reach.
import t from 'tap'
import fc from 'fast-check'
import { toIso } from '../../src/domain/clock.js'

t.test('toIso writes what toISOString writes', async (t) => {
  // Any millisecond from 1970 to past year 9999 (the six-digit years), and the edges of a day.
  const instant = fc.oneof(
    fc.integer({ min: 0, max: Date.UTC(10_001, 0, 1) }),
    fc.tuple(fc.integer({ min: 0, max: 400_000 }), fc.constantFrom(0, 1, 999, 59_999, 3_599_999, 86_399_999)).map(([day, inDay]) => day * 86_400_000 + inDay)
  )
  fc.assert(fc.property(instant, (ms) => toIso(ms) === new Date(ms).toISOString()), { numRuns: 20_000, seed: 36 })
  t.equal(toIso(Date.parse('2026-11-23T23:59:59.999Z')), '2026-11-23T23:59:59.999Z')
  t.equal(toIso(Date.parse('2026-11-24T00:00:00.000Z')), '2026-11-24T00:00:00.000Z')
  t.equal(toIso(-1), '1969-12-31T23:59:59.999Z', 'before 1970 as toISOString writes it')
  t.equal(toIso(Date.UTC(10_000, 0, 1)), '+010000-01-01T00:00:00.000Z', 'a six-digit year as toISOString writes it')
  t.throws(() => toIso(Number.NaN), RangeError, 'no text for an invalid instant, as toISOString')
})
