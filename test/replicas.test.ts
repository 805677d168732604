// REDIS_URL, with Debian's redis-server (AOF, fsync always) on a free
// loopback port and real sandbox processes: a client alternating between
// two and three processes through a whole journey; 30 concurrent refreshes
// of one customer spread over two processes make one task; a webhook is
// delivered once; a replica killed mid-journey loses nothing and one
// started later answers the same; Redis stopped answers 503 and its
// return is picked up by itself, with nothing acknowledged lost; a replica
// stalled while the stream was trimmed past it refuses rather than answer
// from a state with a gap.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { Redis } from 'ioredis'
import t from 'tap'
import { freePort } from '../scripts/free-port.js'
import { startSandbox } from '../src/index.js'
import { CUSTOMERS, listeningUrl, webhookReceiver } from './helper.js'

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts')
const CLIENT = 'team-b'

t.setTimeout(180_000)

type Tap = { teardown (fn: () => unknown): void }

/** Debian's redis-server, on a free loopback port, its AOF in `dir`. */
async function redis (t: Tap, dir: string, port?: number) {
  const at = port ?? await freePort()
  const child = spawn('redis-server', ['--port', String(at), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let printed = ''
  child.stdout.on('data', (d) => { printed += d })
  for (let waited = 0; !printed.includes('Ready to accept connections'); waited += 20) {
    if (child.exitCode !== null || waited > 10_000) throw new Error(`redis-server did not start: ${printed}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    url: `redis://127.0.0.1:${at}`,
    port: at,
    cli: (...args: string[]) => execFileSync('redis-cli', ['-p', String(at), ...args], { encoding: 'utf8' }).trim(),
    stop: async () => { const exited = once(child, 'exit'); child.kill('SIGTERM'); await exited }
  }
}

function sandbox (t: Tap, redisUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json', REDIS_URL: redisUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const started = listeningUrl(child, 'a replica')
  return { child, url: started.url, printed: started.printed, kill: async () => { const exited = once(child, 'exit'); child.kill('SIGKILL'); await exited } }
}

async function tokenFrom (url: string): Promise<string> {
  const res = await fetch(`${url}/v1/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:s`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
  return (await res.json() as { data: { access_token: string } }).data.access_token
}

/** What a person at the controls reads, on one process. */
async function controlsView (url: string) {
  const get = async (path: string) => (await fetch(url + path)).json()
  return {
    customers: await get(`/__admin/customers?client_id=${CLIENT}`),
    findings: await get(`/__admin/findings?client_id=${CLIENT}`),
    webhooks: ((await get(`/__admin/webhooks?client_id=${CLIENT}`)) as Array<Record<string, unknown>>).map((d) => [d.event, d.status])
  }
}

t.test('two, then three processes on one Redis are one sandbox: a client alternating between them passes a whole journey', async (t) => {
  const store = await redis(t, t.testdir({}))
  const receiver = await webhookReceiver(t)
  const a = sandbox(t, store.url)
  const b = sandbox(t, store.url)
  const [urlA, urlB] = await Promise.all([a.url, b.url])
  const token = await tokenFrom(urlA)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const control = (url: string, method: string, path: string, body: unknown) => fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  // Created on B with A's token; seen on A at once.
  const created = await fetch(`${urlB}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })
  t.equal(created.status, 201, 'a token issued by A is good on B')
  const customerId = (await created.json() as { data: { customer_id: string } }).data.customer_id
  t.match(JSON.stringify(await (await fetch(`${urlA}/platform/v3/customers`, { headers: bud })).json()), customerId, 'read on A right after the write on B')

  // A webhook URL set on A, a refresh on B, the client's clock moved on A, the poll on B.
  t.equal((await control(urlA, 'PUT', `/__admin/clients/${CLIENT}/webhook`, { url: receiver.url })).status, 200)
  const refresh = await (await fetch(`${urlB}/v1/open-banking/refresh`, { method: 'POST', headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy }, body: '{"provider":"Bank_Of_Bud"}' })).json() as { data: { task_id: string } }
  const delivered = receiver.nextRequest()
  t.equal((await control(urlA, 'POST', `/__admin/clock?client_id=${CLIENT}`, { advance: 'PT5S' })).status, 200)
  const polled = await (await fetch(`${urlB}/v1/open-banking/refresh/${refresh.data.task_id}`, { headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy } })).json() as { data: { status: string } }
  t.equal(polled.data.status, 'Completed', 'the clock moved on A is the clock on B')
  await delivered

  // A consent revoked on B (Bud's own operation is V1 revoke through the admin control here), data read on A.
  t.equal((await control(urlB, 'PUT', `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox?client_id=${CLIENT}`, { consent_status: 'revoked' })).status, 200)
  const accounts = await fetch(`${urlA}/financial/v3/accounts`, { headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy } })
  t.equal(accounts.status, 200)

  // A third process started later has caught up before it answers.
  const c = sandbox(t, store.url)
  const urlC = await c.url
  t.match(c.printed.stdout, /journal entries replayed/)
  const views = await Promise.all([urlA, urlB, urlC].map(controlsView))
  t.same(views[1], views[0], 'B reads what A reads')
  t.same(views[2], views[0], 'C, started later, reads what A reads')
  t.match(JSON.stringify(views[0]!.customers), /"consent_status":"revoked"/)
  t.same(views[0]!.webhooks, [['open_banking.refresh.completed', 'delivered']])
  t.equal(receiver.received.length, 1, 'the webhook was delivered once, not once per process')
})

t.test('30 concurrent refreshes of one customer and provider, spread over two processes, make one task', async (t) => {
  const store = await redis(t, t.testdir({}))
  const [urlA, urlB] = await Promise.all([sandbox(t, store.url).url, sandbox(t, store.url).url])
  const token = await tokenFrom(urlA)
  const headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const answers = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
    const res = await fetch(`${i % 2 === 0 ? urlA : urlB}/v1/open-banking/refresh`, { method: 'POST', headers, body: '{"provider":"Natwest_Sandbox"}' })
    return { status: res.status, task: (await res.json() as { data: { task_id: string } }).data.task_id }
  }))
  t.same(new Set(answers.map((a) => a.status)), new Set([202]))
  t.equal(new Set(answers.map((a) => a.task)).size, 1, 'one task, whichever process answered')
})

t.test('a replica killed mid-journey loses nothing; Redis stopped answers 503 quickly, and its return is picked up by itself', async (t) => {
  const dir = t.testdir({})
  let store = await redis(t, dir)
  const a = sandbox(t, store.url)
  const b = sandbox(t, store.url)
  const [urlA, urlB] = await Promise.all([a.url, b.url])
  const token = await tokenFrom(urlB)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const made = await fetch(`${urlB}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })
  const customerId = (await made.json() as { data: { customer_id: string } }).data.customer_id
  await b.kill()
  t.match(JSON.stringify(await (await fetch(`${urlA}/platform/v3/customers`, { headers: bud })).json()), customerId, 'the customer B made, right before B was killed, is on A')

  await store.stop()
  const asked = Date.now()
  const refused = await fetch(`${urlA}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })
  t.equal(refused.status, 503)
  t.ok(Date.now() - asked < 5000, 'answered within a few seconds, not left hanging')
  t.equal(refused.headers.get('retry-after'), '5')
  t.same(Object.keys(await refused.json() as object), ['message'], 'Bud\'s bare 5xx body')
  t.equal((await fetch(`${urlA}/health`)).status, 200, 'the process lives on')

  store = await redis(t, dir, store.port)
  let status = 0
  for (let tries = 0; tries < 50 && status !== 201; tries++) {
    status = (await fetch(`${urlA}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })).status
    if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(status, 201, 'Redis back: the sandbox answers again, by itself')
  t.match(JSON.stringify(await (await fetch(`${urlA}/platform/v3/customers`, { headers: bud })).json()), customerId, 'nothing acknowledged before Redis stopped was lost (its AOF)')
  const c = sandbox(t, store.url)
  t.match(JSON.stringify(await (await fetch(`${await c.url}/platform/v3/customers`, { headers: bud })).json()), customerId, 'and a new replica reads it too, with the token from before')
})

t.test('a process started on a long stream reads it a page at a time, within a small heap, and answers as the others do', async (t) => {
  const store = await redis(t, t.testdir({}))
  const a = sandbox(t, store.url)
  const urlA = await a.url
  const token = await tokenFrom(urlA)
  const page = async (url: string) => {
    const res = await fetch(`${url}/financial/v2/transactions?page_size=100`, { headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.text()).replaceAll(url, 'http://sandbox') }
  }
  const before = await page(urlA)
  t.equal(before.status, 200)
  await a.kill()

  // 30,000 more reads of that page, each with 4 KB of headers a proxy added: 120 MB of stream, were it read at once.
  const client = new Redis(store.url)
  t.teardown(() => client.disconnect())
  const [last] = await client.xrevrange('bud-sandbox:journal', '+', '-', 'COUNT', 1)
  const entry = JSON.parse(last![1][1]!) as { m: string, u: string, h: Record<string, string> }
  t.match(entry, { m: 'GET', u: '/financial/v2/transactions?page_size=100' })
  entry.h['x-forwarded-padding'] = 'p'.repeat(4096)
  for (let batch = 0; batch < 30; batch++) {
    const pipeline = client.pipeline()
    for (let i = 0; i < 1000; i++) pipeline.xadd('bud-sandbox:journal', '*', 'e', JSON.stringify(entry))
    await pipeline.exec()
  }
  const b = sandbox(t, store.url, {}, ['--max-old-space-size=128'])
  const urlB = await b.url
  t.match(b.printed.stdout, /"replayed":30002/, 'every entry replayed')
  t.same(await page(urlB), before, 'the page reads as it did')
})

t.test('with ADMIN_TOKEN, a control one process refuses is not applied by the others', async (t) => {
  const store = await redis(t, t.testdir({}))
  const lock = { ADMIN_TOKEN: 'a-team-secret-of-16+' }
  const [urlA, urlB] = await Promise.all([sandbox(t, store.url, lock).url, sandbox(t, store.url, lock).url])
  const clock = async (url: string, authorization?: string) => {
    const res = await fetch(`${url}/__admin/clock`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) }, body: '{"advance":"P1D"}' })
    return res.status
  }
  const now = async (url: string) => Date.parse(((await (await fetch(`${url}/__admin/clock`, { headers: { authorization: `Bearer ${lock.ADMIN_TOKEN}` } })).json()) as { now: string }).now)
  t.equal(await clock(urlA), 401)
  t.equal(await clock(urlA, 'Bearer not-the-secret-at-all'), 401)
  t.ok(await now(urlB) - Date.now() < 3_600_000, 'B\'s clock did not move')
  t.equal(await clock(urlA, `Bearer ${lock.ADMIN_TOKEN}`), 200)
  t.ok(await now(urlB) - Date.now() > 23 * 3_600_000, 'the control A took is on B')
})

t.test('startSandbox({ redisUrl }): two sandboxes in one process on one Redis are one sandbox', async (t) => {
  const store = await redis(t, t.testdir({}))
  const one = await startSandbox({ auth: 'off', redisUrl: store.url })
  t.teardown(() => one.close())
  const two = await startSandbox({ auth: 'off', redisUrl: store.url })
  t.teardown(() => two.close())
  const headers = { 'x-client-id': CLIENT, 'content-type': 'application/json' }
  const made = await (await fetch(`${one.url}/platform/v3/customers`, { method: 'POST', headers, body: '{}' })).json() as { data: { customer_id: string } }
  await one.client(CLIENT).clock.advance('P2D')
  t.match(JSON.stringify(await (await fetch(`${two.url}/platform/v3/customers`, { headers })).json()), made.data.customer_id)
  t.ok(Date.parse(await two.client(CLIENT).clock.now()) - Date.now() > 47 * 3_600_000, 'the clock one moved, through its typed control, is two\'s')
})

t.test('when the process that sends webhooks dies, another takes the lease over and sends them', async (t) => {
  const store = await redis(t, t.testdir({}))
  const receiver = await webhookReceiver(t)
  const first = sandbox(t, store.url)
  await first.url
  const second = sandbox(t, store.url)
  const url = await second.url
  t.match(first.printed.stdout, /this process sends the webhooks/, 'the first process holds the lease')
  await first.kill()
  // The lease would lapse 6 s after its last renewal; dropping it is that lapse, without the wait.
  store.cli('DEL', 'bud-sandbox:webhook-sender')
  const control = (method: string, path: string, body: unknown) => fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal((await control('PUT', `/__admin/clients/${CLIENT}/webhook`, { url: receiver.url })).status, 200)
  const refreshed = await fetch(`${url}/v1/open-banking/refresh`, { method: 'POST', headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${await tokenFrom(url)}`, 'content-type': 'application/json' }, body: '{"provider":"Bank_Of_Bud"}' })
  t.equal(refreshed.status, 202)
  const delivered = receiver.nextRequest()
  t.equal((await control('POST', `/__admin/clock?client_id=${CLIENT}`, { advance: 'PT5S' })).status, 200)
  await delivered
  t.match(second.printed.stdout, /this process sends the webhooks/, 'the survivor took the lease at its next renewal')
  t.equal(receiver.received.length, 1)
})

t.test('the process that sends webhooks keeps a snapshot in Redis and trims the stream behind it; a process started later starts from it and answers as the others do', async (t) => {
  const store = await redis(t, t.testdir({}))
  const every = { SNAPSHOT_EVERY: '10' }
  const a = sandbox(t, store.url, every)
  const urlA = await a.url
  const token = await tokenFrom(urlA)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  for (let i = 0; i < 25; i++) t.equal((await fetch(`${urlA}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })).status, 201)
  const refresh = await (await fetch(`${urlA}/v1/open-banking/refresh`, { method: 'POST', headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy }, body: '{"provider":"Bank_Of_Bud"}' })).json() as { data: { task_id: string } }
  const reads = async (url: string) => ({
    ...await controlsView(url),
    list: await (await fetch(`${url}/platform/v3/customers?page_size=100`, { headers: bud })).json()
  })
  const status = async (url: string) => (await fetch(`${url}/v1/open-banking/refresh/${refresh.data.task_id}`, { headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy } })).json()
  // The refresh ended, so nothing read below moves with time.
  t.equal((await fetch(`${urlA}/__admin/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":"PT1M"}' })).status, 200)
  const before = await reads(urlA)
  const statusA = await status(urlA)
  t.match(statusA, { data: { status: 'Completed' } })
  t.match(a.printed.stdout, /"msg":"snapshot of \d+ stream entries kept"/, 'snapshots were kept along the way')
  const length = Number(store.cli('XLEN', 'bud-sandbox:journal'))
  t.ok(length <= 21, `the stream was trimmed behind the first snapshot, after its tenth entry (${length} entries left of 30)`)

  // Started later: from the snapshot, then the few entries after it.
  const b = sandbox(t, store.url, every)
  const urlB = await b.url
  t.match(b.printed.stdout, /state from .*: a snapshot of \d+ entries and \d+ journal entries replayed/)
  t.same(await reads(urlB), await reads(urlA), 'the later process answers as the first')
  t.same(await status(urlB), statusA, 'the task as the first process answered it')

  // Every process stopped: the sandbox starts again from Redis alone.
  await a.kill()
  await b.kill()
  const c = sandbox(t, store.url, every)
  const urlC = await c.url
  const after = await reads(urlC)
  t.same(after.list, before.list, 'the customers as before')
  t.same(after.customers, before.customers)
  await c.kill()

  // A snapshot that cannot be read, or is gone from a trimmed stream, stops a start with one line.
  const refused = async () => {
    const child = sandbox(t, store.url, every)
    child.url.catch(() => {})
    const [code] = await once(child.child, 'exit')
    return { code, stderr: child.printed.stderr }
  }
  const kept = store.cli('GET', 'bud-sandbox:header')
  store.cli('SET', 'bud-sandbox:header', kept.replace(/"secret":"[0-9a-f]+"/, `"secret":"${'0'.repeat(64)}"`))
  let stopped = await refused()
  t.equal(stopped.code, 1)
  t.match(stopped.stderr, /^bud-sandbox: REDIS_URL redis:\/\/127\.0\.0\.1:\d+\/?: bud-sandbox:snapshot does not go with bud-sandbox:header; start on an empty database\n$/)
  store.cli('SET', 'bud-sandbox:header', kept)
  store.cli('DEL', 'bud-sandbox:snapshot')
  stopped = await refused()
  t.match(stopped.stderr, /^bud-sandbox: REDIS_URL redis:\/\/127\.0\.0\.1:\d+\/?: the stream was trimmed past its snapshot \(bud-sandbox:snapshot\); start on an empty database\n$/)
  store.cli('SET', 'bud-sandbox:snapshot', 'not a snapshot')
  stopped = await refused()
  t.match(stopped.stderr, /^bud-sandbox: REDIS_URL redis:\/\/127\.0\.0\.1:\d+\/?: bud-sandbox:snapshot: not a bud-sandbox snapshot \(it is damaged; start on an empty database\)\n$/)
})

t.test('a process stalled while the stream was trimmed past its place answers 503 from then on, /health included, and never what it missed', async (t) => {
  const store = await redis(t, t.testdir({}))
  const every = { SNAPSHOT_EVERY: '10' }
  const a = sandbox(t, store.url, every)
  const urlA = await a.url
  const b = sandbox(t, store.url, every)
  const urlB = await b.url
  const token = await tokenFrom(urlA)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const create = async (url: string) => (await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })).status
  const list = (url: string) => fetch(`${url}/platform/v3/customers?page_size=100`, { headers: bud })
  for (let i = 0; i < 3; i++) t.equal(await create(urlA), 201)
  t.equal((await list(urlB)).status, 200, 'the second process follows')

  // Stopped (a VM paused, a laptop asleep), and its place in the stream taken for gone,
  // as the others do once it has been silent for 30 s.
  b.child.kill('SIGSTOP')
  const places = store.cli('HGETALL', 'bud-sandbox:applied').split('\n')
  for (let i = 0; i + 1 < places.length; i += 2) store.cli('HSET', 'bud-sandbox:applied', places[i]!, `${places[i + 1]!.split(' ')[0]} 0`)
  for (let i = 0; i < 25; i++) t.equal(await create(urlA), 201)
  t.match(a.printed.stdout, /"msg":"snapshot of \d+ stream entries kept"/)
  const listA = await (await list(urlA)).json()
  b.child.kill('SIGCONT')

  // Its next request comes after entries it never read: refused, not answered from a state missing them.
  const refused = await list(urlB)
  t.equal(refused.status, 503)
  t.match(await refused.json(), { message: /fell behind the shared state \(REDIS_URL\) and must be restarted/ })
  t.equal(await create(urlB), 503)
  t.equal((await fetch(`${urlB}/health`)).status, 503, 'a supervisor\'s health check sees it')
  t.match(b.printed.stdout, /"msg":"this process fell behind the stream as it was trimmed \(stalled for more than 30 s\): restart it"/)

  // The others go on, and a process started now answers as they do.
  t.same(await (await list(urlA)).json(), listA)
  const c = sandbox(t, store.url, every)
  t.same(await (await list(await c.url)).json(), listA)
})
