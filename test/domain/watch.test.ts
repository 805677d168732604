// The integration watch on its own: what it keeps is bounded, and what it
// notes on a task is all a status read needs.
import t from 'tap'
import { SandboxClock } from '../../src/domain/clock.js'
import { CustomerDirectory } from '../../src/domain/customers.js'
import { IntegrationWatch, MAX_ADDRESSES, MAX_WATCHED_CLIENTS } from '../../src/domain/findings/watch.js'
import { loadFixtures } from '../../src/fixtures.js'

let nowMs = 0
const clock = new SandboxClock(() => nowMs)
const customers = new CustomerDirectory(loadFixtures(), 0)
const at = { requestId: 'r', method: 'GET', path: '/x', customerId: null, atMs: 0 }

t.test('one client more than the bound forgets the client watched longest ago, with its findings', async (t) => {
  const watch = new IntegrationWatch({ clock, customers })
  for (let i = 0; i <= MAX_WATCHED_CLIENTS; i++) watch.record(`client-${i}`, ['poll_too_soon'], at)
  t.same(watch.findings('client-0'), [], 'the first client is forgotten')
  t.equal(watch.findings('client-1')[0]?.count, 1, 'the second is kept')
  t.equal(watch.findings(`client-${MAX_WATCHED_CLIENTS}`)[0]?.count, 1)
})

t.test('addresses per client are bounded, oldest forgotten first', async (t) => {
  const watch = new IntegrationWatch({ clock, customers, settings: { tokensPerHour: 5, sharedIpCustomers: 2 } })
  for (let i = 0; i <= MAX_ADDRESSES; i++) watch.noteAddress('c', 'customer-a', `10.0.${i >> 8}.${i & 255}`)
  t.same(watch.checkRefresh('c', { customerId: 'customer-b' }, [], '10.0.0.0'), [], 'the oldest address is forgotten')
  t.same(watch.checkRefresh('c', { customerId: 'customer-b' }, [], '10.0.3.232'), ['shared_customer_ip'], 'the newest is kept')
})

t.test('a status read is judged by what was noted on the task: the wait since its last answer, and whether its end was seen', async (t) => {
  const watch = new IntegrationWatch({ clock, customers })
  const task = { taskId: 'x', startedAtMs: 0 }
  nowMs = 10
  t.same(watch.checkStatusRead(task, 50), ['poll_too_soon'], '10 ms after its creation')
  nowMs = 50
  t.same(watch.checkStatusRead(task, 50), [], 'after the delay')
  watch.noteAnswered(task, false)
  nowMs = 60
  t.same(watch.checkStatusRead(task, 50), ['poll_too_soon'], '10 ms after the last read')
  watch.noteAnswered(task, true)
  nowMs = 1000
  t.same(watch.checkStatusRead(task, 50), ['poll_after_completion'])
})
