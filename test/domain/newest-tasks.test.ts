// A customer's newest task per client and provider, as the dedupe sees it.
import t from 'tap'
import { newestFor, withNewest, withoutTask } from '../../src/domain/newest-tasks.js'
import { loadFixtures } from '../../src/fixtures.js'
import type { NewestTasks, Task } from '../../src/domain/records.js'

const scenario = loadFixtures().catalogue.get('success')!
let made = 0
const task = (clientId: string, provider: string): Task => ({
  taskId: `task-${made++}`, kind: 'refresh', clientId, customerId: 'c', provider, connection: undefined, startedAtMs: 0, stepMs: 1000, windowFromMs: 0, windowToMs: 0, scenario, newTransactions: undefined, polledAtMs: undefined, endSeen: false
})

t.test('one task per client and provider: the newest replaces the one before, others stay', async (t) => {
  let newest: NewestTasks
  const first = task('a', 'Bank_Of_Bud')
  newest = withNewest(newest, first)
  t.equal(newestFor(newest, 'a', 'Bank_Of_Bud'), first)
  t.equal(newestFor(newest, 'a', 'Natwest_Sandbox'), undefined)
  t.equal(newestFor(newest, 'b', 'Bank_Of_Bud'), undefined)

  const second = task('a', 'Bank_Of_Bud')
  newest = withNewest(newest, second)
  t.equal(newestFor(newest, 'a', 'Bank_Of_Bud'), second, 'the same client and provider: replaced')

  const natwest = task('a', 'Natwest_Sandbox')
  const otherClient = task('b', 'Bank_Of_Bud')
  newest = withNewest(withNewest(newest, natwest), otherClient)
  t.same([newestFor(newest, 'a', 'Bank_Of_Bud'), newestFor(newest, 'a', 'Natwest_Sandbox'), newestFor(newest, 'b', 'Bank_Of_Bud'), newestFor(newest, 'b', 'Natwest_Sandbox')],
    [second, natwest, otherClient, undefined])

  const third = task('a', 'Natwest_Sandbox')
  newest = withNewest(newest, third)
  t.equal(newestFor(newest, 'a', 'Natwest_Sandbox'), third)
  t.equal(newestFor(newest, 'a', 'Bank_Of_Bud'), second)
})

t.test('an evicted task is forgotten only if it is still the newest', async (t) => {
  const old = task('a', 'Bank_Of_Bud')
  const single = withNewest(undefined, old)
  t.equal(withoutTask(single, task('a', 'Bank_Of_Bud')), single, 'another task: nothing changes')
  t.equal(withoutTask(single, old), undefined)

  const replaced = task('a', 'Bank_Of_Bud')
  let newest = withNewest(withNewest(withNewest(undefined, old), replaced), task('b', 'Bank_Of_Bud'))
  newest = withoutTask(newest, old)
  t.equal(newestFor(newest, 'a', 'Bank_Of_Bud'), replaced, 'an older task of the same slot leaves the newer alone')

  const natwest = task('a', 'Natwest_Sandbox')
  newest = withNewest(newest, natwest)
  newest = withoutTask(withoutTask(newest, replaced), natwest)
  t.equal(newestFor(newest, 'a', 'Bank_Of_Bud'), undefined)
  t.equal(newestFor(newest, 'a', 'Natwest_Sandbox'), undefined)
  t.ok(newestFor(newest, 'b', 'Bank_Of_Bud'), "other clients' tasks stay")
})

t.test('a customer shared by many clients keeps each one apart', async (t) => {
  let newest: NewestTasks
  const tasks = Array.from({ length: 20_000 }, (_, i) => task(`client-${i}`, i % 2 === 0 ? 'Bank_Of_Bud' : 'Natwest_Sandbox'))
  for (const each of tasks) newest = withNewest(newest, each)
  t.equal(tasks.filter((each) => newestFor(newest, each.clientId, each.provider) !== each).length, 0)
  for (const each of tasks.slice(0, 10_000)) newest = withoutTask(newest, each)
  t.equal(newestFor(newest, 'client-0', 'Bank_Of_Bud'), undefined)
  t.equal(newestFor(newest, 'client-19999', 'Natwest_Sandbox'), tasks[19_999])
})

t.test('a few tasks (a V2 refresh\'s sub-tasks) share one short array; past eight they move to maps, all still found', async (t) => {
  let newest: NewestTasks
  const providers = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']
  const tasks = providers.map((provider, i) => task(i % 2 === 0 ? 'a' : 'b', provider))
  for (const each of tasks.slice(0, 8)) newest = withNewest(newest, each)
  t.ok(Array.isArray(newest), 'eight tasks: an array')
  const replacement = task('a', 'p0')
  newest = withNewest(newest, replacement)
  t.equal((newest as Task[]).length, 8, 'the same client and provider replaces in place')
  t.equal(newestFor(newest, 'a', 'p0'), replacement)
  newest = withNewest(newest, tasks[8]!)
  newest = withNewest(newest, tasks[9]!)
  t.ok(newest instanceof Map, 'past eight: maps')
  t.same(providers.map((p, i) => newestFor(newest, i % 2 === 0 ? 'a' : 'b', p)), [replacement, ...tasks.slice(1)])

  let small: NewestTasks = withNewest(withNewest(undefined, tasks[0]!), tasks[1]!)
  small = withoutTask(small, tasks[1]!)
  t.equal(newestFor(small, 'b', 'p1'), undefined)
  t.equal(newestFor(small, 'a', 'p0'), tasks[0])
  t.equal(withoutTask(small, tasks[0]!), undefined, 'the last one out leaves nothing')
})
