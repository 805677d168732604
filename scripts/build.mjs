#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/, compiles the contract's route
// schemas (dist/compiled-schemas.cjs) and bundles the server, then records
// the fingerprint of what it built from (see fingerprint.mjs), so the next
// `npm start` starts straight from dist/. The fingerprint is taken before the
// build and written only when every step passed: a file edited while the
// build runs, or a failed build, leaves dist/ marked stale.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { FINGERPRINT, fingerprint, ROOT } from './fingerprint.mjs'

const current = fingerprint()
rmSync(FINGERPRINT, { force: true })
// Each step's own entry point, run by this Node: no shell, nothing from PATH.
const { resolve } = createRequire(import.meta.url)
const node = (...args) => execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' })
try {
  node(resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json')
  node('dist/build-contract.js')
  node(resolve('tsx/cli'), 'scripts/bundle.ts')
} catch {
  // The failing step has said why.
  process.exit(1)
}
writeFileSync(FINGERPRINT, current)
