import t from 'tap'
import { build, CLIENT, CUSTOMERS, FIXTURE_CUSTOMERS, T0 } from '../helper.js'

t.test('the clock reads and moves, and never goes back', async (t) => {
  const h = await build(t)
  t.same((await h.inject({ url: '/__admin/clock' })).json(), { now: '2026-11-23T12:00:00.000Z', client_id: null })

  const advanced = await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT61M' } })
  t.equal(advanced.statusCode, 200)
  t.same(advanced.json(), { now: '2026-11-23T13:01:00.000Z', client_id: null })

  const set = await h.inject({ method: 'POST', url: '/__admin/clock', payload: { now: '2026-12-01T09:00:00+01:00' } })
  t.same(set.json(), { now: '2026-12-01T08:00:00.000Z', client_id: null })
  h.advance('PT5S')
  t.same((await h.inject({ url: '/__admin/clock' })).json(), { now: '2026-12-01T08:00:05.000Z', client_id: null }, 'it keeps running from there')

  const refusals: [Record<string, unknown>, Record<string, string>][] = [
    [{ advance: 'soon' }, { advance: 'This value should be an ISO 8601 duration such as PT61M or P91D' }],
    [{ advance: '-PT1H' }, { advance: 'The sandbox clock only moves forward' }],
    [{ now: '2026-01-01T00:00:00Z' }, { now: 'The sandbox clock only moves forward' }],
    [{ now: 'yesterday' }, { now: 'This value should be an ISO 8601 datetime' }],
    [{}, { body: 'Give exactly one of advance (an ISO 8601 duration) and now (an ISO 8601 instant)' }],
    [{ advance: 'PT1H', now: '2027-01-01T00:00:00Z' }, { body: 'Give exactly one of advance (an ISO 8601 duration) and now (an ISO 8601 instant)' }],
    [{ advance: 'PT1H', rewind: true }, { rewind: 'This field was not expected' }]
  ]
  for (const [payload, errors] of refusals) {
    const res = await h.inject({ method: 'POST', url: '/__admin/clock', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.same(res.json(), { operation_id: 'admin_clock_post', code_id: 'failed_validation', message: 'Failed validation', errors })
  }
  t.same((await h.inject({ url: '/__admin/clock' })).json(), { now: '2026-12-01T08:00:05.000Z', client_id: null }, 'refused moves change nothing')
})

t.test('moving the clock through the admin endpoint finishes tasks and ends the dedupe hour', async (t) => {
  const h = await build(t)
  const first = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT61M' } })
  t.equal((await h.status(first)).json().data.status, 'Completed')
  t.not((await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id, first)
})

t.test('a task can be inspected as stored', async (t) => {
  const h = await build(t)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.revoked })).json().data.task_id
  const pending = (await h.inject({ url: `/__admin/tasks/${taskId}` })).json()
  t.match(pending, {
    task_id: taskId,
    kind: 'refresh',
    client_id: CLIENT,
    customer_id: CUSTOMERS.revoked,
    provider: 'Bank_Of_Bud',
    scenario: 'connection_revoked',
    created_at: new Date(T0).toISOString(),
    ends_at: new Date(T0 + 3000).toISOString(),
    window: { from: new Date(T0 - 17 * 86_400_000).toISOString(), to: new Date(T0).toISOString() },
    status: 'Pending',
    step: 1,
    text: 'Fetching access token',
    reconnect_required: false
  })
  t.notOk('result' in pending)
  h.advance('PT3S')
  t.match((await h.inject({ url: `/__admin/tasks/${taskId}` })).json(), { status: 'Completed', result: 'connection_revoked', reconnect_required: true, step: 4 })

  const missing = await h.inject({ url: '/__admin/tasks/nope' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { operation_id: 'admin_task_get', code_id: 'task_not_found', message: 'The task could not be found.', errors: {} })
})

t.test('customers are listed with their connections', async (t) => {
  const h = await build(t)
  const customers = (await h.inject({ url: `/__admin/customers?client_id=${CLIENT}` })).json() as Record<string, unknown>[]
  t.equal(customers.length, FIXTURE_CUSTOMERS)
  type Shown = { consent_id: string, accounts: { account_id: string, account_type: string, account_name: string, currency: string }[] }
  const shown = (customers[2] as { connections: Shown[] }).connections
  const accounts = (i: number) => shown[i]!.accounts
  t.same(shown.map((c) => c.accounts.map((a) => [a.account_type, a.account_name, a.currency])), [
    [['current_account', 'Current Account', 'GBP'], ['savings', 'Easy Saver', 'GBP']],
    [['current_account', 'Everyday Account', 'GBP'], ['credit_card', 'Credit Card', 'GBP']]
  ], 'each connection shows the accounts at its bank: the customer\'s first bank, then its second')
  t.same(customers[2], {
    customer_id: CUSTOMERS.revoked,
    client_id: CLIENT,
    idempotent_identifier: 'consent-revoked',
    label: 'Consent revoked at Bank_Of_Bud',
    provisioned: false,
    origin: 'fixtures',
    created_at: new Date(T0).toISOString(),
    connections: [
      // Revoked at the bank; Bud still holds it as authorised until a refresh reports it.
      { provider: 'Bank_Of_Bud', scenario: 'success', consent_status: 'revoked', bud_consent_status: 'authorised', consent_id: shown[0]!.consent_id, consent_expires_at: new Date(T0 + 90 * 86_400_000).toISOString(), last_pull_at: new Date(T0 - 10 * 86_400_000).toISOString(), data_pulled_at: new Date(T0 - 10 * 86_400_000).toISOString(), accounts: accounts(0) },
      { provider: 'Natwest_Sandbox', scenario: 'success', consent_status: 'authorised', bud_consent_status: 'authorised', consent_id: shown[1]!.consent_id, consent_expires_at: new Date(T0 + 90 * 86_400_000).toISOString(), last_pull_at: new Date(T0 - 86_400_000).toISOString(), data_pulled_at: new Date(T0 - 86_400_000).toISOString(), accounts: accounts(1) }
    ]
  })
})

t.test('one customer can be read by id, without creating it', async (t) => {
  const h = await build(t)
  const all = (await h.inject({ url: '/__admin/customers' })).json() as { customer_id: string, client_id: string | null }[]
  t.ok(all.every((c) => c.client_id === null), 'before any client, what every new client starts with')
  const one = await h.inject({ url: `/__admin/customers/${CUSTOMERS.revoked.toUpperCase()}` })
  t.equal(one.statusCode, 200)
  t.same(one.json(), all.find((c) => c.customer_id === CUSTOMERS.revoked))

  const stranger = '11111111-2222-4333-8444-555555555555'
  const missing = await h.inject({ url: `/__admin/customers/${stranger}` })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { operation_id: 'admin_customer_get', code_id: 'customer_not_found', message: 'The customer could not be found.', errors: {} })
  t.equal((await h.inject({ url: '/__admin/customers' })).json().length, FIXTURE_CUSTOMERS, 'reading does not provision')

  const bad = await h.inject({ url: '/__admin/customers/not-a-uuid' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().errors, { customer_id: 'This value should be a valid UUID' })
})

t.test('reset forgets tasks and provisioned customers', async (t) => {
  const h = await build(t)
  const stranger = '11111111-2222-4333-8444-555555555555'
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': stranger })).json().data.task_id
  t.equal((await h.inject({ url: `/__admin/customers?client_id=${CLIENT}` })).json().length, FIXTURE_CUSTOMERS + 1)
  t.equal((await h.inject({ url: '/__admin/customers' })).json().length, FIXTURE_CUSTOMERS + FIXTURE_CUSTOMERS + 1, 'without a client: what a new client starts with, then each client\'s own')
  const reset = await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.same(reset.json(), { reset: true, customers: FIXTURE_CUSTOMERS, client_id: null })
  t.equal((await h.status(taskId, { 'x-customer-id': stranger })).statusCode, 404)
  t.equal((await h.inject({ url: `/__admin/customers?client_id=${CLIENT}` })).json().length, FIXTURE_CUSTOMERS)
  t.same((await h.inject({ url: '/__admin/clock' })).json(), { now: new Date(T0).toISOString(), client_id: null }, 'the clock stays where it is')
})
