// The server process's lifecycle: one startup line, health and readiness, and
// a graceful stop on SIGTERM/SIGINT that keeps every in-flight answer.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { build } from './helper.js'

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts')

async function start (t: Test, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, PORT: '0', AUTH: 'off', LOG_LEVEL: 'info', ...env },
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
  await server.waitForLine((l) => (l.req as { url?: string } | undefined)?.url === '/v1/open-banking/refresh')
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
