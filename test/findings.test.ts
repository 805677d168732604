// Integration checks: a client that breaks each of Bud's rules once finds each
// under its own client id, with the requests at fault by their X-Request-Id and
// X-Sandbox-Finding on those responses; strict mode answers 409 instead; reset
// clears them. The well-behaved journey is in journey-checks.test.ts.
import t from 'tap'
import { build, CUSTOMERS, webhookReceiver, type Harness } from './helper.js'

interface Finding { rule: string, count: number, first_at: string, last_at: string, message: string, source: string, examples: { request_id: string, method: string, path: string, customer_id: string | null, at: string }[] }
const findings = async (h: Harness, clientId: string) => {
  const res = await h.inject({ url: `/__admin/findings?client_id=${clientId}` })
  return (res.json() as { client_id: string, findings: Finding[] }).findings
}
const as = (clientId: string, customerId: string = CUSTOMERS.healthy) => ({ 'x-client-id': clientId, 'x-customer-id': customerId })

t.test('each rule broken once is a finding under that client, naming the request at fault, with the header on its response', async (t) => {
  const h = await build(t)
  const rude = as('rude')
  const atFault: Record<string, string> = {}
  const expectFinding = (rule: string, res: { headers: Record<string, unknown> }, requestId: string) => {
    t.equal(res.headers['x-sandbox-finding'], rule, `${rule} is named on the response at fault`)
    atFault[rule] = requestId
  }

  // refresh_while_pending, read_during_refresh, poll_too_soon, poll_after_completion
  const first = await h.refresh({ provider: 'Bank_Of_Bud' }, rude)
  t.notOk(first.headers['x-sandbox-finding'], 'a first refresh breaks nothing')
  const taskId = first.json().data.task_id as string
  h.advance('PT1S')
  const again = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...rude, 'x-request-id': 'again-1' }, payload: { provider: 'Bank_Of_Bud' } })
  expectFinding('refresh_while_pending', again, 'again-1')
  h.advance('PT0.1S')
  const read = await h.inject({ url: '/financial/v3/accounts', headers: { ...rude, 'x-request-id': 'read-1' } })
  t.equal(read.statusCode, 200, 'reported, not refused')
  expectFinding('read_during_refresh', read, 'read-1')
  const poll = await h.inject({ url: `/v1/open-banking/refresh/${taskId}`, headers: { ...rude, 'x-request-id': 'poll-1' } })
  t.notOk(poll.headers['x-sandbox-finding'], 'the first read after 100 ms is fine')
  const tooSoon = await h.inject({ url: `/v1/open-banking/refresh/${taskId}`, headers: { ...rude, 'x-request-id': 'poll-2' } })
  expectFinding('poll_too_soon', tooSoon, 'poll-2')
  h.advance('PT5S')
  await h.inject({ url: `/v1/open-banking/refresh/${taskId}`, headers: rude })
  h.advance('PT1S')
  const after = await h.inject({ url: `/v1/open-banking/refresh/${taskId}`, headers: { ...rude, 'x-request-id': 'after-1' } })
  expectFinding('poll_after_completion', after, 'after-1')

  // refresh_after_reconnect_required
  const revoked = as('rude', CUSTOMERS.revoked)
  const gone = await h.refresh({ provider: 'Bank_Of_Bud' }, revoked)
  h.advance('PT5S')
  t.equal((await h.status(gone.json().data.task_id, revoked)).json().data.reconnect_required, true)
  h.advance('PT2H')
  const retry = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...revoked, 'x-request-id': 'retry-1' }, payload: { provider: 'Bank_Of_Bud' } })
  expectFinding('refresh_after_reconnect_required', retry, 'retry-1')

  // token_per_request: the sixth token within the hour
  let token
  for (let i = 0; i < 6; i++) {
    token = await h.inject({ method: 'POST', url: '/v1/oauth/token', headers: { authorization: `Basic ${Buffer.from('rude:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': `token-${i}` }, payload: 'grant_type=client_credentials' })
    h.advance('PT1M')
  }
  expectFinding('token_per_request', token!, 'token-5')

  // shared_customer_ip: one address for three customers
  let shared
  for (const [i, customer] of ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000003'].entries()) {
    shared = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...as('rude', customer), 'x-customer-ip-address': '10.0.0.7', 'x-request-id': `ip-${i}` }, payload: { provider: 'Bank_Of_Bud' } })
  }
  expectFinding('shared_customer_ip', shared!, 'ip-2')

  const found = await findings(h, 'rude')
  t.same(found.map((f) => f.rule), ['poll_too_soon', 'poll_after_completion', 'read_during_refresh', 'refresh_while_pending', 'refresh_after_reconnect_required', 'token_per_request', 'shared_customer_ip'])
  for (const f of found) {
    t.equal(f.count, 1, `${f.rule} once`)
    t.same(f.examples.map((e) => e.request_id), [atFault[f.rule]], `${f.rule} names the request at fault`)
    t.match(f.message, /https:\/\/docs\.thisisbud\.com\//, `${f.rule}'s message links Bud's docs`)
  }
  t.same(found.find((f) => f.rule === 'read_during_refresh')!.examples[0], { request_id: 'read-1', method: 'GET', path: '/financial/v3/accounts', customer_id: CUSTOMERS.healthy, at: '2026-11-23T12:00:01.100Z' })
  t.same(await findings(h, 'someone-else'), [], 'another client has none of them')

  const warnings = h.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('integration check'))
  t.same(warnings.map((l) => [l.rule, l.clientId]).sort(), found.map((f) => [f.rule, 'rude']).sort(), 'each logged once at warn, with the client')
  t.ok(warnings.every((l) => typeof l.requestId === 'string'))

  t.equal((await h.inject({ method: 'POST', url: '/__admin/reset' })).statusCode, 200)
  t.same(await findings(h, 'rude'), [], 'reset clears them')
})

t.test('a webhook the client\'s endpoint keeps refusing is webhook_not_acknowledged', async (t) => {
  const h = await build(t)
  const hooks = await webhookReceiver(t, [500, 500, 500, 500, 500])
  await h.inject({ method: 'PUT', url: '/__admin/clients/hooked/webhook', payload: { url: hooks.url, events: ['open_banking.refresh.completed'] } })
  await h.refresh({ provider: 'Bank_Of_Bud' }, as('hooked'))
  for (const step of ['PT3S', 'PT1S', 'PT2S', 'PT4S', 'PT8S']) {
    const attempt = new Promise((resolve) => h.app.webhooks.once('attempt', resolve))
    await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: step } })
    await attempt
  }
  const [finding] = await findings(h, 'hooked')
  t.equal(finding?.rule, 'webhook_not_acknowledged')
  t.equal(finding?.examples[0]?.method, 'POST')
  t.equal(finding?.examples[0]?.path, hooks.url)
  t.equal(finding?.examples[0]?.customer_id, CUSTOMERS.healthy)
})

t.test('strict mode: the request at fault answers 409 in Bud\'s envelope instead, and nothing is done', async (t) => {
  const h = await build(t, { config: { checks: 'strict' } })
  const client = as('strict-client')
  const task = (await h.refresh({ provider: 'Bank_Of_Bud' }, client)).json().data.task_id as string
  const read = await h.inject({ url: '/financial/v3/accounts', headers: client })
  t.equal(read.statusCode, 409)
  t.equal(read.headers['x-sandbox-finding'], 'read_during_refresh')
  t.same(Object.keys(read.json().errors), ['read_during_refresh'])
  t.match(read.json(), { operation_id: 'financial_v3_accounts_get', code_id: 'integration_check_failed', message: /read_during_refresh/ })
  const again = await h.refresh({ provider: 'Bank_Of_Bud' }, client)
  t.equal(again.statusCode, 409)
  h.advance('PT5S')
  const status = await h.status(task, client)
  t.equal(status.statusCode, 200, 'a read after the wait is fine')
  t.equal((await h.inject({ url: '/financial/v3/accounts', headers: client })).statusCode, 200, 'and so is the data once the refresh completed')
  t.equal(h.app.worlds.of('strict-client').tasks.size, 1, 'the refused refresh made no task')
})

t.test('CHECKS=off watches nothing', async (t) => {
  const h = await build(t, { config: { checks: 'off' } })
  const client = as('unwatched')
  await h.refresh({ provider: 'Bank_Of_Bud' }, client)
  const read = await h.inject({ url: '/financial/v3/accounts', headers: client })
  t.notOk(read.headers['x-sandbox-finding'])
  t.same(await findings(h, 'unwatched'), [])
})

t.test('what is kept per client is bounded', async (t) => {
  const h = await build(t)
  const client = as('busy')
  for (let i = 0; i < 3; i++) {
    await h.refresh({ provider: 'Bank_Of_Bud' }, client)
    await h.inject({ url: '/financial/v3/accounts', headers: client })
  }
  for (let i = 0; i < 20; i++) await h.inject({ url: '/financial/v3/accounts', headers: { ...client, 'x-request-id': `r-${i}` } })
  const [finding] = (await findings(h, 'busy')).filter((f) => f.rule === 'read_during_refresh')
  t.equal(finding!.count, 23)
  t.equal(finding!.examples.length, 10, 'the latest 10 examples')
  t.equal(finding!.examples.at(-1)!.request_id, 'r-19')
  const missing = await h.inject({ url: '/__admin/findings' })
  t.equal(missing.statusCode, 400)
})
