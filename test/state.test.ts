// STATE_DIR, with real sandbox processes: a journey, then a restart after
// SIGTERM and after SIGKILL, each answering every read as before, with the
// same tokens, and a delivered webhook not sent again. A torn last line is
// cut; a damaged, newer or differently-made state stops the start with one line.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import { stateShape } from '../src/config.js'
import { openState } from '../src/state/state.js'
import { buildApp } from '../src/app.js'
import { SandboxClock } from '../src/domain/clock.js'
import { loadFixtures } from '../src/fixtures.js'
import { CUSTOMERS, listeningUrl, webhookReceiver } from './helper.js'

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts')
const CLIENT = 'team-a'

t.setTimeout(120_000)

function start (stateDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json', STATE_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const started = listeningUrl(child, 'the sandbox')
  const stop = async (signal: NodeJS.Signals) => {
    const exited = once(child, 'exit')
    child.kill(signal)
    await exited
  }
  return { child, url: started.url, printed: started.printed, stop }
}

/** An access token for CLIENT, from the sandbox at `url`. */
async function tokenFrom (url: string): Promise<string> {
  const res = await fetch(`${url}/v1/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:s`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
  return (await res.json() as { data: { access_token: string } }).data.access_token
}

/** What a client and a person at the controls read: each answer's status and body. */
async function reads (url: string, token: string, ids: { task: string, customer: string }) {
  const bud = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${token}` }
  // Each start listens on a port of its own: the links to its logos name the sandbox's host, as they should, and are read without it.
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers })
    return { status: res.status, body: JSON.parse((await res.text()).replaceAll(url, 'http://sandbox')) as unknown }
  }
  const now = async (path: string) => Date.parse(((await get(path)).body as { now: string }).now)
  const shared = await now('/__admin/clock')
  const own = await now(`/__admin/clock?client_id=${CLIENT}`)
  const webhooks = (await get(`/__admin/webhooks?client_id=${CLIENT}`)).body as Array<Record<string, unknown>>
  return {
    status: await get(`/v1/open-banking/refresh/${ids.task}`, bud),
    again: await (async () => {
      const res = await fetch(`${url}/v1/open-banking/refresh`, { method: 'POST', headers: { ...bud, 'content-type': 'application/json' }, body: '{"provider":"Bank_Of_Bud"}' })
      return { status: res.status, body: await res.json() as unknown }
    })(),
    customers: await get('/platform/v3/customers', { 'x-client-id': CLIENT, authorization: `Bearer ${token}` }),
    healthy: await get(`/__admin/customers/${CUSTOMERS.healthy}?client_id=${CLIENT}`),
    transactions: await get('/financial/v2/transactions?provider=Bank_Of_Bud', bud),
    ownClockAhead: Math.round((own - shared) / 1000),
    findings: await get(`/__admin/findings?client_id=${CLIENT}`),
    webhooks: webhooks.map((d) => [d.event, d.status, (d.attempts as unknown[]).length])
  }
}

t.test('a journey reads the same after SIGTERM and after SIGKILL, with the same tokens, and a delivered webhook is not sent again', async (t) => {
  const dir = join(t.testdir({}), 'state')
  const receiver = await webhookReceiver(t)
  // A snapshot every few entries: the restarts start from one and replay what came after it.
  const every = { SNAPSHOT_EVERY: '4' }
  let sandbox = start(dir, every)
  t.teardown(() => { if (sandbox.child.exitCode === null) sandbox.child.kill('SIGKILL') })
  let url = await sandbox.url

  const tokenAnswer = await (await fetch(`${url}/v1/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${CLIENT}:secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json() as { data: { access_token: string } }
  const token = tokenAnswer.data.access_token
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const control = (method: string, path: string, body: unknown) => fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const created = await (await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })).json() as { data: { customer_id: string } }
  t.equal((await control('PUT', `/__admin/clients/${CLIENT}/webhook`, { url: receiver.url })).status, 200)
  t.equal((await control('PUT', `/__admin/customers/${CUSTOMERS.healthy}/connections/Natwest_Sandbox?client_id=${CLIENT}`, { consent_status: 'revoked' })).status, 200)
  t.equal((await control('POST', `/__admin/customers/${CUSTOMERS.healthy}/connections/Bank_Of_Bud/transactions?client_id=${CLIENT}`, { transactions: [{ description: 'REFUND FROM SHOP', amount: { value: '12.50' }, credit_debit_indicator: 'credit' }] })).status, 201)
  const refresh = await (await fetch(`${url}/v1/open-banking/refresh`, { method: 'POST', headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy }, body: '{"provider":"Bank_Of_Bud"}' })).json() as { data: { task_id: string } }
  const delivered = receiver.nextRequest()
  t.equal((await control('POST', `/__admin/clock?client_id=${CLIENT}`, { advance: 'PT5S' })).status, 200)
  await delivered
  const ids = { task: refresh.data.task_id, customer: created.data.customer_id }
  const before = await reads(url, token, ids)
  t.match(before, { status: { status: 200, body: { data: { status: 'Completed' } } }, again: { body: { data: { task_id: ids.task } } }, customers: { status: 200 }, ownClockAhead: 5 }, 'the journey as the client saw it')
  t.match(before.healthy.body, { connections: [{ provider: 'Bank_Of_Bud' }, { provider: 'Natwest_Sandbox', consent_status: 'revoked' }] })
  t.match(JSON.stringify(before.transactions.body), /REFUND FROM SHOP/)
  t.match(JSON.stringify(before.customers.body), ids.customer)
  t.same(before.webhooks, [['open_banking.refresh.completed', 'delivered', 1]])

  t.match(sandbox.printed.stdout, /"msg":"snapshot of \d+ journal entries taken"/, 'snapshots were taken along the way')
  await sandbox.stop('SIGTERM')
  t.equal(readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').length, 1, 'a stop takes a snapshot: the journal is cut after it')
  sandbox = start(dir, every)
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /state from .*: a snapshot of \d+ entries and 0 journal entries replayed/)
  t.same(await reads(url, token, ids), before, 'after SIGTERM: every read as before, with the token issued before')

  // A write answered just before a SIGKILL is kept too.
  const second = await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })
  t.equal(second.status, 201)
  const secondId = (await second.json() as { data: { customer_id: string } }).data.customer_id
  const afterTerm = await reads(url, token, ids)
  await sandbox.stop('SIGKILL')
  sandbox = start(dir, every)
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /state from .*: a snapshot of \d+ entries and [1-9]\d* journal entries replayed/, 'a kill leaves entries after the last snapshot')
  t.same(await reads(url, token, ids), afterTerm, 'after SIGKILL: every read as before')
  t.match(JSON.stringify((await reads(url, token, ids)).customers.body), secondId, 'the customer made right before the kill')
  t.equal(receiver.received.length, 1, 'the webhook delivered before the restarts was not sent again')
})

t.test('a long journal of reads replays within a small heap, and answers as before', async (t) => {
  const dir = join(t.testdir({}), 'state')
  let sandbox = start(dir)
  t.teardown(() => { if (sandbox.child.exitCode === null) sandbox.child.kill('SIGKILL') })
  let url = await sandbox.url
  const token = await tokenFrom(url)
  const page = async () => {
    const res = await fetch(`${url}/financial/v2/transactions?page_size=100`, { headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.text()).replaceAll(url, 'http://sandbox') }
  }
  const before = await page()
  t.equal(before.status, 200)
  const journal = join(dir, 'journal.jsonl')
  const read = readFileSync(journal, 'utf8').split('\n').find((line) => line.includes('"m":"GET"') && line.includes('/financial/v2/transactions'))!
  await sandbox.stop('SIGTERM')

  // 30,000 more reads of that page after the stop's snapshot, as a team's CI polling a shared sandbox for weeks would leave.
  appendFileSync(journal, `${read}\n`.repeat(30_000))
  // Each replayed request kept to the end of the replay took ~10 KB: 300 MB here, over this heap's bound.
  sandbox = start(dir, {}, ['--max-old-space-size=128'])
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /"replayed":30000/, 'every entry after the snapshot replayed')
  t.match(sandbox.printed.stdout, /"msg":"snapshot of 30002 journal entries taken"/, 'and a snapshot taken after them, so the next start replays none')
  t.same(await page(), before, 'the page reads as before')
  await sandbox.stop('SIGTERM')
})

async function refusal (stateDir: string, env: Record<string, string> = {}) {
  const sandbox = start(stateDir, env)
  sandbox.url.catch(() => {})
  const [code] = await once(sandbox.child, 'exit')
  return { code, stderr: sandbox.printed.stderr }
}

t.test('a torn last line is cut; a damaged, newer or differently-made state stops the start with one line', async (t) => {
  const dir = join(t.testdir({}), 'state')
  let sandbox = start(dir)
  let url = await sandbox.url
  const created = await (await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: { 'x-client-id': CLIENT, authorization: 'Bearer x', 'content-type': 'application/json' }, body: '{}' })).json() as { code_id: string }
  t.equal(created.code_id, 'token_invalid', 'a refused request is journaled too (it may feed the checks)')
  const token = await tokenFrom(url)
  // Killed: no snapshot is taken, and the journal holds every entry.
  await sandbox.stop('SIGKILL')
  const journal = join(dir, 'journal.jsonl')
  const whole = readFileSync(journal, 'utf8')

  appendFileSync(journal, '{"t":"req","at":17965')
  sandbox = start(dir)
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /a torn last line was cut/)
  t.equal((await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })).status, 201, 'the token from before the tear still works')
  await sandbox.stop('SIGKILL')

  writeFileSync(journal, whole.replace('\n{"t":"req"', '\n{"t":"req" oops'))
  let refused = await refusal(dir)
  t.equal(refused.code, 1)
  t.match(refused.stderr, new RegExp(`^bud-sandbox: STATE_DIR ${journal}:2: not a journal line .*\\n$`))

  writeFileSync(journal, whole.replace('"bud_sandbox_state":2', '"bud_sandbox_state":3'))
  refused = await refusal(dir)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*journal.jsonl: written by a newer bud-sandbox \(state format 3; this one reads 2\)\n$/)

  writeFileSync(journal, whole)
  refused = await refusal(dir, { STEP_DURATION_MS: '50' })
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .* was written with STEP_DURATION_MS null; this start gives 50 \(start with the same, or with another STATE_DIR\)\n$/)

  refused = await refusal(journal)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*journal.jsonl: not a directory\n$/)
})

t.test('a change the journal cannot keep answers 503 with Bud\'s bare message and Retry-After; a read still answers', async (t) => {
  const state = openState(join(t.testdir({}), 'state'), stateShape({ fixtures: undefined, stepDurationMs: undefined, auth: 'off', checks: 'report', maxTasks: 10, taskRetentionMs: 1000, maxClients: 10 }))
  const logs: string[] = []
  const app = await buildApp({ fixtures: loadFixtures(), logLevel: 'info', taskRetentionMs: 1000, maxTasks: 10, bodyLimit: 1024, requestHistorySize: 10, auth: 'off' }, {
    clock: new SandboxClock(state.now),
    state,
    logStream: new Writable({ write (chunk: Buffer, _encoding, done) { logs.push(chunk.toString()); done() } })
  })
  t.teardown(() => app.close())
  await state.writer.close() // as a disk gone read-only or full would refuse it
  const refused = await app.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: { 'x-client-id': 'c', 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' }, payload: '{"provider":"Bank_Of_Bud"}' })
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '5')
  t.same(Object.keys(refused.json()), ['message'])
  t.match(refused.json().message, /could not write its state \(STATE_DIR\)/)
  t.equal((await app.inject({ method: 'GET', url: '/financial/v3/accounts', headers: { 'x-client-id': 'c', 'x-customer-id': CUSTOMERS.healthy } })).statusCode, 200)
  t.match(logs.join(''), /"msg":"the journal could not be written"/)
})

t.test('with a kept state, a body over the limit is a 413 that changes nothing, and the bodies around it are kept as they came', async (t) => {
  const where = join(t.testdir({}), 'state')
  const shape = stateShape({ fixtures: undefined, stepDurationMs: undefined, auth: 'off', checks: 'report', maxTasks: 10, taskRetentionMs: 1000, maxClients: 10 })
  const config = { fixtures: loadFixtures(), logLevel: 'warn' as const, taskRetentionMs: 1000, maxTasks: 10, bodyLimit: 1024, requestHistorySize: 10, auth: 'off' as const }
  const open = async () => {
    const state = openState(where, shape)
    return buildApp(config, { clock: new SandboxClock(state.now), state, logStream: new Writable({ write (_chunk, _encoding, done) { done() } }) })
  }
  let app = await open()
  const headers = { 'x-client-id': 'c', 'content-type': 'application/json' }
  const create = (payload: string) => app.inject({ method: 'POST', url: '/platform/v3/customers', headers, payload })
  t.equal((await create('{"client_metadata":{"idempotent_identifier":"before"}}')).statusCode, 201)
  const huge = await create(JSON.stringify({ client_metadata: { idempotent_identifier: 'x'.repeat(4000) } }))
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().code_id, 'payload_too_large')
  // Spaces and a key order of the client's own: the body is kept as it came.
  t.equal((await create(' { "client_metadata" : { "idempotent_identifier" : "after" } } ')).statusCode, 201)
  const listed = (await app.inject({ method: 'GET', url: '/platform/v3/customers', headers })).body
  await app.close()

  app = await open()
  t.teardown(() => app.close())
  const again = (await app.inject({ method: 'GET', url: '/platform/v3/customers', headers })).body
  t.equal(again, listed, 'the restart answers as before')
  // Both customers came back from their bodies: asked for again, each is found, not made.
  for (const identifier of ['before', 'after']) t.equal((await create(`{"client_metadata":{"idempotent_identifier":"${identifier}"}}`)).statusCode, 200, identifier)
  t.equal((await app.inject({ method: 'GET', url: '/platform/v3/customers', headers })).body, listed, 'and nothing else was made')
})

t.test('a crash between a snapshot and the journal\'s cut loses nothing; a snapshot that does not go with its journal stops the start with one line', async (t) => {
  const dir = join(t.testdir({}), 'state')
  // No snapshot along the way: the journal holds every entry.
  let sandbox = start(dir, { SNAPSHOT_EVERY: '1000' })
  t.teardown(() => { if (sandbox.child.exitCode === null) sandbox.child.kill('SIGKILL') })
  let url = await sandbox.url
  const token = await tokenFrom(url)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })).status, 201)
  // Five entries: the token, three customers, and the read below.
  const list = async () => (await fetch(`${url}/platform/v3/customers`, { headers: bud })).text()
  const before = await list()
  await sandbox.stop('SIGKILL')
  const journal = join(dir, 'journal.jsonl')
  const uncut = readFileSync(journal, 'utf8')

  // A start that takes a snapshot at once, then the journal as it was before its cut: as a crash between the two leaves them.
  sandbox = start(dir, { SNAPSHOT_EVERY: '1' })
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /"msg":"snapshot of 5 journal entries taken"/)
  await sandbox.stop('SIGKILL')
  const snapshot = readFileSync(join(dir, 'snapshot.bin'))
  writeFileSync(journal, uncut)
  sandbox = start(dir, { SNAPSHOT_EVERY: '1000' })
  url = await sandbox.url
  t.match(sandbox.printed.stdout, /state from .*: a snapshot of 5 entries and 0 journal entries replayed/, 'the entries the snapshot holds are not applied twice')
  t.equal(await list(), before, 'the customers as before, none made twice')
  await sandbox.stop('SIGKILL')

  // Another state's journal beside this snapshot.
  writeFileSync(journal, uncut.replace(/"secret":"[0-9a-f]+"/, `"secret":"${'0'.repeat(64)}"`))
  let refused = await refusal(dir)
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*: snapshot\.bin does not go with journal\.jsonl \(it holds 5 entries; the journal, entries 1 to 5\); move the directory away to start afresh\n$/)

  // A journal that goes on from a snapshot that is gone.
  writeFileSync(journal, uncut.replace('"bud_sandbox_state":2', '"bud_sandbox_state":2,"base":5').split('\n').slice(0, 1).join('\n') + '\n')
  rmSync(join(dir, 'snapshot.bin'))
  refused = await refusal(dir)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*: the journal goes on from a snapshot that is missing \(snapshot\.bin\); move the directory away to start afresh\n$/)

  writeFileSync(journal, uncut)
  writeFileSync(join(dir, 'snapshot.bin'), snapshot.subarray(0, 20))
  refused = await refusal(dir)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*snapshot\.bin: not a bud-sandbox snapshot \(it is damaged; move the directory away to start afresh\)\n$/)

  writeFileSync(join(dir, 'snapshot.bin'), Buffer.concat([Buffer.from(snapshot.toString('latin1').replace('"bud_sandbox_snapshot":1', '"bud_sandbox_snapshot":9'), 'latin1')]))
  refused = await refusal(dir)
  t.match(refused.stderr, /^bud-sandbox: STATE_DIR .*snapshot\.bin: written by a newer bud-sandbox \(snapshot format 9; this one reads 1\)\n$/)
})

t.test('snapshots taken while requests keep coming, and one more as the sandbox stops, leave a state that starts and reads as before', async (t) => {
  const dir = join(t.testdir({}), 'state')
  // A snapshot as often as the rule allows, so they overlap with the requests and with the stop's own.
  let sandbox = start(dir, { SNAPSHOT_EVERY: '1' })
  t.teardown(() => { if (sandbox.child.exitCode === null) sandbox.child.kill('SIGKILL') })
  let url = await sandbox.url
  const token = await tokenFrom(url)
  const bud = { 'x-client-id': CLIENT, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const made: string[] = []
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${url}/platform/v3/customers`, { method: 'POST', headers: bud, body: '{}' })))
    t.ok(answers.every((res) => res.status === 201), `round ${round}: every customer made`)
    for (const res of answers) made.push((await res.json() as { data: { customer_id: string } }).data.customer_id)
  }
  const list = async () => (await fetch(`${url}/platform/v3/customers?page_size=500`, { headers: bud })).text()
  const before = await list()
  // Stopped with requests still coming.
  const late = Promise.allSettled(Array.from({ length: 40 }, () => fetch(`${url}/v1/open-banking/refresh/00000000-0000-4000-8000-000000000000`, { headers: { ...bud, 'x-customer-id': CUSTOMERS.healthy } })))
  await sandbox.stop('SIGTERM')
  await late
  t.ok(sandbox.printed.stdout.split('"msg":"snapshot of').length > 3, 'snapshots were taken while the requests came, and at the stop')
  sandbox = start(dir, { SNAPSHOT_EVERY: '1' })
  url = await sandbox.url
  t.equal(await list(), before, 'every customer, as before')
  const listed = new Set((JSON.parse(before) as { data: Array<{ customer_id: string }> }).data.map((c) => c.customer_id))
  t.ok(made.every((id) => listed.has(id)), 'the 200 customers made are all listed')
})
