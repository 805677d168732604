// The logger Fastify is given: a request's child binds the request id, and the
// pino child that does it is made only when the request logs at an enabled level.
import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { LazyLogger } from '../../src/http/request-logger.js'
import { build } from '../helper.js'

function sink () {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  return { lines, stream }
}

t.test('the root logs as pino does; a child logs at enabled levels with its bindings, and stays quiet below them', async (t) => {
  const { lines, stream } = sink()
  const root = new LazyLogger(pino({ level: 'warn' }, stream))
  root.warn('from the root')
  const log = root.child({ reqId: 'req-1' })
  log.info('not at warn')
  log.debug({ detail: 1 }, 'nor this')
  t.equal(lines.length, 1)
  t.equal(log.level, 'warn')

  log.warn({ taskId: 'task-1' }, 'heard')
  log.error(new Error('boom'), 'failed')
  t.match(lines, [{ level: 40, msg: 'from the root' }, { level: 40, reqId: 'req-1', taskId: 'task-1', msg: 'heard' }, { level: 50, reqId: 'req-1', msg: 'failed', err: { message: 'boom' } }])
  t.notOk('reqId' in lines[0]!, 'the root binds nothing')
})

t.test('a child follows the parent level as it changes at run time, and its own children keep its bindings', async (t) => {
  const { lines, stream } = sink()
  const root = new LazyLogger(pino({ level: 'warn' }, stream))
  const log = root.child({ reqId: 'req-2' })
  root.level = 'info'
  log.info('now heard')
  log.child({ provider: 'Bank_Of_Bud' }).info('from a child')
  t.match(lines, [{ reqId: 'req-2', msg: 'now heard' }, { reqId: 'req-2', provider: 'Bank_Of_Bud', msg: 'from a child' }])

  log.level = 'error'
  log.warn('quiet again for this request only')
  root.warn('the root still logs at info')
  t.equal(lines.length, 3)
  t.equal(lines[2]!.msg, 'the root still logs at info')
})

t.test("a child with its own level or serializers (a route's) logs at that level", async (t) => {
  const { lines, stream } = sink()
  const root = new LazyLogger(pino({ level: 'warn' }, stream))
  const leveled = root.child({ reqId: 'b' }, { level: 'debug' })
  leveled.debug('debug on this route')
  const serialized = root.child({ reqId: 'c' }, { serializers: { task: (task: { id: string }) => task.id } })
  serialized.warn({ task: { id: 'task-9', secret: 'x' } }, 'serialized')
  t.match(lines, [{ reqId: 'b', msg: 'debug on this route' }, { reqId: 'c', task: 'task-9', msg: 'serialized' }])
})

t.test('in the app, a request is one line: method, path, status, milliseconds, request id and client id', async (t) => {
  const h = await build(t)
  const taskId = '00000000-0000-4000-8000-00000000abcd'
  const res = await h.status(taskId, { 'x-request-id': 'trace-me-1' })
  t.equal(res.statusCode, 404)
  const lines = h.logs.filter((line) => line.reqId === 'trace-me-1')
  t.equal(lines.length, 1, 'one line, not an incoming and a completed one')
  t.match(lines[0], { level: 30, reqId: 'trace-me-1', method: 'GET', path: `/v1/open-banking/refresh/${taskId}`, status: 404, ms: Number, clientId: 'client-a', msg: `GET /v1/open-banking/refresh/${taskId} 404 ${String(lines[0]!.ms)} ms` })
  // A request answered before its route (an unknown path) is one line too.
  await h.inject({ url: '/nowhere', headers: { 'x-request-id': 'trace-me-2' } })
  t.match(h.logs.filter((line) => line.reqId === 'trace-me-2'), [{ path: '/nowhere', status: 404 }])
})
