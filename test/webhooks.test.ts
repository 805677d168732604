// Completion webhooks, received by a real HTTP server on loopback and verified
// with jose against the sandbox's JWKS. No sleeping: the tests move the
// sandbox clock and wait for the dispatcher's 'attempt' events.
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLocalJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../src/fixtures.js'
import { SandboxClock } from '../src/domain/clock.js'
import { WebhookDispatcher, type Delivery } from '../src/webhooks/dispatcher.js'
import { lazySigner } from '../src/webhooks/signer.js'
import { build, CLIENT, componentViolation, CUSTOMERS, T0, webhookReceiver as receiver, type Harness } from './helper.js'

const attempted = (h: Harness) => once(h.app.webhooks, 'attempt') as Promise<[Delivery]>
/** Resolves once `count` more attempts have ended. */
const allArrive = (h: Harness, count: number) => new Promise<void>((resolve) => {
  const seen = () => { if (--count === 0) { h.app.webhooks.off('attempt', seen); resolve() } }
  h.app.webhooks.on('attempt', seen)
})
const advance = (h: Harness, by: string) => h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: by } })
const deliveries = async (h: Harness) => (await h.inject({ url: '/__admin/webhooks' })).json() as {
  event: string, task_id: string, status: string, due_at: string, next_attempt_at: string | null, attempts: { status_code: number | null, error: string | null }[]
}[]

async function setWebhook (h: Harness, url: string | null, clientId = CLIENT, events?: string[]) {
  const res = await h.inject({ method: 'PUT', url: `/__admin/clients/${clientId}/webhook`, payload: { url, ...(events === undefined ? {} : { events }) } })
  t.equal(res.statusCode, 200)
}

const PROVIDER_EVENT = 'open_banking.v2.refresh.provider.completed'
const V2_EVENT = 'open_banking.v2.refresh.completed'

t.test('a finished refresh is POSTed, signed, to the client\'s webhook', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  await setWebhook(h, hooks.url)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.revoked })).json().data.task_id

  await advance(h, 'PT2S')
  t.equal(hooks.received.length, 0, 'nothing before the task ends')
  await advance(h, 'PT1S')
  // The refresh's webhook, and the consent's: the refresh found it revoked.
  while (hooks.received.length < 2) await hooks.nextRequest()
  const delivery = hooks.received.find((r) => JSON.parse(r.body).data.task_type === 'refresh')
  t.same(hooks.received.map((r) => JSON.parse(r.body).data.event).sort(), ['open_banking.consent.revoked', undefined])
  const body = JSON.parse(delivery!.body)
  const customer = (await h.inject({ url: '/__admin/customers' })).json().find((c: { customer_id: string }) => c.customer_id === CUSTOMERS.revoked)
  t.same(body, {
    data: {
      task_id: taskId,
      task_type: 'refresh',
      customer_id: CUSTOMERS.revoked,
      status: 'Completed',
      result: 'connection_revoked',
      reconnect_required: 'true',
      has_new_transactions: 'false',
      provider: 'Bank_Of_Bud',
      consent_id: customer.connections[0].consent_id
    }
  })
  t.equal(delivery!.headers['content-type'], 'application/json')

  // What a receiver does: fetch the JWKS, verify X-Signature with the key X-Signing-ID names, compare to the body.
  const jwks = (await h.inject({ url: '/bud-callback.jwks' })).json()
  t.equal(jwks.keys[0].kid, delivery!.headers['x-signing-id'])
  const { payload, protectedHeader } = await jwtVerify(String(delivery!.headers['x-signature']), createLocalJWKSet(jwks))
  t.equal(protectedHeader.kid, delivery!.headers['x-signing-id'])
  t.same(payload, body, 'the signature covers exactly the body')
  await t.rejects(jwtVerify(String(delivery!.headers['x-signature']).replace(/\.[^.]+$/, '.AAAA'), createLocalJWKSet(jwks)), 'a tampered signature fails')

  const listed = (await deliveries(h)).find((d) => d.event === 'open_banking.refresh.completed')
  t.match(listed, { task_id: taskId, status: 'delivered', attempts: [{ status_code: 200, error: null }], next_attempt_at: null })
})

t.test('a success says has_new_transactions "true"; the body fits the documented schema', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  await setWebhook(h, hooks.url)
  await h.refresh({ provider: 'Natwest_Sandbox' })
  const arrived = hooks.nextRequest()
  await advance(h, 'PT3S')
  await arrived
  const body = JSON.parse(hooks.received[0]!.body)
  t.match(body.data, { status: 'Completed', result: 'success', reconnect_required: 'false', has_new_transactions: 'true' })
})

t.test('5xx and network errors are retried with backoff on the sandbox clock; 4xx is not', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t, [500, 503])
  await setWebhook(h, hooks.url)
  await h.refresh({ provider: 'Bank_Of_Bud' })
  let attempt = attempted(h)
  await advance(h, 'PT3S')
  await attempt
  let [listed] = await deliveries(h)
  t.match(listed, { status: 'retrying', next_attempt_at: '2026-11-23T12:00:04.000Z', attempts: [{ status_code: 500 }] })

  attempt = attempted(h)
  await advance(h, 'PT1S')
  await attempt
  ;[listed] = await deliveries(h)
  t.match(listed, { status: 'retrying', next_attempt_at: '2026-11-23T12:00:06.000Z', attempts: [{ status_code: 500 }, { status_code: 503 }] })

  attempt = attempted(h)
  await advance(h, 'PT2S')
  await attempt
  ;[listed] = await deliveries(h)
  t.match(listed, { status: 'delivered', next_attempt_at: null, attempts: [{ status_code: 500 }, { status_code: 503 }, { status_code: 200 }] })
  t.equal(hooks.received.length, 3)
  t.equal(new Set(hooks.received.map((r) => r.headers['x-signature'])).size, 1, 'every attempt carries the same signed body')

  const rejecting = await receiver(t, [404])
  await setWebhook(h, rejecting.url, 'client-b')
  await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-client-id': 'client-b' })
  attempt = attempted(h)
  await advance(h, 'PT3S')
  await attempt
  await advance(h, 'PT1M')
  const [rejected] = (await h.inject({ url: '/__admin/webhooks?client_id=client-b' })).json()
  t.match(rejected, { status: 'failed', next_attempt_at: null, attempts: [{ status_code: 404 }] })
  t.equal(rejected.attempts.length, 1, 'not retried')
  t.equal(rejecting.received.length, 1)
})

t.test('a receiver that keeps failing gets five attempts, then the delivery is failed', async (t) => {
  const h = await build(t)
  await setWebhook(h, 'http://127.0.0.1:9/unreachable')
  await h.refresh({ provider: 'Bank_Of_Bud' })
  for (const wait of ['PT3S', 'PT1S', 'PT2S', 'PT4S', 'PT8S']) {
    const attempt = attempted(h)
    await advance(h, wait)
    await attempt
  }
  const [listed] = await deliveries(h)
  t.equal(listed!.status, 'failed')
  t.equal(listed!.attempts.length, 5)
  t.ok(listed!.attempts.every((a) => a.status_code === null && a.error !== null), 'network errors are recorded')
  t.equal(listed!.next_attempt_at, null)
})

t.test('webhooks never hold up the API', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  const release = hooks.holdAnswers()
  await setWebhook(h, hooks.url)
  const taskId = (await h.refresh({ provider: 'Bank_Of_Bud' })).json().data.task_id
  const arrived = hooks.nextRequest()
  t.equal((await advance(h, 'PT3S')).statusCode, 200)
  await arrived
  t.equal((await h.status(taskId)).json().data.status, 'Completed', 'answered while the receiver still holds its answer')
  const [listed] = await deliveries(h)
  t.equal(listed!.status, 'sending')
  const attempt = attempted(h)
  release()
  await attempt
})

t.test('a clock jump that ends many tasks sends their webhooks 32 at a time', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  const release = hooks.holdAnswers()
  await setWebhook(h, hooks.url)
  const customers = Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`)
  for (const customer of customers) t.equal((await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': customer })).statusCode, 202)
  await advance(h, 'PT3S')
  while (hooks.received.length < 32) await hooks.nextRequest()
  const waiting = (await deliveries(h)).map((d) => d.status)
  t.equal(waiting.filter((s) => s === 'sending').length, 32, 'a receiver never gets more than 32 at once')
  t.equal(waiting.filter((s) => s === 'scheduled').length, 8, 'the rest wait their turn')
  let attempts = 0
  const all = new Promise<void>((resolve) => h.app.webhooks.on('attempt', () => { if (++attempts === 40) resolve() }))
  release()
  await all
  t.equal(hooks.received.length, 40)
  t.ok((await deliveries(h)).every((d) => d.status === 'delivered'))
})

t.test('webhook URLs come from the fixtures too, and reset restores them', async (t) => {
  const hooks = await receiver(t)
  const fixtures = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  fixtures.clients = [{ client_id: CLIENT, webhook_url: hooks.url }]
  const file = join(t.testdir({}), 'f.json')
  writeFileSync(file, JSON.stringify(fixtures))
  const h = await build(t, { fixtures: loadFixtures(file) })
  await setWebhook(h, null)
  await h.refresh({ provider: 'Bank_Of_Bud' })
  await advance(h, 'PT3S')
  t.same(await deliveries(h), [], 'no URL, no delivery')
  await h.inject({ method: 'POST', url: '/__admin/reset' })
  await h.refresh({ provider: 'Natwest_Sandbox' })
  const arrived = hooks.nextRequest()
  await advance(h, 'PT3S')
  await arrived
  t.equal(hooks.received.length, 1)
})

t.test('the fixtures choose a client\'s webhook events too', async (t) => {
  const hooks = await receiver(t)
  const fixtures = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  fixtures.clients = [{ client_id: CLIENT, webhook_url: hooks.url, webhook_events: [V2_EVENT] }]
  const file = join(t.testdir({}), 'f.json')
  writeFileSync(file, JSON.stringify(fixtures))
  const h = await build(t, { fixtures: loadFixtures(file) })
  await h.refresh({ provider: 'Bank_Of_Bud' })
  const created = (await h.refreshV2({}, { 'x-customer-id': CUSTOMERS.revoked })).json().data
  const arrived = hooks.nextRequest()
  await advance(h, 'PT3S')
  await arrived
  await advance(h, 'PT1M')
  t.same((await deliveries(h)).map((d) => `${d.event} ${d.task_id}`), [`${V2_EVENT} ${created.task_id}`], 'only the V2 refresh\'s own webhook')
})

t.test('a webhook URL must be http or https', async (t) => {
  const h = await build(t)
  const res = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: 'ftp://example/x' } })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors, { url: 'This value should be an http or https URL' })
  const long = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: `http://127.0.0.1/${'x'.repeat(2048)}` } })
  t.same(long.json().errors, { url: 'This value is too long. It should have 2048 characters or less' })
})

t.test('the webhook body fits the documented OBRefreshWebhookBody', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  await setWebhook(h, hooks.url)
  await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.providerFailure })
  const arrived = hooks.nextRequest()
  await advance(h, 'PT2S')
  await arrived
  const body = hooks.received[0]!.body
  t.match(JSON.parse(body).data, { status: 'Failed', result: 'provider_failure', reconnect_required: 'false' })
  t.equal(componentViolation('OBRefreshWebhookBody', JSON.parse(body)), undefined)
})

t.test('closing the sandbox stops webhook retries', async (t) => {
  const h = await build(t)
  await setWebhook(h, 'http://127.0.0.1:9/unreachable')
  await h.refresh({ provider: 'Bank_Of_Bud' })
  const attempt = attempted(h)
  await advance(h, 'PT3S')
  const [delivery] = await attempt
  t.equal(delivery.status, 'retrying')
  const webhooks = h.app.webhooks
  await h.app.close()
  h.advance('PT1M')
  webhooks.tick(true)
  t.equal(delivery.attempts.length, 1, 'no attempt after close')
})

t.test('a finished V2 refresh is POSTed once, signed, as Bud\'s open_banking.v2.refresh.completed', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t, [500])
  await setWebhook(h, hooks.url, CLIENT, [V2_EVENT])
  const created = (await h.refreshV2({}, { 'x-customer-id': CUSTOMERS.revoked })).json().data
  const [bank, natwest] = created.sub_tasks as { task_id: string }[]
  const customer = (await h.inject({ url: `/__admin/customers/${CUSTOMERS.revoked}` })).json()

  await advance(h, 'PT2S')
  t.equal(hooks.received.length, 0, 'nothing while a sub-task is pending')
  let attempt = attempted(h)
  await advance(h, 'PT1S')
  await attempt
  attempt = attempted(h)
  await advance(h, 'PT1S')
  await attempt
  t.equal(hooks.received.length, 2, 'a 500, then the retry a second later')
  const [first, retry] = hooks.received
  t.equal(first!.headers['x-signature'], retry!.headers['x-signature'], 'the retry resends the same signed body')

  const body = JSON.parse(retry!.body)
  const window = (from: number) => ({ from: new Date(T0 - from * 86_400_000).toISOString(), to: new Date(T0).toISOString() })
  t.same(body, {
    customer_id: CUSTOMERS.revoked,
    event: 'open_banking.v2.refresh.completed',
    has_new_transactions: true,
    task_id: created.task_id,
    result: 'connection_revoked',
    status: 'Failed',
    start_time: new Date(T0).toISOString(),
    refresh_window: window(17),
    sub_tasks: [
      { task_id: bank!.task_id, provider: 'Bank_Of_Bud', status: 'Completed', result: 'connection_revoked', reconnect_required: true, has_new_transactions: false, start_time: new Date(T0).toISOString(), refresh_window: window(17), consent_ids: [customer.connections[0].consent_id], consent_details: { id: customer.connections[0].consent_id, expiration_date: customer.connections[0].consent_expires_at } },
      { task_id: natwest!.task_id, provider: 'Natwest_Sandbox', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true, start_time: new Date(T0).toISOString(), refresh_window: window(8), account_ids: customer.connections[1].accounts.map((a: { account_id: string }) => a.account_id), consent_ids: [customer.connections[1].consent_id], consent_details: { id: customer.connections[1].consent_id, expiration_date: customer.connections[1].consent_expires_at } }
    ]
  })
  t.equal(componentViolation('OBV2WebhookBody', body), undefined, 'fits openapi.yaml\'s OBV2WebhookBody')

  const jwks = (await h.inject({ url: '/bud-callback.jwks' })).json()
  const { payload, protectedHeader } = await jwtVerify(String(retry!.headers['x-signature']), createLocalJWKSet(jwks))
  t.equal(protectedHeader.kid, retry!.headers['x-signing-id'])
  t.same(payload, body, 'the signature covers exactly the body')

  const listed = await deliveries(h)
  t.equal(listed.length, 1, 'one webhook for the V2 refresh; the client takes no provider webhooks')
  t.match(listed[0], { event: V2_EVENT, task_id: created.task_id, status: 'delivered', attempts: [{ status_code: 500 }, { status_code: 200 }] })
})

t.test('a V2 refresh deduplicated within the hour sends no second webhook', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  await setWebhook(h, hooks.url)
  await h.refreshV2({})
  await h.refreshV2({})
  const arrived = allArrive(h, 3)
  await advance(h, 'PT3S')
  await arrived
  t.same((await deliveries(h)).map((d) => d.event).sort(), [V2_EVENT, PROVIDER_EVENT, PROVIDER_EVENT], 'one refresh\'s webhooks: its two providers\' and its own')
  t.match(JSON.parse(hooks.received.find((r) => JSON.parse(r.body).event === V2_EVENT)!.body), { status: 'Completed', result: 'success', has_new_transactions: true })
})

t.test('each V2 sub-task is POSTed, signed, as Bud\'s open_banking.v2.refresh.provider.completed when it ends', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  await setWebhook(h, hooks.url)
  const created = (await h.refreshV2({}, { 'x-sandbox-scenario': 'Bank_Of_Bud=provider_failure, Natwest_Sandbox=success' })).json().data
  const [bank, natwest] = created.sub_tasks as { task_id: string }[]
  const customer = (await h.inject({ url: `/__admin/customers/${CUSTOMERS.healthy}` })).json()

  // provider_failure stops at step 2: its provider's webhook goes a second before the rest.
  await advance(h, 'PT1S')
  t.equal(hooks.received.length, 0, 'nothing while both sub-tasks are pending')
  let arrived = allArrive(h, 1)
  await advance(h, 'PT1S')
  await arrived
  t.equal(hooks.received.length, 1)
  const early = JSON.parse(hooks.received[0]!.body)
  const window = (from: number) => ({ from: new Date(T0 - from * 86_400_000).toISOString(), to: new Date(T0).toISOString() })
  t.same(early, {
    event: PROVIDER_EVENT,
    customer_id: CUSTOMERS.healthy,
    task_id: bank!.task_id,
    provider: 'Bank_Of_Bud',
    status: 'Failed',
    result: 'provider_failure',
    reconnect_required: false,
    has_new_transactions: false,
    start_time: new Date(T0).toISOString(),
    refresh_window: window(9),
    consent_ids: [customer.connections[0].consent_id],
    consent_details: { id: customer.connections[0].consent_id, expiration_date: customer.connections[0].consent_expires_at }
  })
  t.equal(componentViolation('ProviderOBV2WebhookBody', early), undefined, 'fits openapi.yaml\'s ProviderOBV2WebhookBody')
  const jwks = createLocalJWKSet((await h.inject({ url: '/bud-callback.jwks' })).json())
  const { payload } = await jwtVerify(String(hooks.received[0]!.headers['x-signature']), jwks)
  t.same(payload, early, 'the signature covers exactly the body')

  arrived = allArrive(h, 2)
  await advance(h, 'PT1S')
  await arrived
  const events = hooks.received.map((r) => JSON.parse(r.body) as { event: string, task_id: string, result: string })
  t.same(events.slice(1).map((e) => `${e.event} ${e.task_id}`).sort(), [`${PROVIDER_EVENT} ${natwest!.task_id}`, `${V2_EVENT} ${created.task_id}`].sort())
  t.match(events.find((e) => e.task_id === natwest!.task_id), { provider: 'Natwest_Sandbox', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true })
  t.match(events.find((e) => e.event === V2_EVENT), { status: 'Failed', result: 'provider_failure' })

  // Newest first: the parent's webhook was queued after its second provider's, due at the same instant.
  const listed = await deliveries(h)
  t.same(listed.map((d) => `${d.event} ${d.task_id} ${d.due_at}`), [
    `${V2_EVENT} ${created.task_id} 2026-11-23T12:00:03.000Z`,
    `${PROVIDER_EVENT} ${natwest!.task_id} 2026-11-23T12:00:03.000Z`,
    `${PROVIDER_EVENT} ${bank!.task_id} 2026-11-23T12:00:02.000Z`
  ])
  t.ok(listed.every((d) => d.status === 'delivered'))
})

t.test('a client takes only the webhooks it subscribed to', async (t) => {
  const h = await build(t)
  const hooks = await receiver(t)
  const res = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: hooks.url, events: [PROVIDER_EVENT] } })
  t.same(res.json(), { client_id: CLIENT, url: hooks.url, events: [PROVIDER_EVENT] })
  await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': CUSTOMERS.revoked })
  await h.refreshV2({})
  const arrived = allArrive(h, 2)
  await advance(h, 'PT3S')
  await arrived
  await advance(h, 'PT1M')
  t.same((await deliveries(h)).map((d) => d.event), [PROVIDER_EVENT, PROVIDER_EVENT], 'no V1 webhook, no V2 parent webhook')

  const all = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: hooks.url } })
  t.same(all.json().events, ['open_banking.refresh.completed', V2_EVENT, PROVIDER_EVENT, 'open_banking.connect.completed', 'open_banking.consent.revoked', 'open_banking.consent.reconfirmed', 'open_banking.consent.reauthorised'], 'without events: all of them')
  const off = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: null, events: [V2_EVENT] } })
  t.same(off.json(), { client_id: CLIENT, url: null, events: [] })

  for (const [events, errors] of [
    [['open_banking.v3.nothing'], { 'events.0': 'This value should be one of open_banking.refresh.completed, open_banking.v2.refresh.completed, open_banking.v2.refresh.provider.completed, open_banking.connect.completed, open_banking.consent.revoked, open_banking.consent.reconfirmed, open_banking.consent.reauthorised' }],
    [[], { events: 'This value should not be blank' }],
    ['open_banking.v2.refresh.completed', { events: 'This value should be of type array' }]
  ] as const) {
    const bad = await h.inject({ method: 'PUT', url: `/__admin/clients/${CLIENT}/webhook`, payload: { url: hooks.url, events } })
    t.equal(bad.statusCode, 400, JSON.stringify(events))
    t.same(bad.json().errors, errors)
  }
})

t.test('webhooks due at the same instant go in the order they were scheduled', async (t) => {
  const hooks = await receiver(t)
  let nowMs = T0
  const webhooks = new WebhookDispatcher({ clock: new SandboxClock(() => nowMs), signer: lazySigner(), bodyOf: (delivery) => delivery.subject as Record<string, unknown>, maxInFlight: 1 })
  t.teardown(() => webhooks.close())
  webhooks.subscribe(CLIENT, hooks.url, ['provider', 'parent'])
  // Scheduled as a V2 refresh schedules them: every provider's, then the parent's, all due together.
  for (const id of ['first', 'second', 'third']) webhooks.schedule('provider', id, CLIENT, T0 + 3000, { id })
  webhooks.schedule('parent', 'parent', CLIENT, T0 + 3000, { id: 'parent' })
  webhooks.schedule('provider', 'earlier', CLIENT, T0 + 2000, { id: 'earlier' })
  webhooks.schedule('other', 'not-taken', CLIENT, T0 + 1000, { id: 'not-taken' })
  let ended = 0
  const all = new Promise<void>((resolve) => webhooks.on('attempt', () => { if (++ended === 5) resolve() }))
  nowMs = T0 + 3000
  webhooks.tick(true)
  await all
  t.same(hooks.received.map((r) => JSON.parse(r.body).id), ['earlier', 'first', 'second', 'third', 'parent'])
  t.same(webhooks.list().map((d) => d.event), ['provider', 'parent', 'provider', 'provider', 'provider'], 'an event the client does not take is never scheduled')
})
