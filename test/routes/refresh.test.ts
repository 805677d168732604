import t, { type Test } from 'tap'
import { build, CLIENT, CUSTOMERS, T0, type Harness } from '../helper.js'

const DAY = 24 * 60 * 60 * 1000
const iso = (ms: number) => new Date(ms).toISOString()

t.test('a refresh starts pending and walks the steps on the sandbox clock', async (t) => {
  const h = await build(t)
  const created = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(created.statusCode, 202)
  const body = created.json()
  const taskId = body.data.task_id
  t.match(taskId, /^[0-9a-f-]{36}$/)
  t.same(body, {
    operation_id: 'open_banking_refresh_post',
    data: { task_id: taskId, provider: 'Bank_Of_Bud' },
    metadata: { status: 'Pending', next_url: `/v1/open-banking/refresh/${taskId}`, next_url_delay: 50 }
  })

  const pendingAt = async (step: number, text: string) => {
    const res = await h.status(taskId)
    t.equal(res.statusCode, 200)
    t.same(res.json(), {
      operation_id: 'open_banking_refresh_get',
      data: { task_id: taskId, provider: 'Bank_Of_Bud', status: 'Pending', reconnect_required: false, step, text },
      metadata: { status: 'Pending', next_url: `/v1/open-banking/refresh/${taskId}`, next_url_delay: 50 }
    }, `step ${step}`)
  }
  await pendingAt(1, 'Fetching access token')
  h.advance('PT0.999S')
  await pendingAt(1, 'Fetching access token')
  h.advance('PT0.001S')
  await pendingAt(2, 'Fetching accounts')
  h.advance('PT1S')
  await pendingAt(3, 'Fetching balances and transactions')
  h.advance('PT1S')
  const done = await h.status(taskId)
  t.same(done.json(), {
    operation_id: 'open_banking_refresh_get',
    data: { task_id: taskId, provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, step: 4, text: 'Completed' },
    metadata: { status: 'Completed', has_new_transactions: true }
  })
})

t.test('a success with nothing new says has_new_transactions: false', async (t) => {
  const h = await build(t)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.noNewTransactions })).json().data.task_id
  h.advance('PT3S')
  const res = (await h.status(taskId, { 'x-customer-id': CUSTOMERS.noNewTransactions })).json()
  t.equal(res.data.result, 'success')
  t.equal(res.metadata.has_new_transactions, false)
})

t.test('headers are validated and named like Bud names them', async (t) => {
  const h = await build(t)
  const noCustomer = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { 'x-client-id': CLIENT }, payload: { provider: 'Bank_Of_Bud' } })
  t.equal(noCustomer.statusCode, 400)
  t.same(noCustomer.json(), {
    operation_id: 'open_banking_refresh_post',
    code_id: 'failed_validation',
    message: 'Failed validation',
    errors: { customer_id: 'This value should not be blank' }
  })

  const noClient = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { 'x-customer-id': CUSTOMERS.healthy }, payload: { provider: 'Bank_Of_Bud' } })
  t.equal(noClient.statusCode, 400)
  t.same(noClient.json().errors, { client_id: 'This value should not be blank' })

  const badUuid = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': 'not-a-uuid' })
  t.equal(badUuid.statusCode, 400)
  t.same(badUuid.json().errors, { customer_id: 'This value should be a valid UUID' })

  const statusWithoutCustomer = await h.inject({ method: 'GET', url: `/v1/open-banking/refresh/${CUSTOMERS.healthy}`, headers: { 'x-client-id': CLIENT } })
  t.equal(statusWithoutCustomer.statusCode, 400)
  t.same(statusWithoutCustomer.json(), {
    operation_id: 'open_banking_refresh_get',
    code_id: 'failed_validation',
    message: 'Failed validation',
    errors: { customer_id: 'This value should not be blank' }
  })
})

t.test('the body is validated field by field', async (t) => {
  const h = await build(t)
  const missing = await h.refresh({})
  t.equal(missing.statusCode, 400)
  t.same(missing.json().errors, { provider: 'This value should not be blank' })
  const empty = await h.refresh({ provider: '' })
  t.equal(empty.statusCode, 400, 'an empty provider is as blank as a missing one')
  t.same(empty.json().errors, { provider: 'This value should not be blank' })

  const wrongTypes = await h.refresh({ provider: 42, from: true })
  t.equal(wrongTypes.statusCode, 400)
  t.same(wrongTypes.json().errors, { provider: 'This value should be of type string', from: 'This value should be of type string' })

  const malformed = await h.inject({
    method: 'POST',
    url: '/v1/open-banking/refresh',
    headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' },
    payload: '{"provider": "Bank_Of_Bud"'
  })
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), { operation_id: 'open_banking_refresh_post', code_id: 'failed_validation', message: 'Failed validation', errors: { body: 'This value should be valid JSON' } })
})

t.test('a customer can be named by its idempotent identifier instead of its id', async (t) => {
  const h = await build(t)
  const byIdentifier = { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'healthy' }
  const created = await h.refresh({ provider: 'Bank_Of_Bud' }, byIdentifier)
  t.equal(created.statusCode, 202)
  const taskId = created.json().data.task_id
  t.equal((await h.status(taskId, byIdentifier)).statusCode, 200, 'visible by identifier')
  t.equal((await h.status(taskId)).statusCode, 200, 'and by the customer id it stands for')
  const again = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(again.json().data.task_id, taskId, 'both names are one customer for the dedupe')
})

t.test('the window defaults to the last pull less seven days, up to now', async (t) => {
  const h = await build(t)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  const stored = (await h.inject({ url: `/__admin/tasks/${taskId}` })).json()
  // The healthy customer's Bank_Of_Bud connection was last pulled two days before T0.
  t.same(stored.window, { from: iso(T0 - 9 * DAY), to: iso(T0) })
})

t.test('an explicit window is kept on the task', async (t) => {
  const h = await build(t)
  const from = '2026-10-01T00:00:00+00:00'
  const to = '2026-11-01T00:00:00Z'
  const taskId = (await h.refresh({ provider: 'Natwest_Sandbox', from, to })).json().data.task_id
  const stored = (await h.inject({ url: `/__admin/tasks/${taskId}` })).json()
  t.same(stored.window, { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' })
})

t.test('the 90-day limit and the other window rules answer 400 keyed by field', async (t) => {
  const h = await build(t)
  const cases: [Record<string, string>, Record<string, string>][] = [
    [{ from: iso(T0 - 91 * DAY) }, { from: 'This value should not be more than 90 days in the past' }],
    [{ from: iso(T0 - 95 * DAY), to: iso(T0 - 91 * DAY) }, { from: 'This value should not be more than 90 days in the past', to: 'This value should not be more than 90 days in the past' }],
    [{ from: iso(T0 - 5 * DAY), to: iso(T0 - 6 * DAY) }, { to: 'This value should not be before from' }],
    [{ to: iso(T0 + 60_000) }, { to: 'This value should not be in the future' }],
    [{ from: 'last tuesday' }, { from: 'This value should be an ISO 8601 datetime' }],
    [{ from: '2026-13-45T00:00:00Z', to: 'soon' }, { from: 'This value should be an ISO 8601 datetime', to: 'This value should be an ISO 8601 datetime' }]
  ]
  for (const [window, errors] of cases) {
    const res = await h.refresh({ provider: 'Bank_Of_Bud', ...window })
    t.equal(res.statusCode, 400, JSON.stringify(window))
    t.same(res.json(), { operation_id: 'open_banking_refresh_post', code_id: 'failed_validation', message: 'Failed validation', errors })
  }
  const edge = await h.refresh({ provider: 'Bank_Of_Bud', from: iso(T0 - 90 * DAY) })
  t.equal(edge.statusCode, 202, 'exactly 90 days back is allowed')
})

t.test('the 90-day limit follows the sandbox clock', async (t) => {
  const h = await build(t)
  const from = iso(T0 - 80 * DAY)
  h.advance('P11D')
  const res = await h.refresh({ provider: 'Bank_Of_Bud', from })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors, { from: 'This value should not be more than 90 days in the past' })
})

t.test('a second refresh within the hour returns the first task', async (t) => {
  const h = await build(t)
  const first = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  h.advance('PT59M59S')
  const again = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(again.statusCode, 202)
  t.equal(again.json().data.task_id, first)
  t.equal(again.json().metadata.status, 'Completed', 'the earlier task has finished by now')
  t.not((await h.refresh({ provider: 'Natwest_Sandbox' })).json().data.task_id, first, 'per provider')
  t.not((await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-client-id': 'client-b' })).json().data.task_id, first, 'per client')
  t.not((await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.noNewTransactions })).json().data.task_id, first, 'per customer')
  h.advance('PT1S')
  const later = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.not(later.json().data.task_id, first, 'an hour after the first, a new refresh starts')
  t.equal(later.json().metadata.status, 'Pending')
})

t.test('after a successful refresh the next default window starts from it', async (t) => {
  const h = await build(t)
  await h.refresh({ provider: 'Bank_Of_Bud' })
  h.advance('PT2H')
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  const stored = (await h.inject({ url: `/__admin/tasks/${taskId}` })).json()
  t.equal(stored.window.from, iso(T0 + 3000 - 7 * DAY), 'last pull = when the earlier refresh completed')
})

t.test('a connection made within the hour counts as a fetch', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': CUSTOMERS.justConnected }
  const res = await h.refresh({ provider: 'Bank_Of_Bud' }, headers)
  t.equal(res.statusCode, 202)
  const taskId = res.json().data.task_id
  t.equal(res.json().metadata.status, 'Completed')
  const status = (await h.status(taskId, headers)).json()
  t.equal(status.data.status, 'Completed')
  t.equal(status.data.result, 'success')
  t.equal((await h.inject({ url: `/__admin/tasks/${taskId}` })).json().kind, 'connect')
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' }, headers)).json().data.task_id, taskId, 'stable while the hour lasts')
  h.advance('PT45M')
  const fresh = await h.refresh({ provider: 'Bank_Of_Bud' }, headers)
  t.not(fresh.json().data.task_id, taskId, 'the connection was 60 minutes ago: a real refresh starts')
})

const ended = async (t: Test, h: Harness, customerId: string, provider: string, wait = 'PT3S', headers: Record<string, string> = {}) => {
  const all = { 'x-customer-id': customerId, ...headers }
  const created = await h.refresh({ provider }, all)
  t.equal(created.statusCode, 202)
  const taskId = created.json().data.task_id
  h.advance(wait)
  return { taskId, body: (await h.status(taskId, all)).json() }
}

t.test('revoked, expired and reauthentication consents end with reconnect_required', async (t) => {
  const h = await build(t)
  for (const [customer, provider, result] of [
    [CUSTOMERS.revoked, 'Bank_Of_Bud', 'connection_revoked'],
    [CUSTOMERS.expired, 'Natwest_Sandbox', 'connection_expired'],
    [CUSTOMERS.reauthenticate, 'Bank_Of_Bud', 'connection_reauthenticate']
  ] as const) {
    const { taskId, body } = await ended(t, h, customer, provider)
    t.same(body, {
      operation_id: 'open_banking_refresh_get',
      data: { task_id: taskId, provider, status: 'Completed', result, reconnect_required: true, step: 4, text: 'Completed' },
      metadata: { status: 'Completed' }
    }, result)
  }
})

t.test('a fixture can report a revoked consent as Failed, like Bud\'s published example', async (t) => {
  const h = await build(t)
  const { body } = await ended(t, h, CUSTOMERS.revokedFailed, 'Bank_Of_Bud')
  t.same(body.data, { task_id: body.data.task_id, provider: 'Bank_Of_Bud', status: 'Failed', result: 'connection_revoked', reconnect_required: true, step: 4, text: 'Completed' })
  t.same(body.metadata, { status: 'Failed' })
})

t.test('a revoked consent is pending like any other refresh until it ends', async (t) => {
  const h = await build(t)
  const { body } = await ended(t, h, CUSTOMERS.revoked, 'Bank_Of_Bud', 'PT2.5S')
  t.equal(body.data.status, 'Pending')
  t.equal(body.data.reconnect_required, false)
  t.equal(body.data.step, 3)
})

t.test('a provider failure stops at step 2, a timeout at step 3 after its longer steps', async (t) => {
  const h = await build(t)
  const failure = await ended(t, h, CUSTOMERS.providerFailure, 'Bank_Of_Bud', 'PT2S')
  t.same(failure.body.data, { task_id: failure.taskId, provider: 'Bank_Of_Bud', status: 'Failed', result: 'provider_failure', reconnect_required: false, step: 2, text: 'Fetching accounts' })
  t.same(failure.body.metadata, { status: 'Failed' })

  const slow = await ended(t, h, CUSTOMERS.providerTimeout, 'Natwest_Sandbox', 'PT14S')
  t.equal(slow.body.data.status, 'Pending', 'still running after 14 s')
  t.equal(slow.body.data.step, 3)
  h.advance('PT1S')
  const timedOut = (await h.status(slow.taskId, { 'x-customer-id': CUSTOMERS.providerTimeout })).json()
  t.same(timedOut.data, { task_id: slow.taskId, provider: 'Natwest_Sandbox', status: 'Failed', result: 'provider_timeout', reconnect_required: false, step: 3, text: 'Fetching balances and transactions' })
})

t.test('a provider in maintenance is refused at POST', async (t) => {
  const h = await build(t)
  const expected = {
    operation_id: 'open_banking_refresh_post',
    code_id: 'provider_maintenance',
    message: 'The provider is in maintenance.',
    errors: { provider: 'The provider is currently disabled due to planned maintenance or known issues.' }
  }
  const res = await h.refresh({ provider: 'Maintenance_Bank' }, { 'x-customer-id': CUSTOMERS.maintenance })
  t.equal(res.statusCode, 400)
  t.same(res.json(), expected)
  const byScenario = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-sandbox-scenario': 'provider_maintenance' })
  t.equal(byScenario.statusCode, 400)
  t.same(byScenario.json(), expected)
})

t.test('a provider the customer has no connection with ends connection_not_found', async (t) => {
  const h = await build(t)
  const { taskId, body } = await ended(t, h, CUSTOMERS.expired, 'Bank_Of_Bud')
  t.same(body, {
    operation_id: 'open_banking_refresh_get',
    data: { task_id: taskId, provider: 'Bank_Of_Bud', status: 'Failed', result: 'connection_not_found', reconnect_required: false, step: 4, text: 'Completed' },
    metadata: { status: 'Failed' }
  })
})

t.test('X-Sandbox-Scenario overrides the fixture for one refresh', async (t) => {
  const h = await build(t)
  const { body } = await ended(t, h, CUSTOMERS.healthy, 'Natwest_Sandbox', 'PT3S', { 'x-sandbox-scenario': 'connection_expired_failed' })
  t.equal(body.data.status, 'Failed')
  t.equal(body.data.result, 'connection_expired')
  t.equal(body.data.reconnect_required, true)

  const plain = await ended(t, h, CUSTOMERS.noNewTransactions, 'Bank_Of_Bud')
  t.equal(plain.body.data.result, 'success', 'the next refresh without the header follows the fixture again')

  const unknown = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-sandbox-scenario': 'meteor_strike' })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().code_id, 'failed_validation')
  t.match(unknown.json().errors.sandbox_scenario, /^Unknown scenario "meteor_strike"; valid scenarios are: success, success_no_new_transactions, connection_revoked, .*provider_failure.*connection_not_found$/)
})

t.test('an unknown customer is provisioned with the default connections', async (t) => {
  const h = await build(t)
  const stranger = '3f9d2b1a-8c7e-4d6f-9a5b-1c2d3e4f5a6b'
  const { body } = await ended(t, h, stranger, 'Natwest_Sandbox')
  t.equal(body.data.result, 'success')
  const customers = (await h.inject({ url: '/__admin/customers' })).json() as { customer_id: string, provisioned: boolean, connections: { provider: string }[] }[]
  const found = customers.find((c) => c.customer_id === stranger)
  t.ok(found?.provisioned)
  t.same(found?.connections.map((c) => c.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])
})

t.test("a provisioned customer's connections are as of its first request, whenever they are first looked at", async (t) => {
  const h = await build(t)
  const stranger = '7a1c5e2b-3d4f-4a6b-8c9d-0e1f2a3b4c5d'
  const natwestTask = (await h.refresh({ provider: 'Natwest_Sandbox' }, { 'x-customer-id': stranger })).json().data.task_id
  h.advance('PT1H')
  const added = await h.inject({ method: 'PUT', url: `/__admin/customers/${stranger}/connections/Maintenance_Bank`, payload: { scenario: 'provider_failure' } })
  t.equal(added.statusCode, 200)
  h.advance('PT1H')
  const view = (await h.inject({ url: `/__admin/customers/${stranger}` })).json() as { connections: { provider: string, consent_id: string, last_pull_at: string }[] }
  const dayBeforeFirstRequest = new Date(T0 - 86_400_000).toISOString()
  t.same(view.connections.map((c) => [c.provider, c.last_pull_at]), [
    ['Bank_Of_Bud', dayBeforeFirstRequest],
    ['Natwest_Sandbox', dayBeforeFirstRequest],
    ['Maintenance_Bank', new Date(T0 + 3_600_000 - 86_400_000).toISOString()]
  ], 'the default connections first, then those the admin added')
  const [bankOfBud, natwest] = view.connections
  t.equal((await h.inject({ url: `/__admin/tasks/${natwestTask}` })).json().consent_id, natwest!.consent_id, "the task carries its connection's consent id")
  t.not(bankOfBud!.consent_id, natwest!.consent_id)
  const bankTask = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': stranger })).json().data.task_id
  t.equal((await h.inject({ url: `/__admin/tasks/${bankTask}` })).json().consent_id, bankOfBud!.consent_id, 'a connection first seen by the admin view keeps its consent id')
  t.same((await h.inject({ url: `/__admin/customers/${stranger}` })).json().connections, view.connections, 'looking again changes nothing')
})

t.test('a task is only visible to the client and customer that started it', async (t) => {
  const h = await build(t)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  const notFound = { operation_id: 'open_banking_refresh_get', code_id: 'task_not_found', message: 'The task could not be found.', errors: {} }
  for (const headers of [{ 'x-client-id': 'client-b' }, { 'x-customer-id': CUSTOMERS.revoked }] as Record<string, string>[]) {
    const res = await h.status(taskId, headers)
    t.equal(res.statusCode, 404)
    t.same(res.json(), notFound)
  }
  const unknown = await h.status('4b1c1e0e-0000-4000-8000-000000000000')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), notFound)
  const malformed = await h.status('not-a-task')
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json().errors, { task_id: 'This value should be a valid UUID' })
})
