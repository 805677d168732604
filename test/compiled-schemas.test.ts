// The built server restores its route validators and serializers from
// dist/compiled-schemas.cjs instead of compiling them at start. These tests
// record such a file the way `npm run build` does and check that an app
// restored from it answers exactly like one that compiles, and that a file
// from another version of the contract is never used.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadCompiledSchemas, recordingCompilers, restoringCompilers, writeCompiledSchemas, type CompiledSchemas } from '../src/compiled-schemas.js'
import { DEFAULTS } from '../src/config.js'
import { loadContract, OPENAPI_FILE, type Contract } from '../src/contract.js'
import { SandboxClock } from '../src/domain/clock.js'
import { loadFixtures } from '../src/fixtures.js'
import { build, CUSTOMERS, T0, type Harness } from './helper.js'

// Inside the project, as dist/ is: the file's own require()s (Ajv's runtime helpers) resolve from there.
const cache = join(import.meta.dirname, '..', 'node_modules', '.cache')
mkdirSync(cache, { recursive: true })
const dir = mkdtempSync(join(cache, 'bud-sandbox-compiled-'))
t.teardown(async () => { const { rm } = await import('node:fs/promises'); await rm(dir, { recursive: true, force: true }) })

/** Records every compiled schema of an app built on `contract`, as `npm run build` does, and writes the file. */
async function record (contract: Contract, file: string): Promise<number> {
  const store = new Map<string, string>()
  const app = await buildApp(
    { ...DEFAULTS, logLevel: 'silent', auth: 'off', fixtures: loadFixtures() },
    { clock: new SandboxClock(() => T0), contract, schemaCompilers: recordingCompilers(store) }
  )
  await app.ready()
  await app.close()
  writeCompiledSchemas(file, store)
  return store.size
}

/** The compiled file, watched: which keys were asked for and which were missing. */
function watched (compiled: CompiledSchemas): { table: CompiledSchemas, asked: string[], missing: string[] } {
  const asked: string[] = []
  const missing: string[] = []
  const table = new Proxy(compiled, {
    get (target, key) {
      if (typeof key !== 'string') return undefined
      asked.push(key)
      if (!Object.hasOwn(target, key)) missing.push(key)
      return target[key]
    }
  })
  return { table, asked, missing }
}

const contract = await loadContract()
const FILE = join(dir, 'compiled-schemas.cjs')
const recorded = await record(contract, FILE)

t.test('the build records every route schema, and a start finds each of them', async (t) => {
  t.ok(recorded >= 20, `recorded ${recorded} functions`)
  const compiled = loadCompiledSchemas(FILE)
  t.ok(compiled !== undefined)
  const { table, asked, missing } = watched(compiled!)
  const h = await build(t, { deps: { schemaCompilers: restoringCompilers(table) } })
  await h.app.ready()
  t.equal(asked.length, recorded, 'one lookup per compiled function')
  t.same(missing, [], 'nothing compiled at start')
})

t.test('no compiled file: undefined, and the server compiles as usual', async (t) => {
  t.equal(loadCompiledSchemas(join(dir, 'absent.cjs')), undefined)
})

// Requests touching every validated part: headers, path parameters, query, JSON and form bodies.
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'Bank_Of_Bud', 'Natwest_Sandbox', CUSTOMERS.healthy, CUSTOMERS.revoked, '2026-11-01T00:00:00Z', 'not-a-date', 'success', 'revoked_consent'))
const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 2 }))
const body = fc.oneof(
  fc.record({ provider: value, from: value, to: value }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom('provider', 'from', 'to', 'url', 'consent', 'scenario', 'latency_ms', 'error_rate', 'advance', 'to_time', 'extra'), value, { maxKeys: 4 })
)
const request = fc.oneof(
  fc.record({ method: fc.constant('POST'), url: fc.constant('/v1/open-banking/refresh'), body, customer: fc.option(text), client: fc.option(text), scenario: fc.option(text) }),
  fc.record({ method: fc.constant('GET'), url: fc.oneof(fc.constant(`/v1/open-banking/refresh/${CUSTOMERS.healthy}`), text.map((s) => `/v1/open-banking/refresh/${encodeURIComponent(s)}`)), body: fc.constant(undefined), customer: fc.option(text), client: fc.option(text), scenario: fc.constant(null) }),
  fc.record({ method: fc.constantFrom('POST', 'PUT', 'GET'), url: fc.constantFrom('/__admin/clock', '/__admin/faults', `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud`, '/__admin/clients/client-a/webhook', '/__admin/requests?limit=2', '/__admin/requests?limit=x', '/__admin/webhooks', '/__admin/findings?client_id=client-a', '/__admin/findings', `/__admin/tasks/${CUSTOMERS.healthy}`), body, customer: fc.constant(null), client: fc.constant(null), scenario: fc.constant(null) })
)

interface Sent { method: string, url: string, body: unknown, customer: string | null, client: string | null, scenario: string | null }

const DURATION = /"duration_ms":[\d.]+/g
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

async function send (h: Harness, r: Sent): Promise<string> {
  const headers: Record<string, string> = {}
  if (r.body !== undefined) headers['content-type'] = 'application/json'
  if (r.customer !== null) headers['x-customer-id'] = r.customer
  if (r.client !== null) headers['x-client-id'] = r.client
  if (r.scenario !== null) headers['x-sandbox-scenario'] = r.scenario
  const res = await h.inject({ method: r.method as 'GET', url: r.url, headers, ...(r.body === undefined ? {} : { payload: JSON.stringify(r.body) }) })
  // Task ids, request ids and measured durations differ; everything else must match byte for byte.
  return `${res.statusCode} ${res.body.replace(UUID, '<uuid>').replace(DURATION, '"duration_ms":0')}`
}

t.test('an app restored from the file answers exactly like one that compiles', async (t) => {
  const compiling = await build(t)
  const restored = await build(t, { deps: { schemaCompilers: restoringCompilers(loadCompiledSchemas(FILE)!) } })
  let compared = 0
  await fc.assert(fc.asyncProperty(request, async (r) => {
    const [a, b] = [await send(compiling, r), await send(restored, r)]
    compared++
    return a === b
  }), { numRuns: 300 })
  t.equal(compared, 300)
  // The property only means something if both kinds of answer occurred.
  const refresh = { method: 'POST', url: '/v1/open-banking/refresh', customer: CUSTOMERS.noNewTransactions, client: 'c', scenario: null }
  t.match(await send(restored, { ...refresh, body: { provider: 'Bank_Of_Bud' } }), /^202 /)
  t.match(await send(restored, { ...refresh, body: { provider: 7 } }), /^400 .*"provider":"This value should be of type string"/)
})

t.test('a file compiled from another contract is not used: the route compiles from the current one', async (t) => {
  // The same document, except that provider must be an integer.
  const document = structuredClone(contract.document)
  const request = document.components.schemas.OpenBankingRefreshRequest as { properties: { provider: { type: string } } }
  request.properties.provider.type = 'integer'
  const changedFile = join(dir, 'changed.yaml')
  writeFileSync(changedFile, JSON.stringify(document))
  t.not(changedFile, OPENAPI_FILE)
  const stale = join(dir, 'stale.cjs')
  await record(await loadContract(changedFile), stale)

  const { table, missing } = watched(loadCompiledSchemas(stale)!)
  const h = await build(t, { deps: { schemaCompilers: restoringCompilers(table) } })
  const res = await h.refresh({ provider: 'Bank_Of_Bud' })
  t.equal(res.statusCode, 202, 'the current contract: provider is a string')
  t.ok(missing.length > 0, 'the stale functions were looked up and not found')
  t.equal((await h.refresh({ provider: 7 })).statusCode, 400)
})
