// Connecting a provider with the client's own licence: authorisation URL task,
// the mock bank's answer by form POST, Submit Authorisation Codes V1 and V2,
// the connect task, and what the customer then has.
import t from 'tap'
import { build, CLIENT, CUSTOMERS, failedValidation, type Harness } from '../helper.js'

const CALLBACK = 'http://127.0.0.1:3000/callback?keep=1'

async function authorise (h: Harness, body: Record<string, unknown>, customer: string = CUSTOMERS.healthy) {
  const started = await h.inject({ method: 'POST', url: '/v1/open-banking/authorisation-url', headers: { 'x-client-id': CLIENT, 'x-customer-id': customer }, payload: body })
  return started
}

/** Through the bank: the task's URL, the customer's answer by one form POST; the redirect's query. */
async function throughBank (h: Harness, taskId: string, decision: 'approve' | 'deny', customer: string = CUSTOMERS.healthy): Promise<URLSearchParams> {
  h.advance('PT1S')
  const status = await h.inject({ url: `/v1/open-banking/authorisation-url/${taskId}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': customer } })
  const bankUrl = new URL(status.json().data.url as string)
  const answered = await h.inject({ method: 'POST', url: bankUrl.pathname, payload: `decision=${decision}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  if (answered.statusCode !== 303) throw new Error(`bank answered ${answered.statusCode}: ${answered.body}`)
  return new URL(answered.headers.location as string).searchParams
}

async function submit (h: Harness, version: 'v1' | 'v2', params: Record<string, unknown>, customer: string = CUSTOMERS.healthy) {
  return h.inject({ method: 'POST', url: `/${version}/open-banking/authorisation-codes`, headers: { 'x-client-id': CLIENT, 'x-customer-id': customer }, payload: params })
}

t.test('own licence, from nothing: authorisation URL, approve at the bank, submit the code, the connect task reaches step 4 and the data is there', async (t) => {
  const h = await build(t)
  const started = await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })
  t.equal(started.statusCode, 202)
  const taskId = started.json().data.task_id as string
  t.same(started.json().metadata, { status: 'Pending', next_url: `/v1/open-banking/authorisation-url/${taskId}`, next_url_delay: 50 })

  const pending = await h.inject({ url: `/v1/open-banking/authorisation-url/${taskId}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })
  t.equal(pending.json().data.status, 'Pending')
  t.notOk('url' in pending.json().data, 'no URL before the task completes')

  const back = await throughBank(h, taskId, 'approve')
  t.equal(back.get('state'), taskId, 'state is the task id')
  t.equal(back.get('keep'), '1', 'the redirect URL keeps its own parameters')
  t.match(back.get('code'), /^[0-9a-f]{32}$/)

  const submitted = await submit(h, 'v2', Object.fromEntries(back))
  t.equal(submitted.statusCode, 202)
  const connectId = submitted.json().data.task_id as string
  t.same(submitted.json().data, { task_id: connectId, provider: 'Monzo_Sandbox', status: 'Pending' })

  const texts: string[] = []
  for (let i = 0; i < 4; i++) {
    const status = (await h.inject({ url: `/v1/open-banking/connect/${connectId}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json()
    texts.push(`${status.data.step as number} ${status.data.text as string} ${status.data.status as string}`)
    h.advance('PT1S')
  }
  t.same(texts, ['1 Fetching access token Pending', '2 Fetching accounts Pending', '3 Fetching balances and transactions Pending', '4 Completed Completed'])
  const done = (await h.inject({ url: `/v1/open-banking/connect/${connectId}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json()
  t.same(done.metadata, { status: 'Completed' })
  t.equal(done.data.result, 'success')

  const consents = (await h.inject({ url: '/v1/open-banking/account-access-consents', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json()
  const monzo = consents.data.find((c: { provider: string }) => c.provider === 'Monzo_Sandbox')
  t.ok(monzo, 'the new consent is listed')
  t.equal(monzo.status, 'authorised')
  t.equal(Date.parse(monzo.expiration_date) - Date.parse(monzo.created_at), 90 * 86400000, 'it expires 90 days on')

  const accounts = (await h.inject({ url: '/financial/v3/accounts', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json().data
  t.ok(accounts.some((a: { provider: string }) => a.provider === 'Monzo_Sandbox'), 'the new provider\'s accounts are read')
  t.same(monzo.account_ids.slice().sort(), accounts.filter((a: { provider: string }) => a.provider === 'Monzo_Sandbox').map((a: { account_id: string }) => a.account_id).sort())

  const refresh = await h.refresh({ provider: 'Monzo_Sandbox' })
  t.equal(refresh.json().data.task_id, connectId, 'a refresh within the hour is answered with the connect task, as Bud dedupes')
})

t.test('before the connect task completes, the new provider has no data yet', async (t) => {
  const h = await build(t)
  const taskId = (await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })).json().data.task_id
  const back = await throughBank(h, taskId, 'approve')
  await submit(h, 'v2', Object.fromEntries(back))
  const accounts = (await h.inject({ url: '/financial/v3/accounts', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json().data
  t.notOk(accounts.some((a: { provider: string }) => a.provider === 'Monzo_Sandbox'))
})

t.test('a code used before: V2 answers 409 auth_used, V1 the first connect task with result auth_used', async (t) => {
  const h = await build(t)
  const taskId = (await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })).json().data.task_id
  const params = Object.fromEntries(await throughBank(h, taskId, 'approve'))
  const [a, b] = await Promise.all([submit(h, 'v2', params), submit(h, 'v2', params)])
  t.same([a.statusCode, b.statusCode].sort(), [202, 409], 'the same code twice at once: one 202, one 409')
  const conflict = a.statusCode === 409 ? a : b
  t.same(conflict.json(), { operation_id: 'v2_open_banking_authorisation_codes_post', code_id: 'auth_used', message: 'auth code has been used before', errors: { code: 'already used' } })
  const first = (a.statusCode === 202 ? a : b).json().data.task_id
  const v1 = await submit(h, 'v1', params)
  t.equal(v1.statusCode, 202)
  t.same(v1.json().data, { task_id: first, provider: 'Monzo_Sandbox', status: 'Failed', result: 'auth_used' })
})

t.test('denied at the bank, or a code the bank never issued: the connect task fails auth_denied and nothing is connected', async (t) => {
  const h = await build(t)
  const taskId = (await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })).json().data.task_id
  const back = await throughBank(h, taskId, 'deny')
  t.same([back.get('error'), back.get('state'), back.get('code')], ['access_denied', taskId, null])
  const denied = await submit(h, 'v2', Object.fromEntries(back))
  t.equal(denied.statusCode, 202)
  h.advance('PT5S')
  const status = (await h.inject({ url: `/v1/open-banking/connect/${denied.json().data.task_id as string}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json()
  t.same([status.data.status, status.data.result, status.data.step, status.data.reconnect_required], ['Failed', 'auth_denied', 1, false])

  const other = (await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })).json().data.task_id
  await throughBank(h, other, 'approve')
  const postman = await submit(h, 'v1', { state: other, code: '....' })
  t.equal(postman.statusCode, 202, 'Postman\'s placeholder code is accepted as a request')
  h.advance('PT5S')
  const failed = (await h.inject({ url: `/v1/open-banking/connect/${postman.json().data.task_id as string}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json()
  t.equal(failed.data.result, 'auth_denied')

  const all = (await h.inject({ url: '/v1/open-banking/account-access-consents?status=all', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json().data
  t.same(all.filter((c: { provider: string }) => c.provider === 'Monzo_Sandbox').map((c: { status: string }) => c.status), ['rejected', 'rejected'], 'both consents asked for are listed as rejected')
  const accounts = (await h.inject({ url: '/financial/v3/accounts', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json().data
  t.notOk(accounts.some((a: { provider: string }) => a.provider === 'Monzo_Sandbox'))
})

t.test('bad requests: 400 naming the field; unknown provider; maintenance; non-http redirect; unknown consent', async (t) => {
  const h = await build(t)
  const missing = await authorise(h, { provider_redirect_url: CALLBACK })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().errors, { provider: /./ })
  const unknown = await authorise(h, { provider: 'Nope', provider_redirect_url: CALLBACK })
  t.same(unknown.json(), failedValidation('open_banking_authorisation_url_post', { provider: '"Nope" is not a provider; Retrieve OB Providers lists them' }))
  const maintenance = await authorise(h, { provider: 'Maintenance_Bank', provider_redirect_url: CALLBACK })
  t.equal(maintenance.json().code_id, 'provider_maintenance')
  for (const url of ['javascript:alert(1)', 'ftp://example.com/', 'not a url', 'data:text/html,<script>alert(1)</script>']) {
    const bad = await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: url })
    t.same(bad.json(), failedValidation('open_banking_authorisation_url_post', { provider_redirect_url: 'This value should be an http or https URL' }), url)
  }
  const noRedirect = await authorise(h, { provider: 'Monzo_Sandbox' })
  t.same(noRedirect.json().errors, { provider_redirect_url: 'This value should not be blank' })
  const consent = await authorise(h, { provider: 'Bank_Of_Bud', provider_redirect_url: CALLBACK, consent_id: 'not-a-consent' })
  t.same(consent.json(), { operation_id: 'open_banking_authorisation_url_post', code_id: 'resource_not_found', message: 'Consent ID could not be found.', errors: { domain_error: 'Consent ID could not be found.' } })
  const noState = await submit(h, 'v2', { code: 'x' })
  t.equal(noState.statusCode, 400)
  t.match(noState.json().errors, { state: /./ })
})

t.test('another client\'s or customer\'s authorisation and connect tasks are not found', async (t) => {
  const h = await build(t)
  const taskId = (await authorise(h, { provider: 'Monzo_Sandbox', provider_redirect_url: CALLBACK })).json().data.task_id
  const params = Object.fromEntries(await throughBank(h, taskId, 'approve'))
  for (const headers of [{ 'x-client-id': 'client-b', 'x-customer-id': CUSTOMERS.healthy }, { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.revoked }]) {
    t.equal((await h.inject({ url: `/v1/open-banking/authorisation-url/${taskId as string}`, headers })).statusCode, 404)
    t.equal((await h.inject({ method: 'POST', url: '/v2/open-banking/authorisation-codes', headers, payload: params })).statusCode, 404)
  }
  const connectId = (await submit(h, 'v2', params)).json().data.task_id
  t.equal((await h.inject({ url: `/v1/open-banking/connect/${connectId as string}`, headers: { 'x-client-id': 'client-b', 'x-customer-id': CUSTOMERS.healthy } })).statusCode, 404)
  const refreshId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  t.equal((await h.inject({ url: `/v1/open-banking/connect/${refreshId as string}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).statusCode, 404, 'a refresh is not a connect task')
})
