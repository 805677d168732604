// RSS after creating 1,000,000 tasks in one sandbox (run with --expose-gc on the built dist/).
import { createSandbox } from '../dist/domain/sandbox.js'
import { SandboxClock } from '../dist/domain/clock.js'
import { loadFixtures } from '../dist/fixtures.js'

const count = Number(process.argv[2] ?? 1_000_000)
const sandbox = createSandbox({
  fixtures: loadFixtures(),
  clock: new SandboxClock(Date.now),
  retentionMs: 24 * 60 * 60 * 1000,
  maxTasks: 2_000_000
})
globalThis.gc?.()
const before = process.memoryUsage().rss
const started = performance.now()
for (let i = 0; i < count; i++) {
  // A distinct client per task: every task is new and stays in the store and its dedupe index.
  sandbox.refresh.initiate({ clientId: `client-${i}`, customer: { customerId: '00000000-0000-4000-8000-000000000001' }, provider: 'Bank_Of_Bud' })
}
const elapsed = performance.now() - started
globalThis.gc?.()
const after = process.memoryUsage().rss
const { heapUsed } = process.memoryUsage()
process.stdout.write(JSON.stringify({ tasks: sandbox.tasks.size, rssMb: after / 2 ** 20, heapUsedMb: heapUsed / 2 ** 20, baselineMb: before / 2 ** 20, secondsToCreate: elapsed / 1000 }) + '\n')
