// Builds the production app for a test: a hand-moved clock, logs captured in
// memory, teardown registered, and every response checked against openapi.yaml.
import type { ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Readable, Writable } from 'node:stream'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Duration } from 'luxon'
import { buildApp, type AppConfig, type AppDeps } from '../src/app.js'
import { loadContract, OPENAPI_KEYWORDS, OPENAPI_FORMATS, type Contract } from '../src/contract.js'
import { DEFAULTS } from '../src/config.js'
import { SandboxClock } from '../src/domain/clock.js'
import { loadFixtures } from '../src/fixtures.js'
import type { World } from '../src/domain/world.js'

/** Bud's failed_validation envelope, as `operationId` answers it. */
export const failedValidation = (operationId: string, errors: Record<string, string>) => ({ operation_id: operationId, code_id: 'failed_validation', message: 'Failed validation', errors })

/** The instant every test starts at, on the sandbox clock. */
export const T0 = Date.parse('2026-11-23T12:00:00.000Z')

export const CLIENT = 'client-a'
export const CUSTOMERS = {
  healthy: '00000000-0000-4000-8000-000000000001',
  noNewTransactions: '00000000-0000-4000-8000-000000000002',
  revoked: '00000000-0000-4000-8000-000000000003',
  expired: '00000000-0000-4000-8000-000000000004',
  reauthenticate: '00000000-0000-4000-8000-000000000005',
  providerFailure: '00000000-0000-4000-8000-000000000006',
  providerTimeout: '00000000-0000-4000-8000-000000000007',
  maintenance: '00000000-0000-4000-8000-000000000008',
  justConnected: '00000000-0000-4000-8000-000000000009',
  revokedFailed: '00000000-0000-4000-8000-00000000000a'
} as const

/** How many customers the default fixtures hold. */
export const FIXTURE_CUSTOMERS = 16

type Headers = Record<string, string | null>

function withBase (headers: Headers): Record<string, string> {
  const merged: Headers = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, ...headers }
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== null))
}

interface Tap {
  teardown (fn: () => unknown): void
}

export interface Harness {
  app: FastifyInstance
  clock: SandboxClock
  logs: Record<string, unknown>[]
  /** Moves the sandbox clock by an ISO 8601 duration, as a test's only way to let time pass. */
  advance (iso: string): void
  inject (options: InjectOptions): Promise<LightMyRequestResponse>
  /** Parsed JSON body of a POST /v1/open-banking/refresh. */
  /** POST /v1/open-banking/refresh as the healthy customer; a header given as null is left out. */
  refresh (body: Record<string, unknown>, headers?: Headers): Promise<LightMyRequestResponse>
  status (taskId: string, headers?: Headers): Promise<LightMyRequestResponse>
  /** POST /open-banking/v2/refresh as the healthy customer; a header given as null is left out. */
  refreshV2 (body: Record<string, unknown>, headers?: Headers): Promise<LightMyRequestResponse>
  statusV2 (taskId: string, headers?: Headers): Promise<LightMyRequestResponse>
  /** POST /platform/v3/customers with only X-Client-Id (and the given headers); no body when `body` is undefined. */
  createCustomer (body?: Record<string, unknown>, headers?: Headers): Promise<LightMyRequestResponse>
}

const sharedContract: Contract = await loadContract()
let responseAjv: Ajv | undefined
const validators = new Map<string, ValidateFunction>()

function contract (): Contract {
  return sharedContract
}

function schemaAjv (): Ajv {
  if (responseAjv === undefined) {
    responseAjv = new Ajv({ allErrors: true, strict: false, keywords: OPENAPI_KEYWORDS })
    addFormats.default(responseAjv)
    for (const [name, format] of Object.entries(OPENAPI_FORMATS)) responseAjv.addFormat(name, format)
    for (const s of contract().schemas) responseAjv.addSchema(s)
  }
  return responseAjv
}

/** Checks a value against one of openapi.yaml's component schemas (a webhook body, say); returns the mismatch, if any. */
export function componentViolation (name: string, value: unknown): string | undefined {
  const ajv = schemaAjv()
  return ajv.validate(`${name}#`, value) ? undefined : `${name}: ${ajv.errorsText()}`
}

/** Checks a response against the document; returns a description of the mismatch, if any. */
export function contractViolation (operationId: string | undefined, statusCode: number, payload: string): string | undefined {
  const c = contract()
  if (operationId === undefined) {
    // Unknown routes and wrong methods answer the generic Bud envelope.
    if (statusCode !== 404 && statusCode !== 405) return undefined
    operationId = 'open_banking_refresh_get'
  }
  const key = `${operationId} ${statusCode}`
  let validate = validators.get(key)
  if (validate === undefined) {
    const schema = c.responseSchema(operationId, statusCode)
    if (schema === undefined) return `${operationId} answered ${statusCode}, which openapi.yaml does not list`
    if (schema === null) return undefined
    validate = schemaAjv().compile(schema)
    validators.set(key, validate)
  }
  let body: unknown
  try {
    body = JSON.parse(payload)
  } catch {
    return `${operationId} ${statusCode} body is not JSON`
  }
  if (validate(body)) return undefined
  return `${operationId} ${statusCode} body does not fit openapi.yaml: ${responseAjv!.errorsText(validate.errors)} in ${payload}`
}

export function installContractCheck (app: FastifyInstance, violations: string[]): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string') return payload
    // The pages (pages.ts) are HTML for people, outside the API's contract.
    if (/^text\/(html|css)/.test(String(reply.getHeader('content-type')))) return payload
    const violation = contractViolation(request.routeOptions.config.operationId, reply.statusCode, payload)
    if (violation !== undefined) {
      violations.push(violation)
      throw new Error(`contract violation: ${violation}`)
    }
    return payload
  })
}

export interface Received {
  headers: IncomingHttpHeaders
  body: string
}

/** A webhook receiver answering each request with the next status from `statuses` (then 200). */
export async function webhookReceiver (t: Tap, statuses: number[] = []) {
  const received: Received[] = []
  let hold: Promise<void> | undefined
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', async () => {
      received.push({ headers: req.headers, body })
      server.emit('received')
      if (hold !== undefined) await hold
      res.statusCode = statuses.shift() ?? 200
      res.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    /** Makes the receiver keep every answer until the returned function is called. */
    holdAnswers () {
      let release!: () => void
      hold = new Promise((resolve) => { release = resolve })
      return () => { hold = undefined; release() }
    },
    nextRequest: () => once(server, 'received')
  }
}

export interface BuildOptions {
  fixtures?: World
  config?: Partial<AppConfig>
  deps?: Partial<Omit<AppDeps, 'clock' | 'logStream'>>
}

export async function build (t: Tap, options: BuildOptions = {}): Promise<Harness> {
  let nowMs = T0
  const clock = new SandboxClock(() => nowMs)
  const logs: Record<string, unknown>[] = []
  const logStream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line))
      done()
    }
  })
  const app = await buildApp({
    fixtures: options.fixtures ?? loadFixtures(),
    logLevel: 'info',
    taskRetentionMs: DEFAULTS.taskRetentionMs,
    maxTasks: DEFAULTS.maxTasks,
    bodyLimit: DEFAULTS.bodyLimit,
    requestHistorySize: DEFAULTS.requestHistorySize,
    // Most tests are about the refresh flow; the auth tests and the browser test turn it on.
    auth: 'off',
    ...options.config
  }, { clock, logStream, contract: contract(), ...options.deps })
  const violations: string[] = []
  installContractCheck(app, violations)
  t.teardown(async () => {
    await app.close()
    if (violations.length > 0) throw new Error(`responses broke the contract:\n${violations.join('\n')}`)
  })

  return {
    app,
    clock,
    logs,
    advance (iso) {
      const by = Duration.fromISO(iso)
      if (!by.isValid) throw new Error(`bad duration ${iso}`)
      nowMs += by.toMillis()
    },
    inject: (opts) => app.inject(opts),
    refresh: (body, headers = {}) => app.inject({ method: 'POST', url: '/v1/open-banking/refresh', headers: withBase(headers), payload: body }),
    status: (taskId, headers = {}) => app.inject({ method: 'GET', url: `/v1/open-banking/refresh/${taskId}`, headers: withBase(headers) }),
    refreshV2: (body, headers = {}) => app.inject({ method: 'POST', url: '/open-banking/v2/refresh', headers: withBase(headers), payload: body }),
    statusV2: (taskId, headers = {}) => app.inject({ method: 'GET', url: `/open-banking/v2/refresh/${taskId}`, headers: withBase(headers) }),
    createCustomer: (body, headers = {}) => app.inject({
      method: 'POST',
      url: '/platform/v3/customers',
      headers: withBase({ 'x-customer-id': null, ...headers }),
      ...(body === undefined ? {} : { payload: body })
    })
  }
}

/**
 * The URL a sandbox process started with LOG_FORMAT=json says it listens on
 * (its startup line), once it says it; with what it has printed so far.
 */
export function listeningUrl (child: ChildProcessByStdio<null, Readable, Readable>, what: string) {
  const printed = { stdout: '', stderr: '' }
  child.stderr.on('data', (d) => { printed.stderr += d })
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      printed.stdout += d
      const line = printed.stdout.split('\n').find((l) => l.includes('"docs"'))
      if (line !== undefined) resolve(JSON.parse(line).url)
    })
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${printed.stderr}`)))
  })
  return { url, printed }
}
