// The sandbox's own controls under /__admin: the clock, stored tasks,
// customers and a reset. Other tools depend on these exact paths.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import { DateTime, Duration } from 'luxon'
import type { Contract } from '../contract.js'
import { outOfRange, toIso } from '../domain/clock.js'
import { runControl, type BankTransactionsControl, type ConnectionControl } from '../domain/controls.js'
import { budConsentStatus, consentExpiresAtMs, consentIdOf, taskConsentId } from '../domain/customers.js'
import type { RawTransaction } from '../domain/data/raw-transaction.js'
import { faultsFrom, transactionsFrom, type RawFaults } from '../fixtures.js'
import { accountsOf } from '../domain/data/bank.js'
import { lastPullAt } from '../domain/data/bud-copy.js'
import { formatPence } from '../domain/data/money.js'
import { CONSENT_STATUSES, type ConsentStatus } from '../domain/world.js'
import { ALL_WEBHOOK_EVENTS, type WebhookEvent } from '../webhooks/bodies.js'
import { deliveryView } from '../webhooks/dispatcher.js'
import type { Sandbox } from '../domain/sandbox.js'
import { BudError, ERRORS, validationError } from '../domain/errors.js'
import { RULES } from '../domain/findings/watch.js'
import type { Customer, Task } from '../domain/records.js'

interface ClockChange {
  advance?: string
  now?: string
  /** The client whose clock moves alone (as `?client_id=`). */
  client_id?: string
}

export function adminTaskView (sandbox: Sandbox, task: Task) {
  const progress = sandbox.refresh.progress(task)
  const view: Record<string, unknown> = {
    task_id: task.taskId,
    kind: task.kind,
    client_id: task.clientId,
    customer_id: task.customerId,
    provider: task.provider,
    consent_id: taskConsentId(task) ?? null,
    scenario: task.scenario.name,
    created_at: toIso(task.startedAtMs),
    ends_at: toIso(progress.endsAtMs),
    window: { from: toIso(task.windowFromMs), to: toIso(task.windowToMs) },
    status: progress.status,
    step: progress.step,
    text: progress.text,
    reconnect_required: progress.reconnectRequired
  }
  if (progress.result !== undefined) view.result = progress.result
  if (progress.hasNewTransactions !== undefined) view.has_new_transactions = progress.hasNewTransactions
  return view
}

export function adminCustomerView (sandbox: Sandbox, customer: Customer, nowMs: number) {
  const customers = sandbox.customers
  const view: Record<string, unknown> = { customer_id: customer.customerId }
  if (customer.idempotentIdentifier !== undefined) view.idempotent_identifier = customer.idempotentIdentifier
  if (customer.label !== undefined) view.label = customer.label
  view.provisioned = customer.origin !== 'fixtures'
  view.origin = customer.origin
  view.created_at = toIso(customer.createdAtMs)
  view.connections = customers.connections(customer).map((c) => {
    const data = sandbox.data.dataOf(customer.customerId, c, nowMs)
    const fetchedAt = lastPullAt(data)
    return {
      provider: c.provider,
      scenario: c.scenario,
      consent_status: c.consentStatus,
      bud_consent_status: budConsentStatus(c, nowMs),
      consent_id: consentIdOf(customer.customerId, c),
      consent_expires_at: toIso(consentExpiresAtMs(c)),
      last_pull_at: toIso(c.lastPullAtMs),
      data_pulled_at: fetchedAt === undefined ? null : toIso(fetchedAt),
      accounts: accountsOf(data.bank).map((a) => ({ account_id: a.accountId, account_type: a.accountType, account_name: a.accountName, currency: a.currency }))
    }
  })
  return view
}

function faultsView (sandbox: Sandbox) {
  const { latencyMs, errorRate } = sandbox.faults.settings
  return { latency_ms: latencyMs, error_rate: errorRate }
}

/** Where a clock change moves a clock at `nowMs` to, or a 400 that changes nothing. */
function clockChangeTarget (change: ClockChange, nowMs: number, latestMs: number): number {
  if ((change.advance === undefined) === (change.now === undefined)) {
    throw validationError({ body: 'Give exactly one of advance (an ISO 8601 duration) and now (an ISO 8601 instant)' })
  }
  const field = change.advance !== undefined ? 'advance' : 'now'
  let targetMs: number
  if (change.advance !== undefined) {
    const by = Duration.fromISO(change.advance)
    if (!by.isValid) throw validationError({ advance: 'This value should be an ISO 8601 duration such as PT61M or P91D' })
    if (by.toMillis() < 0) throw validationError({ advance: 'The sandbox clock only moves forward' })
    targetMs = nowMs + by.toMillis()
  } else {
    const to = DateTime.fromISO(change.now!, { zone: 'utc' })
    if (!to.isValid) throw validationError({ now: 'This value should be an ISO 8601 datetime' })
    if (to.toMillis() < nowMs) throw validationError({ now: 'The sandbox clock only moves forward' })
    targetMs = to.toMillis()
  }
  // Written so that NaN fails too.
  if (!(targetMs <= latestMs)) {
    throw validationError({ [field]: `The sandbox clock moves at most to ${toIso(latestMs)}: two years past its start or last reset (each client's clock, and the shared one under them), and not past 2100 (POST /__admin/reset starts the two years again)` })
  }
  return targetMs
}

/** The client a control is scoped to (`?client_id=`), or undefined: every client. */
type Scoped = { Querystring: { client_id?: string } }
const scopeOf = (request: { query: { client_id?: string } }): string | undefined => request.query.client_id === '' ? undefined : request.query.client_id

/**
 * With ADMIN_TOKEN, a control answers only a request that brings it as a
 * bearer token: a shared sandbox cannot be reset or time-travelled by anyone
 * who finds its URL. Compared in constant time, as digests of equal length.
 */
function adminTokenGuard (secret: string): onRequestHookHandler {
  const expected = createHash('sha256').update(secret).digest()
  return function requireAdminToken (request, _reply, done) {
    const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
    done(timingSafeEqual(createHash('sha256').update(given).digest(), expected) ? undefined : new BudError(ERRORS.adminTokenRequired))
  }
}

export default async function adminRoutes (fastify: FastifyInstance, { contract, adminToken }: { contract: Contract, adminToken?: string | undefined }) {
  if (adminToken !== undefined) fastify.addHook('onRequest', adminTokenGuard(adminToken))
  const { worlds, history } = fastify
  const { fixtures } = worlds.template
  /** The client's world, or without a client what every new client starts with (on the shared clock). */
  const worldFor = (clientId: string | undefined) => clientId === undefined ? worlds.template : worlds.of(clientId)
  const clientView = (world: Sandbox) => ({ client_id: world.owner ?? null })
  const customerView = (world: Sandbox, customer: Customer) => ({ ...adminCustomerView(world, customer, world.clock.nowMs()), ...clientView(world) })

  fastify.get<Scoped>('/__admin/clock', { schema: contract.routeSchema('admin_clock_get'), config: { operationId: 'admin_clock_get' } }, async (request) => {
    const clientId = scopeOf(request)
    return { now: toIso((clientId === undefined ? worlds.clock : worlds.clockOf(clientId)).nowMs()), client_id: clientId ?? null }
  })

  fastify.post<Scoped & { Body: ClockChange }>('/__admin/clock', {
    schema: contract.routeSchema('admin_clock_post'),
    config: { operationId: 'admin_clock_post' }
  }, async (request) => {
    // The client as ?client_id= or in the body.
    const clientId = scopeOf(request) ?? (request.body.client_id === '' ? undefined : request.body.client_id)
    if (clientId === undefined) {
      const targetMs = clockChangeTarget(request.body, worlds.clock.nowMs(), worlds.latestSharedMs())
      worlds.moveSharedClockTo(targetMs)
      request.log.info({ now: toIso(targetMs) }, 'sandbox clock moved for every client')
      return { now: toIso(targetMs), client_id: null }
    }
    const world = worlds.of(clientId)
    const targetMs = clockChangeTarget(request.body, world.clock.nowMs(), world.clock.latestMs())
    world.moveClockTo(targetMs)
    request.log.info({ now: toIso(targetMs), clientId }, 'sandbox clock moved for one client')
    return { now: toIso(targetMs), client_id: clientId }
  })

  fastify.get<Scoped & { Params: { task_id: string } }>('/__admin/tasks/:task_id', {
    schema: contract.routeSchema('admin_task_get'),
    config: { operationId: 'admin_task_get' }
  }, async (request) => {
    const clientId = scopeOf(request)
    const taskId = request.params.task_id.toLowerCase()
    const world = clientId === undefined ? worlds.holding((w) => w.tasks.get(taskId) !== undefined) : worlds.peek(clientId)
    const task = world?.tasks.get(taskId)
    if (world === undefined || task === undefined) throw new BudError(ERRORS.taskNotFound)
    return adminTaskView(world, task)
  })

  fastify.get<Scoped>('/__admin/customers', { schema: contract.routeSchema('admin_customers_get'), config: { operationId: 'admin_customers_get' } }, async (request) => {
    const clientId = scopeOf(request)
    // Without a client: what every new client starts with (client_id null), then each client's own.
    const shown = clientId === undefined ? [worlds.template, ...worlds.all()] : [worlds.of(clientId)]
    return shown.flatMap((world) => world.customers.all().map((customer) => customerView(world, customer)))
  })

  fastify.get<Scoped & { Params: { customer_id: string } }>('/__admin/customers/:customer_id', {
    schema: contract.routeSchema('admin_customer_get'),
    config: { operationId: 'admin_customer_get' }
  }, async (request) => {
    const clientId = scopeOf(request)
    const customerId = request.params.customer_id
    // Without a client: the customer as the client that used the sandbox last and has it sees it.
    const world = clientId === undefined
      ? worlds.holding((w) => w.customers.get(customerId) !== undefined) ?? worlds.template
      : worlds.of(clientId)
    const customer = world.customers.get(customerId)
    if (customer === undefined) throw new BudError(ERRORS.adminCustomerNotFound)
    return customerView(world, customer)
  })

  fastify.get<{ Querystring: { client_id?: string, customer_id?: string, limit?: string } }>('/__admin/requests', {
    schema: contract.routeSchema('admin_requests_get'),
    config: { operationId: 'admin_requests_get' }
  }, async (request) => {
    const { client_id: clientId, customer_id: customerId, limit } = request.query
    return history.list({ clientId, customerId, limit: limit === undefined ? undefined : Number(limit) })
  })

  fastify.get<{ Querystring: { client_id: string } }>('/__admin/findings', {
    schema: contract.routeSchema('admin_findings_get'),
    config: { operationId: 'admin_findings_get' }
  }, async (request) => {
    const clientId = request.query.client_id
    return {
      client_id: clientId,
      findings: (worlds.peek(clientId)?.watch.findings(clientId) ?? []).map((f) => ({
        rule: f.rule,
        count: f.count,
        first_at: toIso(f.firstAtMs),
        last_at: toIso(f.lastAtMs),
        message: `${RULES[f.rule].advice} See ${RULES[f.rule].source}`,
        source: RULES[f.rule].source,
        examples: f.examples.map((e) => ({ request_id: e.requestId, method: e.method, path: e.path, customer_id: e.customerId, at: toIso(e.atMs) }))
      }))
    }
  })

  fastify.put<{ Params: { client_id: string }, Body: { url: string | null, events?: WebhookEvent[] } }>('/__admin/clients/:client_id/webhook', {
    schema: contract.routeSchema('admin_client_webhook_put'),
    config: { operationId: 'admin_client_webhook_put' }
  }, async (request) => {
    const { url, events = ALL_WEBHOOK_EVENTS } = request.body
    if (url !== null && !(URL.canParse(url) && /^https?:$/.test(new URL(url).protocol))) {
      throw validationError({ url: 'This value should be an http or https URL' })
    }
    if (url === null) fastify.webhooks.unsubscribe(request.params.client_id)
    else fastify.webhooks.subscribe(request.params.client_id, url, events)
    request.log.info({ clientId: request.params.client_id, url, events }, 'webhook set')
    return { client_id: request.params.client_id, url, events: url === null ? [] : events }
  })

  fastify.get<{ Querystring: { client_id?: string } }>('/__admin/webhooks', {
    schema: contract.routeSchema('admin_webhooks_get'),
    config: { operationId: 'admin_webhooks_get' }
  }, async (request) => fastify.webhooks.list(request.query.client_id).map(deliveryView))

  fastify.put<Scoped & { Params: { customer_id: string, provider: string }, Body: { scenario?: string, consent_status?: ConsentStatus, last_pull_at?: string, consented_at?: string } }>('/__admin/customers/:customer_id/connections/:provider', {
    schema: contract.routeSchema('admin_connection_put'),
    config: { operationId: 'admin_connection_put' }
  }, async (request) => {
    const clientId = scopeOf(request)
    const { customer_id: customerId, provider } = request.params
    const { scenario, consent_status: consentStatus, last_pull_at: lastPullAt, consented_at: consentedAt } = request.body
    const errors: Record<string, string> = {}
    const nowMs = worldFor(clientId).clock.nowMs()
    if (!fixtures.providers.has(provider)) errors.provider = `Unknown provider; the fixtures declare: ${[...fixtures.providers.keys()].join(', ')}`
    if (scenario !== undefined && fixtures.catalogue.get(scenario) === undefined) errors.scenario = `Unknown scenario; valid scenarios are: ${fixtures.catalogue.names().join(', ')}`
    if (consentStatus !== undefined && !CONSENT_STATUSES.includes(consentStatus)) errors.consent_status = `This value should be one of ${CONSENT_STATUSES.join(', ')}`
    /** An instant that has already happened, or a message in `errors` under `field`. */
    const past = (value: string | undefined, field: string): number | undefined => {
      if (value === undefined) return undefined
      const parsed = DateTime.fromISO(value, { zone: 'utc' })
      const ms = parsed.toMillis()
      const why = !parsed.isValid ? 'This value should be an ISO 8601 datetime' : ms > nowMs ? 'This value should not be in the future' : outOfRange(ms, nowMs, nowMs)
      if (why === undefined) return ms
      errors[field] = why
      return undefined
    }
    const lastPullAtMs = past(lastPullAt, 'last_pull_at')
    const lastConsentedMs = past(consentedAt, 'consented_at')
    if (Object.keys(errors).length > 0) throw validationError(errors)
    const control: ConnectionControl = { kind: 'connection', customerId, provider, change: { scenario, consentStatus, lastPullAtMs, lastConsentedMs } }
    request.log.info({ customerId, provider, scenario, consentStatus, clientId }, 'connection changed')
    if (clientId !== undefined) {
      const world = worlds.of(clientId)
      return customerView(world, runControl(world, control))
    }
    // For every client: the first client that has the customer (or could be given it) shows the result.
    const changed = worlds.everywhere(control).find(({ result }) => result !== undefined)
    return changed === undefined ? customerView(worlds.template, runControl(worlds.template, control)) : customerView(changed.world, changed.result!)
  })

  fastify.post<Scoped & { Params: { customer_id: string, provider: string }, Body: { transactions: RawTransaction[] } }>('/__admin/customers/:customer_id/connections/:provider/transactions', {
    schema: contract.routeSchema('admin_bank_transactions_post'),
    config: { operationId: 'admin_bank_transactions_post' }
  }, async (request, reply) => {
    const clientId = scopeOf(request)
    const { customer_id: customerId, provider } = request.params
    const nowMs = worldFor(clientId).clock.nowMs()
    const given = transactionsFrom(request.body.transactions, nowMs, (field, what) => { throw validationError({ [`transactions.${field.replace(/\//g, '.')}`]: what }) })
    const control: BankTransactionsControl = { kind: 'bank_transactions', customerId, provider, transactions: given }
    const added = clientId === undefined
      ? worlds.everywhere(control).find(({ result }) => result !== undefined)?.result
      : runControl(worlds.of(clientId), control)
    if (added === undefined) throw new BudError(ERRORS.adminCustomerNotFound)
    request.log.info({ customerId, provider, count: added.length, clientId }, 'transactions added at the bank')
    reply.code(201)
    return {
      transactions: added.map((entry) => ({
        transaction_id: entry.bookedId,
        account_id: entry.accountId,
        provider: entry.provider,
        description: entry.description,
        amount: { value: formatPence(entry.amountPence), currency: entry.currency },
        credit_debit_indicator: entry.kind.credit ? 'credit' : 'debit',
        status: entry.bookedAtMs === undefined ? 'booked' : 'pending',
        date_time: toIso(entry.dateMs)
      }))
    }
  })

  fastify.get<Scoped>('/__admin/faults', { schema: contract.routeSchema('admin_faults_get'), config: { operationId: 'admin_faults_get' } }, async (request) => {
    const clientId = scopeOf(request)
    return faultsView(worldFor(clientId))
  })

  fastify.put<Scoped & { Body: RawFaults }>('/__admin/faults', {
    schema: contract.routeSchema('admin_faults_put'),
    config: { operationId: 'admin_faults_put' }
  }, async (request) => {
    const clientId = scopeOf(request)
    let settings
    try {
      settings = faultsFrom(request.body)
    } catch (err) {
      throw validationError({ latency_ms: (err as Error).message })
    }
    if (clientId === undefined) worlds.setSharedFaults(settings)
    else worlds.of(clientId).faults.set(settings)
    request.log.info({ faults: request.body, clientId }, 'faults set')
    return faultsView(worldFor(clientId))
  })

  fastify.post<Scoped>('/__admin/reset', { schema: contract.routeSchema('admin_reset_post'), config: { operationId: 'admin_reset_post' } }, async (request) => {
    const clientId = scopeOf(request)
    if (clientId === undefined) {
      worlds.resetAll()
      request.log.info('sandbox reset for every client')
      return { reset: true, customers: worlds.template.customers.all().length, client_id: null }
    }
    const world = worlds.resetOne(clientId)
    request.log.info({ clientId }, 'sandbox reset for one client')
    return { reset: true, customers: world.customers.all().length, client_id: clientId }
  })
}
