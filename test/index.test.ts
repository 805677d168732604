// The sandbox from code: startSandbox() from the package's entry, driven
// over real HTTP and through its typed controls, which answer as the
// /__admin operations do (their errors included).
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { SandboxControlError, startSandbox } from '../src/index.js'
import { JOURNAL_FILE } from '../src/state/journal.js'
import { CUSTOMERS } from './helper.js'

const HEADERS = { 'x-client-id': 'code-client', 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' }

t.test('startSandbox listens on a free loopback port and serves the journey; its controls move the clock and the bank', async (t) => {
  const sandbox = await startSandbox({ auth: 'off' })
  t.teardown(() => sandbox.close())
  t.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/)

  const started = await fetch(`${sandbox.url}/v1/open-banking/refresh`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) })
  t.equal(started.status, 202)
  const { data } = await started.json() as { data: { task_id: string } }

  const before = await sandbox.clock.now()
  const after = await sandbox.clock.advance('PT5S')
  t.equal(Date.parse(after) - Date.parse(before) >= 5000, true, 'the clock moved five seconds')
  const status = await (await fetch(`${sandbox.url}/v1/open-banking/refresh/${data.task_id}`, { headers: HEADERS })).json() as { data: { status: string } }
  t.equal(status.data.status, 'Completed', 'the task ended on the moved clock, with no sleep')

  const added = await sandbox.bank.addTransactions(CUSTOMERS.healthy, 'Bank_Of_Bud', [{ description: 'REFUND FROM ACME SHOP', amount: { value: '42.50' }, credit_debit_indicator: 'credit' }])
  t.match(added, [{ description: 'REFUND FROM ACME SHOP', amount: { value: '42.50', currency: 'GBP' }, status: 'booked' }])

  const revoked = await sandbox.customers.setConnection(CUSTOMERS.healthy, 'Natwest_Sandbox', { consent_status: 'revoked' })
  t.match(revoked, { customer_id: CUSTOMERS.healthy, connections: [{ provider: 'Bank_Of_Bud' }, { provider: 'Natwest_Sandbox', consent_status: 'revoked' }] })
  t.ok((await sandbox.customers.list()).some((c) => c.customer_id === CUSTOMERS.healthy))

  // A control the sandbox refuses throws its own answer.
  const refused = await sandbox.clock.advance('P300000Y').catch((err: unknown) => err)
  t.type(refused, SandboxControlError)
  t.match(refused, { statusCode: 400, body: { code_id: 'failed_validation', errors: { advance: /at most to/ } } })

  await sandbox.webhooks.set('code-client', 'http://127.0.0.1:9/hooks')
  t.same(await sandbox.webhooks.list('code-client'), [])
  t.same(await sandbox.findings('code-client'), [])

  await sandbox.reset()
  t.match(await sandbox.customers.get(CUSTOMERS.healthy), { connections: [{ provider: 'Bank_Of_Bud' }, { provider: 'Natwest_Sandbox', consent_status: 'authorised' }] })
})

t.test('twenty sandboxes in one process are independent', async (t) => {
  const sandboxes = await Promise.all(Array.from({ length: 20 }, () => startSandbox({ auth: 'off' })))
  t.teardown(() => Promise.all(sandboxes.map((s) => s.close())))
  t.equal(new Set(sandboxes.map((s) => s.url)).size, 20, 'each on a port of its own')
  await sandboxes[0]!.clock.advance('P10D')
  await sandboxes[1]!.customers.setConnection(CUSTOMERS.healthy, 'Bank_Of_Bud', { consent_status: 'revoked' })
  const nows = await Promise.all(sandboxes.map((s) => s.clock.now()))
  t.ok(Date.parse(nows[0]!) - Date.parse(nows[2]!) > 9 * 86_400_000, 'one clock moved alone')
  const consent = async (i: number) => ((await sandboxes[i]!.customers.get(CUSTOMERS.healthy)).connections as { consent_status: string }[])[0]!.consent_status
  t.same([await consent(1), await consent(2)], ['revoked', 'authorised'], 'one bank changed alone')
  // The same requests give the same ids in each.
  const created = await Promise.all(sandboxes.slice(2, 5).map(async (s) => (await (await fetch(`${s.url}/platform/v3/customers`, { method: 'POST', headers: { 'x-client-id': 'code-client' } })).json() as { data: { customer_id: string } }).data.customer_id))
  t.equal(new Set(created).size, 1)
})

t.test('the one-client-id-per-file example in docs/testing.md: files run at once against one sandbox, each in its own world', async (t) => {
  const sandbox = await startSandbox({ auth: 'off' })
  t.teardown(() => sandbox.close())
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'testing.md'), 'utf8')
  const example = /## One sandbox for a whole run[\s\S]*?```js\n([\s\S]*?)```/.exec(doc)![1]!
  const dir = t.testdir({})
  const files = ['one', 'two', 'three'].map((name) => join(dir, `${name}.test.mjs`))
  for (const file of files) writeFileSync(file, example)
  // Not spawnSync: the sandbox answers from this very process.
  const child = spawn(process.execPath, ['--test', '--test-concurrency=3', '--test-reporter=tap', ...files], { env: { ...process.env, SANDBOX_URL: sandbox.url } })
  const run = { stdout: '', stderr: '', status: null as number | null }
  child.stdout.on('data', (chunk: Buffer) => { run.stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { run.stderr += chunk.toString() })
  run.status = (await once(child, 'close'))[0] as number
  t.equal(run.status, 0, run.stdout + run.stderr)
  t.match(run.stdout, /# pass 3/)
  t.match(run.stdout, /# fail 0/)
})

t.test('sandbox.client(id) controls one client\'s world alone, over HTTP as one client sees it', async (t) => {
  const sandbox = await startSandbox({ auth: 'off' })
  t.teardown(() => sandbox.close())
  const one = sandbox.client('file-one')
  const two = sandbox.client('file-two')
  const before = Date.parse(await two.clock.now())
  t.ok(Date.parse(await one.clock.advance('P91D')) - before >= 91 * 86_400_000)
  t.ok(Date.parse(await two.clock.now()) - before < 86_400_000, 'the other client\'s clock did not move')
  await one.customers.setConnection(CUSTOMERS.healthy, 'Bank_Of_Bud', { consent_status: 'revoked' })
  const consents = async (clientId: string) => (await (await fetch(`${sandbox.url}/v1/open-banking/account-access-consents?status=all`, { headers: { 'x-client-id': clientId, 'x-customer-id': CUSTOMERS.healthy } })).json() as { data: { provider: string, status: string }[] }).data
  t.ok((await consents('file-two')).every((c) => c.status === 'authorised'), 'the other client\'s copy is untouched')
  t.same(((await one.customers.get(CUSTOMERS.healthy)).connections as { provider: string, consent_status: string }[]).find((c) => c.provider === 'Bank_Of_Bud')?.consent_status, 'revoked')
  await one.reset()
  t.same(((await one.customers.get(CUSTOMERS.healthy)).connections as { provider: string, consent_status: string }[]).find((c) => c.provider === 'Bank_Of_Bud')?.consent_status, 'authorised', 'its reset gives it the fixtures back')
  t.same(await one.findings(), [])
})

t.test('the node:test example in docs/testing.md runs as written', async (t) => {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'testing.md'), 'utf8')
  const example = /```js\n([\s\S]*?)```/.exec(doc)![1]!
  // As a user's project imports the package; here the package is this source tree.
  const file = join(t.testdir({}), 'refresh.test.mjs')
  writeFileSync(file, example.replace("from 'bud-sandbox'", `from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href)}`))
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') })
  t.equal(run.status, 0, run.stdout + run.stderr)
  t.match(run.stdout, /# pass 2/)
  t.match(run.stdout, /# fail 0/)
})

t.test('startSandbox({ stateDir }): a sandbox closed and started again on the same directory carries on', async (t) => {
  const stateDir = join(t.testdir({}), 'state')
  let sandbox = await startSandbox({ auth: 'off', stateDir })
  const headers = { 'x-client-id': 'kept', 'x-customer-id': CUSTOMERS.healthy, 'content-type': 'application/json' }
  const started = await (await fetch(`${sandbox.url}/v1/open-banking/refresh`, { method: 'POST', headers, body: '{"provider":"Bank_Of_Bud"}' })).json() as { data: { task_id: string } }
  await sandbox.client('kept').clock.advance('P3D')
  await sandbox.customers.setConnection(CUSTOMERS.healthy, 'Natwest_Sandbox', { consent_status: 'revoked' })
  const before = await sandbox.client('kept').customers.get(CUSTOMERS.healthy)
  await sandbox.close()

  sandbox = await startSandbox({ auth: 'off', stateDir })
  t.teardown(() => sandbox.close())
  t.same(await sandbox.client('kept').customers.get(CUSTOMERS.healthy), before, 'a control done through the API is kept')
  const polled = await (await fetch(`${sandbox.url}/v1/open-banking/refresh/${started.data.task_id}`, { headers })).json() as { data: { status: string } }
  t.equal(polled.data.status, 'Completed', 'the task, on its client\'s clock three days on')
})

t.test('startSandbox({ stateDir }): loading logos writes nothing to the journal', async (t) => {
  const stateDir = join(t.testdir({}), 'state')
  const sandbox = await startSandbox({ auth: 'off', stateDir })
  t.teardown(() => sandbox.close())
  const headers = { 'x-client-id': 'logos', 'x-customer-id': CUSTOMERS.healthy }
  const page = await (await fetch(`${sandbox.url}/financial/v2/transactions?page_size=20`, { headers })).json() as { data: { suggested_logo?: string }[] }
  const accounts = await (await fetch(`${sandbox.url}/financial/v3/accounts`, { headers })).json() as { data: { provider_logo: string }[] }
  // A control is answered once its line is on disk, and the lines before it with it.
  const journal = async () => {
    await sandbox.client('logos').clock.advance('PT1S')
    return readFileSync(join(stateDir, JOURNAL_FILE), 'utf8').split('\n').length
  }
  const lines = await journal()
  const logos = [...page.data.flatMap((x) => x.suggested_logo ?? []), accounts.data[0]!.provider_logo]
  t.ok(logos.length > 5)
  for (const url of logos) t.equal((await fetch(url)).status, 200)
  t.equal(await journal(), lines + 1, 'an image is a read, not a command: only the control is a new line')
})
