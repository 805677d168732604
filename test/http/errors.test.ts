import t from 'tap'
import { build, CLIENT, CUSTOMERS } from '../helper.js'

t.test('a known path with the wrong method answers 405 with Allow', async (t) => {
  const h = await build(t)
  const res = await h.inject({ method: 'DELETE', url: '/v1/open-banking/refresh' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'POST')
  t.same(res.json(), { operation_id: 'unknown', code_id: 'unknown', message: 'Method not allowed', errors: {} })
  const onTask = await h.inject({ method: 'PUT', url: `/v1/open-banking/refresh/${CUSTOMERS.healthy}` })
  t.equal(onTask.statusCode, 405)
  t.equal(onTask.headers.allow, 'GET, HEAD')
})

t.test('an unknown route answers the generic 404', async (t) => {
  const h = await build(t)
  for (const url of ['/v1/nothing', '/', '/v1/open-banking/refresh/a/b', '/%']) {
    const res = await h.inject({ url })
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { operation_id: 'unknown', code_id: 'unknown', message: 'Route or resource not found', errors: {} })
    t.ok(res.headers['x-request-id'], 'with a request id')
  }
})

t.test('a wrong route is a 404 or 405 even when its body is broken or too large', async (t) => {
  const h = await build(t, { config: { bodyLimit: 1024 } })
  const json = { 'content-type': 'application/json' }
  const cases = [
    { method: 'DELETE', url: '/v1/open-banking/refresh', payload: '', status: 405 },
    { method: 'PUT', url: `/v1/open-banking/refresh/${CUSTOMERS.healthy}`, payload: '{"provider"', status: 405 },
    { method: 'POST', url: '/v1/nothing', payload: '', status: 404 },
    { method: 'POST', url: '/v1/nothing', payload: JSON.stringify({ big: 'x'.repeat(5000) }), status: 404 }
  ] as const
  for (const { method, url, payload, status } of cases) {
    const res = await h.inject({ method, url, headers: json, payload })
    t.equal(res.statusCode, status, `${method} ${url}`)
    t.equal(res.json().message, status === 405 ? 'Method not allowed' : 'Route or resource not found')
  }
})

t.test('every response carries X-Request-Id, the same id the logs use', async (t) => {
  const h = await build(t)
  const res = await h.refresh({ provider: 'Bank_Of_Bud' })
  const id = res.headers['x-request-id']
  t.match(id, /^[0-9a-f-]{36}$/)
  t.ok(h.logs.some((l) => l.reqId === id && l.msg === 'refresh started'))
  const bad = await h.refresh({})
  t.ok(bad.headers['x-request-id'])
  t.not(bad.headers['x-request-id'], id)
  const given = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-request-id': 'trace-123.abc' })
  t.equal(given.headers['x-request-id'], 'trace-123.abc', 'a plain client id is kept')
  const hostile = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-request-id': 'x'.repeat(500) })
  t.match(hostile.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'anything else is replaced')
})

t.test('bodies that are not JSON, or too large, get envelopes', async (t) => {
  const h = await build(t)
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }
  const text = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'provider=Bank_Of_Bud' })
  t.equal(text.statusCode, 415)
  t.same(text.json(), { operation_id: 'open_banking_refresh_post', code_id: 'unsupported_media_type', message: 'The request content type is not supported.', errors: { content_type: 'This value should be application/json' } })
  // Form bodies are for the token endpoint only.
  const form = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'provider=Bank_Of_Bud' })
  t.equal(form.statusCode, 415)
  t.equal(form.json().code_id, 'unsupported_media_type')

  const huge = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers, payload: { provider: 'x'.repeat(200_000) } })
  t.equal(huge.statusCode, 413)
  t.same(huge.json(), { operation_id: 'open_banking_refresh_post', code_id: 'payload_too_large', message: 'The request body is too large.', errors: { body: 'This value is too large' } })

  const empty = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 400)
  t.same(empty.json().errors, { body: 'This value should not be blank' })

  const none = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers })
  t.equal(none.statusCode, 400)
  t.equal(none.json().code_id, 'failed_validation')
})

t.test('a 5xx says nothing about what went wrong, and the log keeps the detail', async (t) => {
  const h = await build(t)
  h.app.get('/__test/boom', async () => { throw new Error('secret internals at /work/main/src') })
  const res = await h.inject({ url: '/__test/boom' })
  t.equal(res.statusCode, 500)
  t.equal(res.body, '{"message":"An error occurred while processing your request"}')
  t.ok(res.headers['x-request-id'])
  t.ok(h.logs.some((l) => l.msg === 'unhandled error' && JSON.stringify(l).includes('secret internals')))
})
