// Many refreshes at once, through real sockets: one customer and provider get
// exactly one task; distinct customers never share one.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { build, CLIENT } from './helper.js'

const N = 200

t.test('simultaneous refreshes of one customer and provider make exactly one task', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const customer = randomUUID()
  const answers = await Promise.all(Array.from({ length: N }, () => fetch(`${base}/v1/open-banking/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': CLIENT, 'x-customer-id': customer },
    body: JSON.stringify({ provider: 'Natwest_Sandbox' })
  }).then(async (r) => ({ status: r.status, taskId: ((await r.json()) as { data: { task_id: string } }).data.task_id }))))
  t.ok(answers.every((a) => a.status === 202))
  t.equal(new Set(answers.map((a) => a.taskId)).size, 1)
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 1, 'one task stored')
})

t.test('simultaneous refreshes of distinct customers never share a task', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const answers = await Promise.all(Array.from({ length: N }, () => fetch(`${base}/v1/open-banking/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': CLIENT, 'x-customer-id': randomUUID() },
    body: JSON.stringify({ provider: 'Bank_Of_Bud' })
  }).then(async (r) => ((await r.json()) as { data: { task_id: string } }).data.task_id)))
  t.equal(new Set(answers).size, N)
  t.equal(h.app.worlds.of(CLIENT).tasks.size, N)
})

t.test('simultaneous identical V2 refreshes make exactly one parent', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const customer = randomUUID()
  const answers = await Promise.all(Array.from({ length: N }, () => fetch(`${base}/open-banking/v2/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': CLIENT, 'x-customer-id': customer, 'x-customer-ip-address': '' },
    body: '{}'
  }).then(async (r) => ({ status: r.status, taskId: ((await r.json()) as { data: { task_id: string } }).data.task_id }))))
  t.ok(answers.every((a) => a.status === 202))
  t.equal(new Set(answers.map((a) => a.taskId)).size, 1)
  t.equal(h.app.worlds.of(CLIENT).parents.size, 1, 'one parent stored')
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 2, 'with its two sub-tasks')
})

t.test('simultaneous Create Customer V3 with one idempotent identifier make one customer: one 201, the rest 200', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const answers = await Promise.all(Array.from({ length: N }, () => fetch(`${base}/platform/v3/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': CLIENT },
    body: JSON.stringify({ client_metadata: { idempotent_identifier: 'crm-race' } })
  }).then(async (r) => ({ status: r.status, customerId: ((await r.json()) as { data: { customer_id: string } }).data.customer_id }))))
  t.equal(answers.filter((a) => a.status === 201).length, 1)
  t.equal(answers.filter((a) => a.status === 200).length, N - 1)
  t.equal(new Set(answers.map((a) => a.customerId)).size, 1)
  t.equal(h.app.worlds.of(CLIENT).customers.all().filter((c) => c.idempotentIdentifier === 'crm-race').length, 1)
})

t.test('the same authorisation code submitted many times at once: exactly one 202, every other a 409 auth_used', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const headers = { 'content-type': 'application/json', 'x-client-id': CLIENT, 'x-customer-id': randomUUID() }
  const started = await (await fetch(`${base}/v1/open-banking/authorisation-url`, { method: 'POST', headers, body: JSON.stringify({ provider: 'Monzo_Sandbox', provider_redirect_url: 'http://127.0.0.1:1/cb' }) })).json() as { data: { task_id: string } }
  const answered = await fetch(`${base}/sandbox-bank/authorise/${started.data.task_id}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' })
  const params = Object.fromEntries(new URL(answered.headers.get('location')!).searchParams)
  const statuses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}/v2/open-banking/authorisation-codes`, { method: 'POST', headers, body: JSON.stringify(params) }).then((r) => r.status)))
  t.same(statuses.filter((s) => s === 202).length, 1)
  t.same(statuses.filter((s) => s === 409).length, 49)
  t.equal(h.app.worlds.of(CLIENT).tasks.size, 1, 'one connect task stored')
})
