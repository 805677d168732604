// Issue 15's "done when": the flow Bud now recommends, as an integrator's own
// test suite would run it, with the requests as Bud's Postman collection sends
// them, over real HTTP, AUTH on, no sleeps.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { build, webhookReceiver } from './helper.js'

t.test('Create Customer V3, Initiate Refresh V2, its status on the sandbox clock, a partial failure, the signed V2 webhooks', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })

  const receiver = await webhookReceiver(t)

  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, headers, body })
    return { status: res.status, json: await res.json() as any }
  }
  const tokenRes = await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('postman:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  const token = ((await tokenRes.json()) as { data: { access_token: string } }).data.access_token
  const auth = { authorization: `Bearer ${token}`, 'x-client-id': 'postman' }
  t.equal((await call('PUT', '/__admin/clients/postman/webhook', JSON.stringify({ url: receiver.url }), { 'content-type': 'application/json' })).status, 200)

  // Create Customer V3 with only X-Client-Id (and the token).
  const created = await call('POST', '/platform/v3/customers', undefined, auth)
  t.equal(created.status, 201)
  const customerId = created.json.data.customer_id
  const customer = { ...auth, 'x-customer-id': customerId }

  // One provider's consent is revoked at the bank.
  await call('PUT', `/__admin/customers/${customerId}/connections/Natwest_Sandbox`, JSON.stringify({ consent_status: 'revoked' }), { 'content-type': 'application/json' })

  // Initiate Refresh V2 as the collection sends it: {} and an empty X-Customer-Ip-Address.
  const started = await call('POST', '/open-banking/v2/refresh', '{}', { ...customer, 'content-type': 'application/json', 'x-customer-ip-address': '' })
  t.equal(started.status, 202)
  const parentId = started.json.data.task_id
  t.same(started.json.data.sub_tasks.map((s: { provider: string }) => s.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])
  t.equal(started.json.metadata.next_url, `/open-banking/v2/refresh/${parentId}`)

  // Watch it on the sandbox clock: the parent and each sub-task's steps.
  const poll = () => call('GET', `/open-banking/v2/refresh/${parentId}`, undefined, customer)
  t.match((await poll()).json, { data: { status: 'Pending', sub_tasks: [{ status: 'Pending' }, { status: 'Pending' }] }, metadata: { next_url_delay: 500 } })
  await call('POST', '/__admin/clock', JSON.stringify({ advance: 'PT2S' }), { 'content-type': 'application/json' })
  const subTask = started.json.data.sub_tasks[0].task_id
  t.match((await call('GET', `/v1/open-banking/refresh/${subTask}`, undefined, customer)).json.data, { step: 3, text: 'Fetching balances and transactions' })

  // Three webhooks: each provider's, then the refresh's own.
  let arrived = 0
  const delivered = new Promise<void>((resolve) => h.app.webhooks.on('attempt', () => { if (++arrived === 3) resolve() }))
  await call('POST', '/__admin/clock', JSON.stringify({ advance: 'PT1S' }), { 'content-type': 'application/json' })
  const ended = (await poll()).json
  t.match(ended, {
    data: {
      status: 'Failed',
      result: 'connection_revoked',
      has_new_transactions: true,
      sub_tasks: [
        { provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true },
        { provider: 'Natwest_Sandbox', status: 'Completed', result: 'connection_revoked', reconnect_required: true }
      ]
    },
    metadata: { status: 'Failed' }
  })

  // The signed V2 webhooks, verified as a receiver would.
  await delivered
  const jwks = createRemoteJWKSet(new URL(`${base}/bud-callback.jwks`))
  const payloads: Record<string, unknown>[] = []
  for (const webhook of receiver.received) {
    const { payload } = await jwtVerify(String(webhook.headers['x-signature']), jwks)
    t.same(payload, JSON.parse(webhook.body), 'the signature covers exactly the body')
    payloads.push(payload)
  }
  const byEvent = (event: string) => payloads.filter((p) => p.event === event)
  t.match(byEvent('open_banking.v2.refresh.completed'), [{ task_id: parentId, customer_id: customerId, status: 'Failed', result: 'connection_revoked' }])
  const providers = byEvent('open_banking.v2.refresh.provider.completed').sort((a, b) => String(a.provider).localeCompare(String(b.provider)))
  t.match(providers, [
    { task_id: started.json.data.sub_tasks[0].task_id, provider: 'Bank_Of_Bud', result: 'success', reconnect_required: false, customer_id: customerId },
    { task_id: started.json.data.sub_tasks[1].task_id, provider: 'Natwest_Sandbox', result: 'connection_revoked', reconnect_required: true, customer_id: customerId }
  ])

  // Bud's record of the revoked consent now says so, and the next V2 refresh leaves it out.
  const admin = (await call('GET', `/__admin/customers/${customerId}`)).json
  t.same(admin.connections.map((c: { provider: string, bud_consent_status: string }) => `${c.provider} ${c.bud_consent_status}`), ['Bank_Of_Bud authorised', 'Natwest_Sandbox revoked'])
  await call('POST', '/__admin/clock', JSON.stringify({ advance: 'PT50M' }), { 'content-type': 'application/json' })
  const next = await call('POST', '/open-banking/v2/refresh', '{}', { ...customer, 'content-type': 'application/json' })
  t.same(next.json.data.sub_tasks.map((s: { provider: string }) => s.provider), ['Bank_Of_Bud'])

  // V1 keeps working beside it.
  const v1 = await call('POST', '/v1/open-banking/refresh', JSON.stringify({ provider: 'Natwest_Sandbox' }), { ...customer, 'content-type': 'application/json' })
  t.equal(v1.status, 202)
})
