// Every client its own sandbox: what one client's credentials reach, and what
// its clock, reset, faults and controls move, as a user of a shared sandbox
// (a team, or test files in parallel on one process) would try it.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { loadFixtures } from '../src/fixtures.js'
import { build, CUSTOMERS, FIXTURE_CUSTOMERS, T0, webhookReceiver, type Harness } from './helper.js'

const A = 'client-a'
const B = 'client-b'
const DAY_MS = 86_400_000

/** A Bud request as `clientId` for `customerId`. */
function as (h: Harness, clientId: string, customerId: string | null) {
  return (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse> => h.inject({
    method,
    url,
    headers: { 'x-client-id': clientId, ...(customerId === null ? {} : { 'x-customer-id': customerId }), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) })
  })
}

const codeOf = (res: LightMyRequestResponse) => (res.json() as { code_id?: string }).code_id

t.test('client A reaches nothing of client B\'s: every Bud operation with B\'s ids answers as for a customer or task it does not know', async (t) => {
  const h = await build(t)
  const created = await h.createCustomer({ client_metadata: { idempotent_identifier: 'crm-b-1' } }, { 'x-client-id': B })
  t.equal(created.statusCode, 201)
  const customerB: string = created.json().data.customer_id
  const b = as(h, B, customerB)
  const refreshB: string = (await b('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })).json().data.task_id
  const parentB: string = (await b('POST', '/open-banking/v2/refresh', {})).json().data.task_id
  h.advance('PT1M')
  const accountsB = (await b('GET', '/financial/v3/accounts')).json().data as { account_id: string }[]
  t.ok(accountsB.length > 0, 'B reads its customer\'s accounts')
  const accountB = accountsB[0]!.account_id
  const consentsB = (await b('GET', '/v1/open-banking/account-access-consents')).json().data as { consent_id: string, provider: string }[]
  const authorisationB: string = (await b('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: 'http://127.0.0.1:1/cb' })).json().data.task_id
  const answered = await h.inject({ method: 'POST', url: `/sandbox-bank/authorise/${authorisationB}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'decision=approve' })
  t.equal(answered.statusCode, 303, 'the mock bank finds B\'s authorisation')
  const codes = Object.fromEntries(new URL(answered.headers.location as string).searchParams)
  const revokeB: string = (await b('POST', '/v1/open-banking/account-access-consent/revoke', { provider: 'Bank_Of_Bud' })).json().data.task_id

  // Client A, with B's customer id, on every operation that names one.
  const a = as(h, A, customerB)
  const unknownCustomer: [string, Promise<LightMyRequestResponse>][] = [
    ['accounts', a('GET', '/financial/v3/accounts')],
    ['transaction dates', a('GET', '/financial/v3/accounts/transaction-dates')],
    ['one account', a('GET', `/financial/v3/accounts/${accountB}`)],
    ['balances', a('GET', '/financial/v3/balances')],
    ['account balances', a('GET', `/financial/v3/accounts/${accountB}/balances`)],
    ['transactions', a('GET', '/financial/v2/transactions')],
    ['remove provider data', a('DELETE', '/v1/provider/Natwest_Sandbox')],
    ['refresh', a('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })],
    ['refresh V2', a('POST', '/open-banking/v2/refresh', {})],
    ['consents', a('GET', '/v1/open-banking/account-access-consents')],
    ['revoke', a('POST', '/v1/open-banking/account-access-consent/revoke', { provider: 'Natwest_Sandbox' })],
    ['reconfirm', a('POST', `/v1/open-banking/account-access-consents/${consentsB[0]!.consent_id}/reconfirm`)],
    ['authorisation url', a('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: 'http://127.0.0.1:1/cb' })],
    ['Bud Connect link', a('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: 'http://127.0.0.1:1/done' })]
  ]
  for (const [what, answer] of unknownCustomer) {
    const res = await answer
    t.equal(res.statusCode, 401, what)
    t.equal(codeOf(res), 'customer_not_found', what)
  }
  // Remove Customer V3 answers an unknown customer with Bud's 404.
  const deleted = await a('DELETE', `/platform/v3/customers/${customerB}`)
  t.same([deleted.statusCode, codeOf(deleted)], [404, 'customer_not_found'], 'delete customer')
  const unknownTask: [string, Promise<LightMyRequestResponse>][] = [
    ['refresh status', a('GET', `/v1/open-banking/refresh/${refreshB}`)],
    ['refresh V2 status', a('GET', `/open-banking/v2/refresh/${parentB}`)],
    ['authorisation status', a('GET', `/v1/open-banking/authorisation-url/${authorisationB}`)],
    ['revoke status', a('GET', `/v1/open-banking/account-access-consent/revoke/${revokeB}`)],
    ['authorisation codes', a('POST', '/v2/open-banking/authorisation-codes', codes)]
  ]
  for (const [what, answer] of unknownTask) {
    const res = await answer
    t.ok(res.statusCode === 401 || res.statusCode === 404, `${what}: ${res.statusCode}`)
    t.notMatch(res.body, /"data"/, `${what}: nothing of B's task`)
  }
  // By B's idempotent identifier: A's identifiers are its own.
  const byIdentifier = await h.inject({ method: 'DELETE', url: '/platform/v3/customers/idempotent-identifier/crm-b-1', headers: { 'x-client-id': A } })
  t.equal(codeOf(byIdentifier), 'customer_not_found', 'A deletes nothing by B\'s identifier')

  // Lists: A sees its own customers only, even with B's page token.
  const listB = (await h.inject({ url: '/platform/v3/customers?page_size=1', headers: { 'x-client-id': B } })).json()
  const listA = (await h.inject({ url: '/platform/v3/customers?page_size=1000', headers: { 'x-client-id': A } })).json()
  t.notOk((listA.data as { customer_id: string }[]).some((c) => c.customer_id === customerB), 'A\'s list leaves B\'s customer out')
  const withToken = (await h.inject({ url: `/platform/v3/customers?page_token=${listB.metadata.next_page_token as string}`, headers: { 'x-client-id': A } })).json()
  t.notOk((withToken.data as { customer_id: string }[]).some((c) => c.customer_id === customerB), 'B\'s page token walks A\'s customers')

  // B's world is as B left it.
  t.equal((await b('GET', `/v1/open-banking/refresh/${refreshB}`)).statusCode, 200)
  t.equal((await b('GET', '/financial/v3/accounts')).json().data.length, accountsB.length)
  t.equal((await b('POST', '/v2/open-banking/authorisation-codes', codes)).statusCode, 202, 'B submits its own codes')
  t.equal((await h.inject({ url: `/__admin/customers/${customerB}?client_id=${A}` })).statusCode, 404, 'and the admin view of A does not show it')
})

t.test('the fixtures\' customers are each client\'s own copy: what one client does to them changes nothing for another', async (t) => {
  const h = await build(t)
  const a = as(h, A, CUSTOMERS.healthy)
  const b = as(h, B, CUSTOMERS.healthy)
  const idsOf = async (call: typeof a) => ((await call('GET', '/financial/v3/accounts')).json().data as { account_id: string }[]).map((x) => x.account_id)
  t.same(await idsOf(a), await idsOf(b), 'the same data, so the well-known ids work for every client')
  t.equal((await a('POST', '/v1/open-banking/account-access-consent/revoke', { provider: 'Natwest_Sandbox' })).statusCode, 202)
  h.advance('PT1M')
  const statusOf = async (call: typeof a) => ((await call('GET', '/v1/open-banking/account-access-consents?status=all')).json().data as { provider: string, status: string }[]).find((c) => c.provider === 'Natwest_Sandbox')?.status
  t.equal(await statusOf(a), 'revoked')
  t.equal(await statusOf(b), 'authorised', 'B\'s copy still authorised')
  t.equal((await a('DELETE', `/platform/v3/customers/${CUSTOMERS.healthy}`)).statusCode, 202)
  h.advance('PT1M')
  t.equal((await a('GET', '/financial/v3/accounts')).statusCode, 401, 'deleted for A')
  t.equal((await b('GET', '/financial/v3/accounts')).statusCode, 200, 'still there for B')
  const taskA = (await a('POST', '/platform/v3/customers', {})).json().data.customer_id as string
  const taskB = (await b('POST', '/platform/v3/customers', {})).json().data.customer_id as string
  t.not(taskA, taskB, 'each client draws its own ids')
})

t.test('two clients run the journey side by side with their clocks 90 days apart, and their resets and faults apart', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const tokenOf = async (clientId: string) => {
    const res = await h.inject({ method: 'POST', url: '/v1/oauth/token', headers: { authorization: `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
    return res.json().data.access_token as string
  }
  const bearer = { A: await tokenOf(A), B: await tokenOf(B) }
  const call = (clientId: 'A' | 'B', method: 'GET' | 'POST', url: string, payload?: unknown) => h.inject({
    method,
    url,
    headers: { 'x-client-id': clientId === 'A' ? A : B, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${bearer[clientId]}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) })
  })
  const taskB: string = (await call('B', 'POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })).json().data.task_id

  const moved = await h.inject({ method: 'POST', url: `/__admin/clock?client_id=${A}`, payload: { advance: 'P90D' } })
  t.same(moved.json(), { now: new Date(T0 + 90 * DAY_MS).toISOString(), client_id: A })
  t.same((await h.inject({ url: `/__admin/clock?client_id=${B}` })).json(), { now: new Date(T0).toISOString(), client_id: B }, 'B\'s clock did not move')
  t.same((await h.inject({ url: '/__admin/clock' })).json(), { now: new Date(T0).toISOString(), client_id: null }, 'nor the shared one')

  t.equal(codeOf(await call('A', 'GET', '/financial/v3/accounts')), 'token_expired', 'A\'s token expired on A\'s clock')
  t.equal((await call('B', 'GET', `/v1/open-banking/refresh/${taskB}`)).json().data.status, 'Pending', 'B\'s task did not move')
  bearer.A = await tokenOf(A)
  const refreshA = await call('A', 'POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })
  t.equal(refreshA.statusCode, 202)
  h.advance('PT1M')
  const statusA = (await call('A', 'GET', `/v1/open-banking/refresh/${refreshA.json().data.task_id as string}`)).json().data
  t.equal(statusA.reconnect_required, true, 'A\'s consent expired 90 days on')
  t.equal((await call('B', 'GET', `/v1/open-banking/refresh/${taskB}`)).json().data.reconnect_required, false, 'B\'s consent did not')

  // Moving every client moves both; A stays 90 days ahead.
  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT2H' } })
  t.same((await h.inject({ url: `/__admin/clock?client_id=${A}` })).json().now, new Date(T0 + 90 * DAY_MS + 2 * 3_600_000 + 60_000).toISOString())
  t.same((await h.inject({ url: `/__admin/clock?client_id=${B}` })).json().now, new Date(T0 + 2 * 3_600_000 + 60_000).toISOString())
  bearer.A = await tokenOf(A)
  bearer.B = await tokenOf(B)

  // Faults for one client.
  t.equal((await h.inject({ method: 'PUT', url: `/__admin/faults?client_id=${A}`, payload: { error_rate: 1 } })).statusCode, 200)
  t.equal((await call('A', 'GET', '/financial/v3/accounts')).statusCode, 503)
  t.equal((await call('B', 'GET', '/financial/v3/accounts')).statusCode, 200, 'B has no faults')
  t.same((await h.inject({ url: '/__admin/faults' })).json(), { latency_ms: 0, error_rate: 0 }, 'nor does a new client')

  // A reset for one client.
  const reset = await h.inject({ method: 'POST', url: `/__admin/reset?client_id=${A}` })
  t.same(reset.json(), { reset: true, customers: FIXTURE_CUSTOMERS, client_id: A })
  t.equal((await call('A', 'GET', '/financial/v3/accounts')).statusCode, 200, 'A\'s faults went with its reset')
  t.equal((await call('B', 'GET', `/v1/open-banking/refresh/${taskB}`)).statusCode, 200, 'B\'s task is still there')
  t.equal((await h.inject({ url: `/__admin/clock?client_id=${A}` })).json().now, new Date(T0 + 90 * DAY_MS + 2 * 3_600_000 + 60_000).toISOString(), 'a reset leaves the clock where it is')
  t.equal((await h.inject({ url: `/__admin/tasks/${taskB}` })).json().client_id, B, 'the admin view says whose task it is')
})

t.test('a client\'s webhooks fall due on its own clock', async (t) => {
  const h = await build(t)
  const hooks = await webhookReceiver(t)
  for (const clientId of [A, B]) await h.inject({ method: 'PUT', url: `/__admin/clients/${clientId}/webhook`, payload: { url: hooks.url } })
  await as(h, A, CUSTOMERS.healthy)('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })
  await as(h, B, CUSTOMERS.healthy)('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })
  const first = hooks.nextRequest()
  await h.inject({ method: 'POST', url: `/__admin/clock?client_id=${B}`, payload: { advance: 'PT5M' } })
  await first
  const deliveries = (await h.inject({ url: '/__admin/webhooks' })).json() as { client_id: string, status: string }[]
  t.same(deliveries.map((d) => [d.client_id, d.status === 'scheduled']), [[B, false], [A, true]], 'B\'s webhook went; A\'s waits for A\'s clock')
  const second = hooks.nextRequest()
  await h.inject({ method: 'POST', url: `/__admin/clock?client_id=${A}`, payload: { advance: 'PT5M' } })
  await second
  t.equal(hooks.received.length, 2)
})

t.test('a control for every client reaches the clients there are and those to come; one for a client reaches it alone', async (t) => {
  const h = await build(t)
  await as(h, A, CUSTOMERS.healthy)('GET', '/financial/v3/accounts')
  const revoked = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox`, payload: { consent_status: 'revoked' } })
  t.equal(revoked.json().client_id, null, 'answered with what a new client starts with')
  const consentOf = async (clientId: string) => ((await h.inject({ url: `/__admin/customers/${CUSTOMERS.healthy}?client_id=${clientId}` })).json().connections as { provider: string, consent_status: string }[]).find((c) => c.provider === 'Natwest_Sandbox')?.consent_status
  t.equal(await consentOf(A), 'revoked', 'a client there was')
  t.equal(await consentOf('client-later'), 'revoked', 'a client that came later')
  await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox?client_id=${B}`, payload: { consent_status: 'authorised' } })
  t.equal(await consentOf(B), 'authorised')
  t.equal(await consentOf(A), 'revoked', 'one client\'s control leaves the others')
  await h.inject({ method: 'POST', url: `/__admin/reset?client_id=${B}` })
  t.equal(await consentOf(B), 'revoked', 'a client reset goes back to what a new client gets, controls for all included')
  await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.equal(await consentOf(B), 'authorised', 'a reset of every client drops the controls for all')

  const added = await h.inject({ method: 'POST', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox/transactions?client_id=${A}`, payload: { transactions: [{ amount: { value: '12.34', currency: 'GBP' }, credit_debit_indicator: 'debit', description: 'ONLY FOR A' }] } })
  t.equal(added.statusCode, 201)
  h.advance('PT2H')
  for (const [clientId, expected] of [[A, 1], [B, 0]] as const) {
    const call = as(h, clientId, CUSTOMERS.healthy)
    await call('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' })
    h.advance('PT1M')
    const found = ((await call('GET', '/financial/v2/transactions?page_size=200')).json().data as { original_description?: string, description?: string }[]).filter((x) => JSON.stringify(x).includes('ONLY FOR A'))
    t.equal(found.length, expected, `${clientId} sees ${expected}`)
  }
  const customersOfA = (await h.inject({ url: `/__admin/customers?client_id=${A}` })).json() as { client_id: string }[]
  t.ok(customersOfA.every((c) => c.client_id === A), 'the admin view filters by client and says whose')
  const history = (await h.inject({ url: `/__admin/requests?client_id=${B}` })).json() as { client_id: string }[]
  t.ok(history.length > 0 && history.every((r) => r.client_id === B), 'so does the request history')
})

t.test('a fixture customer named for one client exists for it alone', async (t) => {
  const fixtures = loadFixtures()
  const only = '99999999-0000-4000-8000-000000000001'
  fixtures.customers.push({ ...fixtures.customers[0]!, customerId: only, clientId: A, idempotentIdentifier: 'only-a' })
  const h = await build(t, { fixtures })
  t.equal((await as(h, A, only)('GET', '/financial/v3/accounts')).statusCode, 200)
  const other = await as(h, B, only)('GET', '/financial/v3/accounts')
  t.equal(codeOf(other), 'customer_not_found', 'another client does not get it, even by provisioning')
})

t.test('the worlds are bounded: past MAX_CLIENTS the client used longest ago is forgotten', async (t) => {
  const h = await build(t, { config: { maxClients: 2 } })
  const created = (clientId: string) => h.createCustomer({}, { 'x-client-id': clientId }).then((r) => r.json().data.customer_id as string)
  const first = await created('c1')
  await created('c2')
  await as(h, 'c1', first)('GET', '/financial/v3/accounts')
  await created('c3')
  t.equal((await as(h, 'c1', first)('GET', '/financial/v3/accounts')).statusCode, 200, 'c1 was used last but one: kept')
  t.equal(h.app.worlds.size, 2)
  t.notOk(h.app.worlds.peek('c2'), 'c2, idle longest, was forgotten')
})
