// ADMIN_TOKEN locks a shared sandbox's controls: every /__admin operation
// asks for it as a bearer token, and nothing else changes.
import t from 'tap'
import { loadContract } from '../src/contract.js'
import { startSandbox } from '../src/index.js'
import { build, CUSTOMERS } from './helper.js'

const SECRET = 'team-sandbox-secret-0123456789'

/** Every /__admin operation of the contract, with its path's parameters filled in. */
async function controls () {
  const { document } = await loadContract()
  return Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>)
    .filter(([path]) => path.startsWith('/__admin'))
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase() as 'GET' | 'POST' | 'PUT',
      url: path.replace('{task_id}', '00000000-0000-4000-8000-000000000000').replace('{customer_id}', CUSTOMERS.healthy).replace('{provider}', 'Bank_Of_Bud').replace('{client_id}', 'my-client') + (path === '/__admin/findings' ? '?client_id=my-client' : ''),
      operationId: op.operationId
    })))
}

t.test('with ADMIN_TOKEN, every control answers 401 in Bud\'s envelope without the token or with another, and works with it', async (t) => {
  const h = await build(t, { config: { adminToken: SECRET } })
  const all = await controls()
  t.ok(all.length >= 14, `${all.length} controls`)
  for (const { method, url, operationId } of all) {
    const payload = method === 'GET' ? {} : { payload: {} }
    for (const authorization of [undefined, 'Bearer wrong-secret-0123456789', `Basic ${SECRET}`, SECRET]) {
      const res = await h.inject({ method, url, ...payload, headers: authorization === undefined ? {} : { authorization } })
      t.equal(res.statusCode, 401, `${method} ${url} with ${authorization ?? 'nothing'}`)
      t.same(res.json(), { operation_id: operationId, code_id: 'unauthorised', message: 'This sandbox\'s controls need Authorization: Bearer <ADMIN_TOKEN>.', errors: {} })
    }
    const allowed = await h.inject({ method, url, ...payload, headers: { authorization: `Bearer ${SECRET}` } })
    t.not(allowed.statusCode, 401, `${method} ${url} with the token: ${allowed.statusCode}`)
    t.ok(allowed.statusCode < 500)
  }
  const bud = await h.inject({ url: '/v1/open-banking/providers', headers: { 'x-client-id': 'my-client' } })
  t.equal(bud.statusCode, 200, 'Bud\'s operations are not locked')
  t.equal((await h.inject({ url: '/health' })).statusCode, 200)
})

t.test('over a real socket, and from startSandbox, whose own controls send the token', async (t) => {
  const sandbox = await startSandbox({ adminToken: SECRET })
  t.teardown(() => sandbox.close())
  const before = Date.parse(await sandbox.clock.now())
  t.ok(Date.parse(await sandbox.clock.advance('P1D')) - before >= 86_400_000, 'the API\'s controls work')
  const refused = await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST' })
  t.equal(refused.status, 401)
  t.equal(((await refused.json()) as { code_id: string }).code_id, 'unauthorised')
  const reset = await fetch(`${sandbox.url}/__admin/reset`, { method: 'POST', headers: { authorization: `Bearer ${SECRET}` } })
  t.equal(reset.status, 200)
})
