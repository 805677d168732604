// RSS after 10,000 clients each made a customer and started a refresh in one
// sandbox: 10,000 client worlds (run with --expose-gc on the built dist/).
import { Writable } from 'node:stream'
import { buildApp } from '../dist/app.js'
import { SandboxClock } from '../dist/domain/clock.js'
import { loadFixtures } from '../dist/fixtures.js'

const count = Number(process.argv[2] ?? 10_000)
const app = await buildApp({
  fixtures: loadFixtures(),
  logLevel: 'silent',
  taskRetentionMs: 24 * 60 * 60 * 1000,
  maxTasks: 2_000_000,
  bodyLimit: 102_400,
  auth: 'off',
  requestHistorySize: 1000,
  maxClients: count
}, { clock: new SandboxClock(Date.now), logStream: new Writable({ write: (_chunk, _encoding, done) => done() }) })
await app.ready()
globalThis.gc?.()
const before = process.memoryUsage().rss
const started = performance.now()
for (let i = 0; i < count; i++) {
  const clientId = `client-${i}`
  const created = await app.inject({ method: 'POST', url: '/platform/v3/customers', headers: { 'x-client-id': clientId } })
  const customerId = created.json().data.customer_id
  const refresh = await app.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { 'x-client-id': clientId, 'x-customer-id': customerId, 'content-type': 'application/json' }, payload: '{"provider":"Bank_Of_Bud"}' })
  if (refresh.statusCode !== 202) throw new Error(`refresh answered ${refresh.statusCode}`)
}
const elapsed = performance.now() - started
globalThis.gc?.()
const after = process.memoryUsage().rss
const { heapUsed } = process.memoryUsage()
process.stdout.write(JSON.stringify({ clients: app.worlds.size, rssMb: after / 2 ** 20, heapUsedMb: heapUsed / 2 ** 20, baselineMb: before / 2 ** 20, seconds: elapsed / 1000 }) + '\n')
await app.close()
