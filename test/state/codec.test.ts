// The snapshot codec: plain data goes through and comes back equal, with
// what refers to what kept (shared objects stay shared, cycles stay
// cycles), and anything that is not plain data is refused by name.
import t from 'tap'
import { decode, encode } from '../../src/state/codec.js'

t.test('plain data comes back equal: numbers of every kind, strings, holes, Maps and Sets, empty containers', async (t) => {
  const value = {
    numbers: [0, -0, 1.5, -(2 ** 53), 2 ** 53, Infinity, -Infinity, NaN, 1_796_571_138_684],
    strings: ['', 'é', '😀 multi-byte', 'a\u0000b', '\n'],
    flags: [true, false, null, undefined],
    holes: [1, , 3], // eslint-disable-line no-sparse-arrays
    map: new Map<unknown, unknown>([['a', 1], [2, { b: [] }], [undefined, new Set()]]),
    set: new Set(['x', 1, null]),
    empty: {},
    nested: { deep: { deeper: { deepest: [[[]]] } } }
  }
  const back = decode(encode(value)) as typeof value
  t.same(back, value)
  t.ok(Object.is(back.numbers[1], -0), '-0 stays -0')
  t.ok(Number.isNaN(back.numbers[7]))
  t.notOk(1 in back.holes, 'a hole stays a hole')
  t.equal(back.holes.length, 3)
  t.same([...back.map.keys()], ['a', 2, undefined], 'a Map keeps its order and its keys of any kind')
})

t.test('an object referred to from two places is one object after, and a cycle stays a cycle', async (t) => {
  const connection = { provider: 'Bank_Of_Bud' }
  const customer: Record<string, unknown> = { customerId: 'c', connections: [connection] }
  customer.self = customer
  const task = { taskId: 't', connection, customer }
  const back = decode(encode({ customers: new Map([['c', customer]]), tasks: [task, task] })) as { customers: Map<string, typeof customer>, tasks: typeof task[] }
  const restored = back.customers.get('c')!
  t.equal(back.tasks[0], back.tasks[1], 'the same task twice is one task')
  t.equal(back.tasks[0]!.connection, (restored.connections as unknown[])[0], 'a task and its customer share the connection')
  t.equal(restored.self, restored, 'a cycle')
  t.equal(back.tasks[0]!.customer, restored)
})

t.test('a long chain of objects does not overflow the stack', async (t) => {
  let chain: { next?: unknown, n: number } = { n: 0 }
  for (let n = 1; n < 200_000; n++) chain = { next: chain, n }
  let back = decode(encode(chain)) as { next?: unknown, n: number }
  let length = 1
  while (back.next !== undefined) { back = back.next as typeof back; length++ }
  t.equal(length, 200_000)
})

t.test('anything but plain data is refused by name', async (t) => {
  class Bank { accounts = [] }
  t.throws(() => encode({ bank: new Bank() }), { message: 'a snapshot holds plain data only, not a Bank' })
  t.throws(() => encode({ notice: () => ({}) }), { message: 'a snapshot holds plain data only, not a function' })
  t.throws(() => encode([1n]), { message: 'a snapshot holds plain data only, not a bigint' })
})
