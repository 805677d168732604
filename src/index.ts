// The sandbox from code: `import { startSandbox } from 'bud-sandbox'` starts
// the same app the CLI serves, listening on a free loopback port, and hands
// back its controls, typed. Each control is the /__admin operation a user
// would call over HTTP, asked of the app in process (Fastify's inject): the
// same validation, the same answers, the same errors; nothing implemented
// twice. Several sandboxes in one process are independent.
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { loadCompiledSchemas, restoringCompilers } from './compiled-schemas.js'
import { DEFAULTS } from './config.js'
import { SandboxClock } from './domain/clock.js'
import type { CheckMode } from './domain/findings/check-modes.js'
import type { RawTransaction } from './domain/data/raw-transaction.js'
import { loadStart } from './state/start.js'

export interface StartOptions {
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number
  /** The address to listen on; 127.0.0.1 by default. */
  host?: string
  /** A fixture file (it may say "extends": "default"); the embedded defaults when absent. */
  fixtures?: string
  /** 'on' (the default): Bud operations need a bearer token; 'off': none. */
  auth?: 'on' | 'off'
  /** Milliseconds each refresh step takes, overriding the fixtures'. */
  stepDurationMs?: number
  /** The integration checks: 'report' (the default), 'strict' or 'off'. */
  checks?: CheckMode
  /** pino's level; 'silent' by default, so a test's output stays its own. */
  logLevel?: string
  maxTasks?: number
  /** How long a task is kept, in milliseconds of sandbox time (24 hours by default). */
  taskRetentionMs?: number
  requestHistorySize?: number
  /** The most client worlds kept (10,000 by default); the one used longest ago is forgotten first. */
  maxClients?: number
  /** Locks the /__admin controls over HTTP (`Authorization: Bearer <it>`); the controls here send it themselves. */
  adminToken?: string
  bodyLimit?: number
  /** Keeps the state in this directory across restarts (see docs/state.md); memory only when absent. */
  stateDir?: string
  /** With `stateDir` or `redisUrl`: a snapshot is taken once the journal holds this many entries after the last (20,000 by default). */
  snapshotEvery?: number
  /** Keeps the state in Redis, shared with every sandbox given the same URL (see docs/state.md). */
  redisUrl?: string
}

/** A refused control: the sandbox's own 4xx answer, as over HTTP. */
export class SandboxControlError extends Error {
  constructor (readonly statusCode: number, readonly body: { code_id?: string, message?: string, errors?: Record<string, string> }) {
    super(`${body.message ?? 'refused'} (${statusCode}${body.errors === undefined || Object.keys(body.errors).length === 0 ? '' : `: ${JSON.stringify(body.errors)}`})`)
    this.name = 'SandboxControlError'
  }
}

export interface BankTransaction extends RawTransaction {}

/** What `GET /__admin/customers/{id}` answers (see docs/api.md). */
export type AdminCustomer = Record<string, unknown> & { customer_id: string }

export interface ConnectionChange {
  scenario?: string
  consent_status?: 'authorised' | 'revoked' | 'expired' | 'reauthentication_required'
  last_pull_at?: string
  consented_at?: string
}

/** The controls over one client's world, or over every client's (see docs/testing.md). */
export interface Controls {
  clock: {
    /** The clock's now, ISO 8601. */
    now (): Promise<string>
    /** Moves the clock forward by an ISO 8601 duration (PT61M, P91D); answers the new now. */
    advance (by: string): Promise<string>
    /** Moves the clock forward to an instant; answers the new now. */
    set (to: string): Promise<string>
  }
  bank: {
    /** Adds transactions at the bank behind a customer's connection; a refresh brings them into Bud's copy. */
    addTransactions (customerId: string, provider: string, transactions: BankTransaction[]): Promise<Record<string, unknown>[]>
  }
  customers: {
    list (): Promise<AdminCustomer[]>
    get (customerId: string): Promise<AdminCustomer>
    /** Changes a connection: revoke a consent mid-test, pick a scenario, move its last pull. */
    setConnection (customerId: string, provider: string, change: ConnectionChange): Promise<AdminCustomer>
  }
  /** Back to the fixtures as loaded: customers, tasks, findings, ids. */
  reset (): Promise<void>
}

/** One client's world: what its X-Client-Id reaches, with a clock, reset and faults of its own. */
export interface ClientControls extends Controls {
  clientId: string
  /** The integration checks' findings for this client. */
  findings (): Promise<Record<string, unknown>[]>
}

/** The controls without a client are for every client: the shared clock, what every client starts with, a reset of all. */
export interface Sandbox extends Controls {
  /** The base URL, e.g. http://127.0.0.1:43817 (no trailing slash). */
  url: string
  /** The controls of one client's world alone: a test file that uses its own client id isolates itself. */
  client (clientId: string): ClientControls
  /** The integration checks' findings for a client. */
  findings (clientId: string): Promise<Record<string, unknown>[]>
  webhooks: {
    /** Where the client's webhooks go (null: nowhere), and which events. */
    set (clientId: string, url: string | null, events?: string[]): Promise<void>
    /** The deliveries made or due, newest first. */
    list (clientId?: string): Promise<Record<string, unknown>[]>
  }
  /** Stops listening and ends every connection. */
  close (): Promise<void>
}

/** Starts a sandbox in this process; close it when done (a test's teardown). */
export async function startSandbox (options: StartOptions = {}): Promise<Sandbox> {
  const compiled = loadCompiledSchemas()
  const settings = {
    fixtures: options.fixtures,
    stepDurationMs: options.stepDurationMs,
    taskRetentionMs: options.taskRetentionMs ?? DEFAULTS.taskRetentionMs,
    maxTasks: options.maxTasks ?? DEFAULTS.maxTasks,
    auth: options.auth ?? DEFAULTS.auth,
    maxClients: options.maxClients ?? DEFAULTS.maxClients,
    checks: options.checks ?? DEFAULTS.checks,
    stateDir: options.stateDir,
    redisUrl: options.redisUrl
  }
  const { fixtures, state } = await loadStart(settings)
  const app = await buildApp({
    ...settings,
    fixtures,
    logLevel: options.logLevel ?? 'silent',
    bodyLimit: options.bodyLimit ?? DEFAULTS.bodyLimit,
    requestHistorySize: options.requestHistorySize ?? DEFAULTS.requestHistorySize,
    adminToken: options.adminToken,
    snapshotEvery: options.snapshotEvery ?? DEFAULTS.snapshotEvery
  }, {
    clock: new SandboxClock(state?.now ?? Date.now),
    ...(state === undefined ? {} : { state }),
    ...(compiled === undefined ? {} : { schemaCompilers: restoringCompilers(compiled) })
  })
  const url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  const control = controls(app, options.adminToken)
  const findings = async (clientId: string) => (await control<{ findings: Record<string, unknown>[] }>('GET', `/__admin/findings?client_id=${encodeURIComponent(clientId)}`)).findings
  return {
    url,
    ...scoped(control, undefined),
    client: (clientId) => ({ clientId, ...scoped(control, clientId), findings: () => findings(clientId) }),
    findings,
    webhooks: {
      set: async (clientId, target, events) => { await control('PUT', `/__admin/clients/${encodeURIComponent(clientId)}/webhook`, events === undefined ? { url: target } : { url: target, events }) },
      list: (clientId) => control<Record<string, unknown>[]>('GET', `/__admin/webhooks${clientId === undefined ? '' : `?client_id=${encodeURIComponent(clientId)}`}`)
    },
    close: () => app.close()
  }
}

/** The /__admin controls for one client (`?client_id=`), or for every client. */
function scoped (control: ReturnType<typeof controls>, clientId: string | undefined): Controls {
  const scope = clientId === undefined ? '' : `?client_id=${encodeURIComponent(clientId)}`
  const customer = (customerId: string) => `/__admin/customers/${encodeURIComponent(customerId)}`
  return {
    clock: {
      now: async () => (await control<{ now: string }>('GET', `/__admin/clock${scope}`)).now,
      advance: async (by) => (await control<{ now: string }>('POST', `/__admin/clock${scope}`, { advance: by })).now,
      set: async (to) => (await control<{ now: string }>('POST', `/__admin/clock${scope}`, { now: to })).now
    },
    bank: {
      addTransactions: async (customerId, provider, transactions) =>
        (await control<{ transactions: Record<string, unknown>[] }>('POST', `${customer(customerId)}/connections/${encodeURIComponent(provider)}/transactions${scope}`, { transactions })).transactions
    },
    customers: {
      list: () => control<AdminCustomer[]>('GET', `/__admin/customers${scope}`),
      get: (customerId) => control<AdminCustomer>('GET', `${customer(customerId)}${scope}`),
      setConnection: (customerId, provider, change) => control<AdminCustomer>('PUT', `${customer(customerId)}/connections/${encodeURIComponent(provider)}${scope}`, change)
    },
    reset: async () => { await control('POST', `/__admin/reset${scope}`) }
  }
}

/** Asks the app one /__admin operation; a 4xx or 5xx is thrown as a SandboxControlError. */
function controls (app: FastifyInstance, adminToken: string | undefined) {
  const headers = adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` }
  return async <T = unknown>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<T> => {
    const res = await app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) })
    const json = res.json()
    if (res.statusCode >= 400) throw new SandboxControlError(res.statusCode, json)
    return json as T
  }
}
