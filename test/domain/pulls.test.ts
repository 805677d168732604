// A refresh's has_new_transactions: true exactly when its pull sees a version
// of a transaction that Bud's copy does not hold. A pull looks at the newest
// days first and does not make again the days whose generated transactions
// Bud already holds as they will stay; this checks it against every day of
// the window read in full, over pulls at any times and windows, with
// transactions added at the bank at any date between them.
import t from 'tap'
import fc from 'fast-check'
import { addAtBank, DAY_MS, entriesOn } from '../../src/domain/data/bank.js'
import { applyPull, held, openData, versionAt, type ConnectionData, type Pull } from '../../src/domain/data/bud-copy.js'
import { PROFILES } from '../../src/domain/data/profiles.js'

const ANCHOR = Date.parse('2026-11-23T12:00:00Z')
const HOUR_MS = 60 * 60 * 1000

/** Every transaction dated in the pull's window, day by day: does the pull see one Bud does not hold? */
function bringsNew (data: ConnectionData, pull: Pull): boolean {
  for (let day = Math.floor(pull.fromMs / DAY_MS); day <= Math.floor(pull.toMs / DAY_MS); day++) {
    for (const entry of entriesOn(data.bank, day)) {
      if (entry.dateMs < pull.fromMs || entry.dateMs > pull.toMs) continue
      const seen = versionAt(entry, pull.atMs)
      if (seen !== undefined && seen !== held(data, entry, Infinity)?.transactionId) return true
    }
  }
  return false
}

const step = fc.record({
  // How long after the previous pull this one lands: minutes to weeks.
  afterMs: fc.oneof(fc.integer({ min: 1, max: 6 * HOUR_MS }), fc.integer({ min: 1, max: 20 * DAY_MS })),
  // How far back its window reaches: a refresh's week, the 90 days, or just since the last pull.
  backMs: fc.oneof(fc.constant(7 * DAY_MS), fc.constant(90 * DAY_MS), fc.integer({ min: 0, max: 100 * DAY_MS })),
  // A transaction a test adds at the bank before it, dated up to 60 days back.
  added: fc.option(fc.integer({ min: 0, max: 60 * DAY_MS }), { nil: undefined })
})

t.test('a pull says it brought something new exactly when one of its window\'s transactions is new to Bud', async (t) => {
  let checked = 0
  let brought = 0
  fc.assert(fc.property(fc.constantFrom(...PROFILES), fc.nat(5), fc.array(step, { minLength: 1, maxLength: 12 }), (profile, customer, steps) => {
    const customerId = `cccccccc-0000-4000-8000-${String(customer).padStart(12, '0')}`
    const data = openData(customerId, 'Bank_Of_Bud', { profile, ordinal: 0 }, ANCHOR)
    let nowMs = ANCHOR
    for (const { afterMs, backMs, added } of steps) {
      nowMs += afterMs
      if (added !== undefined) {
        addAtBank(data.bank, customerId, 'Bank_Of_Bud', [{ description: 'LATE CHEQUE', amountPence: 1000, credit: true, dateMs: nowMs - added, status: 'booked' }], nowMs)
      }
      const pull = { fromMs: nowMs - backMs, toMs: nowMs, atMs: nowMs }
      const expected = bringsNew(data, pull)
      if (applyPull(data, pull) !== expected) return false
      checked++
      if (expected) brought++
    }
    return true
  }), { numRuns: 60, seed: 35 })
  // Both answers were met, so the property compared something.
  t.ok(brought > 0 && brought < checked, `${brought} of ${checked} pulls brought something new`)
})
