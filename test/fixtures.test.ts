import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { PROFILE_ALIASES, PROFILES } from '../src/domain/data/profiles.js'
import { CONSENT_STATUSES } from '../src/domain/world.js'
import { DEFAULT_FIXTURES, FIXTURES_SCHEMA, FixtureError, loadFixtures } from '../src/fixtures.js'
import { ALL_WEBHOOK_EVENTS } from '../src/webhooks/bodies.js'
import { build, CUSTOMERS } from './helper.js'

const base = () => JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))

function writeFixture (t: Test, content: unknown): string {
  const dir = t.testdir({})
  const file = join(dir, 'fixtures.json')
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

t.test('the embedded default fixtures pass the full schema check and load', async (t) => {
  const fixtures = loadFixtures(DEFAULT_FIXTURES, { checkSchema: true })
  t.same([...fixtures.providers.keys()], ['Bank_Of_Bud', 'Natwest_Sandbox', 'Maintenance_Bank', 'Monzo_Sandbox', 'Starling_Business_Sandbox'])
  t.equal(fixtures.customers.length, 16)
  t.ok(fixtures.catalogue.get('connection_revoked'))
})

t.test('the fixture example in docs/fixtures.md is a file that loads', async (t) => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'docs', 'fixtures.md'), 'utf8')
  const example = /```jsonc\n([\s\S]*?)```/.exec(readme)![1]!
  // Comments out, and the one elided value filled in.
  const json = example.replace(/(^|\s)\/\/[^\n]*/g, '$1').replace('"…"', '"0b7a6c1e-5d4f-4e3a-8b2c-1d0e9f8a7b6c"')
  const fixtures = loadFixtures(writeFixture(t, json), { checkSchema: true })
  t.same([...fixtures.providers.keys()], ['Bank_Of_Bud', 'Natwest_Sandbox', 'Maintenance_Bank'])
  t.equal(fixtures.catalogue.get('limited')?.customerPresentScenario, 'success')
  t.same(fixtures.customers[0]!.connections.map((c) => c.bank), [
    { profile: 'student' },
    {
      accounts: [{ accountId: 'acc-1', accountType: 'current_account', accountName: undefined, usageType: undefined, currency: undefined, holders: undefined, sortCode: undefined, accountNumber: undefined, balancePence: 125000 }],
      transactions: [{ transactionId: undefined, accountId: 'acc-1', description: 'RENT', amountPence: 90000, currency: undefined, credit: false, dateMs: Date.parse('2026-11-01T09:00:00Z'), status: 'booked' }]
    }
  ])
})

t.test('fixtures/schema.json, which editors and the loader read, names the same values as the code', async (t) => {
  const schema = JSON.parse(readFileSync(FIXTURES_SCHEMA, 'utf8'))
  const connection = schema.properties.customers.items.properties.connections.items
  t.same(connection.properties.profile.enum, [...PROFILES, ...Object.keys(PROFILE_ALIASES)])
  t.same(connection.properties.consent_status.enum, CONSENT_STATUSES)
  t.same(schema.properties.clients.items.properties.webhook_events.items.enum, ALL_WEBHOOK_EVENTS)
  t.same(schema.properties.settings.properties.default_connections.items, connection, 'default connections take the same fields')
  t.equal(base().$schema, './schema.json', 'the default file points editors at it')
})

t.test('a broken fixture file is reported in one line with the file, the place and the problem', async (t) => {
  const cases: [string, (f: any) => unknown, RegExp][] = [
    ['not JSON', () => '{"providers": [', /: \/: is not valid JSON \(/],
    ['unknown scenario', (f) => { f.customers[0].connections[0].scenario = 'volcano'; return f }, /: \/customers\/0\/connections\/0\/scenario: unknown scenario "volcano" \(declared: success, /],
    ['unknown provider', (f) => { f.customers[1].connections[0].provider = 'Lloyds'; return f }, /: \/customers\/1\/connections\/0\/provider: unknown provider "Lloyds" \(declared: Bank_Of_Bud, Natwest_Sandbox, Maintenance_Bank, Monzo_Sandbox, Starling_Business_Sandbox\)$/],
    ['maintenance window ending first', (f) => { f.providers[0].maintenance_window = { start: '2026-11-23T14:00:00Z', end: '2026-11-23T13:00:00Z' }; return f }, /: \/providers\/0\/maintenance_window\/end: the maintenance window ends before it starts$/],
    ['bad customer id', (f) => { f.customers[2].customer_id = 'abc'; return f }, /: \/customers\/2\/customer_id: must match format "uuid"$/],
    ['unknown property', (f) => { f.customers[0].conections = []; return f }, /: \/customers\/0: unknown property "conections"$/],
    ['bad enum', (f) => { f.customers[0].connections[0].consent_status = 'gone'; return f }, /: \/customers\/0\/connections\/0\/consent_status: must be one of "authorised", "revoked", "expired", "reauthentication_required"$/],
    ['bad duration', (f) => { f.customers[0].connections[0].last_pull_ago = 'two days'; return f }, /: \/customers\/0\/connections\/0\/last_pull_ago: "two days" is not an ISO 8601 duration/],
    ['missing needed scenario', (f) => { delete f.scenarios.connection_expired; return f }, /: \/scenarios: missing scenario "connection_expired", which the sandbox needs$/],
    ['duplicate customer', (f) => { f.customers[1].customer_id = f.customers[0].customer_id; return f }, /: \/customers\/1\/customer_id: duplicate customer/],
    ['missing section', (f) => { delete f.providers; return f }, /: \/: missing property "providers"$/],
    ['unknown webhook event', (f) => { f.clients = [{ client_id: 'a', webhook_url: 'http://127.0.0.1:9000/hooks', webhook_events: ['open_banking.v2.refresh.done'] }]; return f }, /: \/clients\/0\/webhook_events\/0: must be one of "open_banking.refresh.completed", "open_banking.v2.refresh.completed", "open_banking.v2.refresh.provider.completed", "open_banking.connect.completed", "open_banking.consent.revoked", "open_banking.consent.reconfirmed", "open_banking.consent.reauthorised"$/],
    ['last pull in the future', (f) => { f.customers[0].connections[0].last_pull_at = '2999-01-01T00:00:00Z'; delete f.customers[0].connections[0].last_pull_ago; return f }, /: \/customers\/0\/connections\/0\/last_pull_at: "2999-01-01T00:00:00Z" is in the future \(the sandbox clock starts at \d{4}-\d\d-\d\dT[\d:.]+Z\); a last pull has already happened$/],
    ['negative last pull ago', (f) => { f.customers[0].connections[0].last_pull_ago = '-P1D'; return f }, /: \/customers\/0\/connections\/0\/last_pull_ago: "-P1D" is negative: it says how long ago that was$/],
    ['profile and accounts', (f) => { f.customers[0].connections[0].profile = 'student'; f.customers[0].connections[0].accounts = [{ balance: '1.00' }]; return f }, /: \/customers\/0\/connections\/0\/profile: give a profile or accounts, not both$/],
    ['transactions without accounts', (f) => { f.customers[0].connections[0].transactions = []; return f }, /: \/customers\/0\/connections\/0\/transactions: transactions given outright need the accounts they belong to \(accounts\)$/],
    ['transaction of an unknown account', (f) => { f.customers[0].connections[0].accounts = [{ account_id: 'a', balance: '1.00' }]; f.customers[0].connections[0].transactions = [{ account_id: 'b', description: 'x', amount: { value: '1.00' }, credit_debit_indicator: 'debit', date_time: '2026-01-01T00:00:00Z' }]; return f }, /: \/customers\/0\/connections\/0\/transactions\/0\/account_id: no account "b" among this connection's accounts$/],
    ['bad transaction date', (f) => { f.customers[0].connections[0].accounts = [{ balance: '1.00' }]; f.customers[0].connections[0].transactions = [{ description: 'x', amount: { value: '1.00' }, credit_debit_indicator: 'debit', date_time: 'yesterday' }]; return f }, /: \/customers\/0\/connections\/0\/transactions\/0\/date_time: "yesterday" is not an ISO 8601 datetime$/],
    ['bad balance', (f) => { f.customers[0].connections[0].accounts = [{ balance: '12,50' }]; return f }, /: \/customers\/0\/connections\/0\/accounts\/0\/balance: must match pattern/],
    ['unknown profile', (f) => { f.customers[0].connections[0].profile = 'pensioner'; return f }, /: \/customers\/0\/connections\/0\/profile: must be one of "salaried", "student", "gig_worker", "retired", "sole_trader", "financial_difficulty", "empty", "small_business"$/],
    ['webhook events without a URL', (f) => { f.clients = [{ client_id: 'a', webhook_events: ['open_banking.v2.refresh.completed'] }]; return f }, /: \/clients\/0\/webhook_events: webhook_events needs a webhook_url to send them to$/]
  ]
  for (const [name, mutate, expected] of cases) {
    const file = writeFixture(t, mutate(base()))
    const error = t.throws(() => loadFixtures(file), FixtureError, name) as Error
    t.match(error.message, expected, name)
    t.ok(error.message.startsWith(`fixtures ${file}: `), `${name}: names the file`)
    t.notOk(error.message.includes('\n'), `${name}: one line`)
  }
  t.throws(() => loadFixtures('/nonexistent/fixtures.json'), { message: 'fixtures /nonexistent/fixtures.json: /: cannot be read (ENOENT)' })
})

t.test('with provisioning off, an unknown customer gets Bud\'s customer_not_found', async (t) => {
  const fixtures = base()
  fixtures.settings.provision_unknown_customers = false
  const h = await build(t, { fixtures: loadFixtures(writeFixture(t, fixtures)) })
  const res = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': '99999999-9999-4999-8999-999999999999' })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { operation_id: 'open_banking_refresh_post', code_id: 'customer_not_found', message: 'The customer could not be found.', errors: {} })
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).statusCode, 202, 'a fixture customer still works')
})

t.test('reconnect_status switches revoked and expired consents to status Failed', async (t) => {
  const fixtures = base()
  fixtures.settings.reconnect_status = 'Failed'
  const h = await build(t, { fixtures: loadFixtures(writeFixture(t, fixtures)) })
  const headers = { 'x-customer-id': CUSTOMERS.revoked }
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, headers)).json().data.task_id
  h.advance('PT3S')
  const body = (await h.status(taskId, headers)).json()
  t.same(body.data, { task_id: taskId, provider: 'Bank_Of_Bud', status: 'Failed', result: 'connection_revoked', reconnect_required: true, step: 4, text: 'Completed' })
})

t.test('step durations come from the fixtures, and a connection pulled long ago still refreshes within 90 days', async (t) => {
  const fixtures = base()
  fixtures.settings.step_duration_ms = 10
  fixtures.customers[0].connections[0].last_pull_at = '2026-01-01T00:00:00Z'
  delete fixtures.customers[0].connections[0].last_pull_ago
  const h = await build(t, { fixtures: loadFixtures(writeFixture(t, fixtures)) })
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  h.advance('PT0.03S')
  t.equal((await h.status(taskId)).json().data.status, 'Completed')
  const stored = (await h.inject({ url: `/__admin/tasks/${taskId}` })).json()
  t.equal(stored.window.from, '2026-08-25T12:00:00.000Z', 'clamped to 90 days before now')
})

t.test('a file that extends the defaults lists only what it adds or changes', async (t) => {
  const mine = '11111111-2222-4333-8444-555555555555'
  const file = writeFixture(t, {
    $schema: '../fixtures/schema.json',
    extends: 'default',
    settings: { step_duration_ms: 250 },
    scenarios: { success: { result: 'success', description: 'mine' } },
    customers: [{ customer_id: mine, label: 'My one customer', connections: [{ provider: 'Bank_Of_Bud', consent_status: 'revoked' }] }]
  })
  const fixtures = loadFixtures(file)
  t.same(fixtures.customers.map((c) => c.customerId).slice(0, 2), [mine, CUSTOMERS.healthy], 'its customer first, then the defaults')
  t.equal(fixtures.customers.length, 17)
  t.same([...fixtures.providers.keys()].sort(), ['Bank_Of_Bud', 'Maintenance_Bank', 'Monzo_Sandbox', 'Natwest_Sandbox', 'Starling_Business_Sandbox'])
  t.equal(fixtures.catalogue.get('success')!.description, 'mine', 'a scenario of the same name replaces the default one')
  t.ok(fixtures.catalogue.get('connection_revoked'), 'the mandatory scenarios come from the defaults')
  t.equal(fixtures.stepDurationMs, 250)
  t.equal(fixtures.acceptAnyClient, true, 'the settings it does not name stay the defaults')

  // Served: its customer's revoked consent, and a default customer as documented.
  const h = await build(t, { fixtures })
  const revoked = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': mine })
  h.advance('PT1S')
  t.match((await h.status(revoked.json().data.task_id, { 'x-customer-id': mine })).json().data, { result: 'connection_revoked', reconnect_required: true })
  t.equal((await h.refresh({ provider: 'Natwest_Sandbox' })).statusCode, 202)

  // A file that does not extend must still give everything; a mistake names its place in the file.
  t.throws(() => loadFixtures(writeFixture(t, { customers: [] })), FixtureError)
  const broken = writeFixture(t, { extends: 'default', customers: [{ customer_id: mine, connections: [{ provider: 'Nope_Bank' }] }] })
  t.throws(() => loadFixtures(broken), { message: /\/customers\/0\/connections\/0\/provider.*unknown provider "Nope_Bank"/ })
})
