// No false alarms: a client that follows Bud's guidance — one token until it
// expires, polls no sooner than next_url_delay and stops at completion, reads
// data once the refresh has completed, reconnects before refreshing again —
// runs the README's V1, V2, data and connect walk-throughs over real HTTP
// with AUTH on and gets no finding. Time passes as users pass it: the
// sandbox clock is moved.
import t from 'tap'
import { build, CUSTOMERS } from './helper.js'

t.test('the README\'s walk-throughs, done as Bud advises, leave no finding', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const CLIENT = 'well-behaved'
  let token = ''
  let tokenExpiresAtMs = 0
  /** A token kept until it expires, as Bud advises. */
  const bearer = async () => {
    if (h.clock.nowMs() >= tokenExpiresAtMs) {
      const res = await fetch(`${base}/v1/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
      const { data } = await res.json() as { data: { access_token: string, expires_in: number } }
      token = data.access_token
      tokenExpiresAtMs = h.clock.nowMs() + data.expires_in * 1000
    }
    return token
  }
  const headers: Record<string, string> = {}
  const call = async (method: string, path: string, body?: unknown, customer?: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { authorization: `Bearer ${await bearer()}`, 'x-client-id': CLIENT, ...(customer === undefined ? {} : { 'x-customer-id': customer }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    t.notOk(res.headers.get('x-sandbox-finding'), `${method} ${path}: no finding`)
    const text = await res.text()
    return { status: res.status, location: res.headers.get('location'), json: text.startsWith('{') ? JSON.parse(text) : undefined }
  }
  /** Polls a task as Bud advises: wait next_url_delay (here: the step, which is longer), read, until it is no longer Pending. */
  const untilDone = async (started: { json: { metadata: { next_url: string } } }, customer: string) => {
    for (;;) {
      h.advance('PT1S')
      const status = await call('GET', started.json.metadata.next_url, undefined, customer)
      if (status.json.metadata.status !== 'Pending') return status.json
    }
  }

  // V1 (README "A walk-through with curl")
  const healthy = CUSTOMERS.healthy
  const v1 = await call('POST', '/v1/open-banking/refresh', { provider: 'Bank_Of_Bud' }, healthy)
  t.match(await untilDone(v1, healthy), { data: { status: 'Completed', result: 'success' } })
  t.equal((await call('GET', '/financial/v3/accounts', undefined, healthy)).status, 200, 'the data, read after completion')
  h.advance('PT61M')

  // V2 (README "The V2 flow")
  const created = await call('POST', '/platform/v3/customers', {})
  const customer = created.json.data.customer_id as string
  const v2 = await call('POST', '/open-banking/v2/refresh', {}, customer)
  t.match(await untilDone(v2, customer), { data: { status: 'Completed' } })
  // The customer revokes Natwest_Sandbox at the bank: a partial failure, after which a V2
  // refresh without providers (once the hour is over) refreshes only the consent Bud still holds.
  h.advance('PT61M')
  await fetch(`${base}/__admin/customers/${customer}/connections/Natwest_Sandbox`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ consent_status: 'revoked' }) })
  const partial = await call('POST', '/open-banking/v2/refresh', {}, customer)
  t.match(await untilDone(partial, customer), { data: { status: 'Failed', result: 'connection_revoked' } })
  h.advance('PT61M')
  const remaining = await call('POST', '/open-banking/v2/refresh', {}, customer)
  t.same(remaining.json.data.sub_tasks.map((s: { provider: string }) => s.provider), ['Bank_Of_Bud'])
  await untilDone(remaining, customer)
  await fetch(`${base}/__admin/customers/${customer}/connections/Natwest_Sandbox`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ consent_status: 'authorised' }) })
  // (the admin control stands in for the customer reconnecting)

  // Data (README "Refresh, then read the customer's data")
  await call('GET', '/financial/v2/transactions?page_size=5', undefined, customer)
  h.advance('PT61M')
  const data = await call('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' }, customer)
  await untilDone(data, customer)
  await call('GET', '/financial/v2/transactions?page_size=5', undefined, customer)

  // Connect, expiry and reconnection (README "Connect a provider")
  const auth = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: 'https://my-app.example/callback' }, customer)
  const authorised = await untilDone(auth, customer)
  const bank = await fetch(authorised.data.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' })
  const params = Object.fromEntries(new URL(bank.headers.get('location')!).searchParams)
  const submitted = await call('POST', '/v2/open-banking/authorisation-codes', params, customer)
  h.advance('PT1S')
  let connect
  do {
    connect = await call('GET', `/v1/open-banking/connect/${submitted.json.data.task_id as string}`, undefined, customer)
    h.advance('PT1S')
  } while (connect.json.metadata.status === 'Pending')
  await call('GET', '/financial/v3/accounts', undefined, customer)

  h.advance('P91D')
  const expired = await call('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' }, customer)
  t.match(await untilDone(expired, customer), { data: { reconnect_required: true } })
  // The customer reconnects (re-authenticates the consent) before the next refresh.
  const consent = (await call('GET', '/v1/open-banking/account-access-consents?status=all', undefined, customer)).json.data.find((c: { provider: string }) => c.provider === 'Natwest_Sandbox')
  const again = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Natwest_Sandbox', provider_redirect_url: 'https://my-app.example/callback', consent_id: consent.id }, customer)
  const url = (await untilDone(again, customer)).data.url as string
  const back = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' })
  const reconnect = await call('POST', '/v2/open-banking/authorisation-codes', Object.fromEntries(new URL(back.headers.get('location')!).searchParams), customer)
  h.advance('PT4S')
  t.equal((await call('GET', `/v1/open-banking/connect/${reconnect.json.data.task_id as string}`, undefined, customer)).json.data.result, 'success')
  h.advance('PT61M')
  const after = await call('POST', '/v1/open-banking/refresh', { provider: 'Natwest_Sandbox' }, customer)
  t.match(await untilDone(after, customer), { data: { result: 'success' } })

  const found = await (await fetch(`${base}/__admin/findings?client_id=${CLIENT}`)).json() as { findings: unknown[] }
  t.same(found.findings, [], 'no finding for a client that follows Bud\'s guidance')
})
