// No Docker engine runs here, so this replays the Dockerfile outside Docker.
// It parses the Dockerfile (so the two cannot drift), runs each stage's
// COPY/RUN/WORKDIR/ENV into a temporary root (a COPY from the build context
// takes only what .dockerignore lets Docker send), then starts the runtime stage's
// CMD with its ENV, waits for its HEALTHCHECK command to pass, gets a token,
// makes a refresh, polls it, sends a bad one, loads Swagger UI's files and the
// webhook JWKS (the parts the bundle must find at run time), sends SIGTERM and
// expects exit code 0.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import dockerignore from '@balena/dockerignore'
import { freePort } from './free-port.js'

const REPO = resolve(import.meta.dirname, '..')
/** The build context as Docker sends it: the repository less what .dockerignore excludes (the CommonJS module's `default` is the factory). */
const context = dockerignore.default().add(existsSync(join(REPO, '.dockerignore')) ? readFileSync(join(REPO, '.dockerignore'), 'utf8').split(/\r?\n/) : [])

interface Instruction { keyword: string, args: string }
interface Stage { name: string, from: string, instructions: Instruction[] }

export function parseDockerfile (text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const stages: Stage[] = []
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!
    const upper = keyword!.toUpperCase()
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!)!
      stages.push({ name: m[2] ?? String(stages.length), from: m[1]!, instructions: [] })
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile: ${upper} before FROM`)
      stages.at(-1)!.instructions.push({ keyword: upper, args: args! })
    }
  }
  return stages
}

function parseEnv (args: string): [string, string][] {
  const pairs = [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')] as [string, string])
  if (pairs.length === 0) {
    const [key, ...rest] = args.split(/\s+/)
    return [[key!, rest.join(' ')]]
  }
  return pairs
}

interface BuiltStage {
  root: string
  workdir: string
  env: Record<string, string>
  user?: string
  expose: string[]
  healthcheck?: { options: Record<string, string>, cmd: string[] }
  cmd?: string[]
}

function runStage (stage: Stage, built: Map<string, BuiltStage>, log: (s: string) => void): BuiltStage {
  const root = mkdtempSync(join(tmpdir(), `bud-sandbox-${stage.name}-`))
  const state: BuiltStage = { root, workdir: '/', env: {}, expose: [] }
  const inRoot = (path: string, base = root) => join(base, path.startsWith('/') ? path : join(state.workdir, path))
  for (const { keyword, args } of stage.instructions) {
    switch (keyword) {
      case 'ENV':
        for (const [k, v] of parseEnv(args)) state.env[k] = v
        break
      case 'WORKDIR':
        state.workdir = args.startsWith('/') ? args : join(state.workdir, args)
        mkdirSync(inRoot('.'), { recursive: true })
        break
      case 'COPY': {
        const parts = args.split(/\s+/)
        const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined
        const dest = parts.pop()!
        // From the build context, only what .dockerignore lets Docker send.
        const sent = from === undefined ? (path: string) => !context.ignores(relative(REPO, path)) : () => true
        for (const src of parts) {
          const source = from === undefined ? join(REPO, src) : join(built.get(from)!.root, src)
          const target = dest.endsWith('/') || parts.length > 1 ? join(inRoot(dest), src.split('/').pop()!) : inRoot(dest)
          if (!existsSync(source) || (!statSync(source).isDirectory() && !sent(source))) {
            throw new Error(`Dockerfile: COPY ${src}: not in the build context${from === undefined ? ' (or excluded by .dockerignore)' : ` of stage ${from}`}`)
          }
          mkdirSync(dirname(target), { recursive: true })
          // Directories are walked (a file under an ignored one may be let back in by a "!" rule); files are filtered.
          cpSync(source, target, { recursive: true, filter: (path) => statSync(path).isDirectory() || sent(path) })
        }
        break
      }
      case 'RUN': {
        // Build flags such as --mount=type=cache only speed up a real build; the command is what runs.
        const command = args.replace(/^(--\S+\s+)+/, '')
        log(`  RUN ${command}`)
        execFileSync('sh', ['-c', command], { cwd: inRoot('.'), env: { ...process.env, ...state.env }, stdio: ['ignore', 'ignore', 'inherit'] })
        break
      }
      case 'USER':
        state.user = args
        break
      case 'EXPOSE':
        state.expose.push(...args.split(/\s+/))
        break
      case 'HEALTHCHECK': {
        const m = /^((?:--\S+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(args)
        if (m === null) throw new Error(`Dockerfile: HEALTHCHECK must be --options CMD ["exec", "form"]: ${args}`)
        const options = Object.fromEntries([...m[1]!.matchAll(/--(\S+?)=(\S+)/g)].map((o) => [o[1]!, o[2]!]))
        state.healthcheck = { options, cmd: JSON.parse(m[2]!) }
        break
      }
      case 'CMD':
        state.cmd = JSON.parse(args)
        break
      default:
        throw new Error(`Dockerfile: ${keyword} is not replayed by this check; extend it`)
    }
  }
  return state
}

function seconds (value: string | undefined, fallback: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value ?? '')
  if (m === null) return fallback
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] ?? 's'] ?? 1)
}

function check (condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`docker runtime check: ${message}`)
}

async function main (): Promise<void> {
  const log = (s: string) => process.stdout.write(`${s}\n`)
  const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'))
  const built = new Map<string, BuiltStage>()
  let child: ChildProcess | undefined
  try {
    for (const stage of stages) {
      log(`stage ${stage.name} (FROM ${stage.from})`)
      built.set(stage.name, runStage(stage, built, log))
    }
    const runtime = built.get(stages.at(-1)!.name)!
    const app = join(runtime.root, runtime.workdir)
    check(/^node:(22|24)\b/.test(stages.at(-1)!.from), `the runtime stage should be on a current Node LTS image, not ${stages.at(-1)!.from}`)
    check(runtime.user !== undefined && runtime.user !== 'root' && runtime.user !== '0', 'the runtime stage must run as a non-root USER')
    check(runtime.env.HOST === '0.0.0.0', 'the runtime stage must set ENV HOST=0.0.0.0')
    check(runtime.expose.includes(runtime.env.PORT ?? ''), `EXPOSE ${runtime.expose.join(' ')} should match ENV PORT=${runtime.env.PORT}`)
    check(runtime.healthcheck !== undefined && runtime.cmd !== undefined, 'the runtime stage needs HEALTHCHECK and CMD')
    check(runtime.healthcheck.cmd[0] === 'node', 'the HEALTHCHECK must need nothing beyond Node')
    check(!existsSync(join(app, 'node_modules', 'typescript')) && !existsSync(join(app, 'node_modules', 'tap')), 'the runtime stage must hold production dependencies only')
    check(existsSync(join(app, 'fixtures', 'default.json')) && existsSync(join(app, 'openapi.yaml')), 'the runtime stage must ship the fixtures and openapi.yaml')
    log('runtime stage: non-root, production dependencies only, fixtures and openapi.yaml shipped')

    // As `docker run -p <port>:<port> -e PORT=<port>` would: a free port, the rest of ENV as written.
    const env = { ...process.env, ...runtime.env, PORT: String(await freePort()) }
    const [command, ...args] = runtime.cmd
    child = spawn(command === 'node' ? process.execPath : command!, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout!.on('data', (d) => { output += d })
    const exited = once(child, 'exit')

    const { interval, retries } = runtime.healthcheck.options
    const deadline = Date.now() + 1000 * (seconds(runtime.healthcheck.options['start-period'], 0) + seconds(interval, 30) * Number(retries ?? 3))
    const [hcCommand, ...hcArgs] = runtime.healthcheck.cmd
    let healthy = false
    while (!healthy && Date.now() < deadline) {
      try {
        execFileSync(hcCommand === 'node' ? process.execPath : hcCommand!, hcArgs, { cwd: app, env, stdio: 'ignore' })
        healthy = true
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    check(healthy, `the HEALTHCHECK command never passed; output:\n${output}`)
    log(`healthy on port ${env.PORT}`)
    // The health check runs synchronously, so the startup line may still be on its way.
    for (let waited = 0; !output.includes('/docs') && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
    check(output.split('\n').filter((l) => l.includes('/docs')).length === 1, `startup should print one line with the /docs URL; output:\n${output}`)

    const base = `http://127.0.0.1:${env.PORT}`
    const tokenRes = await fetch(`${base}/v1/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('docker-check:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials'
    })
    check(tokenRes.status === 200, `token: ${tokenRes.status}`)
    const { data } = await tokenRes.json() as { data: { access_token: string } }
    const refresh = await fetch(`${base}/v1/open-banking/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${data.access_token}`, 'x-client-id': 'docker-check', 'x-customer-id': '00000000-0000-4000-8000-000000000001', 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'Bank_Of_Bud' })
    })
    const refreshBody = await refresh.text()
    check(refresh.status === 202, `refresh: ${refresh.status} ${refreshBody}`)
    const { data: task } = JSON.parse(refreshBody) as { data: { task_id: string } }
    const status = await fetch(`${base}/v1/open-banking/refresh/${task.task_id}`, {
      headers: { authorization: `Bearer ${data.access_token}`, 'x-client-id': 'docker-check', 'x-customer-id': '00000000-0000-4000-8000-000000000001' }
    })
    check(status.status === 200 && (await status.json() as { data: { task_id: string } }).data.task_id === task.task_id, `status: ${status.status}`)
    const invalid = await fetch(`${base}/v1/open-banking/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${data.access_token}`, 'x-client-id': 'docker-check', 'x-customer-id': '00000000-0000-4000-8000-000000000001', 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 7 })
    })
    const invalidBody = await invalid.text()
    check(invalid.status === 400 && invalidBody.includes('"provider"'), `a numeric provider should be a 400 naming provider: ${invalid.status} ${invalidBody}`)
    log('refresh answered 202, status 200, a bad body 400')
    for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/logo.svg', '/docs/json', '/bud-callback.jwks']) {
      const res = await fetch(`${base}${path}`)
      check(res.status === 200, `GET ${path}: ${res.status}`)
      await res.arrayBuffer()
    }
    log('Swagger UI files and the JWKS served')

    child.kill('SIGTERM')
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000)
    const [code, signal] = await exited
    clearTimeout(timer)
    check(code === 0, `SIGTERM should end the sandbox with exit code 0, got ${code ?? signal}`)
    log('SIGTERM: exit 0')
    log('docker runtime check passed')
  } finally {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL')
    for (const stage of built.values()) rmSync(stage.root, { recursive: true, force: true })
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`)
  process.exitCode = 1
})
