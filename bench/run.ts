// `npm run bench`: the sandbox against bare Fastify on the same machine, in
// the same run, alternating, several rounds. Everything targets 127.0.0.1.
// Prints req/s, p50/p99, each server's CPU time per request and the ratio to
// bare Fastify for GET status, POST refresh (dedupe path), POST refresh
// (new task, distinct customers), GET status V2 and POST refresh V2 (a new
// parent with two sub-tasks, distinct customers), GET a page of 100
// transactions and GET accounts (bare Fastify answering the same bytes);
// cold start; RSS after 1,000,000 tasks and after 100,000 customers'
// data; a new customer's first page of transactions over HTTP (server CPU
// per read, against the baseline's when given); a soak's RSS over time; and
// a mixed journey in memory and with STATE_DIR, with the time a start takes
// to replay the journal it left.
// Environment: BENCH_ROUNDS (5), BENCH_SECONDS (5 per run), BENCH_SOAK_SECONDS (180),
// BENCH_ONLY (comma-separated: throughput, cold, million, clients, customers, firsts, soak, state, snapshot; default all),
// BENCH_PIN (1: load generator and servers on separate cores, where possible),
// BENCH_BASELINE_CHECKS (the baseline's CHECKS, e.g. off),
// BENCH_BASELINE (a git revision: its build runs in every round too, on the
// paths it serves, so "no slower than before" is measured in the same run).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import autocannon from 'autocannon'
import { freePort } from '../scripts/free-port.js'

const ROOT = join(import.meta.dirname, '..')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 180)
const CONNECTIONS = 50
const ONLY = new Set((process.env.BENCH_ONLY ?? 'throughput,cold,million,clients,customers,firsts,soak,state,snapshot').split(','))
const SOAK_HEAP_MB = 256
const BASELINE = process.env.BENCH_BASELINE
/** BENCH_BASELINE_CHECKS=off runs the baseline with CHECKS=off: with BENCH_BASELINE=HEAD, what the integration checks cost, in the same rounds. */
const BASELINE_ENV: Record<string, string> = process.env.BENCH_BASELINE_CHECKS === undefined ? {} : { CHECKS: process.env.BENCH_BASELINE_CHECKS }
const CUSTOMER = '00000000-0000-4000-8000-000000000001'
/** The customer the data scenarios read: a fixture customer nothing refreshes, so its data stays the same bytes through a round. */
const DATA_CUSTOMER = '00000000-0000-4000-8000-000000000002'
const TRANSACTIONS_PAGE = '/financial/v2/transactions?page_size=100'
const ACCOUNTS = '/financial/v3/accounts'

const out = (line = '') => process.stdout.write(line + '\n')

interface Server { child: ChildProcess, base: string }

async function waitForHealth (base: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${base}/health`)).status === 200) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * With BENCH_PIN (the default where taskset and two cores exist), every server
 * runs on core 1 and this process, the load generator, on core 0: a server's
 * own threads (its GC's among them) then take their time from that server,
 * not from the load, and the two never trade places on one core.
 */
const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset()
const SERVER_CORE = 1

function hasTaskset (): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Starts node with these arguments, on the servers' core when pinning. */
function spawnNode (args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return PIN ? spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...args], options) : spawn(process.execPath, args, options)
}

function spawnSandbox (port: number, env: Record<string, string> = {}, root = ROOT): ChildProcess {
  return spawnNode([join(root, 'dist', 'server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
}

function spawnBare (port: number, bodies?: string): ChildProcess {
  return spawnNode([join(ROOT, 'bench', 'bare-server.mjs')], { env: { ...process.env, PORT: String(port), ...(bodies === undefined ? {} : { BARE_BODIES: bodies }) }, stdio: ['ignore', 'ignore', 'inherit'] })
}

async function start (spawner: (port: number) => ChildProcess): Promise<Server> {
  const port = await freePort()
  const child = spawner(port)
  const base = `http://127.0.0.1:${port}`
  await waitForHealth(base, child)
  return { child, base }
}

async function stop (server: Server): Promise<void> {
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  await exited
}

interface Run { rps: number, p50: number, p99: number, non2xx: number, total: number, generatorMs: number }
/** What the tables show per scenario and server: medians over the rounds. */
interface Summary { rps: number, p50: number, p99: number, cpuUs: number, busy: number, generatorBusy: number }

async function load (options: autocannon.Options): Promise<Run> {
  const before = process.cpuUsage()
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options })
  const used = process.cpuUsage(before)
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    total: result.requests.total,
    generatorMs: (used.user + used.system) / 1000
  }
}

async function token (base: string): Promise<string> {
  const res = await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('bench:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  return ((await res.json()) as { data: { access_token: string } }).data.access_token
}

const SCENARIOS = ['GET status', 'POST refresh (dedupe)', 'POST refresh (new task)', 'GET status V2', 'POST refresh V2 (new parent, 2 sub-tasks)', 'GET transactions (page of 100)', 'GET accounts'] as const
type Scenario = (typeof SCENARIOS)[number]
const V2_SCENARIOS: readonly Scenario[] = ['GET status V2', 'POST refresh V2 (new parent, 2 sub-tasks)']
const DATA_SCENARIOS: readonly Scenario[] = ['GET transactions (page of 100)', 'GET accounts']

/** The tasks the GET scenarios read, made on the sandbox before a round, and the data paths' answers. */
interface Known { taskId: string, parentId: string, transactions: string, accounts: string }

async function runScenario (scenario: Scenario, base: string, headers: Record<string, string>, known: Known, duration = SECONDS): Promise<Run> {
  const json = { ...headers, 'content-type': 'application/json' }
  switch (scenario) {
    case 'GET status':
      return load({ url: `${base}/v1/open-banking/refresh/${known.taskId}`, headers, duration })
    case 'POST refresh (dedupe)':
      return load({ url: `${base}/v1/open-banking/refresh`, method: 'POST', headers: json, body: JSON.stringify({ provider: 'Bank_Of_Bud' }), duration })
    case 'POST refresh (new task)':
      return load({
        duration,
        url: `${base}/v1/open-banking/refresh`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ provider: 'Natwest_Sandbox' }),
        requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-customer-id': randomUUID() } }) }]
      })
    case 'GET status V2':
      return load({ url: `${base}/open-banking/v2/refresh/${known.parentId}`, headers, duration })
    case 'POST refresh V2 (new parent, 2 sub-tasks)':
      // A new customer each time: its two default connections make two new sub-tasks under a new parent.
      return load({
        duration,
        url: `${base}/open-banking/v2/refresh`,
        method: 'POST',
        headers: json,
        body: '{}',
        requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-customer-id': randomUUID() } }) }]
      })
    case 'GET transactions (page of 100)':
      return load({ url: `${base}${TRANSACTIONS_PAGE}`, headers: { ...headers, 'x-customer-id': DATA_CUSTOMER }, duration })
    case 'GET accounts':
      return load({ url: `${base}${ACCOUNTS}`, headers: { ...headers, 'x-customer-id': DATA_CUSTOMER }, duration })
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** A server under test: this build, the baseline's, or bare Fastify. */
type Target = 'sandbox' | 'baseline' | 'bare'
interface Running extends Server { name: Target, headers: Record<string, string>, known: Known, serves: Set<Scenario> }

/**
 * Makes, on a sandbox, the tasks the GET scenarios read, and keeps its
 * answers on the data paths (bare Fastify answers the same bytes). A build
 * older than the V2 operations or the customer's data sits those scenarios out.
 */
async function prepare (server: Server, name: Target): Promise<Running> {
  const bearer = await token(server.base)
  const headers = { authorization: `Bearer ${bearer}`, 'x-client-id': 'bench', 'x-customer-id': CUSTOMER }
  const json = { ...headers, 'content-type': 'application/json' }
  const created = await fetch(`${server.base}/v1/open-banking/refresh`, { method: 'POST', headers: json, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) })
  const createdV2 = await fetch(`${server.base}/open-banking/v2/refresh`, { method: 'POST', headers: json, body: '{}' })
  const servesV2 = createdV2.status === 202
  const read = (path: string) => fetch(`${server.base}${path}`, { headers: { ...headers, 'x-customer-id': DATA_CUSTOMER } })
  const [transactions, accounts] = await Promise.all([read(TRANSACTIONS_PAGE), read(ACCOUNTS)])
  const servesData = transactions.status === 200 && accounts.status === 200
  const known = { taskId: await taskIdOf(created), parentId: servesV2 ? await taskIdOf(createdV2) : '', transactions: await transactions.text(), accounts: await accounts.text() }
  const serves = new Set(SCENARIOS.filter((s) => (servesV2 || !V2_SCENARIOS.includes(s)) && (servesData || !DATA_SCENARIOS.includes(s))))
  return { ...server, name, headers, known, serves }
}

const taskIdOf = async (res: Response) => ((await res.json()) as { data: { task_id: string } }).data.task_id

/** A build of another revision, checked out and built in a temporary worktree that shares this one's node_modules. */
function buildBaseline (rev: string): { root: string, label: string, remove: () => void } {
  const label = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT, encoding: 'utf8' }).trim()
  const root = mkdtempSync(join(tmpdir(), 'bud-sandbox-baseline-'))
  execFileSync('git', ['worktree', 'add', '--detach', root, rev], { cwd: ROOT, stdio: 'ignore' })
  const remove = () => {
    execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: ROOT, stdio: 'ignore' })
    if (existsSync(root)) rmSync(root, { recursive: true, force: true })
  }
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
  } catch (err) {
    remove()
    throw err
  }
  return { root, label, remove }
}

interface ScenarioResult {
  sandbox: Summary
  bare: Summary
  ratio: number
  ratios: number[]
  /** With a baseline that serves the scenario: its summary, its ratios to bare Fastify, and this build's req/s over the baseline's, per round. */
  baseline?: { summary: Summary, ratio: number, ratios: number[], relative: number, relatives: number[] }
}

/**
 * Each round starts every server afresh (this build, the baseline's if any,
 * bare Fastify), warms them up on every path, and runs every scenario on
 * each, one after the other (the order rotates from round to round). A
 * round's ratio compares runs made seconds apart, so slow drifts of the
 * machine cancel out, and fresh processes each round keep one lucky or
 * unlucky process from deciding every round. The ratio reported is the
 * median of the rounds'; req/s, latency and CPU are medians too.
 */
const BARE_BODIES = join(mkdtempSync(join(tmpdir(), 'bud-sandbox-bench-')), 'bare-bodies.json')

async function throughput (baselineRoot?: string): Promise<Record<Scenario, ScenarioResult>> {
  const runs = new Map<string, Summary[]>()
  const stolen: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const sandbox = await prepare(await start((port) => spawnSandbox(port)), 'sandbox')
    const servers = [sandbox]
    if (baselineRoot !== undefined) servers.push(await prepare(await start((port) => spawnSandbox(port, BASELINE_ENV, baselineRoot)), 'baseline'))
    // Bare Fastify answers fixed bodies (on the data paths, this round's sandbox's): any headers and ids will do.
    writeFileSync(BARE_BODIES, JSON.stringify({ transactions: sandbox.known.transactions, accounts: sandbox.known.accounts }))
    servers.push({ ...(await start((port) => spawnBare(port, BARE_BODIES))), name: 'bare', headers: sandbox.headers, known: sandbox.known, serves: new Set(SCENARIOS) })
    const serves = (server: Running, scenario: Scenario) => server.serves.has(scenario)
    // Warm every server up on every path before measuring.
    for (const scenario of SCENARIOS) {
      for (const server of servers) if (serves(server, scenario)) await runScenario(scenario, server.base, server.headers, server.known, 1)
    }
    for (const scenario of SCENARIOS) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!)
      for (const server of order) {
        if (!serves(server, scenario)) continue
        const cpuBefore = cpuMs(server.child.pid!)
        const stolenBefore = stolenMs()
        const run = await runScenario(scenario, server.base, server.headers, server.known)
        const used = cpuMs(server.child.pid!) - cpuBefore
        stolen.push((stolenMs() - stolenBefore) / (SECONDS * 1000 * (PIN ? 1 : cpus().length)))
        if (server.name !== 'bare' && run.non2xx > 0) throw new Error(`${scenario} on ${server.name}: ${run.non2xx} answers were not 2xx`)
        const key = `${scenario}|${server.name}`
        runs.set(key, [...(runs.get(key) ?? []), {
          rps: run.rps,
          p50: run.p50,
          p99: run.p99,
          cpuUs: used * 1000 / run.total,
          busy: used / (SECONDS * 1000),
          generatorBusy: run.generatorMs / (SECONDS * 1000)
        }])
      }
    }
    for (const server of servers) await stop(server)
    out(`  round ${round}/${ROUNDS} done`)
  }
  out(`  CPU time the hypervisor took from ${PIN ? 'the servers\' core' : 'the machine'} during the runs (steal): median ${pct(median(stolen))}, most ${pct(Math.max(...stolen))}`)
  const pick = (list: Summary[]): Summary => {
    const of = (field: keyof Summary) => median(list.map((r) => r[field]))
    return { rps: of('rps'), p50: of('p50'), p99: of('p99'), cpuUs: of('cpuUs'), busy: of('busy'), generatorBusy: of('generatorBusy') }
  }
  const perRound = (a: Summary[], b: Summary[]) => a.map((run, i) => run.rps / b[i]!.rps)
  return Object.fromEntries(SCENARIOS.map((s) => {
    const sandbox = runs.get(`${s}|sandbox`)!
    const bare = runs.get(`${s}|bare`)!
    const baseline = runs.get(`${s}|baseline`)
    const ratios = perRound(sandbox, bare)
    const result: ScenarioResult = { sandbox: pick(sandbox), bare: pick(bare), ratio: median(ratios), ratios }
    if (baseline !== undefined) {
      const baselineRatios = perRound(baseline, bare)
      const relatives = perRound(sandbox, baseline)
      result.baseline = { summary: pick(baseline), ratio: median(baselineRatios), ratios: baselineRatios, relative: median(relatives), relatives }
    }
    return [s, result]
  })) as Record<Scenario, ScenarioResult>
}

/**
 * A mixed journey at 50 connections, each connection in turn: create a
 * customer (V3), refresh a new customer (a new task), poll that task, read a
 * page of 100 transactions (a fixture customer's, whose data is made once:
 * making a new customer's two years of data is the customers step's cost).
 * In memory, with STATE_DIR and with REDIS_URL (Debian's redis-server on a
 * free loopback port, AOF with Redis's default fsync every second), in turn, per round; then a
 * start from the journal the last STATE_DIR run left.
 */
const STATE_MODES = ['memory', 'STATE_DIR', 'REDIS_URL'] as const
type StateMode = (typeof STATE_MODES)[number]

async function startRedis (dir: string): Promise<{ url: string, stop: () => Promise<void> }> {
  const port = await freePort()
  const redis = PIN
    ? spawn('taskset', ['-c', String(SERVER_CORE), 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: 'ignore' })
    : spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: 'ignore' })
  for (let waited = 0; ; waited += 20) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' })
      break
    } catch {
      if (waited > 10_000) throw new Error('redis-server did not start')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(redis, 'exit')
      redis.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function stateModes (): Promise<{ results: Record<StateMode, Summary>, ratios: Record<StateMode, number[]>, entries: number, snapshotBytes: number, replayMs: number }> {
  type Context = { customer?: string, task?: string }
  const journey = (base: string, headers: Record<string, string>): autocannon.Options => {
    const json = { ...headers, 'content-type': 'application/json' }
    const of = (context: object) => context as Context
    return {
      url: base,
      requests: [
        { method: 'POST', path: '/platform/v3/customers', headers: json, body: '{}' },
        {
          method: 'POST',
          path: '/v1/open-banking/refresh',
          headers: json,
          body: JSON.stringify({ provider: 'Bank_Of_Bud' }),
          setupRequest: (req, context) => {
            of(context).customer = randomUUID()
            return { ...req, headers: { ...req.headers, 'x-customer-id': of(context).customer! } }
          },
          onResponse: (_status, body, context) => { of(context).task = (JSON.parse(body) as { data: { task_id: string } }).data.task_id }
        },
        { method: 'GET', setupRequest: (req, context) => ({ ...req, path: `/v1/open-banking/refresh/${of(context).task!}`, headers: { ...headers, 'x-customer-id': of(context).customer! } }) },
        { method: 'GET', path: TRANSACTIONS_PAGE, headers: { ...headers, 'x-customer-id': DATA_CUSTOMER } }
      ]
    }
  }
  const runs: Record<StateMode, Summary[]> = { memory: [], STATE_DIR: [], REDIS_URL: [] }
  let lastDir = ''
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'bud-sandbox-bench-state-'))
    if (lastDir !== '') rmSync(lastDir, { recursive: true, force: true })
    lastDir = dir
    const order = STATE_MODES.map((_, i) => STATE_MODES[(i + round) % STATE_MODES.length]!)
    for (const mode of order) {
      const redis = mode === 'REDIS_URL' ? await startRedis(mkdtempSync(join(tmpdir(), 'bud-sandbox-bench-redis-'))) : undefined
      const env: Record<string, string> = mode === 'STATE_DIR' ? { STATE_DIR: dir } : redis !== undefined ? { REDIS_URL: redis.url } : {}
      const server = await start((port) => spawnSandbox(port, env))
      const headers = { authorization: `Bearer ${await token(server.base)}`, 'x-client-id': 'bench' }
      await load({ ...journey(server.base, headers), duration: 1 })
      const cpuBefore = cpuMs(server.child.pid!)
      const run = await load(journey(server.base, headers))
      const used = cpuMs(server.child.pid!) - cpuBefore
      if (run.non2xx > 0) throw new Error(`the journey with ${mode}: ${run.non2xx} answers were not 2xx`)
      runs[mode].push({ rps: run.rps, p50: run.p50, p99: run.p99, cpuUs: used * 1000 / run.total, busy: used / (SECONDS * 1000), generatorBusy: run.generatorMs / (SECONDS * 1000) })
      await stop(server)
      await redis?.stop()
    }
    out(`  state round ${round}/${ROUNDS} done`)
  }
  // What the runs left: the snapshot the last stop took, and a journal cut after it.
  const entries = readFileSync(join(lastDir, 'journal.jsonl'), 'utf8').split('\n').length - 2
  const snapshotBytes = existsSync(join(lastDir, 'snapshot.bin')) ? statSync(join(lastDir, 'snapshot.bin')).size : 0
  const started = performance.now()
  const replayed = await start((port) => spawnSandbox(port, { STATE_DIR: lastDir }))
  const replayMs = performance.now() - started
  await stop(replayed)
  rmSync(lastDir, { recursive: true, force: true })
  const pick = (list: Summary[]): Summary => {
    const of = (field: keyof Summary) => median(list.map((r) => r[field]))
    return { rps: of('rps'), p50: of('p50'), p99: of('p99'), cpuUs: of('cpuUs'), busy: of('busy'), generatorBusy: of('generatorBusy') }
  }
  const ratio = (mode: StateMode) => runs[mode].map((r, i) => r.rps / runs.memory[i]!.rps)
  return {
    results: { memory: pick(runs.memory), STATE_DIR: pick(runs.STATE_DIR), REDIS_URL: pick(runs.REDIS_URL) },
    ratios: { memory: ratio('memory'), STATE_DIR: ratio('STATE_DIR'), REDIS_URL: ratio('REDIS_URL') },
    entries,
    snapshotBytes,
    replayMs
  }
}

async function coldStart (spawner: (port: number) => ChildProcess): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const port = await freePort()
    const started = performance.now()
    const child = spawner(port)
    await waitForHealth(`http://127.0.0.1:${port}`, child)
    times.push(performance.now() - started)
    await stop({ child, base: '' })
  }
  return median(times)
}

/** New customers whose first page each round of firstReads reads, after as many to warm up. */
const FIRST_READS = 1000

interface FirstReads { cpuUs: number, cpuUsRounds: number[], bytes: number }

/**
 * What a client waits on when it first reads a new customer's data: the
 * customer is provisioned by the read, its two banks' plans made and a page
 * of 100 transactions generated, viewed, serialized and sent. One request at
 * a time (what a test suite does), so the server's CPU per read is the cost.
 * With a baseline, both servers run in each round and take turns, 50 reads
 * each, so that the machine's drifts fall on both alike.
 */
async function firstReads (baselineRoot: string | undefined): Promise<{ sandbox: FirstReads, baseline?: FirstReads }> {
  const roots = baselineRoot === undefined ? [ROOT] : [ROOT, baselineRoot]
  const rounds = roots.map(() => ({ cpu: [] as number[], bytes: 0 }))
  const TURN = 50
  for (let round = 0; round < ROUNDS; round++) {
    const servers: Server[] = []
    try {
      for (const root of roots) servers.push(await start((port) => spawnSandbox(port, {}, root)))
      const readers = await Promise.all(servers.map(async (server) => {
        const headers = { authorization: `Bearer ${await token(server.base)}`, 'x-client-id': 'bench' }
        return async () => {
          const res = await fetch(`${server.base}${TRANSACTIONS_PAGE}`, { headers: { ...headers, 'x-customer-id': randomUUID() } })
          const body = await res.arrayBuffer()
          if (res.status !== 200) throw new Error(`first read answered ${res.status}`)
          return body.byteLength
        }
      }))
      // Warm up, then measure.
      for (const read of readers) for (let n = 0; n < FIRST_READS; n++) await read()
      const used = servers.map(() => 0)
      const bytes = servers.map(() => 0)
      for (let turn = 0; turn < FIRST_READS / TURN; turn++) {
        for (const [i, read] of readers.entries()) {
          const before = cpuMs(servers[i]!.child.pid!)
          for (let n = 0; n < TURN; n++) bytes[i]! += await read()
          used[i]! += cpuMs(servers[i]!.child.pid!) - before
        }
      }
      for (const [i, kept] of rounds.entries()) {
        kept.cpu.push(used[i]! * 1000 / FIRST_READS)
        kept.bytes = bytes[i]! / FIRST_READS
      }
    } finally {
      for (const server of servers) await stop(server)
    }
  }
  const summary = ({ cpu, bytes }: { cpu: number[], bytes: number }): FirstReads => ({ cpuUs: median(cpu), cpuUsRounds: cpu, bytes })
  return { sandbox: summary(rounds[0]!), ...(rounds[1] === undefined ? {} : { baseline: summary(rounds[1]) }) }
}

function dataCustomers (): { customers: number, rssMb: number, baselineMb: number, seconds: number } {
  const output = execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench', 'data-customers.mjs'), '100000'], { encoding: 'utf8' })
  return JSON.parse(output)
}

function clientWorlds (): { clients: number, rssMb: number, baselineMb: number, seconds: number } {
  const output = execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench', 'client-worlds.mjs'), '10000'], { encoding: 'utf8' })
  return JSON.parse(output)
}

function snapshotStart (): { customers: number, tasks: number, snapshotMs: number, snapshotMb: number, startMs: number, peakRssMb: number } {
  const output = execFileSync(process.execPath, ['--max-old-space-size=4096', join(ROOT, 'bench', 'snapshot-start.mjs'), '100000', '1000000'], { encoding: 'utf8' })
  return JSON.parse(output.trim().split('\n').pop()!) as ReturnType<typeof snapshotStart>
}

function millionTasks (): { tasks: number, rssMb: number, baselineMb: number, secondsToCreate: number } {
  const output = execFileSync(process.execPath, ['--expose-gc', join(ROOT, 'bench', 'million-tasks.mjs'), '1000000'], { encoding: 'utf8' })
  return JSON.parse(output)
}

/** The CPU time (user + system) a process has used, in ms, from /proc (Linux clock ticks: 100 per second). */
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * CPU time the hypervisor gave to other guests ("steal", from /proc/stat), in
 * ms, on the servers' core when pinning, else summed over all cores. A run
 * with much of it measured a busy host, not the servers.
 */
function stolenMs (): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(PIN ? `cpu${SERVER_CORE} ` : 'cpu '))
  return line === undefined ? 0 : Number(line.trim().split(/\s+/)[8] ?? 0) * 10
}

function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024
}

async function soak (): Promise<{ samples: { at: number, rssMb: number }[], requests: number, errors: number, statuses: string, alive: boolean }> {
  // Small bounds, so a few minutes of new tasks and customers reach them and eviction has to hold RSS flat.
  // The heap is capped: were retained memory unbounded, the sandbox would die of it within the soak.
  const sandbox = await start((port) => spawnSandbox(port, { MAX_TASKS: '100000', REQUEST_HISTORY: '1000', NODE_OPTIONS: `--max-old-space-size=${SOAK_HEAP_MB}` }))
  const bearer = await token(sandbox.base)
  const headers = { authorization: `Bearer ${bearer}`, 'x-client-id': 'bench', 'x-customer-id': CUSTOMER, 'content-type': 'application/json' }
  const created = await fetch(`${sandbox.base}/v1/open-banking/refresh`, { method: 'POST', headers, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) })
  if (created.status !== 202) throw new Error(`soak set-up: ${created.status} ${await created.text()}`)
  const taskId = await taskIdOf(created)
  const samples: { at: number, rssMb: number }[] = []
  const started = Date.now()
  const sampler = setInterval(() => samples.push({ at: Math.round((Date.now() - started) / 1000), rssMb: rssMb(sandbox.child.pid!) }), 10_000)
  const result = await autocannon({
    url: sandbox.base,
    connections: 20,
    duration: SOAK_SECONDS,
    requests: [
      { method: 'GET', path: `/v1/open-banking/refresh/${taskId}`, headers },
      { method: 'POST', path: '/v1/open-banking/refresh', headers, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) },
      { method: 'POST', path: '/v1/open-banking/refresh', headers, body: JSON.stringify({ provider: 'Natwest_Sandbox' }), setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-customer-id': randomUUID() } }) },
      { method: 'GET', path: '/nowhere', headers }
    ]
  })
  clearInterval(sampler)
  const alive = sandbox.child.exitCode === null
  if (alive) samples.push({ at: SOAK_SECONDS, rssMb: rssMb(sandbox.child.pid!) })
  if (alive) await stop(sandbox)
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => `${code}: ${stat.count}`).join(', ')
  return { samples, requests: result.requests.total, errors: result.errors + result.non2xx, statuses: `${statuses}, errors: ${result.errors}, timeouts: ${result.timeouts}`, alive }
}

const f = (n: number, digits = 0) => n.toFixed(digits)
const pct = (n: number) => `${f(n * 100)} %`
const spread = (values: number[]) => values.map((r) => f(r, 2)).join(' ')

async function main (): Promise<void> {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const baseline = BASELINE !== undefined && (ONLY.has('throughput') || ONLY.has('firsts')) ? buildBaseline(BASELINE) : undefined
  try {
    await measure(baseline)
  } finally {
    baseline?.remove()
  }
}

async function measure (baseline: ReturnType<typeof buildBaseline> | undefined): Promise<void> {
  // The load generator (autocannon, in this process) on core 0, all its threads.
  if (PIN) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
  out(`bud-sandbox benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f(totalmem() / 2 ** 30)} GiB`)
  out(`autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds, each with every server started afresh and run one after the other (medians; a round's ratio compares its runs); ${PIN ? 'load generator pinned to core 0, each server to core 1 (BENCH_PIN=0 to share both cores)' : 'load generator and servers share the machine'}`)
  out()

  const verdicts: string[] = []
  if (ONLY.has('throughput')) {
    const results = await throughput(baseline?.root)
    // "busy": the share of the run's wall time a process spent on CPU. A server near 100 % is what limits the run;
    // a load generator near 100 % while the server is not means the run measured autocannon. The CPU ratio
    // (bare Fastify's CPU per request over the sandbox's) does not depend on which side limited the run.
    out('| scenario | sandbox req/s | p50 ms | p99 ms | CPU µs/req | CPU busy | bare req/s | p50 ms | p99 ms | CPU µs/req | CPU busy | load generator busy (sandbox, bare) | CPU ratio | ratio | rounds\' ratios |')
    out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const scenario of SCENARIOS) {
      const { sandbox, bare, ratio, ratios } = results[scenario]
      out(`| ${scenario} | ${f(sandbox.rps)} | ${sandbox.p50} | ${sandbox.p99} | ${f(sandbox.cpuUs)} | ${pct(sandbox.busy)} | ${f(bare.rps)} | ${bare.p50} | ${bare.p99} | ${f(bare.cpuUs)} | ${pct(bare.busy)} | ${pct(sandbox.generatorBusy)}, ${pct(bare.generatorBusy)} | ${f(bare.cpuUs / sandbox.cpuUs, 2)}× | ${f(ratio, 2)}× | ${spread(ratios)} |`)
      const target = DATA_SCENARIOS.includes(scenario) ? 0.7 : 0.6
      verdicts.push(`${scenario}: ratio ${f(ratio, 2)} ${ratio >= target ? '≥' : '<'} ${target} (rounds ${f(Math.min(...ratios), 2)}–${f(Math.max(...ratios), 2)}), p99 ${sandbox.p99} ms ${sandbox.p99 < 20 ? '<' : '≥'} 20 ms`)
    }
    out()
    if (baseline !== undefined) {
      out(`baseline: the build of ${BASELINE} (${baseline.label})${BASELINE_ENV.CHECKS === undefined ? '' : ` with CHECKS=${BASELINE_ENV.CHECKS}`}, in the same rounds`)
      out('| scenario | baseline req/s | CPU µs/req | ratio to bare | rounds\' ratios | this build ÷ baseline, req/s | rounds |')
      out('|---|---|---|---|---|---|---|')
      for (const scenario of SCENARIOS) {
        const b = results[scenario].baseline
        if (b === undefined) continue
        out(`| ${scenario} | ${f(b.summary.rps)} | ${f(b.summary.cpuUs)} | ${f(b.ratio, 2)}× | ${spread(b.ratios)} | ${f(b.relative, 2)}× | ${spread(b.relatives)} |`)
        verdicts.push(`${scenario}: this build ${f(b.relative, 2)}× the baseline's req/s (ratio to bare ${f(results[scenario].ratio, 2)} against the baseline's ${f(b.ratio, 2)})`)
      }
      out()
    }
  }

  if (ONLY.has('cold')) {
    const sandboxCold = await coldStart((port) => spawnSandbox(port))
    const bareCold = await coldStart(spawnBare)
    out(`cold start (spawn to first 200 on /health, median of 5): sandbox ${f(sandboxCold)} ms, bare Fastify ${f(bareCold)} ms, ratio ${f(sandboxCold / bareCold, 2)}×`)
    verdicts.push(`cold start: ratio ${f(sandboxCold / bareCold, 2)} ${sandboxCold / bareCold <= 1.5 ? '≤' : '>'} 1.5`)
  }

  if (ONLY.has('million')) {
    const million = millionTasks()
    out(`1,000,000 tasks: RSS ${f(million.rssMb)} MB (${f(million.baselineMb)} MB before), created in ${f(million.secondsToCreate, 1)} s`)
    verdicts.push(`1,000,000 tasks: ${f(million.rssMb)} MB ${million.rssMb < 600 ? '<' : '≥'} 600 MB`)
  }

  if (ONLY.has('clients')) {
    const worlds = clientWorlds()
    out(`${worlds.clients.toLocaleString('en-GB')} clients, each its own world with a created customer and a refresh: RSS ${f(worlds.rssMb)} MB (${f(worlds.baselineMb)} MB before), in ${f(worlds.seconds, 1)} s`)
    verdicts.push(`10,000 client worlds: ${f(worlds.rssMb)} MB ${worlds.rssMb < 300 ? '<' : '≥'} 300 MB`)
  }

  if (ONLY.has('customers')) {
    const customers = dataCustomers()
    out(`${customers.customers.toLocaleString('en-GB')} customers, each refreshed and a page of 100 transactions read: RSS ${f(customers.rssMb)} MB (${f(customers.baselineMb)} MB before), in ${f(customers.seconds, 1)} s`)
    verdicts.push(`100,000 customers' data: ${f(customers.rssMb)} MB ${customers.rssMb < 600 ? '<' : '≥'} 600 MB`)
  }

  if (ONLY.has('state')) {
    const { results, ratios, entries, snapshotBytes, replayMs } = await stateModes()
    out('mixed journey (create a customer, refresh a new customer, poll its task, read a page of 100 transactions), 50 connections:')
    // The load generator's share too: near 100 %, its own delays are part of the latencies it reports.
    out('| mode | req/s | p50 ms | p99 ms | sandbox CPU µs/req | sandbox CPU busy | load generator busy | ÷ memory, req/s | rounds |')
    out('|---|---|---|---|---|---|---|---|---|')
    for (const mode of STATE_MODES) {
      const r = results[mode]
      out(`| ${mode} | ${f(r.rps)} | ${r.p50} | ${r.p99} | ${f(r.cpuUs)} | ${pct(r.busy)} | ${pct(r.generatorBusy)} | ${f(median(ratios[mode]), 2)}× | ${spread(ratios[mode])} |`)
      verdicts.push(`${mode} journey: p99 ${r.p99} ms ${r.p99 < 20 ? '<' : '≥'} 20 ms; ${f(median(ratios[mode]), 2)}× memory's req/s`)
    }
    out(`a start from the state the STATE_DIR runs left (a snapshot of ${f(snapshotBytes / 1024)} KB, ${entries.toLocaleString('en-GB')} journal entries after it) took ${f(replayMs)} ms to its first /health`)
  }

  if (ONLY.has('snapshot')) {
    const snapshot = snapshotStart()
    out(`a start from a STATE_DIR snapshot of ${snapshot.customers.toLocaleString('en-GB')} customers and ${snapshot.tasks.toLocaleString('en-GB')} tasks (${f(snapshot.snapshotMb)} MB, taken in ${f(snapshot.snapshotMs)} ms): ${f(snapshot.startMs)} ms to its first answer, peak RSS ${f(snapshot.peakRssMb)} MB`)
    verdicts.push(`start from 100,000 customers and 1,000,000 tasks: ${f(snapshot.startMs / 1000, 1)} s ${snapshot.startMs < 10_000 ? '<' : '≥'} 10 s`)
  }

  if (ONLY.has('firsts')) {
    const firsts = await firstReads(baseline?.root)
    out(`a new customer's first page of 100 transactions over HTTP, ${FIRST_READS} new customers a round, one at a time, ${ROUNDS} rounds (medians): server CPU ${f(firsts.sandbox.cpuUs)} µs a read (rounds ${spread(firsts.sandbox.cpuUsRounds)}), ${f(firsts.sandbox.bytes / 1024, 1)} KB`)
    if (firsts.baseline !== undefined) {
      // As for throughput, the median of the rounds' own ratios: each compares two servers taking turns in the same round.
      const relatives = firsts.sandbox.cpuUsRounds.map((cpu, i) => cpu / firsts.baseline!.cpuUsRounds[i]!)
      const relative = median(relatives)
      out(`  baseline ${baseline!.label}: ${f(firsts.baseline.cpuUs)} µs a read (rounds ${spread(firsts.baseline.cpuUsRounds)}), ${f(firsts.baseline.bytes / 1024, 1)} KB; this build ${f(relative, 2)}× its CPU per read (rounds ${spread(relatives)})`)
      verdicts.push(`a new customer's first page: ${f(relative, 2)}× the baseline's CPU per read ${relative <= 1.05 ? '≤' : '>'} 1.05`)
    }
  }

  if (ONLY.has('soak') && SOAK_SECONDS > 0) {
    const { samples, requests, errors, statuses, alive } = await soak()
    out(`soak: ${SOAK_SECONDS} s of mixed load (status, dedupe, new tasks for new customers, 404s), ${requests} requests, MAX_TASKS=100000, heap capped at ${SOAK_HEAP_MB} MB; RSS MB every 10 s:`)
    out('  ' + samples.map((s) => `${s.at}s ${f(s.rssMb)}`).join(', '))
    const peak = (from: number, to: number) => Math.max(...samples.filter((s) => s.at > from && s.at <= to).map((s) => s.rssMb))
    const middle = peak(SOAK_SECONDS / 3, (2 * SOAK_SECONDS) / 3)
    const last = peak((2 * SOAK_SECONDS) / 3, SOAK_SECONDS)
    out(`  peak RSS, middle third ${f(middle)} MB, last third ${f(last)} MB; ${alive ? 'the sandbox lived through it' : 'THE SANDBOX DIED'}; ${errors} non-2xx answers or errors (${statuses}; a quarter of the mix is a deliberate 404)`)
    verdicts.push(`soak: ${alive ? 'survived a ' + SOAK_HEAP_MB + ' MB heap cap' : 'died'}, last-third peak ${f(last)} MB vs middle ${f(middle)} MB ${alive && last <= middle * 1.1 ? '(flat)' : '(growing)'}`)
  }
  out()
  out('targets:')
  for (const v of verdicts) out(`  ${v}`)
}

try {
  await main()
} finally {
  rmSync(dirname(BARE_BODIES), { recursive: true, force: true })
}
