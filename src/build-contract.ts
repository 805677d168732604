// Run by `npm run build`, after tsc: compiles the contract ahead of every start.
// 1. openapi.yaml as dist/openapi.json, so a start reads JSON instead of
//    parsing YAML (see contract.ts).
// 2. Every route's validators and success serializers as standalone code in
//    dist/compiled-schemas.cjs, so a start restores them instead of compiling
//    (see compiled-schemas.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'
import { buildApp } from './app.js'
import { COMPILED_SCHEMAS_FILE, recordingCompilers, writeCompiledSchemas } from './compiled-schemas.js'
import { DEFAULTS } from './config.js'
import { OPENAPI_FILE, OPENAPI_JSON } from './contract.js'
import { SandboxClock } from './domain/clock.js'
import { DEFAULT_FIXTURES, loadFixtures } from './fixtures.js'

writeFileSync(OPENAPI_JSON, JSON.stringify(parse(readFileSync(OPENAPI_FILE, 'utf8'))))

// The routes and their schemas do not depend on the settings; the defaults build them all.
const store = new Map<string, string>()
const app = await buildApp(
  { ...DEFAULTS, logLevel: 'silent', fixtures: loadFixtures(DEFAULT_FIXTURES) },
  { clock: new SandboxClock(Date.now), schemaCompilers: recordingCompilers(store) }
)
await app.ready()
await app.close()
writeCompiledSchemas(COMPILED_SCHEMAS_FILE, store)
