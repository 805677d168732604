// The sandbox's own controls under /__admin: the clock, stored tasks,
// customers and a reset. Other tools depend on these exact paths.
import type { FastifyInstance } from 'fastify'
import { DateTime, Duration } from 'luxon'
import type { Contract } from '../contract.js'
import { outOfRange, toIso, type SandboxClock } from '../domain/clock.js'
import { budConsentStatus, consentExpiresAtMs, consentIdOf, taskConsentId, type Customer } from '../domain/customers.js'
import { faultsFrom, transactionsFrom, type RawFaults, type RawTransaction } from '../fixtures.js'
import { lastPullAt } from '../domain/data/bud-copy.js'
import { formatPence } from '../domain/data/money.js'
import { CONSENT_STATUSES, type ConsentStatus } from '../domain/world.js'
import { ALL_WEBHOOK_EVENTS, type WebhookEvent } from '../webhooks/bodies.js'
import { deliveryView } from '../webhooks/dispatcher.js'
import type { Task } from '../domain/task-store.js'
import type { Sandbox } from '../domain/sandbox.js'
import { BudError, ERRORS, validationError } from '../domain/errors.js'
import { RULES } from '../domain/findings/watch.js'

interface ClockChange {
  advance?: string
  now?: string
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
      accounts: data.bank.accounts.map((a) => ({ account_id: a.accountId, account_type: a.accountType, account_name: a.accountName, currency: a.currency }))
    }
  })
  return view
}

function faultsView (sandbox: Sandbox) {
  const { latencyMs, errorRate } = sandbox.faults.settings
  return { latency_ms: latencyMs, error_rate: errorRate }
}

/** Where a clock change moves the clock to, or a 400 that changes nothing. */
function clockChangeTarget (change: ClockChange, clock: SandboxClock): number {
  if ((change.advance === undefined) === (change.now === undefined)) {
    throw validationError({ body: 'Give exactly one of advance (an ISO 8601 duration) and now (an ISO 8601 instant)' })
  }
  const nowMs = clock.nowMs()
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
  const latestMs = clock.latestMs()
  // Written so that NaN fails too.
  if (!(targetMs <= latestMs)) {
    throw validationError({ [field]: `The sandbox clock moves at most to ${toIso(latestMs)}: two years past its start or last reset, and not past 2100 (POST /__admin/reset starts the two years again)` })
  }
  return targetMs
}

export default async function adminRoutes (fastify: FastifyInstance, { contract }: { contract: Contract }) {
  const sandbox = fastify.sandbox
  const clockState = () => ({ now: toIso(sandbox.clock.nowMs()) })

  fastify.get('/__admin/clock', { config: { operationId: 'admin_clock_get' } }, async () => clockState())

  fastify.post<{ Body: ClockChange }>('/__admin/clock', {
    schema: contract.routeSchema('admin_clock_post'),
    config: { operationId: 'admin_clock_post' }
  }, async (request) => {
    const targetMs = clockChangeTarget(request.body, sandbox.clock)
    sandbox.moveClockTo(targetMs)
    request.log.info({ now: toIso(targetMs) }, 'sandbox clock moved')
    return clockState()
  })

  fastify.get<{ Params: { task_id: string } }>('/__admin/tasks/:task_id', {
    schema: contract.routeSchema('admin_task_get'),
    config: { operationId: 'admin_task_get' }
  }, async (request) => {
    const task = sandbox.tasks.get(request.params.task_id.toLowerCase())
    if (task === undefined) throw new BudError(ERRORS.taskNotFound)
    return adminTaskView(sandbox, task)
  })

  fastify.get('/__admin/customers', { config: { operationId: 'admin_customers_get' } }, async () =>
    sandbox.customers.all().map((customer) => adminCustomerView(sandbox, customer, sandbox.clock.nowMs())))

  fastify.get<{ Params: { customer_id: string } }>('/__admin/customers/:customer_id', {
    schema: contract.routeSchema('admin_customer_get'),
    config: { operationId: 'admin_customer_get' }
  }, async (request) => {
    const customer = sandbox.customers.get(request.params.customer_id)
    if (customer === undefined) throw new BudError(ERRORS.adminCustomerNotFound)
    return adminCustomerView(sandbox, customer, sandbox.clock.nowMs())
  })

  fastify.get<{ Querystring: { client_id?: string, customer_id?: string, limit?: string } }>('/__admin/requests', {
    schema: contract.routeSchema('admin_requests_get'),
    config: { operationId: 'admin_requests_get' }
  }, async (request) => {
    const { client_id: clientId, customer_id: customerId, limit } = request.query
    return sandbox.history.list({ clientId, customerId, limit: limit === undefined ? undefined : Number(limit) })
  })

  fastify.get<{ Querystring: { client_id: string } }>('/__admin/findings', {
    schema: contract.routeSchema('admin_findings_get'),
    config: { operationId: 'admin_findings_get' }
  }, async (request) => {
    const clientId = request.query.client_id
    return {
      client_id: clientId,
      findings: sandbox.watch.findings(clientId).map((f) => ({
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

  fastify.put<{ Params: { customer_id: string, provider: string }, Body: { scenario?: string, consent_status?: ConsentStatus, last_pull_at?: string, consented_at?: string } }>('/__admin/customers/:customer_id/connections/:provider', {
    schema: contract.routeSchema('admin_connection_put'),
    config: { operationId: 'admin_connection_put' }
  }, async (request) => {
    const { customer_id: customerId, provider } = request.params
    const { scenario, consent_status: consentStatus, last_pull_at: lastPullAt, consented_at: consentedAt } = request.body
    const errors: Record<string, string> = {}
    const nowMs = sandbox.clock.nowMs()
    if (!sandbox.fixtures.providers.has(provider)) errors.provider = `Unknown provider; the fixtures declare: ${[...sandbox.fixtures.providers.keys()].join(', ')}`
    if (scenario !== undefined && sandbox.fixtures.catalogue.get(scenario) === undefined) errors.scenario = `Unknown scenario; valid scenarios are: ${sandbox.fixtures.catalogue.names().join(', ')}`
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
    const customer = sandbox.customers.resolve({ customerId }, nowMs)
    sandbox.customers.setConnection(customer, provider, { scenario, consentStatus, lastPullAtMs, lastConsentedMs }, nowMs)
    request.log.info({ customerId, provider, scenario, consentStatus }, 'connection changed')
    return adminCustomerView(sandbox, customer, sandbox.clock.nowMs())
  })

  fastify.post<{ Params: { customer_id: string, provider: string }, Body: { transactions: RawTransaction[] } }>('/__admin/customers/:customer_id/connections/:provider/transactions', {
    schema: contract.routeSchema('admin_bank_transactions_post'),
    config: { operationId: 'admin_bank_transactions_post' }
  }, async (request, reply) => {
    const { customer_id: customerId, provider } = request.params
    const nowMs = sandbox.clock.nowMs()
    const customer = sandbox.customers.get(customerId)
    if (customer === undefined) throw new BudError(ERRORS.adminCustomerNotFound)
    const given = transactionsFrom(request.body.transactions, nowMs, (field, what) => { throw validationError({ [`transactions.${field.replace(/\//g, '.')}`]: what }) })
    const added = sandbox.data.addAtBank(customer, provider, given, nowMs)
    request.log.info({ customerId, provider, count: added.length }, 'transactions added at the bank')
    reply.code(201)
    return {
      transactions: added.map((entry) => ({
        transaction_id: entry.bookedId,
        account_id: entry.accountId,
        provider: entry.provider,
        description: entry.kind.description,
        amount: { value: formatPence(entry.amountPence), currency: entry.currency },
        credit_debit_indicator: entry.kind.credit ? 'credit' : 'debit',
        status: entry.bookedAtMs === undefined ? 'booked' : 'pending',
        date_time: toIso(entry.dateMs)
      }))
    }
  })

  fastify.get('/__admin/faults', { config: { operationId: 'admin_faults_get' } }, async () => faultsView(sandbox))

  fastify.put<{ Body: RawFaults }>('/__admin/faults', {
    schema: contract.routeSchema('admin_faults_put'),
    config: { operationId: 'admin_faults_put' }
  }, async (request) => {
    try {
      sandbox.faults.set(faultsFrom(request.body))
    } catch (err) {
      throw validationError({ latency_ms: (err as Error).message })
    }
    request.log.info({ faults: request.body }, 'faults set')
    return faultsView(sandbox)
  })

  fastify.post('/__admin/reset', { config: { operationId: 'admin_reset_post' } }, async (request) => {
    sandbox.reset()
    request.log.info('sandbox reset')
    return { reset: true, customers: sandbox.customers.all().length }
  })
}
