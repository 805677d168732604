// What tells a build in dist/ from a stale one: a hash, by path and content
// (not modification times, which a checkout or a copy changes), of every
// file the build reads. `npm run build` records it in dist/ when it ends;
// `npm start` builds only when the files' hash differs from the record.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

export const ROOT = join(import.meta.dirname, '..')
export const SERVER = join(ROOT, 'dist', 'server.js')
export const FINGERPRINT = join(ROOT, 'dist', '.build-fingerprint')

/** The sources, the contract, the build scripts, the TypeScript settings, the package and its lockfile. */
const BUILD_INPUTS = ['src', 'openapi.yaml', 'scripts/build.mjs', 'scripts/bundle.ts', 'scripts/fingerprint.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']

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
export function fingerprint () {
  const hash = createHash('sha256')
  for (const file of inputFiles()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  return hash.digest('hex')
}

/** True when dist/ holds a build of exactly these files. */
export function isBuilt (current = fingerprint()) {
  return existsSync(SERVER) && existsSync(FINGERPRINT) && readFileSync(FINGERPRINT, 'utf8') === current
}
