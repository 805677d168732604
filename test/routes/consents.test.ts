// Consents as Bud keeps them: listed by status, expiring 90 days on the
// sandbox clock, reconfirmed, re-authenticated, revoked; and what a refresh
// then answers.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../../src/fixtures.js'
import { readFileSync } from 'node:fs'
import { build, CLIENT, CUSTOMERS, type Harness } from '../helper.js'

const DAY_MS = 86_400_000
const HEADERS = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }

interface Consent { id: string, provider: string, status: string, expiration_date: string, last_consented_on: string, created_at: string, revoked_at?: string, revoke_reason?: string, account_ids: string[] }
const consents = async (h: Harness, status?: string): Promise<Consent[]> =>
  (await h.inject({ url: `/v1/open-banking/account-access-consents${status === undefined ? '' : `?status=${status}`}`, headers: HEADERS })).json().data
const reconfirm = (h: Harness, consentId: string, payload?: object) =>
  h.inject({ method: 'POST', url: `/v1/open-banking/account-access-consents/${consentId}/reconfirm`, headers: HEADERS, ...(payload === undefined ? {} : { payload }) })
async function ended (h: Harness, taskId: string) {
  h.advance('PT10S')
  return (await h.status(taskId)).json()
}

/** Re-authenticates a consent with the client's own licence, through the bank, to the end of the connect task. */
async function reauthenticate (h: Harness, provider: string, consentId: string) {
  const started = await h.inject({ method: 'POST', url: '/v1/open-banking/authorisation-url', headers: HEADERS, payload: { provider, provider_redirect_url: 'http://127.0.0.1:3000/cb', consent_id: consentId } })
  const taskId = started.json().data.task_id as string
  h.advance('PT1S')
  const url = new URL((await h.inject({ url: `/v1/open-banking/authorisation-url/${taskId}`, headers: HEADERS })).json().data.url as string)
  const bank = await h.inject({ url: url.pathname })
  const answered = await h.inject({ method: 'POST', url: url.pathname, payload: 'decision=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  const params = Object.fromEntries(new URL(answered.headers.location as string).searchParams)
  const connect = await h.inject({ method: 'POST', url: '/v2/open-banking/authorisation-codes', headers: HEADERS, payload: params })
  h.advance('PT5S')
  return { bank, connect: (await h.inject({ url: `/v1/open-banking/connect/${connect.json().data.task_id as string}`, headers: HEADERS })).json() }
}

t.test('a consent lasts 90 days on the sandbox clock: listed active, reconfirm_due in its last 7 days, then gone from active', async (t) => {
  const h = await build(t)
  const start = await consents(h)
  t.same(start.map((c) => [c.provider, c.status]), [['Bank_Of_Bud', 'authorised'], ['Natwest_Sandbox', 'authorised']])
  const bud = start[0]!
  t.equal(Date.parse(bud.expiration_date) - Date.parse(bud.last_consented_on), 90 * DAY_MS)
  t.same(await consents(h, 'reconfirm_due'), [], 'nothing is due at first')
  h.advance('P84D')
  t.same((await consents(h, 'reconfirm_due')).map((c) => c.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'], 'due within 7 days of expiry')
  h.advance('P7D')
  t.same(await consents(h), [], 'expired consents are not active')
  t.same((await consents(h, 'all')).map((c) => c.status), ['authorised', 'authorised'], 'Bud\'s record still says authorised until a refresh finds the consent expired')
})

t.test('reconfirming before expiry gives 90 more days and no reconnect; after expiry the customer must reconnect', async (t) => {
  const h = await build(t)
  const [bud] = await consents(h)
  h.advance('P85D')
  const renewed = await reconfirm(h, bud!.id, { provider: 'Bank_Of_Bud' })
  t.equal(renewed.statusCode, 200, 'Bud\'s collection\'s {provider} body is accepted')
  t.same(renewed.json(), { operation_id: 'open_banking_consents_reconfirm_post', data: { provider_id: 'Bank_Of_Bud', reconnect_required: false } })
  const after = (await consents(h)).find((c) => c.id === bud!.id)!
  t.equal(after.last_consented_on, new Date(h.clock.nowMs()).toISOString())
  t.equal(Date.parse(after.expiration_date), h.clock.nowMs() + 90 * DAY_MS)
  t.notOk((await consents(h, 'reconfirm_due')).some((c) => c.id === bud!.id), 'no longer due')

  const [, natwest] = await consents(h, 'all')
  h.advance('P6D')
  const late = await reconfirm(h, natwest!.id)
  t.same(late.json().data, { provider_id: 'Natwest_Sandbox', reconnect_required: true }, 'an expired consent cannot be reconfirmed')
  const labelled = await h.inject({ method: 'POST', url: `/v1/open-banking/account-access-consents/${natwest!.id}/reconfirm`, headers: { ...HEADERS, 'content-type': 'application/json' } })
  t.equal(labelled.statusCode, 200, 'no body, even labelled JSON, is the usual request')
  const broken = await h.inject({ method: 'POST', url: `/v1/open-banking/account-access-consents/${natwest!.id}/reconfirm`, headers: { ...HEADERS, 'content-type': 'application/json' }, payload: '{"provider":' })
  t.equal(broken.statusCode, 400, 'a body that is not JSON is still a 400')
  const unknown = await reconfirm(h, 'no-such-consent')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { operation_id: 'open_banking_consents_reconfirm_post', code_id: 'consent_not_found', message: 'The consent could not be found.', errors: {} })
})

t.test('past expiry a refresh ends connection_expired with reconnect_required; re-authenticating the consent makes the next refresh succeed', async (t) => {
  const h = await build(t)
  const [bud] = await consents(h)
  h.advance('P91D')
  const refresh = (await h.refresh({ provider: 'Bank_Of_Bud' })).json()
  const outcome = await ended(h, refresh.data.task_id)
  t.same([outcome.data.result, outcome.data.reconnect_required], ['connection_expired', true])
  const record = (await consents(h, 'all')).find((c) => c.id === bud!.id)!
  t.same([record.status, record.revoke_reason], ['revoked', 'consent_invalid'], 'Bud\'s record turns as for a revoked consent')

  const { bank, connect } = await reauthenticate(h, 'Bank_Of_Bud', bud!.id)
  t.match(bank.body, /renews your consent for 90 days/)
  t.same([connect.data.status, connect.data.result], ['Completed', 'success'])
  const renewed = (await consents(h)).find((c) => c.provider === 'Bank_Of_Bud')!
  t.equal(renewed.id, bud!.id, 'the same consent, re-authenticated')
  t.equal(renewed.status, 'authorised')
  t.ok(Date.parse(renewed.expiration_date) > h.clock.nowMs() + 89 * DAY_MS, '90 more days')

  h.advance('PT2H')
  const next = (await h.refresh({ provider: 'Bank_Of_Bud' })).json()
  const succeeded = await ended(h, next.data.task_id)
  t.same([succeeded.data.result, succeeded.data.reconnect_required], ['success', false])
})

t.test('revoking a provider: a task; the consent is revoked at once; the next refresh answers reconnect_required; the data stays readable', async (t) => {
  const h = await build(t)
  const started = await h.inject({ method: 'POST', url: '/v1/open-banking/account-access-consent/revoke', headers: HEADERS, payload: { provider: 'Natwest_Sandbox' } })
  t.equal(started.statusCode, 202)
  const taskId = started.json().data.task_id as string
  t.same(started.json(), { operation_id: 'open_banking_revoke_post', data: { task_id: taskId, provider: 'Natwest_Sandbox' }, metadata: { status: 'Pending', next_url: `/v1/open-banking/account-access-consent/revoke/${taskId}`, next_url_delay: 50 } })
  const pending = (await h.inject({ url: `/v1/open-banking/account-access-consent/revoke/${taskId}`, headers: HEADERS })).json()
  t.equal(pending.data.status, 'Pending')
  h.advance('PT1S')
  const done = (await h.inject({ url: `/v1/open-banking/account-access-consent/revoke/${taskId}`, headers: HEADERS })).json()
  t.same(done, { operation_id: 'open_banking_revoke_task_get', data: { task_id: taskId, provider: 'Natwest_Sandbox', status: 'Completed', result: 'success' }, metadata: { status: 'Completed' } })

  t.same((await consents(h)).map((c) => c.provider), ['Bank_Of_Bud'])
  const revoked = (await consents(h, 'all')).find((c) => c.provider === 'Natwest_Sandbox')!
  t.same([revoked.status, revoked.revoke_reason, revoked.revoked_at], ['revoked', 'bud_revoked', '2026-11-23T12:00:00.000Z'])

  const refresh = (await h.refresh({ provider: 'Natwest_Sandbox' })).json()
  const outcome = await ended(h, refresh.data.task_id)
  t.same([outcome.data.result, outcome.data.reconnect_required], ['connection_revoked', true])
  const accounts = (await h.inject({ url: '/financial/v3/accounts', headers: HEADERS })).json().data
  t.ok(accounts.some((a: { provider: string }) => a.provider === 'Natwest_Sandbox'), 'data fetched before stays readable')

  const none = await h.inject({ method: 'POST', url: '/v1/open-banking/account-access-consent/revoke', headers: HEADERS, payload: { provider: 'Monzo_Sandbox' } })
  h.advance('PT1S')
  const failed = (await h.inject({ url: `/v1/open-banking/account-access-consent/revoke/${none.json().data.task_id as string}`, headers: HEADERS })).json()
  t.same([failed.data.status, failed.metadata.status], ['Failed', 'Failed'], 'no consent to revoke: the task fails')
  t.equal((await h.inject({ url: `/v1/open-banking/account-access-consent/revoke/${taskId}`, headers: { ...HEADERS, 'x-client-id': 'client-b' } })).statusCode, 404, 'another client\'s revoke task is not found')
  t.equal((await h.inject({ url: `/v1/open-banking/account-access-consent/revoke/${taskId}`, headers: { ...HEADERS, 'x-customer-id': CUSTOMERS.revoked } })).statusCode, 404, 'nor another customer\'s')
})

t.test('connecting a provider anew replaces its consent: the old one is listed revoked (duplicate_accounts)', async (t) => {
  const h = await build(t)
  const [bud] = await consents(h)
  const started = await h.inject({ method: 'POST', url: '/v1/open-banking/authorisation-url', headers: HEADERS, payload: { provider: 'Bank_Of_Bud', provider_redirect_url: 'http://127.0.0.1:3000/cb' } })
  h.advance('PT1S')
  const url = new URL((await h.inject({ url: `/v1/open-banking/authorisation-url/${started.json().data.task_id as string}`, headers: HEADERS })).json().data.url as string)
  const answered = await h.inject({ method: 'POST', url: url.pathname, payload: 'decision=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  await h.inject({ method: 'POST', url: '/v2/open-banking/authorisation-codes', headers: HEADERS, payload: Object.fromEntries(new URL(answered.headers.location as string).searchParams) })
  const all = await consents(h, 'all')
  const current = all.find((c) => c.provider === 'Bank_Of_Bud' && c.status === 'authorised')!
  t.not(current.id, bud!.id, 'a new consent')
  const former = all.find((c) => c.id === bud!.id)!
  t.same([former.status, former.revoke_reason], ['revoked', 'duplicate_accounts'])
})

t.test('fixtures set a consent\'s age; the admin control sets when it was given', async (t) => {
  const raw = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  raw.customers[0].connections[0].consent_age = 'P85D'
  const file = join(t.testdir(), 'fixtures.json')
  writeFileSync(file, JSON.stringify(raw))
  const h = await build(t, { fixtures: loadFixtures(file, { nowMs: Date.parse('2026-11-23T12:00:00Z') }) })
  const due = await h.inject({ url: '/v1/open-banking/account-access-consents?status=reconfirm_due', headers: { 'x-client-id': CLIENT, 'x-customer-id': raw.customers[0].customer_id } })
  t.same(due.json().data.map((c: Consent) => c.provider), [raw.customers[0].connections[0].provider], 'an 85-day-old consent is due')

  const set = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox`, payload: { consented_at: '2026-08-26T12:00:00Z' } })
  t.equal(set.statusCode, 200)
  t.equal(set.json().connections.find((c: { provider: string }) => c.provider === 'Natwest_Sandbox').consent_expires_at, '2026-11-24T12:00:00.000Z')
  t.same((await consents(h, 'reconfirm_due')).map((c) => c.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'], 'the admin control made the second due too')
  const bad = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox`, payload: { consented_at: '2999-01-01T00:00:00Z' } })
  t.same(bad.json().errors, { consented_at: 'This value should not be in the future' })
})

t.test('status must be one of Bud\'s values', async (t) => {
  const h = await build(t)
  const bad = await h.inject({ url: '/v1/open-banking/account-access-consents?status=expired', headers: HEADERS })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().errors, { status: 'This value should be one of active, all, reconfirm_due' })
})
