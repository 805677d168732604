import t from 'tap'
import { build, CLIENT, CUSTOMERS, failedValidation, T0, type Harness } from '../helper.js'

const DAY = 24 * 60 * 60 * 1000
const iso = (ms: number) => new Date(ms).toISOString()

interface SubTask { task_id: string, provider: string }
const subTasksOf = (res: { json (): { data: { sub_tasks: SubTask[] } } }) => res.json().data.sub_tasks
const budRecord = async (h: Harness, customerId: string) => Object.fromEntries(
  ((await h.inject({ url: `/__admin/customers/${customerId}` })).json().connections as { provider: string, bud_consent_status: string }[])
    .map((c) => [c.provider, c.bud_consent_status]))

t.test('Bud\'s collection request ({} and an empty IP header) refreshes every authorised provider', async (t) => {
  const h = await build(t)
  const created = await h.refreshV2({}, { 'x-customer-ip-address': '' })
  t.equal(created.statusCode, 202)
  const body = created.json()
  const parentId = body.data.task_id
  const [bank, natwest] = body.data.sub_tasks as SubTask[]
  t.same(body, {
    operation_id: 'v2_open_banking_refresh_post',
    data: { task_id: parentId, sub_tasks: [{ task_id: bank!.task_id, provider: 'Bank_Of_Bud' }, { task_id: natwest!.task_id, provider: 'Natwest_Sandbox' }] },
    metadata: { status: 'Pending', next_url: `/open-banking/v2/refresh/${parentId}`, next_url_delay: 500 }
  })
  t.equal(new Set([parentId, bank!.task_id, natwest!.task_id]).size, 3, 'three distinct ids')

  const pending = await h.statusV2(parentId)
  t.equal(pending.statusCode, 200)
  t.same(pending.json(), {
    operation_id: 'v2_open_banking_refresh_get',
    data: {
      task_id: parentId,
      status: 'Pending',
      sub_tasks: [
        { task_id: bank!.task_id, provider: 'Bank_Of_Bud', status: 'Pending' },
        { task_id: natwest!.task_id, provider: 'Natwest_Sandbox', status: 'Pending' }
      ]
    },
    metadata: { status: 'Pending', next_url: `/open-banking/v2/refresh/${parentId}`, next_url_delay: 500 }
  })

  // Each sub-task is a real refresh task, with its steps on the sandbox clock.
  h.advance('PT1S')
  t.match((await h.status(bank!.task_id)).json().data, { provider: 'Bank_Of_Bud', status: 'Pending', step: 2, text: 'Fetching accounts' })
  t.match((await h.inject({ url: `/__admin/tasks/${natwest!.task_id}` })).json(), { kind: 'refresh', provider: 'Natwest_Sandbox', step: 2, scenario: 'success' })

  h.advance('PT2S')
  t.same((await h.statusV2(parentId)).json(), {
    operation_id: 'v2_open_banking_refresh_get',
    data: {
      task_id: parentId,
      status: 'Completed',
      result: 'success',
      has_new_transactions: true,
      sub_tasks: [
        { task_id: bank!.task_id, provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true },
        { task_id: natwest!.task_id, provider: 'Natwest_Sandbox', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true }
      ]
    },
    metadata: { status: 'Completed' }
  })
})

t.test('a revoked consent at one provider: the parent Fails, the other provider\'s data is refreshed', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': CUSTOMERS.revoked }
  const created = await h.refreshV2({}, headers)
  const parentId = created.json().data.task_id
  const [bank, natwest] = subTasksOf(created)
  h.advance('PT2S')
  const partly = (await h.statusV2(parentId, headers)).json()
  t.equal(partly.data.status, 'Pending', 'pending while any sub-task is')
  h.advance('PT1S')
  t.same((await h.statusV2(parentId, headers)).json(), {
    operation_id: 'v2_open_banking_refresh_get',
    data: {
      task_id: parentId,
      status: 'Failed',
      result: 'connection_revoked',
      has_new_transactions: true,
      sub_tasks: [
        { task_id: bank!.task_id, provider: 'Bank_Of_Bud', status: 'Completed', result: 'connection_revoked', reconnect_required: true },
        { task_id: natwest!.task_id, provider: 'Natwest_Sandbox', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true }
      ]
    },
    metadata: { status: 'Failed' }
  })
})

t.test('a refresh that finds a consent revoked turns Bud\'s record to revoked; V2 then leaves it out', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': CUSTOMERS.revoked }
  t.same(await budRecord(h, CUSTOMERS.revoked), { Bank_Of_Bud: 'authorised', Natwest_Sandbox: 'authorised' }, 'revoked at the bank, authorised in Bud\'s record')

  // A V1 refresh reports it too, once it has ended.
  await h.refresh({ provider: 'Bank_Of_Bud' }, headers)
  h.advance('PT2S')
  t.same(await budRecord(h, CUSTOMERS.revoked), { Bank_Of_Bud: 'authorised', Natwest_Sandbox: 'authorised' }, 'not while the refresh runs')
  h.advance('PT1S')
  t.same(await budRecord(h, CUSTOMERS.revoked), { Bank_Of_Bud: 'revoked', Natwest_Sandbox: 'authorised' })

  const next = await h.refreshV2({}, headers)
  t.same(subTasksOf(next).map((s) => s.provider), ['Natwest_Sandbox'], 'only the consent Bud still holds')
  const listed = await h.refreshV2({ providers: ['Bank_Of_Bud'] }, headers)
  t.same(subTasksOf(listed).map((s) => s.provider), ['Bank_Of_Bud'], 'a listed provider is refreshed all the same')

  // The customer reconnects: the consent is authorised again, in both records.
  await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.revoked}/connections/Bank_Of_Bud`, payload: { consent_status: 'authorised' } })
  t.same(await budRecord(h, CUSTOMERS.revoked), { Bank_Of_Bud: 'authorised', Natwest_Sandbox: 'authorised' })
  h.advance('PT61M')
  t.same(subTasksOf(await h.refreshV2({}, headers)).map((s) => s.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])
})

t.test('a customer with no authorised consent left answers 400 naming providers', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': CUSTOMERS.expired }
  const first = await h.refreshV2({}, headers)
  t.equal(first.statusCode, 202)
  h.advance('PT3S')
  // The sub-task Completes with reconnect_required, as Bud words a consent gone; the parent, which did not succeed, Fails.
  t.match((await h.statusV2(first.json().data.task_id, headers)).json().data, { status: 'Failed', result: 'connection_expired', sub_tasks: [{ provider: 'Natwest_Sandbox', status: 'Completed', result: 'connection_expired', reconnect_required: true }] })
  h.advance('PT61M')
  const none = await h.refreshV2({}, headers)
  t.equal(none.statusCode, 400)
  t.same(none.json(), failedValidation('v2_open_banking_refresh_post', { providers: 'The customer has no connection whose consent is authorised; name the providers to refresh' }))
})

t.test('listed providers: their order, once each; no connection and maintenance fail their sub-task', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': CUSTOMERS.maintenance }
  const created = await h.refreshV2({ providers: ['Maintenance_Bank', 'Bank_Of_Bud', 'Maintenance_Bank', 'Monzo'] }, headers)
  t.equal(created.statusCode, 202, 'no 400 for a provider in maintenance: its sub-task fails')
  t.same(subTasksOf(created).map((s) => s.provider), ['Maintenance_Bank', 'Bank_Of_Bud', 'Monzo'])
  h.advance('PT3S')
  const done = (await h.statusV2(created.json().data.task_id, headers)).json()
  t.same(done.data.sub_tasks.map((s: Record<string, unknown>) => [s.provider, s.status, s.result, s.reconnect_required]), [
    ['Maintenance_Bank', 'Failed', 'provider_maintenance', false],
    ['Bank_Of_Bud', 'Failed', 'connection_not_found', false],
    ['Monzo', 'Failed', 'connection_not_found', false]
  ])
  t.match(done, { data: { status: 'Failed', result: 'provider_maintenance', has_new_transactions: false }, metadata: { status: 'Failed' } })
})

t.test('a similar refresh (the same providers, client and customer) within the hour returns the earlier parent', async (t) => {
  const h = await build(t)
  const first = (await h.refreshV2({})).json().data
  const same = await h.refreshV2({ providers: ['Natwest_Sandbox', 'Bank_Of_Bud'] })
  t.equal(same.statusCode, 202)
  t.same(same.json().data, first, 'the same set in another order is similar')
  t.not((await h.refreshV2({ providers: ['Bank_Of_Bud'] })).json().data.task_id, first.task_id, 'another set is not')
  t.not((await h.refreshV2({}, { 'x-client-id': 'client-b' })).json().data.task_id, first.task_id, 'another client is not')

  h.advance('PT3S')
  const later = await h.refreshV2({})
  t.equal(later.json().data.task_id, first.task_id)
  t.equal(later.json().metadata.status, 'Completed', 'the earlier parent\'s status as it is now')
  const badWindow = await h.refreshV2({ from: '2020-01-01T00:00:00Z' })
  t.equal(badWindow.statusCode, 400, 'malformed input is refused first')

  h.advance('PT61M')
  t.not((await h.refreshV2({})).json().data.task_id, first.task_id, 'a new refresh after the hour')
})

t.test('a V2 sub-task counts as a fetch of its provider for V1\'s dedupe', async (t) => {
  const h = await build(t)
  const [bank] = subTasksOf(await h.refreshV2({ providers: ['Bank_Of_Bud'] }))
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id, bank!.task_id)
})

t.test('each sub-task carries its own connection\'s consent id, the same from whichever side it is first read', async (t) => {
  const h = await build(t)
  const stranger = '2f6e8d1c-4b3a-4c5d-9e7f-1a2b3c4d5e6f'
  const [bank, natwest] = subTasksOf(await h.refreshV2({}, { 'x-customer-id': stranger }))
  const consentOf = async (taskId: string) => (await h.inject({ url: `/__admin/tasks/${taskId}` })).json().consent_id as string
  const bankConsent = await consentOf(bank!.task_id)
  t.match(bankConsent, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 4 UUID')
  t.equal(await consentOf(bank!.task_id), bankConsent, 'read again, the same')
  const connections = (await h.inject({ url: `/__admin/customers/${stranger}` })).json().connections as { provider: string, consent_id: string }[]
  t.same(connections.map((c) => c.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])
  t.equal(connections[0]!.consent_id, bankConsent, 'read first through the task, the customer shows the same id')
  t.not(connections[1]!.consent_id, bankConsent)
  t.equal(await consentOf(natwest!.task_id), connections[1]!.consent_id, 'read first through the customer, the task shows the same id')
})

t.test('the window: V1\'s defaults per connection and V1\'s limits, for every sub-task', async (t) => {
  const h = await build(t)
  const [bank, natwest] = subTasksOf(await h.refreshV2({}))
  const windowOf = async (id: string) => (await h.inject({ url: `/__admin/tasks/${id}` })).json().window
  t.same(await windowOf(bank!.task_id), { from: iso(T0 - 9 * DAY), to: iso(T0) }, 'last pulled 2 days ago, less 7')
  t.same(await windowOf(natwest!.task_id), { from: iso(T0 - 10 * DAY), to: iso(T0) }, 'last pulled 3 days ago, less 7')

  const explicit = subTasksOf(await h.refreshV2({ from: iso(T0 - 30 * DAY), to: iso(T0 - DAY) }, { 'x-customer-id': CUSTOMERS.revoked }))
  for (const sub of explicit) t.same(await windowOf(sub.task_id), { from: iso(T0 - 30 * DAY), to: iso(T0 - DAY) })

  const tooFar = await h.refreshV2({ from: iso(T0 - 91 * DAY) }, { 'x-customer-id': CUSTOMERS.noNewTransactions })
  t.equal(tooFar.statusCode, 400)
  t.same(tooFar.json().errors, { from: 'This value should not be more than 90 days in the past' })
  const future = await h.refreshV2({ to: iso(T0 + DAY) }, { 'x-customer-id': CUSTOMERS.noNewTransactions })
  t.same(future.json().errors, { to: 'This value should not be in the future' })
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 4, 'a refused refresh leaves no sub-task behind')
})

t.test('X-Sandbox-Scenario: one scenario for every sub-task, or one per provider', async (t) => {
  const h = await build(t)
  const scenarios = async (res: Awaited<ReturnType<Harness['refreshV2']>>) =>
    Promise.all(subTasksOf(res).map(async (s) => (await h.inject({ url: `/__admin/tasks/${s.task_id}` })).json().scenario))
  t.same(await scenarios(await h.refreshV2({}, { 'x-customer-id': CUSTOMERS.healthy, 'x-sandbox-scenario': 'provider_failure' })), ['provider_failure', 'provider_failure'])
  const perProvider = await h.refreshV2({}, { 'x-client-id': 'client-b', 'x-sandbox-scenario': 'Bank_Of_Bud=connection_revoked, Natwest_Sandbox=success_no_new_transactions' })
  t.same(await scenarios(perProvider), ['connection_revoked', 'success_no_new_transactions'])
  const onlyOne = await h.refreshV2({}, { 'x-client-id': 'client-c', 'x-sandbox-scenario': 'Natwest_Sandbox=provider_timeout' })
  t.same(await scenarios(onlyOne), ['success', 'provider_timeout'], 'a provider left out keeps its own scenario')

  const unknown = await h.refreshV2({}, { 'x-client-id': 'client-d', 'x-sandbox-scenario': 'Bank_Of_Bud=volcano' })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().errors.sandbox_scenario, /^Unknown scenario "volcano"; valid scenarios are: success, /)
  const notRefreshed = await h.refreshV2({ providers: ['Bank_Of_Bud'] }, { 'x-client-id': 'client-d', 'x-sandbox-scenario': 'Natwest_Sandbox=success' })
  t.same(notRefreshed.json().errors, { sandbox_scenario: '"Natwest_Sandbox" is not refreshed by this request; it refreshes Bank_Of_Bud' })
  const malformed = await h.refreshV2({}, { 'x-client-id': 'client-d', 'x-sandbox-scenario': 'Bank_Of_Bud=success=x' })
  t.same(malformed.json().errors, { sandbox_scenario: 'This value should be a scenario name, or provider=scenario pairs separated by commas' })
})

t.test('a customer-initiated V2 refresh gets through a provider\'s request limit', async (t) => {
  const h = await build(t)
  const headers = { 'x-customer-id': '00000000-0000-4000-8000-00000000000b' }
  const background = subTasksOf(await h.refreshV2({}, headers))
  const present = subTasksOf(await h.refreshV2({}, { ...headers, 'x-client-id': 'client-b', 'x-customer-ip-address': '203.0.113.7' }))
  const scenario = async (id: string) => (await h.inject({ url: `/__admin/tasks/${id}` })).json().scenario
  t.equal(await scenario(background[0]!.task_id), 'provider_request_limit')
  t.equal(await scenario(present[0]!.task_id), 'success')
})

t.test('the body and headers are validated field by field', async (t) => {
  const h = await build(t)
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [{ providers: 'Bank_Of_Bud' }, { providers: 'This value should be of type array' }],
    [{ providers: [] }, { providers: 'This value should not be blank' }],
    [{ providers: [''] }, { 'providers.0': 'This value should not be blank' }],
    [{ providers: [7] }, { 'providers.0': 'This value should be of type string' }],
    [{ resources: ['accounts', 'gossip'] }, { 'resources.1': 'This value should be one of accounts, balances, transactions, parties, direct-debits' }],
    [{ from: 5 }, { from: 'This value should be of type string' }]
  ]
  for (const [body, errors] of cases) {
    const res = await h.refreshV2(body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.same(res.json(), failedValidation('v2_open_banking_refresh_post', errors), JSON.stringify(body))
  }
  t.same((await h.refreshV2({ resources: ['accounts', 'transactions'] })).statusCode, 202, 'valid resources are accepted')
  const noCustomer = await h.refreshV2({}, { 'x-customer-id': null })
  t.same(noCustomer.json().errors, { customer_id: 'This value should not be blank' })
  const noClient = await h.statusV2('00000000-0000-4000-8000-000000000000', { 'x-client-id': null })
  t.same(noClient.json().errors, { client_id: 'This value should not be blank' })
  const badId = await h.statusV2('nope')
  t.same(badId.json().errors, { task_id: 'This value should be a valid UUID' })
})

t.test('a V2 refresh is only visible to its client and customer, and only as V2', async (t) => {
  const h = await build(t)
  const created = (await h.refreshV2({})).json().data
  const notFound = { operation_id: 'v2_open_banking_refresh_get', code_id: 'task_not_found', message: 'The task could not be found.', errors: {} }
  for (const headers of [{ 'x-client-id': 'client-b' }, { 'x-customer-id': CUSTOMERS.revoked }] as Record<string, string>[]) {
    const res = await h.statusV2(created.task_id, headers)
    t.equal(res.statusCode, 404)
    t.same(res.json(), notFound)
  }
  t.equal((await h.statusV2(created.task_id.toUpperCase())).statusCode, 200, 'ids are not case-sensitive')
  t.equal((await h.statusV2(created.sub_tasks[0].task_id)).statusCode, 404, 'a sub-task is not a V2 refresh')
  t.equal((await h.status(created.task_id)).statusCode, 404, 'nor is the parent a V1 task')
  t.equal((await h.statusV2(created.task_id, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'healthy' })).statusCode, 200, 'the identifier names the same customer')
})

t.test('reset forgets V2 refreshes and their dedupe', async (t) => {
  const h = await build(t)
  const { task_id: taskId } = (await h.refreshV2({})).json().data
  h.advance('PT10M')
  t.equal((await h.statusV2(taskId)).json().data.status, 'Completed')
  await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.equal((await h.statusV2(taskId)).statusCode, 404)
  // A reset sandbox draws the ids a new one would: the new parent has the first one again, and starts afresh.
  const again = (await h.refreshV2({}, { 'x-client-id': CLIENT })).json().data
  t.equal(again.task_id, taskId, 'the same id as in a new sandbox')
  t.equal((await h.statusV2(again.task_id)).json().data.status, 'Pending', 'a new parent, not the one before the reset')
})
