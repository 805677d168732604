import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../../src/fixtures.js'
import { build, CLIENT, type Harness } from '../helper.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

const token = (h: Harness, payload: string, headers: Record<string, string> = {}) =>
  h.inject({ method: 'POST', url: '/v1/oauth/token', headers: { ...FORM, ...headers }, payload })

async function accessToken (h: Harness, clientId = CLIENT): Promise<{ access_token: string, refresh_token: string }> {
  const res = await token(h, 'grant_type=client_credentials', { authorization: basic(clientId, 'any-secret') })
  return res.json().data
}

t.test('client credentials with HTTP Basic give Bud\'s token envelope', async (t) => {
  const h = await build(t)
  const res = await token(h, 'grant_type=client_credentials', { authorization: basic(CLIENT, 's3cret') })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(Object.keys(body), ['operation_id', 'data'])
  t.equal(body.operation_id, 'oauth_token_create')
  t.match(body.data, { access_token: /^[\w-]{40,}$/, token_type: 'Bearer', expires_in: 3600, refresh_token: /^[\w-]{40,}$/ })
  t.not(body.data.access_token, body.data.refresh_token)
})

t.test('token request errors are worded as Bud words them', async (t) => {
  const h = await build(t)
  const grantError = { operation_id: 'oauth_token_create', code_id: 'failed_validation', message: 'could not extract basic auth headers', errors: { grant_type: 'grant_type must be one of [client_credentials refresh_token]' } }
  for (const [payload, headers] of [
    ['', { authorization: basic(CLIENT, 'x') }],
    ['grant_type=password', { authorization: basic(CLIENT, 'x') }],
    ['grant_type=refresh_token', { 'x-client-id': CLIENT }]
  ] as const) {
    const res = await token(h, payload, headers)
    t.equal(res.statusCode, 400, payload)
    t.same(res.json(), grantError, payload)
  }
  const json = await h.inject({ method: 'POST', url: '/v1/oauth/token', headers: { authorization: basic(CLIENT, 'x') }, payload: { grant_type: 'client_credentials' } })
  t.equal(json.statusCode, 400, 'a JSON body is not Bud\'s form')
  t.same(json.json(), grantError)

  const noBasic = await token(h, 'grant_type=client_credentials')
  t.equal(noBasic.statusCode, 400)
  t.same(noBasic.json(), { operation_id: 'oauth_token_create', code_id: 'failed_validation', message: 'could not extract basic auth headers', errors: {} })
})

t.test('fixtures can restrict clients to listed id/secret pairs', async (t) => {
  const fixtures = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  fixtures.settings.accept_any_client = false
  fixtures.clients = [{ client_id: 'acme', client_secret: 'right' }]
  const file = join(t.testdir({}), 'f.json')
  writeFileSync(file, JSON.stringify(fixtures))
  const h = await build(t, { fixtures: loadFixtures(file) })
  t.equal((await token(h, 'grant_type=client_credentials', { authorization: basic('acme', 'right') })).statusCode, 200)
  for (const auth of [basic('acme', 'wrong'), basic('stranger', 'right')]) {
    const res = await token(h, 'grant_type=client_credentials', { authorization: auth })
    t.equal(res.statusCode, 400)
    t.same(res.json(), { operation_id: 'unknown', code_id: 'unknown', message: 'Unauthorised request', errors: {} })
  }
})

t.test('a refresh token trades for new tokens, for its own client, for 24 hours', async (t) => {
  const h = await build(t)
  const first = await accessToken(h)
  const refreshed = await token(h, `grant_type=refresh_token&refresh_token=${first.refresh_token}`, { 'x-client-id': CLIENT })
  t.equal(refreshed.statusCode, 200)
  t.not(refreshed.json().data.access_token, first.access_token)

  const unauthorised = { operation_id: 'oauth_token_create', code_id: 'unauthorised', message: 'Unauthorised.', errors: {} }
  const otherClient = await token(h, `grant_type=refresh_token&refresh_token=${first.refresh_token}`, { 'x-client-id': 'client-b' })
  t.equal(otherClient.statusCode, 401)
  t.same(otherClient.json(), unauthorised)
  const noClient = await token(h, `grant_type=refresh_token&refresh_token=${first.refresh_token}`)
  t.equal(noClient.statusCode, 400)
  t.same(noClient.json().errors, { client_id: 'This value should not be blank' })

  h.advance('PT24H')
  const expired = await token(h, `grant_type=refresh_token&refresh_token=${first.refresh_token}`, { 'x-client-id': CLIENT })
  t.equal(expired.statusCode, 401)
  t.same(expired.json(), unauthorised)
})

t.test('with AUTH=on the refresh operations need a valid bearer token', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const missing = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(missing.statusCode, 401)
  t.same(missing.json(), { operation_id: 'unknown', code_id: 'unknown', message: 'Unauthorised request', errors: {} })
  const noBody = await h.inject({ method: 'POST', url: '/v1/open-banking/refresh' })
  t.equal(noBody.statusCode, 401, 'auth is checked before the request is validated')

  const unknown = await h.refresh({ provider: 'Bank_Of_Bud' }, { authorization: 'Bearer not-a-token' })
  t.equal(unknown.statusCode, 401)
  t.same(unknown.json(), { operation_id: 'open_banking_refresh_post', code_id: 'token_invalid', message: 'The access token is invalid.', errors: {} })

  const { access_token: mine } = await accessToken(h)
  const ok = await h.refresh({ provider: 'Bank_Of_Bud' }, { authorization: `Bearer ${mine}` })
  t.equal(ok.statusCode, 202)
  t.equal((await h.status(ok.json().data.task_id, { authorization: `Bearer ${mine}` })).statusCode, 200)

  const stolen = await h.refresh({ provider: 'Bank_Of_Bud' }, { authorization: `Bearer ${mine}`, 'x-client-id': 'client-b' })
  t.equal(stolen.statusCode, 401)
  t.same(stolen.json(), { operation_id: 'open_banking_refresh_post', code_id: 'token_invalid', message: 'The access token was not issued to this client.', errors: {} })

  h.advance('PT59M59S')
  t.equal((await h.refresh({ provider: 'Natwest_Sandbox' }, { authorization: `Bearer ${mine}` })).statusCode, 202, 'valid until expires_in has passed')
  await h.inject({ method: 'POST', url: '/__admin/clock', payload: { advance: 'PT1S' } })
  const expired = await h.status(ok.json().data.task_id, { authorization: `Bearer ${mine}` })
  t.equal(expired.statusCode, 401)
  t.same(expired.json(), { operation_id: 'open_banking_refresh_get', code_id: 'token_expired', message: 'The access token has expired.', errors: {} })

  // Expired stays expired after the client took a newer token, and a day later:
  // a client that renews on token_expired is never told token_invalid for a token it was given.
  const { access_token: newer } = await accessToken(h)
  t.equal((await h.status(ok.json().data.task_id, { authorization: `Bearer ${newer}` })).statusCode, 200)
  h.advance('P30D')
  await accessToken(h)
  const stillExpired = await h.status(ok.json().data.task_id, { authorization: `Bearer ${mine}` })
  t.equal(stillExpired.statusCode, 401)
  t.equal(stillExpired.json().code_id, 'token_expired')
})

t.test('with AUTH=off no token is needed', async (t) => {
  const h = await build(t, { config: { auth: 'off' } })
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' }, { authorization: 'Bearer whatever' })).statusCode, 202)
  t.equal((await h.refresh({ provider: 'Natwest_Sandbox' })).statusCode, 202)
})
