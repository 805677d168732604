// The package as a user installs it: packed from a copy of the project (so
// the build it runs leaves this tree alone), installed into an empty project,
// then started with npx, imported from a script, and used from the Vitest and
// Jest set-ups of docs/testing.md. Allow a minute or two.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { listeningUrl } from './helper.js'

const ROOT = join(import.meta.dirname, '..')
const COPIED = ['src', 'scripts', 'fixtures', 'views', 'openapi.yaml', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md']

t.setTimeout(300_000)

t.test('npm pack holds the built package and nothing else; installed in an empty project it runs with npx and imports', async (t) => {
  const dir = t.testdir({ project: { 'package.json': JSON.stringify({ name: 'my-app', version: '1.0.0', private: true, type: 'module' }) } })
  const copy = join(dir, 'bud-sandbox')
  for (const name of COPIED) cpSync(join(ROOT, name), join(copy, name), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string, files: { path: string }[] }[]
  const files = packed[0]!.files.map((f) => f.path)
  t.ok(files.includes('dist/server.js') && files.includes('dist/index.js') && files.includes('dist/index.d.ts'), 'the built server, the API and its types')
  t.ok(files.includes('fixtures/default.json') && files.includes('openapi.yaml') && files.includes('views/bank.eta'))
  t.same(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.startsWith('scripts/')), [], 'no sources, tests, scripts or source maps')
  t.ok(files.includes('dist/swagger-ui/static/swagger-ui-bundle.js'), "Swagger UI's files, copied")
  const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { dependencies?: object, engines: { node: string } }
  t.equal(manifest.dependencies, undefined, 'no dependencies: the server and the API are bundled')
  t.equal(manifest.engines.node, '>=20', 'the Node this suite runs on')

  const project = join(dir, 'project')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed[0]!.filename)], { cwd: project, stdio: 'ignore' })
  t.same(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.')), ['bud-sandbox'], 'installs one package, offline')

  // npx bud-sandbox, as a user starts it.
  // In a process group of its own: npx runs the server as its child, and the signal goes to both.
  const child = spawn('npx', ['bud-sandbox', '--port', '0', '--log-format', 'json'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const signal = (name: NodeJS.Signals) => { try { process.kill(-child.pid!, name) } catch {} }
  t.teardown(() => signal('SIGKILL'))
  const url = await listeningUrl(child, 'npx bud-sandbox').url
  t.equal((await fetch(`${url}/health`)).status, 200)
  const refreshed = await fetch(`${url}/v1/open-banking/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-client-id': 'c', 'x-customer-id': '00000000-0000-4000-8000-000000000001', authorization: 'Bearer none' }, body: '{"provider":"Bank_Of_Bud"}' })
  t.equal(refreshed.status, 401, 'tokens on by default, as the CLI')
  const exited = new Promise((resolve) => child.once('exit', resolve))
  signal('SIGTERM')
  await exited

  // import { startSandbox } from a script of the user's.
  writeFileSync(join(project, 'use.mjs'), [
    "import { startSandbox } from 'bud-sandbox'",
    "const sandbox = await startSandbox({ auth: 'off' })",
    "const res = await fetch(sandbox.url + '/open-banking/v2/refresh', { method: 'POST', headers: { 'x-client-id': 'c', 'x-customer-id': '00000000-0000-4000-8000-000000000001' }, body: '{}' })",
    "const ui = await fetch(sandbox.url + '/docs/static/swagger-ui-bundle.js')",
    "console.log(res.status, await sandbox.clock.advance('PT5S') > '2000', ui.status)",
    'await sandbox.close()'
  ].join('\n'))
  t.equal(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' }).trim(), '202 true 200', 'a refresh, a control and Swagger UI\'s files, from the installed package')

  // docs/testing.md's Vitest and Jest set-ups, each in a project of its own
  // beside the installed package, with the files exactly as shown.
  for (const runner of ['vitest', 'jest']) symlinkSync(join(ROOT, 'node_modules', runner), join(project, 'node_modules', runner), 'dir')
  const commands = {
    Vitest: [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run'],
    Jest: ['--experimental-vm-modules', join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js')]
  }
  for (const [section, command] of Object.entries(commands)) {
    for (const [i, files] of setUps(section).entries()) {
      await t.test(`docs/testing.md: ${section}, set-up ${i + 1} (${Object.keys(files).join(', ')})`, async (t) => {
        const cwd = join(dir, `${section}-${i + 1}`)
        mkdirSync(cwd)
        writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }))
        symlinkSync(join(project, 'node_modules'), join(cwd, 'node_modules'), 'dir')
        for (const [path, text] of Object.entries(files)) {
          mkdirSync(dirname(join(cwd, path)), { recursive: true })
          writeFileSync(join(cwd, path), text)
        }
        const ran = spawnSync(process.execPath, command, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' } })
        t.equal(ran.status, 0, `${section} passes:\n${ran.stdout}${ran.stderr}`)
        t.match(`${ran.stdout}${ran.stderr}`, /Tests:?\s+1 passed/, 'its one test ran and passed')
      })
    }
  }
})

/**
 * The code blocks of one `## <section>` of docs/testing.md, grouped into
 * set-ups: each block is a file named by its first line (`// test/x.test.js`),
 * and a set-up ends with a file that says how it is run.
 */
function setUps (section: string): Record<string, string>[] {
  const doc = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8')
  const text = doc.slice(doc.indexOf(`\n## ${section}\n`)).split(/\n## /)[1]!
  const groups: Record<string, string>[] = [{}]
  for (const [, code] of text.matchAll(/```js\n([\s\S]*?)```/g)) {
    const first = code!.slice(0, code!.indexOf('\n'))
    groups.at(-1)![/^\/\/ (\S+)/.exec(first)![1]!] = code!
    if (first.includes('run with:')) groups.push({})
  }
  return groups.filter((files) => Object.keys(files).length > 0)
}
