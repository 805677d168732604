// No control can break the sandbox: property tests throw far-past, far-future
// and overflowing instants, durations and amounts at the clock, a connection's
// last pull and consent, and the bank, then read everything a client reads.
// Every answer is below 500 (and fits openapi.yaml, through the harness), the
// clock stays a valid instant, a refused control changes nothing, and a reset
// always gives back a sandbox that runs the journey.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../src/fixtures.js'
import { build, CLIENT, CUSTOMERS, type Harness } from './helper.js'

const RUNS = 60
const extremeInstant = fc.oneof(
  fc.constantFrom(
    '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2000-01-01T00:00:00Z', '2024-11-23T12:00:00Z', '2024-11-24T12:00:00Z',
    '2026-11-23T11:59:59Z', '2026-11-23T12:00:00Z', '2028-11-22T00:00:00Z', '2099-12-31T23:59:59Z', '2100-01-01T00:00:01Z', 'not a date'
  ),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
)
const extremeDuration = fc.oneof(
  fc.constantFrom('P300000Y', 'P1000Y', 'P3Y', 'P2Y', 'P1Y11M', 'P91D', 'PT1S', 'P-1D', 'PT9007199254740993S', 'P99999999999999999999D', 'P', 'nonsense'),
  fc.integer({ min: 0, max: 4000 }).map((days) => `P${days}D`)
)
const extremeAmount = fc.oneof(
  fc.constantFrom('999999999999.99', '1000000000.00', '999999999.99', '0.01', '0', '1e5', '-5.00', '12.345', '9007199254740993'),
  fc.integer({ min: 0, max: 99_999_999_999 }).map((pence) => `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`)
)

const action = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), value: extremeDuration }),
  fc.record({ kind: fc.constant('now' as const), value: extremeInstant }),
  fc.record({ kind: fc.constant('last_pull_at' as const), value: extremeInstant }),
  fc.record({ kind: fc.constant('consented_at' as const), value: extremeInstant }),
  fc.record({ kind: fc.constant('transactions' as const), value: fc.array(fc.record({ date: fc.option(extremeInstant, { nil: undefined }), amount: extremeAmount }), { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant('refresh' as const), value: fc.constant('') })
)
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never

const customer = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }
const READS = ['/financial/v3/accounts', '/financial/v2/transactions?page_size=100', '/financial/v3/accounts/transaction-dates', '/financial/v3/balances', '/v1/open-banking/account-access-consents']

async function act (h: Harness, a: Action) {
  switch (a.kind) {
    case 'advance':
    case 'now':
      return h.inject({ method: 'POST', url: '/__admin/clock', payload: { [a.kind]: a.value } })
    case 'last_pull_at':
    case 'consented_at':
      return h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud`, payload: { [a.kind]: a.value } })
    case 'transactions':
      return h.inject({
        method: 'POST',
        url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`,
        payload: { transactions: a.value.map((t) => ({ description: 'HOSTILE', amount: { value: t.amount }, credit_debit_indicator: 'credit', ...(t.date === undefined ? {} : { date_time: t.date }) })) }
      })
    case 'refresh':
      return h.refresh({ provider: 'Bank_Of_Bud' })
  }
}

const clockNow = async (h: Harness) => (await h.inject({ url: '/__admin/clock' })).json().now as string

t.test('no control with far-past, far-future or overflowing values makes an answer a 5xx or leaves the clock invalid', async (t) => {
  const h = await build(t)
  await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 6 }), async (actions) => {
    await h.inject({ method: 'POST', url: '/__admin/reset' })
    for (const a of actions) {
      const before = await clockNow(h)
      const res = await act(h, a)
      if (res.statusCode >= 500) throw new Error(`${a.kind} ${JSON.stringify(a.value)} answered ${res.statusCode} ${res.body}`)
      const after = await clockNow(h)
      if (Number.isNaN(Date.parse(after))) throw new Error(`the clock is ${after} after ${a.kind} ${JSON.stringify(a.value)}`)
      // A refused clock change changes nothing.
      if ((a.kind === 'advance' || a.kind === 'now') && res.statusCode === 400 && after !== before) throw new Error(`a refused ${a.kind} moved the clock from ${before} to ${after}`)
      h.advance('PT5S')
      for (const url of READS) {
        const read = await h.inject({ url, headers: customer })
        if (read.statusCode >= 500) throw new Error(`GET ${url} answered ${read.statusCode} after ${a.kind} ${JSON.stringify(a.value)}`)
      }
    }
  }), { numRuns: RUNS })
  t.pass('every answer below 500, the clock always valid')
})

t.test('the edges: what is refused names the field and the range, and changes nothing', async (t) => {
  const h = await build(t)
  const huge = await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'P300000Y' } })
  t.equal(huge.statusCode, 400)
  t.match(huge.json(), { code_id: 'failed_validation', errors: { advance: /at most to 2028-11-2\dT.*two years past its start or last reset/ } })
  t.equal(await clockNow(h), '2026-11-23T12:00:00.000Z')
  t.equal((await h.inject({ method: 'POST', url: '/__admin/clock', payload: { now: '+275760-09-13T00:00:00Z' } })).statusCode, 400)
  t.equal((await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'P1Y6M' } })).statusCode, 200)
  t.equal((await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'P1Y' } })).statusCode, 400, 'two years in all')
  // A reset starts the two years again from where the clock is.
  t.equal((await h.inject({ method: 'POST', url: '/__admin/reset' })).statusCode, 200)
  t.equal((await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'P1Y' } })).statusCode, 200)

  for (const [field, value] of [['last_pull_at', '-271821-04-20T00:00:00Z'], ['last_pull_at', '0000-01-01T00:00:00Z'], ['consented_at', '1999-12-31T00:00:00Z'], ['last_pull_at', '2024-11-01T00:00:00Z']] as const) {
    const res = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud`, payload: { [field]: value } })
    t.equal(res.statusCode, 400, `${field} ${value}`)
    t.match(res.json().errors[field], /between .* and .*two years before its clock/)
  }

  const bank = (amount: string, date?: string) => h.inject({
    method: 'POST',
    url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`,
    payload: { transactions: [{ description: 'BIG', amount: { value: amount }, credit_debit_indicator: 'credit', ...(date === undefined ? {} : { date_time: date }) }] }
  })
  t.equal((await bank('999999999999.99')).statusCode, 400, 'twelve digits of pounds are refused')
  t.equal((await bank('1.00', '0000-01-01T00:00:00Z')).statusCode, 400, 'a transaction in year 0 is refused')
  t.match((await bank('1.00', '0000-01-01T00:00:00Z')).json().errors, { 'transactions.0.date_time': /two years before its clock/ })
})

t.test('amounts are exact: a thousand of the largest sum to the penny', async (t) => {
  // A bank given outright, so that nothing but what is added moves its balance.
  const raw = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  raw.customers[0].connections[0] = { provider: 'Bank_Of_Bud', last_pull_ago: 'PT1H', accounts: [{ account_id: 'acc-1', balance: '999999999.99' }] }
  const file = join(t.testdir({}), 'given.json')
  writeFileSync(file, JSON.stringify(raw))
  const h = await build(t, { fixtures: loadFixtures(file, { checkSchema: true }) })
  for (let i = 0; i < 10; i++) {
    const added = await h.inject({
      method: 'POST',
      url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`,
      payload: { transactions: Array.from({ length: 100 }, () => ({ description: 'LOTTERY WIN', amount: { value: '999999999.99' }, credit_debit_indicator: 'credit' })) }
    })
    t.equal(added.statusCode, 201)
  }
  h.advance('PT1M')
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).statusCode, 202)
  h.advance('PT1M')
  const account = (await h.inject({ url: '/financial/v3/accounts', headers: customer })).json().data.find((a: { account_id: string }) => a.account_id === 'acc-1')
  // 1,001 × 999999999.99: a float sum would be off in the last digits (…03758.08 for 1,000).
  t.equal(account.balances.booked.amount.value, '1000999999989.99')
})

t.test('a reset always gives back a sandbox that runs the journey', async (t) => {
  const h = await build(t)
  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'P1Y11M' } })
  await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud`, payload: { consent_status: 'revoked' } })
  t.equal((await h.inject({ method: 'POST', url: '/__admin/reset' })).statusCode, 200)
  const started = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(started.statusCode, 202)
  h.advance('PT10S')
  t.match((await h.status(started.json().data.task_id)).json().data, { status: 'Completed', result: 'success' })
  t.equal((await h.inject({ url: '/financial/v2/transactions?page_size=5', headers: customer })).json().data.length, 5)
})
