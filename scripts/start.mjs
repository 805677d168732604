#!/usr/bin/env node
// `npm start`: builds only when something the build reads has changed since
// the build in dist/ was made, then serves dist/server.js in this process.
// What the build reads is fingerprinted by content (paths and bytes, not
// modification times, which a checkout or a copy changes): the sources, the
// contract, the bundler script, the TypeScript settings, the package and its
// lockfile. A build that fails leaves no fingerprint, so the next start builds
// again; a stale build is never served.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const BUILD_INPUTS = ['src', 'openapi.yaml', 'scripts/bundle.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']
const SERVER = join(ROOT, 'dist', 'server.js')
const FINGERPRINT = join(ROOT, 'dist', '.build-fingerprint')

function inputFiles () {
  const found = []
  for (const input of BUILD_INPUTS) {
    const path = join(ROOT, input)
    if (!existsSync(path)) continue
    if (!statSync(path).isDirectory()) found.push(path)
    else for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) if (entry.isFile()) found.push(join(entry.parentPath, entry.name))
  }
  return found.sort()
}

/** A hash of every file the build reads, by path and content. */
function fingerprint () {
  const hash = createHash('sha256')
  for (const file of inputFiles()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  return hash.digest('hex')
}

const current = fingerprint()
const built = existsSync(SERVER) && existsSync(FINGERPRINT) && readFileSync(FINGERPRINT, 'utf8') === current
if (!built) {
  rmSync(FINGERPRINT, { force: true })
  process.stderr.write(`bud-sandbox: building (${existsSync(SERVER) ? 'what the build reads has changed since the last one' : 'no build yet'})\n`)
  try {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  } catch {
    process.stderr.write('bud-sandbox: the build failed (see above)\n')
    process.exit(1)
  }
  writeFileSync(FINGERPRINT, current)
}
process.setSourceMapsEnabled(true)
await import(SERVER)
