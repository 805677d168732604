// How long a start takes from a STATE_DIR snapshot of a big sandbox:
// `customers` customers, each refreshed and read once, and `tasks` tasks in
// all (run on the built dist/). Makes the state in this process through the
// engine itself, takes its snapshot as a running sandbox does, then starts
// `node dist/server.js` on it and times it to its first answer.
// node bench/snapshot-start.mjs [customers=100000] [tasks=1000000]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../dist/app.js'
import { SandboxClock } from '../dist/domain/clock.js'
import { SNAPSHOT_FORMAT, takeSnapshot, writeSnapshotFile } from '../dist/state/snapshot.js'
import { loadStart } from '../dist/state/start.js'

const customers = Number(process.argv[2] ?? 100_000)
const tasks = Number(process.argv[3] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'bud-sandbox-snapshot-'))
const settings = { fixtures: undefined, stepDurationMs: undefined, auth: 'on', checks: 'report', maxTasks: 2_000_000, taskRetentionMs: 24 * 60 * 60 * 1000, maxClients: 10_000, stateDir: dir, redisUrl: undefined }
try {
  const { fixtures, state } = await loadStart(settings)
  // The sandbox clock, moved by hand: an hour between rounds, so each round's refreshes are new tasks, not the dedupe's.
  let nowMs = Date.now()
  const app = await buildApp({ ...settings, fixtures, logLevel: 'warn', bodyLimit: 102_400, requestHistorySize: 10 }, { clock: new SandboxClock(() => nowMs), state })
  const world = app.worlds.of('bench')
  const id = (i) => `cccccccc-0000-4000-8000-${String(i).padStart(12, '0')}`
  let made = performance.now()
  for (let i = 0; i < tasks; i++) {
    world.refresh.initiate({ clientId: 'bench', customer: { customerId: id(i % customers) }, provider: i % 2 === 0 ? 'Bank_Of_Bud' : 'Natwest_Sandbox' })
    if (i % customers === customers - 1) nowMs += 60 * 60 * 1000 + 1
  }
  nowMs += 10_000
  for (let i = 0; i < customers; i++) world.data.transactions(world.customers.resolve({ customerId: id(i) }, nowMs), { pageSize: 100 })
  made = (performance.now() - made) / 1000
  // A snapshot as a running sandbox takes one (journaling.ts), timed; the state was made through the engine, not by journaled requests, so it holds none.
  const started = performance.now()
  const bytes0 = takeSnapshot({ worlds: app.worlds, tokens: app.tokens, webhooks: app.webhooks, draws: state.draws })
  writeSnapshotFile(dir, { bud_sandbox_snapshot: SNAPSHOT_FORMAT, secret: state.header.secret, entries: 0, taken_at_ms: Date.now() }, bytes0)
  const snapshotMs = Math.round(performance.now() - started)
  await app.close()
  const bytes = statSync(join(dir, 'snapshot.bin')).size

  // The start, in a process of its own: from its spawn to its first answer.
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'server.js')], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATE_DIR: dir, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk
      const found = /"url":"([^"]+)"/.exec(out)
      if (found !== null) resolve(found[1])
    })
    child.on('exit', () => reject(new Error(`the sandbox exited: ${out}`)))
  })
  const health = await fetch(`${url}/health`)
  const startMs = Math.round(performance.now() - t0)
  const rssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec((await import('node:fs')).readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024)
  child.kill('SIGKILL')
  process.stdout.write(JSON.stringify({ customers, tasks: world.tasks.size, secondsToMake: Math.round(made), snapshotMs, snapshotMb: Math.round(bytes / 2 ** 20), startMs, health: health.status, peakRssMb: rssMb }) + '\n')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
