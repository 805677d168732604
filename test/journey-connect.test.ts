// Issue 25's "done when", as an integrator's suite would run it: over real
// HTTP, AUTH on, no sleeps, with curl's means only (no browser: see
// pages.test.ts for that) — connect a provider the customer did not have
// with the client's own licence and through Bud Connect, watch the connect
// task reach step 4, reconfirm a consent before it expires, let others
// expire, re-authenticate one, revoke one, and verify every webhook.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { once } from 'node:events'
import t from 'tap'
import { build, webhookReceiver } from './helper.js'

t.test('connect twice, reconfirm, expire, re-authenticate, revoke: every answer and webhook as Bud gives them', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const hooks = await webhookReceiver(t)
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, { method, redirect: 'manual', headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    return { status: res.status, location: res.headers.get('location'), json: text.startsWith('{') ? JSON.parse(text) : undefined }
  }
  /** One form POST, as `curl -d` sends it; the redirect's Location. */
  const form = async (url: string, fields: Record<string, string>) => {
    const res = await fetch(url.startsWith('http') ? url : `${base}${url}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
    t.equal(res.status, 303)
    return res.headers.get('location')!
  }
  const newToken = async () => (await (await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('connect-journey:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })).json() as { data: { access_token: string } }).data.access_token
  const client = { authorization: `Bearer ${await newToken()}`, 'x-client-id': 'connect-journey' }
  /** Moves the sandbox clock; past a token's hour, a new token, as a client would take. */
  const advance = async (by: string) => {
    await call('POST', '/__admin/clock', { advance: by })
    if (/[DH]/.test(by)) customer.authorization = client.authorization = `Bearer ${await newToken()}`
  }
  t.equal((await call('PUT', '/__admin/clients/connect-journey/webhook', { url: hooks.url })).status, 200)
  const customer: Record<string, string> = { ...client, 'x-customer-id': (await call('POST', '/platform/v3/customers', {}, client)).json.data.customer_id as string }
  const consents = async (status = 'active') => (await call('GET', `/v1/open-banking/account-access-consents?status=${status}`, undefined, customer)).json.data as { id: string, provider: string, status: string, expiration_date: string, revoke_reason?: string }[]
  const connectStatus = async (taskId: string) => (await call('GET', `/v1/open-banking/connect/${taskId}`, undefined, customer)).json.data
  const refreshed = async (provider: string) => {
    const started = await call('POST', '/v1/open-banking/refresh', { provider }, customer)
    await advance('PT3S')
    return (await call('GET', `/v1/open-banking/refresh/${started.json.data.task_id as string}`, undefined, customer)).json.data
  }
  /** Own licence: authorisation URL → the bank (one form POST) → Submit Authorisation Codes V2; the connect task's id. */
  const connectOwnLicence = async (provider: string, consentId?: string) => {
    const started = await call('POST', '/v1/open-banking/authorisation-url', { provider, provider_redirect_url: 'https://client.example/callback', ...(consentId === undefined ? {} : { consent_id: consentId }) }, customer)
    t.equal(started.status, 202)
    await advance('PT1S')
    const bankUrl = (await call('GET', started.json.metadata.next_url, undefined, customer)).json.data.url as string
    t.equal(new URL(bankUrl).origin, base)
    const back = new URL(await form(bankUrl, { decision: 'approve' }))
    t.equal(back.origin + back.pathname, 'https://client.example/callback')
    const submitted = await call('POST', '/v2/open-banking/authorisation-codes', Object.fromEntries(back.searchParams), customer)
    t.equal(submitted.status, 202)
    return submitted.json.data.task_id as string
  }

  // 1. With the client's own licence, a provider the customer did not have.
  t.same((await consents()).map((c) => c.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])
  const monzoTask = await connectOwnLicence('Monzo_Sandbox')
  const steps = []
  for (let i = 0; i < 4; i++) {
    const s = await connectStatus(monzoTask)
    steps.push(s.step)
    await advance('PT1S')
  }
  t.same(steps, [1, 2, 3, 4])
  const monzo = (await consents()).find((c) => c.provider === 'Monzo_Sandbox')!
  t.ok(monzo)

  // 2. Through Bud Connect, with its pages driven by form POSTs.
  const link = (await call('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: 'https://client.example/connected?session=7' }, customer)).json.data.url as string
  const bank = await form(`${link}/provider`, { provider: 'Starling_Business_Sandbox' })
  const back = new URL(await form(bank, { decision: 'approve' }))
  t.same([back.searchParams.get('session'), back.searchParams.get('status')], ['7', 'success'])
  await advance('PT3S')
  t.same((await connectStatus(back.searchParams.get('task_id')!)).status, 'Completed')

  // 3. 85 days on, every consent is due; reconfirming one gives it 90 more days.
  await advance('P85D')
  t.same((await consents('reconfirm_due')).map((c) => c.provider).sort(), ['Bank_Of_Bud', 'Monzo_Sandbox', 'Natwest_Sandbox', 'Starling_Business_Sandbox'])
  const bud = (await consents()).find((c) => c.provider === 'Bank_Of_Bud')!
  t.same((await call('POST', `/v1/open-banking/account-access-consents/${bud.id}/reconfirm`, { provider: 'Bank_Of_Bud' }, customer)).json.data, { provider_id: 'Bank_Of_Bud', reconnect_required: false })

  // 4. Past 90 days the others have expired: a refresh needs the customer back.
  await advance('P6D')
  t.same((await consents()).map((c) => c.provider), ['Bank_Of_Bud'])
  t.match(await refreshed('Monzo_Sandbox'), { status: 'Completed', result: 'connection_expired', reconnect_required: true })
  t.same((await call('POST', `/v1/open-banking/account-access-consents/${monzo.id}/reconfirm`, undefined, customer)).json.data, { provider_id: 'Monzo_Sandbox', reconnect_required: true })

  // 5. Re-authenticating the consent: the same id, 90 more days; the next refresh (after the hour's dedupe) succeeds.
  const reauth = await connectOwnLicence('Monzo_Sandbox', monzo.id)
  await advance('PT3S')
  t.equal((await connectStatus(reauth)).result, 'success')
  t.ok((await consents()).some((c) => c.id === monzo.id))
  await advance('PT1H')
  t.match(await refreshed('Monzo_Sandbox'), { result: 'success', reconnect_required: false })

  // 6. Revoking: the next refresh answers reconnect_required.
  const revoke = await call('POST', '/v1/open-banking/account-access-consent/revoke', { provider: 'Bank_Of_Bud' }, customer)
  await advance('PT1S')
  t.same((await call('GET', revoke.json.metadata.next_url, undefined, customer)).json.data.status, 'Completed')
  await advance('PT1H')
  t.match(await refreshed('Bank_Of_Bud'), { result: 'connection_revoked', reconnect_required: true })

  // Every webhook, signed with the key the JWKS publishes.
  const wanted = ['connect:Monzo_Sandbox:success', 'connect:Starling_Business_Sandbox:success', 'open_banking.consent.reconfirmed:Bank_Of_Bud', 'open_banking.consent.revoked:Monzo_Sandbox', 'open_banking.consent.reauthorised:Monzo_Sandbox', 'open_banking.consent.revoked:Bank_Of_Bud']
  const jwks = createRemoteJWKSet(new URL(`${base}/bud-callback.jwks`))
  const seen = async () => {
    const out: string[] = []
    for (const r of hooks.received) {
      const { payload } = await jwtVerify(String(r.headers['x-signature']), jwks)
      const data = payload.data as Record<string, string> | undefined
      if (data?.task_type === 'connect') out.push(`connect:${data.provider}:${data.result}`)
      else if (data?.event !== undefined) out.push(`${data.event}:${data.provider}`)
    }
    return out
  }
  for (let found = await seen(); !wanted.every((w) => found.includes(w)); found = await seen()) await once(h.app.webhooks, 'attempt')
  t.pass('each webhook arrived, signed')
})
