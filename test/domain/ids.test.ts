// Task, customer and consent ids: version 4 UUIDs, as Bud's are, drawn from
// seeded sequences so the same requests give the same ids in every process.
import { execFileSync } from 'node:child_process'
import t, { type Test } from 'tap'
import { IdSource, idOf, tagOf } from '../../src/domain/ids.js'
import { build } from '../helper.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('ids are version 4 UUIDs and do not repeat', async (t) => {
  const ids = new IdSource('test')
  const seen = new Set<string>()
  const malformed: string[] = []
  for (let i = 0; i < 20_000; i++) {
    const id = ids.next()
    if (!V4.test(id)) malformed.push(id)
    seen.add(id)
  }
  t.same(malformed, [])
  t.equal(seen.size, 20_000)
})

t.test('every hex digit turns up in every position that is not fixed', async (t) => {
  // A stuck nibble (a formatting slip) would leave some position with one digit only.
  const ids = new IdSource('digits')
  const digits = Array.from({ length: 36 }, () => new Set<string>())
  for (let i = 0; i < 2_000; i++) [...ids.next()].forEach((c, at) => digits[at]!.add(c))
  const counts = digits.map((d) => d.size)
  const fixed = [8, 13, 14, 18, 23] // dashes and the version digit
  t.same(counts.filter((_, at) => !fixed.includes(at) && at !== 19), Array(30).fill(16))
  t.same(fixed.map((at) => counts[at]), [1, 1, 1, 1, 1])
  t.equal(counts[19], 4, 'the variant digit is one of 8, 9, a, b')
})

t.test('a sequence is a function of its name: the same ids again after a restart, other ids under another name', async (t) => {
  const a = new IdSource('customers')
  const first = [a.next(), a.next(), a.next()]
  t.same([new IdSource('customers').next(), new IdSource('customers').next()], [first[0], first[0]])
  a.restart()
  t.same([a.next(), a.next(), a.next()], first)
  t.not(new IdSource('tasks/refresh').next(), first[0])
  t.equal(idOf('consent/c/Bank_Of_Bud'), idOf('consent/c/Bank_Of_Bud'))
  t.match(idOf('consent/c/Bank_Of_Bud'), V4)
  t.not(idOf('consent/c/Bank_Of_Bud'), idOf('consent/c/Natwest_Sandbox'))
})

t.test('a tagged id carries its tag in its first 32 bits and is still a version 4 UUID', async (t) => {
  const ids = new IdSource('tags')
  for (const tag of [0, 1, 0xdeadbeef, 2 ** 32 - 1]) {
    const id = ids.next(tag)
    t.match(id, V4)
    t.equal(id.slice(0, 8), tag.toString(16).padStart(8, '0'))
    t.equal(tagOf(id), tag)
    t.equal(tagOf(id.toUpperCase()), tag)
  }
  t.not(ids.next(7), ids.next(7), 'the rest goes on in the sequence')
  for (const notAnId of ['', 'deadbeef', 'deadbeef-', `deadbeeg-${ids.next().slice(9)}`, `deadbeef_${ids.next().slice(9)}`, `${ids.next()}0`]) {
    t.equal(tagOf(notAnId), undefined, JSON.stringify(notAnId))
  }
})

/** The ids a fresh sandbox answers a short journey with: a new customer, a refresh, a consent. */
async function journeyIds (t: Test): Promise<string[]> {
  const h = await build(t)
  const created = await h.createCustomer()
  const customerId: string = created.json().data.customer_id
  const refresh = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': customerId })
  const v2 = await h.refreshV2({}, { 'x-customer-id': customerId })
  const consents = await h.inject({ url: '/v1/open-banking/account-access-consents', headers: { 'x-client-id': 'client-a', 'x-customer-id': customerId } })
  return [customerId, refresh.json().data.task_id, v2.json().data.task_id, ...consents.json().data.map((c: { consent_id: string }) => c.consent_id)]
}

t.test('the same requests give the same ids: in another sandbox, after a reset, and in another process', async (t) => {
  const first = await journeyIds(t)
  t.equal(first.length, 5)
  t.same(await journeyIds(t), first, 'another sandbox in this process')

  const h = await build(t)
  await h.createCustomer()
  await h.inject({ method: 'POST', url: '/__admin/reset' })
  t.equal((await h.createCustomer()).json().data.customer_id, first[0], 'a reset sandbox draws what a new one would')

  // Another process (another module instance of everything) draws the same: client-a's own sequence of customer ids.
  const script = 'import { IdSource } from \'./src/domain/ids.ts\'; process.stdout.write(new IdSource(\'client-a/customers\').next())'
  const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.equal(other, first[0])
})
