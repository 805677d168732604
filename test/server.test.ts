// Through real sockets: the app listening on port 0, and the server process itself.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { build, CLIENT, CUSTOMERS } from './helper.js'

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts')

t.test('refresh and poll over a real HTTP connection', async (t) => {
  const h = await build(t)
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' }
  const created = await fetch(`${address}/v1/open-banking/refresh`, { method: 'POST', headers, body: JSON.stringify({ provider: 'Natwest_Sandbox' }) })
  t.equal(created.status, 202)
  t.match(created.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  t.equal(created.headers.get('content-type'), 'application/json; charset=utf-8')
  const { metadata } = await created.json() as { metadata: { next_url: string } }
  h.advance('PT3S')
  const polled = await fetch(`${address}${metadata.next_url}`, { headers })
  t.equal(polled.status, 200)
  t.match(await polled.json(), { data: { status: 'Completed', result: 'success', step: 4 }, metadata: { has_new_transactions: true } })
})

function run (args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, ...args], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  return { child, output: async () => { const [code] = await once(child, 'exit'); return { code, stdout, stderr } } }
}

t.test('a broken fixture file stops the start with one line', async (t) => {
  const file = join(t.testdir({}), 'broken.json')
  writeFileSync(file, '{"providers": [], "scenarios": {}, "customers": []}')
  const { code, stdout, stderr } = await run([], { FIXTURES: file }).output()
  t.equal(code, 1)
  t.equal(stdout, '')
  t.equal(stderr, `bud-sandbox: fixtures ${file}: /providers: must NOT have fewer than 1 items\n`)
})

t.test('a bad setting stops the start with one line naming it and what it accepts', async (t) => {
  const cases: [string[], Record<string, string>, string][] = [
    [[], { PORT: 'abc' }, 'bud-sandbox: invalid setting PORT (--port): got "abc"; it accepts a port number from 0 to 65535 (0 picks a free port)\n'],
    [['--log-level', 'loud'], {}, 'bud-sandbox: invalid setting LOG_LEVEL (--log-level): got "loud"; it accepts one of fatal, error, warn, info, debug, trace, silent\n'],
    [[], { TASK_RETENTION: 'forever' }, 'bud-sandbox: invalid setting TASK_RETENTION (--task-retention): got "forever"; it accepts an ISO 8601 duration a task is kept for, on the sandbox clock\n'],
    [['--nope'], {}, "bud-sandbox: Unknown option '--nope' (see --help)\n"],
    [[], { AUTH: 'maybe' }, 'bud-sandbox: invalid setting AUTH (--auth): got "maybe"; it accepts on (Bud operations need a bearer token from /v1/oauth/token) or off\n'],
    [['--request-history', '0'], {}, 'bud-sandbox: invalid setting REQUEST_HISTORY (--request-history): got "0"; it accepts how many requests /__admin/requests keeps, from 1 to 1000000\n'],
    [[], { STEP_DURATION_MS: '1.5' }, 'bud-sandbox: invalid setting STEP_DURATION_MS (--step-duration-ms): got "1.5"; it accepts milliseconds each refresh step takes, overriding the fixtures (default: the fixtures\' 1000)\n'],
    [['--max-tasks', '5000000000'], {}, 'bud-sandbox: invalid setting MAX_TASKS (--max-tasks): got "5000000000"; it accepts the most tasks kept for each client, from 1 to 4294967295; the oldest are dropped first\n'],
    [[], { ADMIN_TOKEN: 'short' }, 'bud-sandbox: invalid setting ADMIN_TOKEN (--admin-token): got a value of 5 characters; it accepts a secret of at least 16 characters: every /__admin control then needs Authorization: Bearer <it> (a shared sandbox\'s lock)\n'],
    [['--max-clients', '0'], {}, 'bud-sandbox: invalid setting MAX_CLIENTS (--max-clients): got "0"; it accepts the most client worlds kept, from 1 to 1000000; the one used longest ago is forgotten first\n'],
    [[], { FIXTURES: '/missing/fixtures.json' }, 'bud-sandbox: fixtures /missing/fixtures.json: /: cannot be read (ENOENT)\n'],
    [['--redis-url', 'redis://127.0.0.1:1'], { STATE_DIR: '/tmp/x' }, 'bud-sandbox: invalid setting REDIS_URL (--redis-url): got it with STATE_DIR as well: the state is kept in one place, a directory for one process or Redis for several; it accepts redis://host:port[/db] of Redis 7 or Valkey 8: the state kept there and shared by every process given it (docs/state.md); not with STATE_DIR\n'],
    [[], { REDIS_URL: 'redis://user:pw@127.0.0.1:6379/x' }, 'bud-sandbox: invalid setting REDIS_URL (--redis-url): got "redis://…@127.0.0.1:6379/x"; it accepts redis://host:port[/db] of Redis 7 or Valkey 8: the state kept there and shared by every process given it (docs/state.md); not with STATE_DIR\n'],
    [[], { REDIS_URL: 'redis://:secret@127.0.0.1:1' }, 'bud-sandbox: REDIS_URL redis://127.0.0.1:1: cannot connect (ECONNREFUSED)\n']
  ]
  for (const [args, env, expected] of cases) {
    const { code, stderr } = await run(args, env).output()
    t.equal(code, 1, JSON.stringify({ args, env }))
    t.equal(stderr, expected)
  }
})

t.test('a port already in use stops the start with one line naming the address', async (t) => {
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => taken.close())
  const { port } = taken.address() as AddressInfo
  const { code, stdout, stderr } = await run([], { PORT: String(port), HOST: '127.0.0.1' }).output()
  t.equal(code, 1)
  t.equal(stdout, '')
  t.equal(stderr, `bud-sandbox: cannot listen on 127.0.0.1:${port}: the address is already in use (choose another with PORT or --port)\n`)
})

t.test('LOG_FORMAT=pretty prints readable lines; piped output is JSON by default', async (t) => {
  const pretty = run(['--log-format', 'pretty'], { LOG_LEVEL: 'info' })
  const line = await new Promise<string>((resolve) => pretty.child.stdout.on('data', (d) => { if (String(d).includes('/docs')) resolve(String(d)) }))
  pretty.child.kill('SIGTERM')
  await pretty.output()
  t.match(line, /INFO.*bud-sandbox listening on http:\/\/127\.0\.0\.1:\d+; Swagger UI at .*\/docs/)
  t.throws(() => JSON.parse(line))

  const plain = run([], { LOG_LEVEL: 'info' })
  const json = await new Promise<string>((resolve) => plain.child.stdout.on('data', (d) => { if (String(d).includes('/docs')) resolve(String(d)) }))
  plain.child.kill('SIGTERM')
  await plain.output()
  t.match(JSON.parse(json.split('\n')[0]!), { level: 30, msg: /Swagger UI at/ })
})

t.test('--help lists every setting', async (t) => {
  const { code, stdout } = await run(['--help']).output()
  t.equal(code, 0)
  for (const flag of ['--port', '--host', '--log-level', '--log-format', '--fixtures', '--step-duration-ms', '--task-retention', '--max-tasks', '--auth', '--request-history', '--body-limit']) {
    t.match(stdout, flag)
  }
  // Every description starts in one column, the longest flag's included.
  const options = stdout.split('\n').filter((line) => line.startsWith('  --'))
  const columns = new Set(options.map((line) => line.search(/ {2}[A-Za-z]/) + 2))
  t.equal(columns.size, 1, `descriptions start in one column: ${[...columns].join(', ')}`)
  t.ok(options.every((line) => / {2}\S/.test(line.slice(2))), 'two spaces at least between a flag and its description')
})
