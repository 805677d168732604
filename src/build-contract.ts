// Run by `npm run build`: writes openapi.yaml as dist/openapi.json, so a start
// reads JSON instead of parsing YAML (see contract.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'
import { OPENAPI_FILE, OPENAPI_JSON } from './contract.js'

writeFileSync(OPENAPI_JSON, JSON.stringify(parse(readFileSync(OPENAPI_FILE, 'utf8'))))
