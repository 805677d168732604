// Each request's logger binds its id; the pino child that does it is made only
// when the request logs at an enabled level.
import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { RequestLogger, requestLoggerFactory } from '../../src/http/request-logger.js'

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

t.test('logs at enabled levels with the request id, and stays quiet below them', async (t) => {
  const { lines, stream } = sink()
  const parent = pino({ level: 'warn' }, stream)
  const log = new RequestLogger(parent, { reqId: 'req-1' })
  log.info('not at warn')
  log.debug({ detail: 1 }, 'nor this')
  t.same(lines, [])
  t.equal(log.level, 'warn')

  log.warn({ taskId: 'task-1' }, 'heard')
  log.error(new Error('boom'), 'failed')
  t.match(lines, [{ level: 40, reqId: 'req-1', taskId: 'task-1', msg: 'heard' }, { level: 50, reqId: 'req-1', msg: 'failed', err: { message: 'boom' } }])
})

t.test('follows the parent level as it changes at run time, and its children keep the id', async (t) => {
  const { lines, stream } = sink()
  const parent = pino({ level: 'warn' }, stream)
  const log = new RequestLogger(parent, { reqId: 'req-2' })
  parent.level = 'info'
  log.info('now heard')
  log.child({ provider: 'Bank_Of_Bud' }).info('from a child')
  t.match(lines, [{ reqId: 'req-2', msg: 'now heard' }, { reqId: 'req-2', provider: 'Bank_Of_Bud', msg: 'from a child' }])

  log.level = 'error'
  log.warn('quiet again for this request only')
  parent.warn('the parent still logs at info')
  t.equal(lines.length, 3)
  t.equal(lines[2]!.msg, 'the parent still logs at info')
})

t.test("a route's own level or serializers get a pino child at once", async (t) => {
  const { lines, stream } = sink()
  const parent = pino({ level: 'warn' }, stream)
  const plain = requestLoggerFactory.call(undefined as never, parent, { reqId: 'a' }, {}, undefined as never)
  t.type(plain, RequestLogger)
  const leveled = requestLoggerFactory.call(undefined as never, parent, { reqId: 'b' }, { level: 'debug' }, undefined as never)
  t.notOk(leveled instanceof RequestLogger)
  leveled.debug('debug on this route')
  t.match(lines, [{ reqId: 'b', msg: 'debug on this route' }])
})
