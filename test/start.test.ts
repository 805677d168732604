// `npm start` builds only when something the build reads has changed, and
// never serves a stale build. Runs `npm start`'s own command in a copy of the
// project (its node_modules linked), through four builds: allow minutes.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { listeningUrl } from './helper.js'

const ROOT = join(import.meta.dirname, '..')
const COPIED = ['src', 'scripts', 'fixtures', 'views', 'openapi.yaml', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']

t.setTimeout(300_000)

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

/** `npm start`'s command (`node scripts/start.mjs`), run by this Node in `dir`. */
function spawnStart (dir: string, env: Record<string, string>) {
  const [command, ...args] = pkg.scripts.start!.split(' ')
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node`)
  return spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Starts it until it answers /health; returns what it printed and what it serves, after a SIGTERM. */
async function start (dir: string) {
  const child = spawnStart(dir, { PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json' })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const started = listeningUrl(child, 'start')
  const url = await started.url
  const health = await fetch(`${url}/health`)
  const document = await (await fetch(`${url}/docs/json`)).json() as { info: { title: string } }
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  return { stderr: started.printed.stderr, stdout: started.printed.stdout, health: health.status, title: document.info.title, code }
}

t.test('npm start builds once, starts straight from dist/ after, and rebuilds when openapi.yaml or a source changes', async (t) => {
  t.equal(pkg.scripts.start, 'node scripts/start.mjs', 'what this test runs is what npm start runs')
  t.equal(pkg.scripts.prestart, undefined, 'and nothing builds before it')
  const dir = t.testdir({})
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))

  const first = await start(dir)
  t.match(first.stderr, /building \(no build yet\)/, 'a fresh tree builds')
  t.equal(first.health, 200)
  t.equal(first.code, 0)

  const second = await start(dir)
  t.notMatch(second.stderr, /building/, 'an up-to-date tree starts without building')
  t.equal(second.health, 200)

  const contract = join(dir, 'openapi.yaml')
  writeFileSync(contract, readFileSync(contract, 'utf8').replace('  title: bud-sandbox\n', '  title: bud-sandbox (edited)\n'))
  const edited = await start(dir)
  t.match(edited.stderr, /building \(what the build reads has changed since the last one\)/)
  t.equal(edited.title, 'bud-sandbox (edited)', 'the edited contract is served')

  const server = join(dir, 'src', 'server.ts')
  writeFileSync(server, readFileSync(server, 'utf8').replace('`bud-sandbox listening on ', '`bud-sandbox (edited) listening on '))
  const rebuilt = await start(dir)
  t.match(rebuilt.stderr, /building/)
  t.match(rebuilt.stdout, /bud-sandbox \(edited\) listening on/, 'the edited source is served')

  // `npm run build` on its own records what it built: the start after it does not build again.
  writeFileSync(server, readFileSync(server, 'utf8').replace('`bud-sandbox (edited) listening on ', '`bud-sandbox (built) listening on '))
  t.equal(pkg.scripts.build, 'node scripts/build.mjs')
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'ignore' })
  const afterBuild = await start(dir)
  t.notMatch(afterBuild.stderr, /building/, 'a start after npm run build goes straight to dist/')
  t.match(afterBuild.stdout, /bud-sandbox \(built\) listening on/, 'and serves what npm run build built')

  // On this up-to-date tree, a bad setting stops the start with today's one line, and nothing is built.
  const bad = spawnStart(dir, { PORT: 'not-a-port' })
  let stderr = ''
  bad.stderr.on('data', (d) => { stderr += d })
  const [code] = await once(bad, 'exit')
  t.equal(code, 1)
  t.equal(stderr, 'bud-sandbox: invalid setting PORT (--port): got "not-a-port"; it accepts a port number from 0 to 65535 (0 picks a free port)\n')
})
