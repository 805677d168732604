// The sandbox's memory stays bounded: tasks (by retention on the sandbox clock
// and by count), provisioned customers, tokens and request history.
import t from 'tap'
import { Duration } from 'luxon'
import { SandboxClock } from '../../src/domain/clock.js'
import { CustomerDirectory } from '../../src/domain/customers.js'
import { MAX_TOKENS, TokenIssuer } from '../../src/domain/auth.js'
import { RequestHistory } from '../../src/domain/request-history.js'
import { RefreshService } from '../../src/domain/refresh.js'
import { TaskStore } from '../../src/domain/task-store.js'
import { FinancialData } from '../../src/domain/data/financial-data.js'
import { loadFixtures } from '../../src/fixtures.js'
import { ALL_WEBHOOK_EVENTS } from '../../src/webhooks/bodies.js'
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js'
import { build, CLIENT, CUSTOMERS, FIXTURE_CUSTOMERS, T0 } from '../helper.js'
import type { ParentTask } from '../../src/domain/records.js'

t.test('tasks are evicted after the retention period on the sandbox clock', async (t) => {
  const h = await build(t, { config: { taskRetentionMs: 2 * 60 * 60 * 1000 } })
  const old = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  h.advance('PT90M')
  const recent = (await h.refresh({ provider: 'Natwest_Sandbox' })).json().data.task_id
  h.advance('PT31M')
  const next = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.noNewTransactions })
  t.equal(next.statusCode, 202)
  t.equal((await h.status(old)).statusCode, 404, 'the task older than two hours is gone')
  t.equal((await h.status(recent)).statusCode, 200, 'a younger one is kept')
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 2)
})

t.test('tasks and their dedupe entries are evicted over the maximum count, oldest first', async (t) => {
  const h = await build(t, { config: { maxTasks: 3 } })
  const ids: string[] = []
  for (const customer of [CUSTOMERS.healthy, CUSTOMERS.noNewTransactions, CUSTOMERS.revoked, CUSTOMERS.expired]) {
    ids.push((await h.refresh({ provider: 'Natwest_Sandbox' }, { 'x-customer-id': customer })).json().data.task_id)
  }
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 3)
  t.equal((await h.status(ids[0]!)).statusCode, 404)
  const again = await h.refresh({ provider: 'Natwest_Sandbox' })
  t.not(again.json().data.task_id, ids[0], 'the evicted task no longer dedupes')
})

t.test('V2 parents and their dedupe are evicted over the maximum count, oldest first', async (t) => {
  const h = await build(t, { config: { maxTasks: 2 } })
  const first = (await h.refreshV2({ providers: ['Bank_Of_Bud'] })).json().data.task_id
  await h.refreshV2({ providers: ['Natwest_Sandbox'] })
  await h.refreshV2({ providers: ['Monzo'] })
  t.equal(h.app.worlds.of(CLIENT).parents.size, 2)
  t.equal((await h.statusV2(first)).statusCode, 404, 'the oldest parent is gone')
  t.not((await h.refreshV2({ providers: ['Bank_Of_Bud'] })).json().data.task_id, first, 'and no longer dedupes')
})

t.test('customers made by Create Customer V3 are bounded like those provisioned on first use', async (t) => {
  const directory = new CustomerDirectory(loadFixtures(), T0, { maxProvisioned: 2 })
  const context = { type: 'personal' as const, region: 'GB', locale: 'en-GB', models: { categorisation: 'uk-v2' } }
  const first = directory.create({ idempotentIdentifier: 'crm-1', context }, T0).customer
  directory.resolve({ customerId: 'eeeeeeee-0000-4000-8000-000000000002' }, T0)
  directory.create({ context }, T0)
  t.equal(directory.get(first.customerId), undefined, 'the oldest is forgotten')
  t.equal(directory.lookup({ idempotentIdentifier: 'crm-1' }), undefined, 'with its identifier')
  t.ok(directory.create({ idempotentIdentifier: 'crm-1', context }, T0).created, 'which then makes a new customer')
  t.equal(directory.all().length, FIXTURE_CUSTOMERS + 2)
})

t.test('provisioned customers are bounded, oldest first; fixture customers stay', async (t) => {
  const directory = new CustomerDirectory(loadFixtures(), T0, { maxProvisioned: 2 })
  for (const id of ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000003']) {
    directory.resolve({ customerId: id }, T0)
  }
  t.equal(directory.get('aaaaaaaa-0000-4000-8000-000000000001'), undefined)
  t.ok(directory.get('aaaaaaaa-0000-4000-8000-000000000003'))
  t.equal(directory.all().length, FIXTURE_CUSTOMERS + 2)
})

t.test('a store that keeps evicting keeps exactly the newest tasks, and the dedupe forgets the evicted', async (t) => {
  const directory = new CustomerDirectory(loadFixtures(), T0)
  const store = new TaskStore('refresh', { retentionMs: 60_000, maxTasks: 5 }, (task) => directory.forgetTask(task))
  const scenario = loadFixtures().catalogue.get('success')!
  const customer = (i: number) => directory.resolve({ customerId: `cccccccc-0000-4000-8000-${String(i).padStart(12, '0')}` }, T0)
  const ids: string[] = []
  const add = (i: number) => {
    const added = store.add((taskId) => ({ taskId, kind: 'refresh', clientId: 'c', customerId: customer(i).customerId, provider: 'Bank_Of_Bud', connection: undefined, startedAtMs: T0 + i, stepMs: 1000, windowFromMs: T0, windowToMs: T0, scenario, newTransactions: undefined, polledAtMs: undefined, endSeen: false }), T0 + i)
    directory.rememberTask(customer(i), added)
    ids.push(added.taskId)
  }
  for (let i = 0; i < 50; i++) add(i)
  t.equal(store.size, 5)
  t.same([44, 45, 46, 47, 48, 49].map((i) => store.get(ids[i]!)?.customerId), [undefined, ...[45, 46, 47, 48, 49].map((i) => customer(i).customerId)])
  t.equal(new Set(ids).size, 50, 'every task has an id of its own, though slots are reused')
  t.equal(directory.newestTask(customer(44), 'c', 'Bank_Of_Bud'), undefined, 'an evicted task no longer dedupes')
  t.equal(directory.newestTask(customer(49), 'c', 'Bank_Of_Bud')?.taskId, ids[49])
  // Past retention, everything goes, however many evictions came before.
  store.evict(T0 + 49 + 60_001)
  t.equal(store.size, 0)
  t.equal(directory.newestTask(customer(49), 'c', 'Bank_Of_Bud'), undefined)
  add(50)
  t.equal(store.get(ids[50]!)?.taskId, ids[50], 'the store works on after being emptied')
  t.equal(store.get(ids[50]!.toUpperCase()), undefined, 'ids are matched exactly (callers lower-case them)')
  for (const stranger of ['', 'not-an-id', `${'f'.repeat(8)}-0000-4000-8000-000000000000`, `${ids[50]!.slice(0, 35)}${ids[50]!.endsWith('0') ? '1' : '0'}`]) {
    t.equal(store.get(stranger), undefined, `no task for ${JSON.stringify(stranger)}`)
  }
})

t.test('provisioned customers stay bounded over many evictions, newest kept', async (t) => {
  const directory = new CustomerDirectory(loadFixtures(), T0, { maxProvisioned: 3 })
  const id = (i: number) => `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`
  for (let i = 0; i < 40; i++) directory.resolve(i % 2 === 0 ? { customerId: id(i) } : { idempotentIdentifier: `ref-${i}` }, T0)
  t.same([36, 37, 38, 39].map((i) => i % 2 === 0 ? directory.get(id(i))?.customerId : directory.lookup({ idempotentIdentifier: `ref-${i}` })?.idempotentIdentifier),
    [undefined, 'ref-37', id(38), 'ref-39'])
  t.equal(directory.all().length, FIXTURE_CUSTOMERS + 3)
})

t.test('a provisioned customer pushed out of the directory is forgotten with its dedupe; its tasks stay', async (t) => {
  const fixtures = loadFixtures()
  const clock = new SandboxClock(() => T0)
  const customers = new CustomerDirectory(fixtures, T0, { maxProvisioned: 1 })
  const tasks = new TaskStore('refresh', { retentionMs: 86_400_000, maxTasks: 100 }, (task) => customers.forgetTask(task))
  const parents = new TaskStore<ParentTask>('refresh-v2', { retentionMs: 86_400_000, maxTasks: 100 })
  const refresh = new RefreshService({ clock, fixtures, customers, tasks, parents, settings: { stepDurationMs: 1000 }, data: new FinancialData({ clock, customers }) })
  const first = { customerId: 'dddddddd-0000-4000-8000-000000000001' }
  const initiate = (customer: { customerId: string }) => refresh.initiate({ clientId: 'c', customer, provider: 'Bank_Of_Bud' })
  const original = initiate(first).task
  t.equal(initiate(first).task, original, 'deduplicated while the customer is known')
  initiate({ customerId: 'dddddddd-0000-4000-8000-000000000002' })
  t.equal(customers.get(first.customerId), undefined, 'the second provisioned customer pushed out the first')
  const again = initiate(first)
  t.equal(again.deduplicated, false)
  t.not(again.task.taskId, original.taskId, 'a forgotten customer starts afresh')
  t.equal(refresh.find('c', first, original.taskId), original, 'its earlier task is still there')
})

t.test('tokens are bounded: past the maximum the oldest are forgotten (token_invalid); until then an expired one is token_expired', async (t) => {
  const clock = new SandboxClock(() => T0)
  const issuer = new TokenIssuer({ acceptAnyClient: true, secrets: new Map() })
  const first = issuer.issueForClient('c', 's', () => clock.nowMs())
  clock.advance(Duration.fromObject({ days: 2 }))
  for (let i = 0; i < MAX_TOKENS - 1; i++) issuer.issueForClient('c', 's', () => clock.nowMs())
  t.throws(() => issuer.verify(first.accessToken, 'c', () => clock.nowMs()), { message: 'The access token has expired.' })
  issuer.issueForClient('c', 's', () => clock.nowMs())
  t.throws(() => issuer.verify(first.accessToken, 'c', () => clock.nowMs()), { message: 'The access token is invalid.' })
})

t.test('request history keeps its capacity', async (t) => {
  const history = new RequestHistory(5)
  for (let i = 0; i < 12; i++) {
    history.record({ timeMs: i, method: 'GET', path: '/', status: 200, user_agent: null, request_id: String(i), duration_ms: 0, client_id: null, customer_id: null })
  }
  t.same(history.list().map((r) => r.request_id), ['11', '10', '9', '8', '7'])
})

t.test('client webhook URLs are bounded: past the maximum the one set longest ago is forgotten', async (t) => {
  const webhooks = new WebhookDispatcher({ clock: new SandboxClock(() => T0), signer: async () => { throw new Error('no delivery here') }, bodyOf: () => ({}), maxUrls: 3 })
  t.teardown(() => webhooks.close())
  for (const client of ['a', 'b', 'c']) webhooks.subscribe(client, `http://127.0.0.1:9/${client}`, ALL_WEBHOOK_EVENTS)
  webhooks.subscribe('a', 'http://127.0.0.1:9/a-again', ALL_WEBHOOK_EVENTS)
  webhooks.subscribe('d', 'http://127.0.0.1:9/d', ALL_WEBHOOK_EVENTS)
  t.equal(webhooks.urlFor('b'), undefined, 'b was set longest ago: a was set again since')
  t.same(['a', 'c', 'd'].map((client) => webhooks.urlFor(client)), ['http://127.0.0.1:9/a-again', 'http://127.0.0.1:9/c', 'http://127.0.0.1:9/d'])
  webhooks.unsubscribe('c')
  webhooks.subscribe('e', 'http://127.0.0.1:9/e', ALL_WEBHOOK_EVENTS)
  t.same(['a', 'c', 'd', 'e'].map((client) => webhooks.urlFor(client) !== undefined), [true, false, true, true], 'a removed URL frees its place')
})
