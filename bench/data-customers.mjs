// RSS after 100,000 customers have each been refreshed and had a page of 100
// transactions read, in one sandbox (run with --expose-gc on the built dist/).
import { createSandbox } from '../dist/domain/sandbox.js'
import { SandboxClock } from '../dist/domain/clock.js'
import { loadFixtures } from '../dist/fixtures.js'

const count = Number(process.argv[2] ?? 100_000)
let nowMs = Date.parse('2026-11-23T12:00:00Z')
const sandbox = createSandbox({
  fixtures: loadFixtures(),
  clock: new SandboxClock(() => nowMs),
  retentionMs: 24 * 60 * 60 * 1000,
  maxTasks: 2_000_000
})
const id = (i) => `cccccccc-0000-4000-8000-${String(i).padStart(12, '0')}`
globalThis.gc?.()
const before = process.memoryUsage().rss
const started = performance.now()
for (let i = 0; i < count; i++) sandbox.refresh.initiate({ clientId: 'bench', customer: { customerId: id(i) }, provider: 'Bank_Of_Bud' })
// Every refresh completes, then each customer's first page is read (which lands its pull).
nowMs += 4000
let read = 0
for (let i = 0; i < count; i++) {
  const customer = sandbox.customers.resolve({ customerId: id(i) }, nowMs)
  read += sandbox.data.transactions(customer, { pageSize: 100 }).transactions.length
}
const elapsed = performance.now() - started
globalThis.gc?.()
const after = process.memoryUsage().rss
process.stdout.write(JSON.stringify({ customers: sandbox.customers.all().length, transactionsRead: read, rssMb: after / 2 ** 20, heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20, heapTotalMb: process.memoryUsage().heapTotal / 2 ** 20, externalMb: process.memoryUsage().external / 2 ** 20, baselineMb: before / 2 ** 20, seconds: elapsed / 1000 }) + '\n')
