import t from 'tap'
import { loadFixtures } from '../../src/fixtures.js'
import { build, CLIENT, CUSTOMERS, failedValidation, FIXTURE_CUSTOMERS, T0 } from '../helper.js'

const DEFAULT_CONTEXT = { type: 'personal', region: 'GB', locale: 'en-GB', host_secret: true, models: { categorisation: 'uk-v2' } }

t.test('Create Customer V3 with only X-Client-Id and no body: 201, Bud\'s default context', async (t) => {
  const h = await build(t)
  h.advance('PT5M')
  const res = await h.createCustomer()
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.match(body.data.customer_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.same(body, {
    operation_id: 'platform_v3_customers_post',
    data: { customer_id: body.data.customer_id, customer_context: DEFAULT_CONTEXT },
    metadata: { created_at: new Date(T0 + 5 * 60_000).toISOString() }
  })
  const again = await h.createCustomer({}, { 'content-type': 'application/json' })
  t.equal(again.statusCode, 201, 'an empty JSON object creates another customer')
  t.not(again.json().data.customer_id, body.data.customer_id)
  const empty = await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: { 'x-client-id': CLIENT, 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 201, 'so does an empty body sent as JSON')
})

t.test('the same idempotent identifier again answers 200 with the same customer, unchanged', async (t) => {
  const h = await build(t)
  const first = await h.createCustomer({ customer_context: { type: 'business', region: 'FR', locale: 'fr-FR' }, client_metadata: { idempotent_identifier: 'crm-42' } })
  t.equal(first.statusCode, 201)
  t.same(first.json().data.customer_context, { type: 'business', region: 'FR', locale: 'fr-FR', host_secret: true, models: { categorisation: 'uk-v2' } })
  t.same(first.json().data.client_metadata, { idempotent_identifier: 'crm-42' })
  h.advance('PT1H')
  const second = await h.createCustomer({ customer_context: { type: 'personal' }, client_metadata: { idempotent_identifier: 'crm-42' } })
  t.equal(second.statusCode, 200)
  t.same(second.json(), first.json(), 'the same customer, context and creation time')
  const fixture = await h.createCustomer({ client_metadata: { idempotent_identifier: 'healthy' } })
  t.equal(fixture.statusCode, 200, 'a fixture customer is found by its identifier too')
  t.equal(fixture.json().data.customer_id, CUSTOMERS.healthy)
})

t.test('invalid values answer 400 failed_validation keyed by field', async (t) => {
  const h = await build(t)
  const bad = await h.createCustomer({ customer_context: { type: 'alien', region: 44, models: { categorisation: false } }, client_metadata: { idempotent_identifier: 7 } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), failedValidation('platform_v3_customers_post', {
    'customer_context.type': 'This value should be one of personal, business',
    'customer_context.region': 'This value should be of type string',
    'customer_context.models.categorisation': 'This value should be of type string',
    'client_metadata.idempotent_identifier': 'This value should be of type string'
  }))
  const notObject = await h.createCustomer({ customer_context: 'personal' })
  t.same(notObject.json().errors, { customer_context: 'This value should be of type object' })
  const blank = await h.createCustomer({ client_metadata: { idempotent_identifier: '' } })
  t.same(blank.json().errors, { 'client_metadata.idempotent_identifier': 'This value should not be blank' })
  const noClient = await h.createCustomer(undefined, { 'x-client-id': null })
  t.same(noClient.json().errors, { client_id: 'This value should not be blank' })
  const broken = await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: { 'x-client-id': CLIENT, 'content-type': 'application/json' }, payload: '{a' })
  t.equal(broken.statusCode, 400)
  t.same(broken.json().errors, { body: 'This value should be valid JSON' })
  t.equal((await h.inject({ url: '/__admin/customers' })).json().length, FIXTURE_CUSTOMERS, 'nothing was created')
})

t.test('a created customer has the default connections, is reachable by id and identifier, and is listed', async (t) => {
  const h = await build(t)
  const { customer_id: customerId } = (await h.createCustomer({ client_metadata: { idempotent_identifier: 'crm-7' } })).json().data
  const admin = (await h.inject({ url: `/__admin/customers/${customerId}` })).json()
  t.match(admin, { customer_id: customerId, idempotent_identifier: 'crm-7', provisioned: true, origin: 'created', created_at: new Date(T0).toISOString() })
  t.same(admin.connections.map((c: { provider: string, bud_consent_status: string }) => [c.provider, c.bud_consent_status]), [['Bank_Of_Bud', 'authorised'], ['Natwest_Sandbox', 'authorised']])

  const byId = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': customerId })
  t.equal(byId.statusCode, 202)
  const taskId = byId.json().data.task_id
  const byIdentifier = await h.status(taskId, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'crm-7' })
  t.equal(byIdentifier.statusCode, 200, 'the identifier names the same customer')
  const v2 = await h.refreshV2({}, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'crm-7' })
  t.equal(v2.json().data.sub_tasks.length, 2)
})

t.test('with provision_unknown_customers false, creating a customer is the way in', async (t) => {
  const fixtures = { ...loadFixtures(), provisionUnknownCustomers: false }
  const h = await build(t, { fixtures })
  const stranger = '7e1d2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f'
  const refused = await h.refreshV2({}, { 'x-customer-id': stranger })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().code_id, 'customer_not_found')
  const unknownIdentifier = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'crm-1' })
  t.equal(unknownIdentifier.json().code_id, 'customer_not_found')

  const created = await h.createCustomer({ client_metadata: { idempotent_identifier: 'crm-1' } })
  t.equal(created.statusCode, 201)
  const viaIdentifier = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'crm-1' })
  t.equal(viaIdentifier.statusCode, 202)
  const viaId = await h.refreshV2({}, { 'x-customer-id': created.json().data.customer_id })
  t.equal(viaId.statusCode, 202)
})

t.test('Create Customer V3 needs a bearer token when AUTH is on', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const res = await h.createCustomer()
  t.equal(res.statusCode, 401)
  t.same(res.json(), { operation_id: 'unknown', code_id: 'unknown', message: 'Unauthorised request', errors: {} })
})

t.test('reset forgets created customers', async (t) => {
  const h = await build(t)
  await h.createCustomer({ client_metadata: { idempotent_identifier: 'crm-9' } })
  t.equal((await h.inject({ url: `/__admin/customers?client_id=${CLIENT}` })).json().length, FIXTURE_CUSTOMERS + 1)
  await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.equal((await h.inject({ url: `/__admin/customers?client_id=${CLIENT}` })).json().length, FIXTURE_CUSTOMERS)
  t.equal((await h.createCustomer({ client_metadata: { idempotent_identifier: 'crm-9' } })).statusCode, 201, 'the identifier is free again')
})
