import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../../src/fixtures.js'
import { build, CLIENT, CUSTOMERS } from '../helper.js'

const REQUEST_LIMITED = '00000000-0000-4000-8000-00000000000b'

t.test('request history keeps at most 1024 characters of each text a client sent', async (t) => {
  const h = await build(t)
  const path = `/nowhere/${'p'.repeat(5000)}`
  await h.inject({ url: path, headers: { 'user-agent': 'u'.repeat(5000), 'x-client-id': 'c'.repeat(5000), 'x-customer-id': 'i'.repeat(5000) } })
  const [entry] = (await h.inject({ url: '/__admin/requests' })).json()
  t.equal(entry.status, 404)
  t.equal(entry.path, `${path.slice(0, 1024)}…`)
  t.equal(entry.user_agent, `${'u'.repeat(1024)}…`)
  t.equal(entry.client_id, `${'c'.repeat(1024)}…`)
  t.equal(entry.customer_id, `${'i'.repeat(1024)}…`)
})

t.test('request history lists what clients sent, newest first, filterable and bounded', async (t) => {
  const h = await build(t, { config: { requestHistorySize: 3 } })
  await h.refresh({ provider: 'Bank_Of_Bud' }, { 'user-agent': 'my-integration/1.0' })
  h.advance('PT1S')
  await h.refresh({}, { 'x-client-id': 'client-b', 'x-customer-id': CUSTOMERS.revoked })
  await h.inject({ url: '/__admin/clock' })
  const history = (await h.inject({ url: '/__admin/requests' })).json()
  t.equal(history.length, 2, 'admin calls are not recorded')
  t.match(history[0], { time: '2026-11-23T12:00:01.000Z', method: 'POST', path: '/v1/open-banking/refresh', status: 400, client_id: 'client-b', customer_id: CUSTOMERS.revoked })
  t.match(history[1], { time: '2026-11-23T12:00:00.000Z', status: 202, user_agent: 'my-integration/1.0', client_id: CLIENT, customer_id: CUSTOMERS.healthy, request_id: /^[0-9a-f-]{36}$/ })
  t.type(history[1].duration_ms, 'number')

  t.same((await h.inject({ url: '/__admin/requests?client_id=client-b' })).json().map((r: { status: number }) => r.status), [400])
  t.same((await h.inject({ url: `/__admin/requests?customer_id=${CUSTOMERS.healthy}` })).json().map((r: { status: number }) => r.status), [202])
  t.equal((await h.inject({ url: '/__admin/requests?limit=1' })).json().length, 1)
  const badLimit = await h.inject({ url: '/__admin/requests?limit=lots' })
  t.equal(badLimit.statusCode, 400)
  t.same(badLimit.json().errors, { limit: 'This value should match the pattern ^[1-9][0-9]{0,6}$' })

  for (let i = 0; i < 5; i++) await h.inject({ url: '/nowhere' })
  const bounded = (await h.inject({ url: '/__admin/requests' })).json()
  t.equal(bounded.length, 3, 'the ring keeps REQUEST_HISTORY entries')
  t.ok(bounded.every((r: { path: string }) => r.path === '/nowhere'))
})

t.test('request history also records answers given before the route runs', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const refused = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(refused.statusCode, 401)
  const [entry] = (await h.inject({ url: '/__admin/requests' })).json()
  t.match(entry, { method: 'POST', path: '/v1/open-banking/refresh', status: 401, client_id: CLIENT, request_id: refused.headers['x-request-id'] })
})

t.test('a consent can be revoked mid-test, and the next refresh sees it', async (t) => {
  const h = await build(t)
  const before = (await h.refresh({ provider: 'Natwest_Sandbox' })).json().data.task_id
  const put = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox`, payload: { consent_status: 'revoked' } })
  t.equal(put.statusCode, 200)
  t.match(put.json().connections[1], { provider: 'Natwest_Sandbox', consent_status: 'revoked' })
  h.advance('PT3S')
  t.equal((await h.status(before)).json().data.result, 'success', 'a running refresh keeps its scenario')
  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT1H' } })
  const after = (await h.refresh({ provider: 'Natwest_Sandbox' })).json().data.task_id
  h.advance('PT3S')
  t.match((await h.status(after)).json().data, { status: 'Completed', result: 'connection_revoked', reconnect_required: true })
})

t.test('a connection can be added or given another scenario, and bad changes are refused', async (t) => {
  const h = await build(t)
  const put = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.expired}/connections/Bank_Of_Bud`, payload: { scenario: 'provider_failure', last_pull_at: '2026-11-20T00:00:00Z' } })
  t.equal(put.statusCode, 200)
  t.match(put.json().connections.find((c: { provider: string }) => c.provider === 'Bank_Of_Bud'), { scenario: 'provider_failure', consent_status: 'authorised', last_pull_at: '2026-11-20T00:00:00.000Z' })
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.expired })).json().data.task_id
  h.advance('PT2S')
  t.equal((await h.status(taskId, { 'x-customer-id': CUSTOMERS.expired })).json().data.result, 'provider_failure')

  const bad = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.expired}/connections/Lloyds`, payload: { scenario: 'nope', last_pull_at: 'then' } })
  t.equal(bad.statusCode, 400)
  t.same(Object.keys(bad.json().errors).sort(), ['last_pull_at', 'provider', 'scenario'])
  const badConsent = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.expired}/connections/Bank_Of_Bud`, payload: { consent_status: 'gone' } })
  t.equal(badConsent.statusCode, 400)
  t.match(badConsent.json().errors, { consent_status: /^This value should be one of authorised, revoked, expired, reauthentication_required$/ })
  // A last pull after "now" on the sandbox clock would make every refresh look like the connect task.
  const future = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.expired}/connections/Bank_Of_Bud`, payload: { last_pull_at: '2026-11-23T12:00:03Z' } })
  t.equal(future.statusCode, 400)
  t.same(future.json().errors, { last_pull_at: 'This value should not be in the future' })
  const justNow = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.expired}/connections/Bank_Of_Bud`, payload: { last_pull_at: '2026-11-23T12:00:02Z' } })
  t.equal(justNow.statusCode, 200, 'now itself is fine')
})

t.test('provider_request_limit fails background refreshes and lets customer-initiated ones through', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': REQUEST_LIMITED }
  const background = (await h.refresh({ provider: 'Bank_Of_Bud' }, headers)).json().data.task_id
  h.advance('PT1S')
  t.same((await h.status(background, headers)).json().data, { task_id: background, provider: 'Bank_Of_Bud', status: 'Failed', result: 'provider_request_limit', reconnect_required: false, step: 1, text: 'Fetching access token' })

  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT1H' } })
  const withIp = { ...headers, 'x-customer-ip-address': '203.0.113.7' }
  const initiated = (await h.refresh({ provider: 'Bank_Of_Bud' }, withIp)).json().data.task_id
  h.advance('PT3S')
  t.match((await h.status(initiated, withIp)).json().data, { status: 'Completed', result: 'success' })
})

t.test('faults: a share of 503s and added latency on the Bud operations', async (t) => {
  const slept: number[] = []
  const draws = [0.5, 0.1, 0.9]
  const h = await build(t, { deps: { sleep: async (ms) => { slept.push(ms) }, random: () => draws.shift() ?? 0 } })

  const set = await h.inject({ method: 'PUT', url: '/__admin/faults', payload: { latency_ms: { min: 100, max: 300 }, error_rate: 0.2 } })
  t.same(set.json(), { latency_ms: { min: 100, max: 300 }, error_rate: 0.2 })
  // Draws: 0.5 → 200 ms of latency, then 0.1 < 0.2 → a 503.
  const unavailable = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(unavailable.statusCode, 503)
  t.equal(unavailable.body, '{"message":"Service unavailable"}')
  t.ok(unavailable.headers['x-request-id'])
  t.same(slept, [200])

  await h.inject({ method: 'PUT', url: '/__admin/faults', payload: { latency_ms: 50 } })
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).statusCode, 202)
  t.same(slept, [200, 50])
  t.equal((await h.inject({ url: '/__admin/customers' })).statusCode, 200, 'admin endpoints are never faulted')
  t.same(slept, [200, 50])

  const invalid = await h.inject({ method: 'PUT', url: '/__admin/faults', payload: { error_rate: 2 } })
  t.equal(invalid.statusCode, 400)
  t.same(invalid.json().errors, { error_rate: 'This value should be less than or equal to 1' })
  const negative = await h.inject({ method: 'PUT', url: '/__admin/faults', payload: { error_rate: -0.5, latency_ms: 60001 } })
  t.same(negative.json().errors, { error_rate: 'This value should be greater than or equal to 0', latency_ms: 'This value should be less than or equal to 60000' })
  const inverted = await h.inject({ method: 'PUT', url: '/__admin/faults', payload: { latency_ms: { min: 9, max: 1 } } })
  t.equal(inverted.statusCode, 400)
  t.same(inverted.json().errors, { latency_ms: 'latency_ms.min must not be above latency_ms.max' })

  await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.same((await h.inject({ url: '/__admin/faults' })).json(), { latency_ms: 0, error_rate: 0 }, 'reset restores the fixtures\' faults')
})

t.test('faults can come from the fixtures', async (t) => {
  const fixtures = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  fixtures.settings.faults = { error_rate: 1 }
  const file = join(t.testdir({}), 'f.json')
  writeFileSync(file, JSON.stringify(fixtures))
  const h = await build(t, { fixtures: loadFixtures(file) })
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).statusCode, 503)
  t.equal((await h.inject({ method: 'POST', url: '/v1/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })).statusCode, 503)
})
