// The server process's lifecycle: one startup line, health and readiness, and
// a graceful stop on SIGTERM/SIGINT that keeps every in-flight answer.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { build } from './helper.js'

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts')

async function start (t: Test, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, PORT: '0', AUTH: 'off', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const lines: Record<string, unknown>[] = []
  let buffered = ''
  child.stdout.on('data', (chunk) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    for (const line of parts) {
      lines.push(JSON.parse(line))
      child.emit('line', lines.at(-1))
    }
  })
  const waitForLine = (test: (l: Record<string, unknown>) => boolean) => new Promise<Record<string, unknown>>((resolve) => {
    const found = lines.find(test)
    if (found !== undefined) return resolve(found)
    const onLine = (l: Record<string, unknown>) => { if (test(l)) { child.off('line', onLine); resolve(l) } }
    child.on('line', onLine)
  })
  const ready = await waitForLine((l) => typeof l.docs === 'string')
  return { child, lines, waitForLine, url: String(ready.url), exited: once(child, 'exit') as Promise<[number | null, string | null]> }
}

/**
 * Makes the refresh slow on the server side (injected latency), starts one, and
 * sends SIGTERM while it is in flight; resolves with its answer.
 */
async function refreshThenSigterm (server: Awaited<ReturnType<typeof start>>, latencyMs: number): Promise<Response> {
  await fetch(`${server.url}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: latencyMs }) })
  const inFlight = fetch(`${server.url}/v1/open-banking/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': 'c', 'x-customer-id': '00000000-0000-4000-8000-000000000001' },
    body: JSON.stringify({ provider: 'Bank_Of_Bud' })
  })
  await server.waitForLine((l) => l.msg === 'request received' && l.path === '/v1/open-banking/refresh')
  server.child.kill('SIGTERM')
  return await inFlight
}

t.test('startup prints one line with the Swagger UI URL; health and readiness answer', async (t) => {
  const server = await start(t)
  const startup = server.lines.filter((l) => String(l.msg).includes('/docs'))
  t.equal(startup.length, 1)
  t.match(startup[0]!.msg, /^bud-sandbox listening on http:\/\/127\.0\.0\.1:\d+; Swagger UI at http:\/\/127\.0\.0\.1:\d+\/docs$/)
  t.same(await (await fetch(`${server.url}/health`)).json(), { status: 'ok' })
  t.same(await (await fetch(`${server.url}/ready`)).json(), { status: 'ready' })
  server.child.kill('SIGINT')
  t.same(await server.exited, [0, null], 'SIGINT exits 0')
})

t.test('SIGTERM finishes the request in flight, then exits 0', async (t) => {
  const server = await start(t)
  const res = await refreshThenSigterm(server, 500)
  t.equal(res.status, 202, 'the in-flight answer arrives whole')
  t.match(await res.json(), { operation_id: 'open_banking_refresh_post', data: { provider: 'Bank_Of_Bud' } })
  t.same(await server.exited, [0, null])
  t.ok(server.lines.some((l) => l.msg === 'closing' && l.signal === 'SIGTERM'))
})

t.test('SIGTERM cuts injected latency short: the delayed request is answered and the exit is 0', async (t) => {
  const server = await start(t)
  t.equal((await refreshThenSigterm(server, 60_000)).status, 202)
  // Waiting out the minute would make close-with-grace force exit code 1 after 5 s.
  t.same(await server.exited, [0, null])
})

t.test('an idle keep-alive connection does not hold the exit', async (t) => {
  const server = await start(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const socketClosed = new Promise<void>((resolve) => {
    const req = request(`${server.url}/health`, { agent }, (res) => {
      res.resume()
      res.on('end', () => { req.socket?.once('close', () => resolve()) })
    })
    req.end()
  })
  const [response] = await once(agent, 'free') as [unknown]
  t.ok(response, 'the socket sits idle in the keep-alive pool')
  server.child.kill('SIGTERM')
  await socketClosed
  // close-with-grace would force exit code 1 after 5 s if a connection held the close.
  t.same(await server.exited, [0, null])
})

t.test('/ready says starting until the server listens', async (t) => {
  const h = await build(t)
  const res = await h.inject({ url: '/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'starting' })
  t.same((await h.inject({ url: '/health' })).json(), { status: 'ok' })
})

/** A raw connection to the server: what it sent back so far, and a way to wait for more. */
async function connectRaw (url: string) {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk) => { received += chunk })
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => {})
  const answered = () => new Promise<string>((resolve) => {
    const check = () => {
      const at = received.indexOf('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(received)
      if (at >= 0 && length !== null && received.length >= at + 4 + Number(length[1])) {
        socket.off('data', check)
        resolve(received)
      }
    }
    socket.on('data', check)
    check()
  })
  return { socket, answered, ended, received: () => received }
}

/** Sends SIGTERM and resolves with the exit and how long after the signal it came. */
async function sigterm (server: Awaited<ReturnType<typeof start>>) {
  const sent = performance.now()
  server.child.kill('SIGTERM')
  const [code, signal] = await server.exited
  return { code, signal, afterMs: performance.now() - sent }
}

const REFRESH_HEAD = (extra: string) => 'POST /v1/open-banking/refresh HTTP/1.1\r\nHost: sandbox\r\nConnection: keep-alive\r\n' +
  'X-Client-Id: c\r\nX-Customer-Id: 00000000-0000-4000-8000-000000000001\r\n' + extra + '\r\n'
const BODY = JSON.stringify({ provider: 'Bank_Of_Bud' })

for (const [name, env, head, status] of [
  ['401 (no token, AUTH on)', { AUTH: 'on' }, `Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\n`, 401],
  ['413 (a body over BODY_LIMIT)', {}, 'Content-Type: application/json\r\nContent-Length: 200000\r\n', 413],
  ['415 (a body that is not JSON: XML)', {}, `Content-Type: application/xml\r\nContent-Length: ${BODY.length}\r\n`, 415]
] as const) {
  t.test(`an answer given before the body arrived — ${name} — does not hold the exit`, async (t) => {
    const server = await start(t, env)
    const raw = await connectRaw(server.url)
    raw.socket.write(REFRESH_HEAD(head) + BODY.slice(0, 10))
    const answer = await raw.answered()
    t.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), 'answered whole before the body has arrived')
    t.match(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), { code_id: String })
    const exit = sigterm(server)
    // The rest of the body arrives once closing has begun: only then does the connection turn idle.
    await server.waitForLine((l) => l.msg === 'closing')
    raw.socket.write(BODY.slice(10))
    const { code, signal, afterMs } = await exit
    t.same([code, signal], [0, null], 'exit 0')
    t.ok(afterMs < 2000, `within 2 s of SIGTERM (${Math.round(afterMs)} ms)`)
    await raw.ended
  })
}

t.test('a client that sends headers, half a body and then nothing does not hold the exit', async (t) => {
  const server = await start(t)
  const raw = await connectRaw(server.url)
  raw.socket.write(REFRESH_HEAD(`Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\n`) + BODY.slice(0, 10))
  await server.waitForLine((l) => l.msg === 'request received' && l.path === '/v1/open-banking/refresh')
  const { code, signal, afterMs } = await sigterm(server)
  t.same([code, signal], [0, null], 'exit 0')
  t.ok(afterMs < 2000, `within 2 s of SIGTERM (${Math.round(afterMs)} ms)`)
  await raw.ended
  t.equal(raw.received(), '', 'a request never finished is never answered')
})

t.test('a client that never reads its answers does not hold the exit', async (t) => {
  const server = await start(t)
  const raw = await connectRaw(server.url)
  raw.socket.pause()
  // Pipelined requests for the whole contract, never read: the server's writes back up.
  raw.socket.write('GET /docs/json HTTP/1.1\r\nHost: sandbox\r\n\r\n'.repeat(200))
  await server.waitForLine((l) => l.msg === 'request received' && l.path === '/docs/json')
  const { code, signal, afterMs } = await sigterm(server)
  t.same([code, signal], [0, null], 'exit 0')
  t.ok(afterMs < 2000, `within 2 s of SIGTERM (${Math.round(afterMs)} ms)`)
  raw.socket.destroy()
})
