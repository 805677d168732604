// Property-based tests: whatever clients send, the sandbox answers a Bud
// envelope below 500, keeps running, and lets no prototype key through.
// Every response here also passes the harness's check against openapi.yaml.
import { connect } from 'node:net'
import fc from 'fast-check'
import t from 'tap'
import { build, CLIENT, CUSTOMERS } from './helper.js'

const RUNS = 200
const printable = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')), maxLength: 300 })
const headerValue = fc.oneof(printable, fc.uuid(), fc.constant(CUSTOMERS.healthy), fc.constant(''), printable.map((s) => s.repeat(20)))
const dangerousKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'provider', 'from', 'to', 'polluted')
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(dangerousKey, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 })
})).value
const instant = fc.oneof(
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('2026-08-01'), max: new Date('2026-11-24'), noInvalidDate: true }).map((d) => d.toISOString()),
  printable
)

function isEnvelope (status: number, body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  const b = body as Record<string, unknown>
  if (status < 300) return typeof b.operation_id === 'string' && 'data' in b
  return typeof b.operation_id === 'string' && typeof b.code_id === 'string' && typeof b.message === 'string' && typeof b.errors === 'object'
}

t.test('any headers and JSON body: a Bud envelope, never a 5xx', async (t) => {
  const h = await build(t)
  await fc.assert(fc.asyncProperty(
    fc.record({ client: headerValue, customer: headerValue, scenario: fc.option(headerValue), identifier: fc.option(headerValue), ip: fc.option(headerValue) }),
    fc.oneof(jsonish, fc.record({ provider: fc.oneof(printable, fc.constant('Bank_Of_Bud')), from: fc.option(instant, { nil: undefined }), to: fc.option(instant, { nil: undefined }) })),
    async (headers, body) => {
      const sent: Record<string, string> = { 'x-client-id': headers.client, 'x-customer-id': headers.customer, 'content-type': 'application/json' }
      if (headers.scenario !== null) sent['x-sandbox-scenario'] = headers.scenario
      if (headers.identifier !== null) sent['x-customer-idempotent-identifier'] = headers.identifier
      if (headers.ip !== null) sent['x-customer-ip-address'] = headers.ip
      const res = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: sent, payload: JSON.stringify(body) })
      return res.statusCode < 500 && isEnvelope(res.statusCode, res.json())
    }
  ), { numRuns: RUNS })
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
  t.same(Object.keys(Object.prototype), [])
})

t.test('V2 and Create Customer V3: any headers and JSON body get a Bud envelope, never a 5xx', async (t) => {
  const h = await build(t)
  const providerList = fc.oneof(fc.array(fc.oneof(printable, fc.constantFrom('Bank_Of_Bud', 'Natwest_Sandbox', 'Maintenance_Bank')), { maxLength: 60 }), jsonish)
  const scenarioHeader = fc.oneof(headerValue, fc.constantFrom('Bank_Of_Bud=connection_revoked, Natwest_Sandbox=success', 'Bank_Of_Bud=', '=success', ',,', 'Monzo=success'))
  await fc.assert(fc.asyncProperty(
    fc.record({ client: headerValue, customer: headerValue, scenario: fc.option(scenarioHeader), identifier: fc.option(headerValue), ip: fc.option(headerValue) }),
    fc.oneof(jsonish, fc.record({
      providers: fc.option(providerList, { nil: undefined }),
      from: fc.option(instant, { nil: undefined }),
      to: fc.option(instant, { nil: undefined }),
      resources: fc.option(fc.oneof(fc.array(fc.constantFrom('accounts', 'balances', 'gossip')), jsonish), { nil: undefined })
    }), fc.record({
      customer_context: fc.option(fc.oneof(jsonish, fc.record({ type: fc.oneof(fc.constantFrom('personal', 'business'), jsonish), region: jsonish, locale: printable, models: jsonish })), { nil: undefined }),
      client_metadata: fc.option(fc.oneof(jsonish, fc.record({ idempotent_identifier: fc.oneof(printable, jsonish) })), { nil: undefined })
    })),
    fc.constantFrom('/open-banking/v2/refresh', '/platform/v3/customers'),
    async (headers, body, url) => {
      const sent: Record<string, string> = { 'x-client-id': headers.client, 'x-customer-id': headers.customer, 'content-type': 'application/json' }
      if (headers.scenario !== null) sent['x-sandbox-scenario'] = headers.scenario
      if (headers.identifier !== null) sent['x-customer-idempotent-identifier'] = headers.identifier
      if (headers.ip !== null) sent['x-customer-ip-address'] = headers.ip
      const res = await h.inject({ method: 'POST', url, headers: sent, payload: JSON.stringify(body) })
      if (res.statusCode >= 500 || !isEnvelope(res.statusCode, res.json())) return false
      if (res.statusCode !== 202 || url !== '/open-banking/v2/refresh') return true
      // Whatever was accepted can be read back.
      const status = await h.inject({ url: `/open-banking/v2/refresh/${res.json().data.task_id}`, headers: sent })
      return status.statusCode === 200 && isEnvelope(200, status.json())
    }
  ), { numRuns: RUNS })
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

t.test('any window: 202 only for one inside the 90 days, else 400 naming the field', async (t) => {
  const h = await build(t)
  await fc.assert(fc.asyncProperty(fc.option(instant, { nil: undefined }), fc.option(instant, { nil: undefined }), fc.uuid(), async (from, to, customer) => {
    const res = await h.refresh({ provider: 'Bank_Of_Bud', from, to }, { 'x-customer-id': customer })
    if (res.statusCode === 400) {
      const fields = Object.keys(res.json().errors)
      return fields.length > 0 && fields.every((f) => f === 'from' || f === 'to' || f === 'customer_id')
    }
    if (res.statusCode !== 202) return false
    const stored = (await h.inject({ url: `/__admin/tasks/${res.json().data.task_id}` })).json()
    const [fromMs, toMs, nowMs] = [Date.parse(stored.window.from), Date.parse(stored.window.to), h.clock.nowMs()]
    return fromMs <= toMs && toMs <= nowMs && fromMs >= nowMs - 90 * 86_400_000
  }), { numRuns: RUNS })
})

t.test('any path and method: never a 5xx, always JSON', async (t) => {
  const h = await build(t)
  const segment = fc.oneof(fc.constantFrom('v1', 'v2', 'v3', 'platform', 'open-banking', 'refresh', 'oauth', 'token', '__admin', 'tasks', 'clock', 'customers', '..', '.', '%', '%2F', '%00', 'health', CUSTOMERS.healthy), printable.map(encodeURIComponent))
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    fc.array(segment, { maxLength: 6 }),
    async (method, segments) => {
      const url = '/' + segments.join('/')
      const res = await h.inject({ method: method as 'GET', url, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })
      if (res.statusCode >= 500) return false
      if (method === 'HEAD' || res.statusCode === 204) return true
      return String(res.headers['content-type']).startsWith('application/json')
    }
  ), { numRuns: RUNS })
})

t.test('absurdly long headers and ids get a 4xx envelope', async (t) => {
  const h = await build(t)
  const longId = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': 'f'.repeat(8000) })
  t.equal(longId.statusCode, 400)
  t.same(longId.json().errors, { customer_id: 'This value should be a valid UUID' })
  const longTask = await h.status('a'.repeat(5000))
  t.equal(longTask.statusCode, 404)
  t.equal(longTask.json().message, 'Route or resource not found')

  // What a task or customer keeps is at most 255 characters: a flood of long names cannot fill the memory.
  const tooLong = 'This value is too long. It should have 255 characters or less'
  const longProvider = await h.refresh({ provider: 'p'.repeat(256) })
  t.equal(longProvider.statusCode, 400)
  t.same(longProvider.json().errors, { provider: tooLong })
  const longClient = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-client-id': 'c'.repeat(256) })
  t.same(longClient.json().errors, { client_id: tooLong })
  const longIdentifier = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': null, 'x-customer-idempotent-identifier': 'i'.repeat(256) })
  t.same(longIdentifier.json().errors, { customer_idempotent_identifier: tooLong })
  const longestAllowed = await h.refresh({ provider: 'p'.repeat(255) }, { 'x-client-id': 'c'.repeat(255), 'x-customer-idempotent-identifier': 'i'.repeat(255), 'x-customer-id': null })
  t.equal(longestAllowed.statusCode, 202, '255 characters are fine')
  // Path parameters over Fastify's 100 characters match no route.
  const longConnection = await h.inject({ method: 'PUT', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/${'p'.repeat(101)}`, payload: {} })
  t.equal(longConnection.statusCode, 404)
  const longWebhookClient = await h.inject({ method: 'PUT', url: `/__admin/clients/${'c'.repeat(101)}/webhook`, payload: { url: null } })
  t.equal(longWebhookClient.statusCode, 404)
  const longBasic = await h.inject({
    method: 'POST',
    url: '/v1/oauth/token',
    headers: { authorization: `Basic ${Buffer.from(`${'c'.repeat(256)}:secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials'
  })
  t.equal(longBasic.statusCode, 400, 'a client id over 255 characters gets no token')

  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const socket = connect(Number(port), '127.0.0.1')
  socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Client-Id: ${'x'.repeat(64 * 1024)}\r\n\r\n`)
  let raw = ''
  for await (const chunk of socket) raw += chunk
  t.match(raw, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
  t.same(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)), { operation_id: 'unknown', code_id: 'unknown', message: 'Request Header Fields Too Large', errors: {} })
  t.equal((await fetch(`${address}/health`)).status, 200, 'and the server carries on')
})

t.test('the data operations: any query, any page token, any header, any transaction added at the bank — a Bud envelope, never a 5xx', async (t) => {
  const h = await build(t)
  const queryValue = fc.oneof(printable, instant, fc.constantFrom('0', '1', '200', '201', '-1', '1e3', 'true', 'daily', 'booked', 'pending', 'credit', 'Bank_Of_Bud', '2026-02-30', '2026-11-20'))
  const token = fc.oneof(
    printable,
    fc.tuple(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(0)), fc.integer(), fc.oneof(fc.integer(), fc.maxSafeInteger()), fc.oneof(printable, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), maxLength: 32 }))).map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')),
    jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url'))
  )
  const names = ['page_size', 'page_token', 'date_from', 'date_to', 'account_id', 'status', 'credit_debit_indicator', 'category_l1', 'category_l2', 'merchant', 'updated_after', 'from', 'to', 'granularity', 'provider', 'account_type', 'currency', 'usage_type', 'holder_relationship_type', 'include_all_balances', 'idempotent_identifier']
  const query = fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(queryValue, token)), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'))
  const path = fc.constantFrom(
    '/financial/v3/accounts', '/financial/v3/accounts/transaction-dates', '/financial/v2/transactions', '/financial/v3/balances',
    '/platform/v3/customers', '/financial/v3/accounts/unknown', '/financial/v3/accounts/unknown/balances'
  )
  const accountId = (await h.inject({ url: '/financial/v3/accounts', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })).json().data[0].account_id as string
  await fc.assert(fc.asyncProperty(
    fc.oneof(path, fc.constant(`/financial/v3/accounts/${accountId}/balances`)), query,
    fc.record({ client: headerValue, customer: fc.oneof(headerValue, fc.constant(CUSTOMERS.healthy)) }),
    async (url, q, headers) => {
      const res = await h.inject({ url: `${url}?${q}`, headers: { 'x-client-id': headers.client, 'x-customer-id': headers.customer } })
      return res.statusCode < 500 && isEnvelope(res.statusCode, res.json())
    }
  ), { numRuns: RUNS })
  await fc.assert(fc.asyncProperty(
    fc.oneof(jsonish, fc.record({
      transactions: fc.array(fc.oneof(jsonish, fc.record({
        description: fc.oneof(printable, jsonish),
        amount: fc.oneof(jsonish, fc.record({ value: fc.oneof(printable, fc.constantFrom('1.00', '0', '999999999999.99', '-5')), currency: fc.oneof(printable, fc.constant('GBP')) })),
        credit_debit_indicator: fc.oneof(fc.constantFrom('credit', 'debit'), printable),
        date_time: fc.option(instant, { nil: undefined }),
        account_id: fc.option(fc.oneof(printable, fc.constant(accountId)), { nil: undefined }),
        status: fc.option(fc.oneof(fc.constantFrom('booked', 'pending'), printable), { nil: undefined })
      }, { requiredKeys: [] })), { maxLength: 3 })
    })),
    fc.constantFrom('Bank_Of_Bud', 'Natwest_Sandbox', 'Maintenance_Bank', 'Nowhere'),
    async (body, provider) => {
      const res = await h.inject({ method: 'POST', url: `/__admin/customers/${CUSTOMERS.healthy}/connections/${provider}/transactions`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
      if (res.statusCode >= 500) return false
      if (res.statusCode !== 201 && !isEnvelope(res.statusCode, res.json())) return false
      const page = await h.inject({ url: '/financial/v2/transactions?page_size=5', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })
      return page.statusCode === 200
    }
  ), { numRuns: RUNS })
  const removed = await h.inject({ method: 'DELETE', url: `/v1/provider/${encodeURIComponent('%00../x')}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy } })
  t.ok(removed.statusCode < 500)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

t.test('the connect and consent operations and the pages: any body, header and form — a Bud envelope (or a page) below 500', async (t) => {
  const h = await build(t)
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }
  const authorisation = (await h.inject({ method: 'POST', url: '/v1/open-banking/authorisation-url', headers, payload: { provider: 'Monzo_Sandbox', provider_redirect_url: 'http://127.0.0.1:1/cb' } })).json().data.task_id as string
  const link = new URL((await h.inject({ method: 'POST', url: '/v2/open-banking/authorisation-gateway-url', headers, payload: { redirect_url: 'http://127.0.0.1:1/cb' } })).json().data.url as string).pathname
  const consentId = (await h.inject({ url: '/v1/open-banking/account-access-consents', headers })).json().data[0].id as string
  const url = fc.oneof(printable, fc.constantFrom('http://127.0.0.1:1/cb', 'https://example.test/a?b=c#d', 'javascript:alert(1)', 'http://', `http://x/${'a'.repeat(3000)}`))
  const body = fc.oneof(jsonish, fc.record({
    provider: fc.option(fc.oneof(printable, fc.constantFrom('Bank_Of_Bud', 'Monzo_Sandbox', 'Maintenance_Bank')), { nil: undefined }),
    redirect_url: fc.option(url, { nil: undefined }),
    provider_redirect_url: fc.option(url, { nil: undefined }),
    consent_id: fc.option(fc.oneof(printable, fc.constant(consentId)), { nil: undefined }),
    state: fc.option(fc.oneof(printable, fc.constant(authorisation), jsonish), { nil: undefined }),
    code: fc.option(fc.oneof(printable, jsonish), { nil: undefined }),
    error: fc.option(printable, { nil: undefined }),
    providers: fc.option(fc.oneof(fc.array(fc.oneof(printable, fc.constantFrom('Monzo_Sandbox', 'Maintenance_Bank'))), jsonish), { nil: undefined }),
    provider_types: fc.option(fc.oneof(fc.array(fc.oneof(printable, fc.constantFrom('retail', 'business'))), jsonish), { nil: undefined }),
    initial_screen: fc.option(fc.oneof(printable, fc.constantFrom('reconfirm_consent', 'revoke_consent', 'accounts_summary')), { nil: undefined })
  }, { requiredKeys: [] }))
  const api = fc.constantFrom(
    ['POST', '/v1/open-banking/authorisation-url'], ['POST', '/v1/open-banking/authorisation-codes'], ['POST', '/v2/open-banking/authorisation-codes'],
    ['POST', '/v2/open-banking/authorisation-gateway-url'], ['POST', '/v1/open-banking/account-access-consent/revoke'],
    ['POST', `/v1/open-banking/account-access-consents/${consentId}/reconfirm`], ['GET', `/v1/open-banking/authorisation-url/${authorisation}`],
    ['GET', '/v1/open-banking/account-access-consents?status=all'], ['GET', `/v1/open-banking/connect/${authorisation}`]
  )
  await fc.assert(fc.asyncProperty(api, body, fc.record({ client: headerValue, customer: fc.oneof(headerValue, fc.constant(CUSTOMERS.healthy)) }), async ([method, path], payload, who) => {
    const res = await h.inject({ method: method as 'GET', url: path, headers: { 'x-client-id': who.client, 'x-customer-id': who.customer, 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: JSON.stringify(payload) } : {}) })
    return res.statusCode < 500 && isEnvelope(res.statusCode, res.json())
  }), { numRuns: RUNS })
  const form = fc.dictionary(fc.oneof(fc.constantFrom('decision', 'provider', 'consent_id', '__proto__'), fc.string({ maxLength: 8 })), fc.oneof(printable, fc.constantFrom('approve', 'deny', 'Monzo_Sandbox', consentId)), { maxKeys: 4 })
  const page = fc.constantFrom(`/sandbox-bank/authorise/${authorisation}`, '/sandbox-bank/authorise/nothing', `${link}/provider`, `${link}/reconfirm`, `${link}/revoke`, `${link}/done`, '/sandbox-connect/nothing/provider')
  await fc.assert(fc.asyncProperty(page, form, fc.boolean(), async (path, fields, asJson) => {
    const payload = asJson ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
    const res = await h.inject({ method: 'POST', url: path, payload, headers: { 'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded' } })
    if (res.statusCode >= 500) return false
    return res.statusCode === 303 || (/^text\/html/.test(String(res.headers['content-type'])) && !res.body.includes('<script'))
  }), { numRuns: RUNS })
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})
