// The customer's data as a client reads it: the first pull, what a refresh
// brings (and only once it has completed), the window, has_new_transactions,
// balances, page walks, deletion, and Bud's errors for bad input.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../../src/fixtures.js'
import { build, CLIENT, CUSTOMERS, failedValidation, type Harness } from '../helper.js'

const DAY = 24 * 60 * 60 * 1000
const HEADERS = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }

interface Txn { transaction_id: string, account_id: string, provider: string, status: string, date_time: string, description: string, credit_debit_indicator: string, amount: { value: string } }
interface Account { account_id: string, provider: string, account_type: string, balances: { booked: { amount: { value: string }, credit_debit_indicator: string } } }

const get = (h: Harness, url: string, headers: Record<string, string> = HEADERS) => h.inject({ url, headers })

/** Every transaction, walking all pages of `size`. */
async function walk (h: Harness, size: number, between?: (page: number) => Promise<void>): Promise<Txn[]> {
  const all: Txn[] = []
  let token: string | undefined
  for (let page = 0; page < 1000; page++) {
    const res = await get(h, `/financial/v2/transactions?page_size=${size}${token === undefined ? '' : `&page_token=${token}`}`)
    if (res.statusCode !== 200) throw new Error(res.body)
    all.push(...res.json().data)
    token = res.json().metadata.next_page_token
    if (token === undefined) return all
    await between?.(page)
  }
  throw new Error('too many pages')
}

const accounts = async (h: Harness): Promise<Account[]> => (await get(h, '/financial/v3/accounts')).json().data
const signed = (a: Account) => Math.round(Number(a.balances.booked.amount.value) * 100) * (a.balances.booked.credit_debit_indicator === 'debit' ? -1 : 1)
const pence = (t: Txn) => Math.round(Number(t.amount.value) * 100) * (t.credit_debit_indicator === 'debit' ? -1 : 1)

async function refreshAndWait (h: Harness, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const started = await h.refresh(body, headers)
  t.equal(started.statusCode, 202, started.body)
  const taskId = started.json().data.task_id as string
  h.advance('PT3S')
  return (await h.status(taskId)).json()
}

t.test('the first pull: accounts with UK identifiers and balances, and 90 days of transactions, newest first', async (t) => {
  const h = await build(t)
  const held = await accounts(h)
  t.same(held.map((a) => [a.provider, a.account_type]), [['Bank_Of_Bud', 'current_account'], ['Bank_Of_Bud', 'savings'], ['Natwest_Sandbox', 'current_account'], ['Natwest_Sandbox', 'credit_card']], 'the first bank holds the salary\'s current account and savings; the second an everyday account and a credit card')
  for (const a of held as unknown as { identifiers: { uk_sort_code: string, uk_account_number: string } }[]) {
    t.match(a.identifiers, { uk_sort_code: /^\d{6}$/, uk_account_number: /^\d{8}$/ })
  }
  const all = await walk(h, 200)
  t.ok(all.length > 150, `${all.length} transactions`)
  const times = all.map((x) => Date.parse(x.date_time))
  t.same(times, [...times].sort((a, b) => b - a), 'newest first')
  t.ok(all.some((x) => /salary/i.test(x.description)), 'a salary')
  t.ok(all.some((x) => x.status === 'pending'), 'recent card payments are pending')
  t.ok(times.every((ms) => ms >= Date.parse('2026-08-23T12:00:00Z') - DAY), 'nothing older than the first pull\'s 90 days')
})

t.test('the same fixtures and clock give the same data, ids included, in every app', async (t) => {
  const one = await build(t)
  const two = await build(t)
  t.equal((await get(one, '/financial/v2/transactions?page_size=200')).body, (await get(two, '/financial/v2/transactions?page_size=200')).body)
  t.equal((await get(one, '/financial/v3/accounts')).body, (await get(two, '/financial/v3/accounts')).body)
})

t.test('a transaction added at the bank shows only once a refresh covering it has completed, and moves the balance by exactly the new booked ones', async (t) => {
  const h = await build(t)
  const before = await walk(h, 200)
  const balanceBefore = signed((await accounts(h))[0]!)
  const added = await h.inject({
    method: 'POST',
    url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`,
    payload: { transactions: [{ description: 'REFUND FROM ACME SHOP', amount: { value: '42.50', currency: 'GBP' }, credit_debit_indicator: 'credit' }] }
  })
  t.equal(added.statusCode, 201)
  const id = added.json().transactions[0].transaction_id as string
  t.notOk((await walk(h, 200)).some((x) => x.transaction_id === id), 'not in Bud\'s copy before a refresh')

  const started = await h.refresh({ provider: 'Bank_Of_Bud' })
  const taskId = started.json().data.task_id
  h.advance('PT2S')
  t.equal((await h.status(taskId)).json().metadata.status, 'Pending')
  t.notOk((await walk(h, 200)).some((x) => x.transaction_id === id), 'not while the refresh is pending')

  h.advance('PT1S')
  const done = (await h.status(taskId)).json()
  t.same(done.metadata, { status: 'Completed', has_new_transactions: true })
  const after = await walk(h, 200)
  const mine = after.find((x) => x.transaction_id === id)
  t.match(mine, { account_id: (await accounts(h))[0]!.account_id, provider: 'Bank_Of_Bud', status: 'booked', amount: { value: '42.50' } })
  const known = new Set(before.map((x) => x.transaction_id))
  const current = (await accounts(h))[0]!
  const newBooked = after.filter((x) => !known.has(x.transaction_id) && x.status === 'booked' && x.account_id === current.account_id)
  t.equal(signed(current) - balanceBefore, newBooked.reduce((sum, x) => sum + pence(x), 0), 'the balance moved by exactly the new booked transactions')
})

t.test('an older bank transaction comes only with a from that reaches it', async (t) => {
  const h = await build(t)
  const old = new Date(Date.parse('2026-11-23T12:00:00Z') - 20 * DAY).toISOString()
  const added = await h.inject({
    method: 'POST',
    url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`,
    payload: { transactions: [{ description: 'LATE CHEQUE', amount: { value: '10.00' }, credit_debit_indicator: 'credit', date_time: old }] }
  })
  const id = added.json().transactions[0].transaction_id as string
  await refreshAndWait(h, { provider: 'Bank_Of_Bud' })
  t.notOk((await walk(h, 200)).some((x) => x.transaction_id === id), 'the default window (last pull less 7 days) does not reach it')
  h.advance('PT61M')
  const reaching = await refreshAndWait(h, { provider: 'Bank_Of_Bud', from: new Date(Date.parse(old) - DAY).toISOString() })
  t.equal(reaching.metadata.has_new_transactions, true)
  t.ok((await walk(h, 200)).some((x) => x.transaction_id === id), 'a from before it brings it')
})

t.test('a refresh that finds nothing new says so and changes nothing', async (t) => {
  const h = await build(t)
  const before = (await get(h, '/financial/v2/transactions?page_size=200')).body
  const accountsBefore = (await get(h, '/financial/v3/accounts')).body
  const outcome = await refreshAndWait(h, { provider: 'Bank_Of_Bud' }, { 'x-sandbox-scenario': 'success_no_new_transactions' })
  t.same(outcome.metadata, { status: 'Completed', has_new_transactions: false })
  t.equal((await get(h, '/financial/v2/transactions?page_size=200')).body, before)
  t.equal((await get(h, '/financial/v3/accounts')).body, accountsBefore)
})

t.test('a walk of pages sees every transaction once, even when a refresh lands half-way', async (t) => {
  const h = await build(t)
  const whole = await walk(h, 200)
  const paged = await walk(h, 17, async (page) => {
    if (page !== 2) return
    await h.inject({ method: 'POST', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions`, payload: { transactions: [{ description: 'MID-WALK', amount: { value: '1.00' }, credit_debit_indicator: 'debit' }] } })
    await refreshAndWait(h, { provider: 'Bank_Of_Bud' })
    h.advance('P2D')
  })
  t.equal(new Set(paged.map((x) => x.transaction_id)).size, paged.length, 'no repeats')
  t.same(paged.map((x) => x.transaction_id), whole.map((x) => x.transaction_id), 'the same transactions as one page read at the start')
  t.ok((await walk(h, 200)).some((x) => x.description === 'MID-WALK'), 'a new walk sees what the refresh brought')
})

t.test('pending card payments are replaced by their booked version, which updated_after reports', async (t) => {
  const h = await build(t)
  const pending = (await walk(h, 200)).filter((x) => x.status === 'pending')
  t.ok(pending.length > 0)
  h.advance('P3D')
  const since = new Date(Date.parse('2026-11-23T12:00:00Z')).toISOString()
  await refreshAndWait(h, { provider: 'Bank_Of_Bud' })
  await refreshAndWait(h, { provider: 'Natwest_Sandbox' })
  const now = await walk(h, 200)
  const ids = new Set(now.map((x) => x.transaction_id))
  t.notOk(pending.some((x) => ids.has(x.transaction_id)), 'no pending id survives once a refresh covers its booking')
  const changes = (await get(h, `/financial/v2/transactions?page_size=200&updated_after=${since}`)).json()
  const deleted = (changes.metadata.deleted as { transaction_id: string }[]).map((d) => d.transaction_id)
  t.same(new Set(deleted), new Set(pending.map((x) => x.transaction_id)), 'each replaced pending id is listed as deleted')
})

t.test('data stays readable after the consent is revoked; a V2 partial failure updates only the provider that succeeded', async (t) => {
  const h = await build(t)
  const created = await h.refreshV2({}, { 'x-sandbox-scenario': 'Bank_Of_Bud=connection_revoked, Natwest_Sandbox=success' })
  h.advance('PT3S')
  const status = (await h.statusV2(created.json().data.task_id)).json()
  t.equal(status.data.status, 'Failed')
  const view = (await h.inject({ url: `/__admin/customers/${CUSTOMERS.healthy}` })).json().connections as { provider: string, data_pulled_at: string }[]
  t.same(view.map((c) => [c.provider, c.data_pulled_at]), [
    ['Bank_Of_Bud', '2026-11-21T12:00:00.000Z'],
    ['Natwest_Sandbox', '2026-11-23T12:00:03.000Z']
  ])
  t.equal((await accounts(h)).filter((a) => a.provider === 'Bank_Of_Bud').length, 2, 'the revoked provider\'s data is still there')
})

t.test('balances over time, account by id, transaction dates, and Bud\'s 404 for another account', async (t) => {
  const h = await build(t)
  const [current] = await accounts(h)
  const one = await get(h, `/financial/v3/accounts/${current!.account_id}`)
  t.equal(one.statusCode, 200)
  t.equal(one.json().data.account_id, current!.account_id)
  const missing = await get(h, '/financial/v3/accounts/0000')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code_id, 'account_not_found')
  const daily = (await get(h, `/financial/v3/accounts/${current!.account_id}/balances?granularity=daily`)).json()
  t.equal(daily.data.length, 91, 'one a day, back to the start of the transaction window')
  t.equal(daily.data[0].booked.amount.value, current!.balances.booked.amount.value, 'the newest point is the account\'s balance')
  const monthly = (await get(h, `/financial/v3/accounts/${current!.account_id}/balances?granularity=monthly`)).json()
  t.same(monthly.data.map((p: { date: string }) => p.date), ['2026-11-21T12:00:00.000Z', '2026-10-21T23:59:59.000Z', '2026-09-21T23:59:59.000Z'], 'calendar months back from the latest balance, within the transaction window')
  t.equal(monthly.metadata.accounts.balance_count, 3)
  const dates = (await get(h, '/financial/v3/accounts/transaction-dates')).json()
  t.equal(dates.metadata.results, 4)
})

t.test('Remove Provider Data forgets that provider until a refresh brings its window back', async (t) => {
  const h = await build(t)
  const removed = await h.inject({ method: 'DELETE', url: '/v1/provider/Bank_Of_Bud', headers: HEADERS })
  t.equal(removed.statusCode, 204)
  t.same((await accounts(h)).map((a) => a.provider), ['Natwest_Sandbox', 'Natwest_Sandbox'])
  t.notOk((await walk(h, 200)).some((x) => x.provider === 'Bank_Of_Bud'))
  await refreshAndWait(h, { provider: 'Bank_Of_Bud' })
  t.ok((await walk(h, 200)).some((x) => x.provider === 'Bank_Of_Bud'), 'the refresh\'s window is back')
})

t.test('a deleted customer is gone everywhere, even with provisioning on; its deletion is a task', async (t) => {
  const h = await build(t)
  const deleted = await h.inject({ method: 'DELETE', url: `/platform/v3/customers/${CUSTOMERS.healthy}`, headers: { 'x-client-id': CLIENT } })
  t.equal(deleted.statusCode, 202)
  const next = deleted.json().metadata.next_url as string
  t.same((await h.inject({ url: next, headers: { 'x-client-id': CLIENT } })).json().metadata.status, 'Pending')
  h.advance('PT1S')
  t.same((await h.inject({ url: next, headers: { 'x-client-id': CLIENT } })).json().data.result, 'success')
  for (const res of [await get(h, '/financial/v3/accounts'), await h.refresh({ provider: 'Bank_Of_Bud' }), await get(h, '/financial/v3/accounts', { 'x-client-id': CLIENT, 'x-customer-idempotent-identifier': 'healthy' })]) {
    t.equal(res.statusCode, 401)
    t.equal(res.json().code_id, 'customer_not_found')
  }
  const listed = (await h.inject({ url: '/platform/v3/customers', headers: { 'x-client-id': CLIENT } })).json()
  t.notOk(listed.data.some((c: { customer_id: string }) => c.customer_id === CUSTOMERS.healthy))
  t.equal((await h.inject({ method: 'DELETE', url: `/platform/v3/customers/${CUSTOMERS.healthy}`, headers: { 'x-client-id': CLIENT } })).statusCode, 404)
})

t.test('customers are listed by id in pages', async (t) => {
  const h = await build(t)
  const seen: string[] = []
  let token = ''
  do {
    const res = (await h.inject({ url: `/platform/v3/customers?page_size=3${token === '' ? '' : `&page_token=${token}`}`, headers: { 'x-client-id': CLIENT } })).json()
    seen.push(...res.data.map((c: { customer_id: string }) => c.customer_id))
    token = res.metadata.next_page_token ?? ''
  } while (token !== '')
  t.equal(seen.length, 16)
  t.same(seen, [...seen].sort())
  const one = (await h.inject({ url: '/platform/v3/customers?idempotent_identifier=healthy', headers: { 'x-client-id': CLIENT } })).json()
  t.same(one.data.map((c: { customer_id: string }) => c.customer_id), [CUSTOMERS.healthy])
})

t.test('bad input is a Bud 400 naming the parameter', async (t) => {
  const h = await build(t)
  const cases: [string, Record<string, string>][] = [
    ['/financial/v2/transactions?page_size=0', { page_size: 'This value should be a whole number from 1 to 200' }],
    ['/financial/v2/transactions?page_size=201', { page_size: 'This value should be a whole number from 1 to 200' }],
    ['/financial/v2/transactions?page_token=bm90LWEtdG9rZW4', { page_token: 'This value is not a page token from this operation; start from the first page without it' }],
    ['/financial/v2/transactions?date_from=2026-02-30', { date_from: 'This value should be an RFC 3339 datetime or a date (YYYY-MM-DD)' }],
    ['/financial/v2/transactions?status=cleared', { status: 'This value should be one of booked, pending, declined' }],
    ['/financial/v3/balances?granularity=hourly', { granularity: 'This value should be one of daily, weekly, biweekly, monthly, quarterly, six_monthly, annually' }]
  ]
  for (const [url, errors] of cases) {
    const res = await get(h, url)
    t.equal(res.statusCode, 400, url)
    t.same(res.json(), failedValidation(url.includes('balances') ? 'financial_v3_balances_get' : 'v2_transactions_get', errors), url)
  }
})

t.test('a bank given outright by the fixtures: its accounts and transactions, and one dated after the last pull only with a refresh', async (t) => {
  const raw = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  raw.customers[0].connections[0] = {
    provider: 'Bank_Of_Bud',
    last_pull_at: '2026-11-20T00:00:00Z',
    accounts: [{ account_id: 'acc-1', account_name: 'Joint Account', balance: '1000.00' }],
    transactions: [
      { description: 'RENT', amount: { value: '900.00' }, credit_debit_indicator: 'debit', date_time: '2026-11-01T09:00:00Z' },
      { description: 'SALARY', amount: { value: '2500.00' }, credit_debit_indicator: 'credit', date_time: '2026-11-22T09:00:00Z' }
    ]
  }
  const file = join(t.testdir({}), 'given.json')
  writeFileSync(file, JSON.stringify(raw))
  const h = await build(t, { fixtures: loadFixtures(file, { checkSchema: true }) })
  const bank = (await accounts(h)).filter((a) => a.provider === 'Bank_Of_Bud')
  t.same(bank.map((a) => [a.account_id, signed(a)]), [['acc-1', 100_000]], 'the given balance at the first pull')
  const given = async () => (await walk(h, 200)).filter((x) => x.provider === 'Bank_Of_Bud').map((x) => x.description)
  t.same(await given(), ['RENT'], 'the salary came after the last pull')
  await refreshAndWait(h, { provider: 'Bank_Of_Bud' })
  t.same(await given(), ['SALARY', 'RENT'])
  t.same((await accounts(h)).filter((a) => a.provider === 'Bank_Of_Bud').map(signed), [350_000], 'the balance moved by the salary')
})
