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

t.test('bodies are read as JSON by their content: labelled JSON, text/plain or unlabelled; other types are 415', async (t) => {
  const h = await build(t)
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }
  const body = JSON.stringify({ provider: 'Bank_Of_Bud' })
  // What Postman sends for a raw body whose language is not chosen.
  const text = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' }, payload: body })
  t.equal(text.statusCode, 202)
  t.equal(text.json().data.provider, 'Bank_Of_Bud')
  // And what a hand-written client sends when it names no type.
  const unlabelled = await h.inject({ method: 'POST', url: '/open-banking/v2/refresh', headers, payload: '{}' })
  t.equal(unlabelled.statusCode, 202)
  t.equal(unlabelled.json().operation_id, 'v2_open_banking_refresh_post')

  // Text that is not JSON is the usual 400, naming the body.
  const notJson = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'provider=Bank_Of_Bud' })
  t.equal(notJson.statusCode, 400)
  t.same(notJson.json(), { operation_id: 'open_banking_refresh_post', code_id: 'failed_validation', message: 'Failed validation', errors: { body: 'This value should be valid JSON' } })
  const unlabelledNotJson = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers, payload: '<provider>Bank_Of_Bud</provider>' })
  t.equal(unlabelledNotJson.statusCode, 400)
  t.same(unlabelledNotJson.json().errors, { body: 'This value should be valid JSON' })

  // Other media types stay 415, even when what they carry is JSON.
  for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
    const other = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { ...headers, 'content-type': type }, payload: body })
    t.equal(other.statusCode, 415, type)
    t.same(other.json(), { operation_id: 'open_banking_refresh_post', code_id: 'unsupported_media_type', message: 'The request content type is not supported.', errors: { content_type: 'This value should be application/json' } }, type)
  }

  // Create Customer's body is optional however it is labelled.
  const created = await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: { 'x-client-id': CLIENT, 'content-type': 'text/plain' }, payload: '' })
  t.equal(created.statusCode, 201)
  const withContext = await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: { 'x-client-id': CLIENT, 'content-type': 'text/plain' }, payload: JSON.stringify({ client_metadata: { idempotent_identifier: 'as-text' } }) })
  t.equal(withContext.statusCode, 201)
  t.equal(withContext.json().data.client_metadata.idempotent_identifier, 'as-text')

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

t.test('doubled slashes in a path are the single-slash path, on every kind of route', async (t) => {
  const h = await build(t)
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  // What a client joining "http://host/" with "/v1/..." sends, over a real socket.
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' }
  const started = await fetch(`${base}//v1//open-banking/refresh`, { method: 'POST', headers, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) })
  t.equal(started.status, 202)
  const { data } = await started.json() as { data: { task_id: string } }
  const status = await fetch(`${base}//v1/open-banking/refresh/${data.task_id}?x=a//b`, { headers })
  t.equal(status.status, 200)
  t.equal((await status.json() as { data: { task_id: string } }).data.task_id, data.task_id)
  t.equal((await fetch(`${base}//health`)).status, 200)
  t.equal((await fetch(`${base}///__admin//clock`)).status, 200)
  t.equal((await fetch(`${base}//docs/json`)).status, 200)
  // A known path with the wrong method is still a 405, an unknown one a 404.
  const wrong = await fetch(`${base}//v1/open-banking/refresh`, { method: 'PUT', headers, body: '{}' })
  t.equal(wrong.status, 405)
  t.equal((await fetch(`${base}//nothing//here`)).status, 404)
  // The request history keeps the path as it was answered.
  const history = await (await fetch(`${base}/__admin/requests`)).json() as { path: string }[]
  t.ok(history.some((r) => r.path === `/v1/open-banking/refresh/${data.task_id}?x=a//b`))
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
