// Issue 4's "done when", as an integrator's own test suite would run it: over
// real HTTP, AUTH on, no sleeps, no Bud account.
import { once } from 'node:events'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { build, webhookReceiver } from './helper.js'

t.test('token, refresh, clock jump, signed webhook with a retry, expiry, revocation, history', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const customer = '7d1e3c2b-5a4f-4e6d-8c9b-0a1b2c3d4e5f'

  // A receiver that answers 500 once, then 200.
  const { url: receiverUrl, received: bodies } = await webhookReceiver(t, [500])

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'user-agent': 'journey-test', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    return { status: res.status, json: await res.json() as any }
  }
  const getToken = async () => {
    const res = await fetch(`${base}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('journey:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials'
    })
    t.equal(res.status, 200)
    return ((await res.json()) as { data: { access_token: string } }).data.access_token
  }

  let token = await getToken()
  const bud = () => ({ authorization: `Bearer ${token}`, 'x-client-id': 'journey', 'x-customer-id': customer })
  t.equal((await call('PUT', '/__admin/clients/journey/webhook', { url: receiverUrl })).status, 200)

  const created = await call('POST', '/v1/open-banking/refresh', { provider: 'Bank_Of_Bud' }, bud())
  t.equal(created.status, 202)
  const taskId = created.json.data.task_id

  // Jump the clock: the task ends, the webhook is sent, answered 500, and retried a second later.
  let delivered = once(h.app.webhooks, 'attempt')
  await call('POST', '/__admin/clock', { advance: 'PT3S' })
  await delivered
  delivered = once(h.app.webhooks, 'attempt')
  await call('POST', '/__admin/clock', { advance: 'PT1S' })
  await delivered
  t.equal(bodies.length, 2, 'one failed attempt, one retry')
  const [webhook] = (await call('GET', '/__admin/webhooks?client_id=journey')).json
  t.same(webhook.attempts.map((a: { status_code: number }) => a.status_code), [500, 200])

  const jwks = createRemoteJWKSet(new URL(`${base}/bud-callback.jwks`))
  const { payload } = await jwtVerify(String(bodies[1]!.headers['x-signature']), jwks)
  t.same(payload, JSON.parse(bodies[1]!.body))
  t.match(payload, { data: { task_id: taskId, status: 'Completed', result: 'success', reconnect_required: 'false' } })

  // The token expires on the sandbox clock.
  await call('POST', '/__admin/clock', { advance: 'PT1H' })
  const expired = await call('GET', `/v1/open-banking/refresh/${taskId}`, undefined, bud())
  t.equal(expired.status, 401)
  t.equal(expired.json.code_id, 'token_expired')
  token = await getToken()

  // Revoke the consent mid-flow; past the dedupe hour the next refresh says reconnect.
  await call('PUT', `/__admin/customers/${customer}/connections/Bank_Of_Bud`, { consent_status: 'revoked' })
  const second = await call('POST', '/v1/open-banking/refresh', { provider: 'Bank_Of_Bud' }, bud())
  await call('POST', '/__admin/clock', { advance: 'PT3S' })
  const revoked = await call('GET', `/v1/open-banking/refresh/${second.json.data.task_id}`, undefined, bud())
  t.match(revoked.json.data, { status: 'Completed', result: 'connection_revoked', reconnect_required: true })

  // And read back what it sent.
  const history = (await call('GET', `/__admin/requests?client_id=journey&customer_id=${customer}`)).json
  t.same(history.map((r: { method: string, status: number }) => `${r.method} ${r.status}`), ['GET 200', 'POST 202', 'GET 401', 'POST 202'])
  t.ok(history.every((r: { user_agent: string }) => r.user_agent === 'journey-test'))
})
