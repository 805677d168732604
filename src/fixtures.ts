// Reads and checks a fixture file into the domain's world (src/domain/world.ts):
// the providers, scenarios and customers the sandbox serves. A broken file
// stops the start with one line naming the file, the place inside it and what
// is wrong.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { DateTime, Duration } from 'luxon'
import { EARLIEST_MS, earliestPastMs, HISTORY_MS, LATEST_MS, outOfRange, toIso } from './domain/clock.js'
import type { FaultSettings } from './domain/faults.js'
import type { FinalStatus, Scenario, Step } from './domain/scenarios.js'
import { ScenarioCatalogue } from './domain/scenarios.js'
import { DEFAULT_WATCH_SETTINGS } from './domain/findings/watch.js'
import { REQUIRED_SCENARIOS, type ClientSeed, type ConnectionSeed, type ConsentStatus, type CustomerSeed, type Provider, type World } from './domain/world.js'
import { MAX_GIVEN_TRANSACTIONS, type BankSeed, type GivenAccount, type GivenTransaction } from './domain/data/bank.js'
import { MAX_AMOUNT, parseMoney } from './domain/data/money.js'
import type { RawTransaction } from './domain/data/raw-transaction.js'
import { DEFAULT_PROFILE, profileNamed, type ProfileAlias, type ProfileName } from './domain/data/profiles.js'
import { logoDataUrl } from './domain/logos.js'

export const DEFAULT_FIXTURES = fileURLToPath(new URL('../fixtures/default.json', import.meta.url))
/** The fixture format as a JSON Schema: what `$schema` in a fixture file points editors at, and what the loader checks. */
export const FIXTURES_SCHEMA = fileURLToPath(new URL('../fixtures/schema.json', import.meta.url))

export class FixtureError extends Error {
  constructor (file: string, where: string, what: string) {
    super(`fixtures ${file}: ${where === '' ? '/' : where}: ${what}`)
    this.name = 'FixtureError'
  }
}

export interface RawFaults {
  latency_ms?: number | { min: number, max: number }
  error_rate?: number
}

/** Reads faults as the fixtures and the admin endpoint write them; throws a message on a bad range. */
export function faultsFrom (raw: RawFaults): FaultSettings {
  const latency = raw.latency_ms ?? 0
  if (typeof latency === 'object' && latency.min > latency.max) throw new Error('latency_ms.min must not be above latency_ms.max')
  return { latencyMs: latency, errorRate: raw.error_rate ?? 0 }
}

// Compiled on first use: the embedded default is checked by the test suite,
// so a plain start does not pay for compiling this schema (~70 ms).
let validateFile: ValidateFunction | undefined
function fileValidator (): ValidateFunction {
  if (validateFile === undefined) {
    const ajv = new Ajv({ allErrors: false, strict: true })
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
    validateFile = ajv.compile(JSON.parse(readFileSync(FIXTURES_SCHEMA, 'utf8')))
  }
  return validateFile
}

interface RawConnection {
  provider: string
  scenario?: string
  consent_status?: ConsentStatus
  consent_id?: string
  last_pull_at?: string
  last_pull_ago?: string
  consented_at?: string
  consent_age?: string
  profile?: ProfileName | ProfileAlias
  accounts?: RawAccount[]
  transactions?: RawTransaction[]
}
interface RawAccount {
  account_id?: string
  account_type?: string
  account_name?: string
  usage_type?: string
  currency?: string
  holders?: string[]
  sort_code?: string
  account_number?: string
  balance: string
}

/**
 * Reads transactions as the fixtures and the admin control write them;
 * `fail` names the field at fault. A missing date is `defaultDateMs`.
 */
export function transactionsFrom (raw: RawTransaction[], defaultDateMs: number, fail: (field: string, what: string) => never): GivenTransaction[] {
  return raw.map((t, i) => {
    const pence = parseMoney(t.amount.value)
    if (pence === undefined || pence < 0) fail(`${i}/amount/value`, `"${t.amount.value.slice(0, 32)}" is not an amount such as "12.50", at most ${MAX_AMOUNT} (the direction is credit_debit_indicator)`)
    let dateMs = defaultDateMs
    if (t.date_time !== undefined) {
      const at = DateTime.fromISO(t.date_time, { zone: 'utc' })
      if (!at.isValid) fail(`${i}/date_time`, `"${t.date_time.slice(0, 64)}" is not an ISO 8601 datetime`)
      const why = outOfRange(at.toMillis(), defaultDateMs, LATEST_MS)
      if (why !== undefined) fail(`${i}/date_time`, why)
      dateMs = at.toMillis()
    }
    return {
      transactionId: t.transaction_id,
      accountId: t.account_id,
      description: t.description,
      amountPence: pence!,
      currency: t.amount.currency,
      credit: t.credit_debit_indicator === 'credit',
      dateMs,
      status: t.status ?? 'booked'
    }
  })
}
interface RawProvider {
  name: string
  display_name?: string
  icon?: string
  regions?: string[]
  mobile_only?: boolean
  types?: Provider['types']
  scopes?: Provider['scopes']
  maintenance?: boolean
  maintenance_window?: { start: string, end?: string | null }
}

interface RawScenario {
  result: string
  description?: string
  status?: FinalStatus
  end_step?: Step
  reconnect_required?: boolean
  has_new_transactions?: boolean
  customer_present_scenario?: string
  step_duration_ms?: number
}
interface RawFile {
  /** "default": the file adds to the embedded defaults (see withDefaults). */
  extends?: 'default'
  settings?: {
    step_duration_ms?: number
    reconfirm_due_days?: number
    checks?: { tokens_per_hour?: number, shared_ip_customers?: number }
    reconnect_status?: FinalStatus
    provision_unknown_customers?: boolean
    accept_any_client?: boolean
    faults?: RawFaults
    default_connections?: RawConnection[]
  }
  clients?: { client_id: string, client_secret?: string, webhook_url?: string, webhook_events?: string[] }[]
  providers: RawProvider[]
  scenarios: Record<string, RawScenario>
  customers: { customer_id: string, client_id?: string, idempotent_identifier?: string, label?: string, connections: RawConnection[] }[]
}

function describeSchemaError (error: ErrorObject): [string, string] {
  if (error.keyword === 'additionalProperties') {
    return [error.instancePath, `unknown property "${String(error.params.additionalProperty)}"`]
  }
  if (error.keyword === 'required') {
    return [error.instancePath, `missing property "${String(error.params.missingProperty)}"`]
  }
  if (error.keyword === 'enum') {
    return [error.instancePath, `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`]
  }
  return [error.instancePath, error.message ?? 'is not valid']
}

/**
 * Reads and checks a fixture file; throws a FixtureError with one line on any
 * problem. The embedded default skips the schema check unless asked (its
 * test does ask); every file gets the cross-reference checks.
 */
export function loadFixtures (file: string = DEFAULT_FIXTURES, options: { checkSchema?: boolean, nowMs?: number } = {}): World {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new FixtureError(file, '', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new FixtureError(file, '', `is not valid JSON (${(err as Error).message})`)
  }
  if (options.checkSchema ?? file !== DEFAULT_FIXTURES) {
    const validate = fileValidator()
    if (!validate(raw)) {
      const [where, what] = describeSchemaError(validate.errors![0]!)
      throw new FixtureError(file, where, what)
    }
  }
  const given = raw as RawFile
  return interpret(file, given.extends === 'default' ? withDefaults(given) : given, options.nowMs ?? Date.now())
}

/**
 * A file that extends the defaults, with them: its providers, customers and
 * clients first (so a message about one names its place in the file), then
 * the defaults' that it does not replace by name or id; its scenarios over
 * the defaults' by name; its settings over the defaults' one by one.
 */
function withDefaults (own: RawFile): RawFile {
  const base = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8')) as RawFile
  const merged = <T>(mine: T[] | undefined, theirs: T[] | undefined, key: (item: T) => string): T[] => {
    const replaced = new Set((mine ?? []).map(key))
    return [...(mine ?? []), ...(theirs ?? []).filter((item) => !replaced.has(key(item)))]
  }
  return {
    settings: { ...base.settings, ...own.settings },
    clients: merged(own.clients, base.clients, (c) => c.client_id),
    providers: merged(own.providers, base.providers, (p) => p.name),
    scenarios: { ...base.scenarios, ...own.scenarios },
    customers: merged(own.customers, base.customers, (c) => c.customer_id.toLowerCase())
  }
}

/** `nowMs`: the sandbox clock's now at start; a last pull cannot come after it. */
function interpret (file: string, raw: RawFile, nowMs: number): World {
  const fail = (where: string, what: string): never => { throw new FixtureError(file, where, what) }
  const settings = raw.settings ?? {}
  const reconnectStatus = settings.reconnect_status ?? 'Completed'

  const scenarios: Scenario[] = Object.entries(raw.scenarios).map(([name, s]) => {
    const reconnectRequired = s.reconnect_required ?? false
    const defaultStatus: FinalStatus = s.result === 'success' ? 'Completed' : reconnectRequired ? reconnectStatus : 'Failed'
    const scenario: Scenario = {
      name,
      result: s.result,
      status: s.status ?? defaultStatus,
      endStep: s.end_step ?? 4,
      reconnectRequired,
      hasNewTransactions: s.has_new_transactions ?? s.result === 'success',
      description: s.description ?? ''
    }
    if (s.step_duration_ms !== undefined) scenario.stepDurationMs = s.step_duration_ms
    if (s.customer_present_scenario !== undefined) scenario.customerPresentScenario = s.customer_present_scenario
    return scenario
  })
  const catalogue = new ScenarioCatalogue(scenarios)
  for (const scenario of scenarios) {
    const other = scenario.customerPresentScenario
    if (other !== undefined && catalogue.get(other) === undefined) {
      fail(`/scenarios/${scenario.name}/customer_present_scenario`, `unknown scenario "${other}"`)
    }
  }
  for (const name of REQUIRED_SCENARIOS) {
    if (catalogue.get(name) === undefined) fail('/scenarios', `missing scenario "${name}", which the sandbox needs`)
  }

  const providers = new Map<string, Provider>()
  raw.providers.forEach((p, i) => {
    if (providers.has(p.name)) fail(`/providers/${i}/name`, `duplicate provider "${p.name}"`)
    const displayName = p.display_name ?? p.name.replace(/_/g, ' ')
    const instant = (value: string, field: string) => {
      const at = DateTime.fromISO(value, { zone: 'utc' })
      if (!at.isValid) fail(`/providers/${i}/maintenance_window/${field}`, `"${value}" is not an ISO 8601 datetime`)
      if (at.toMillis() < EARLIEST_MS || at.toMillis() > LATEST_MS) fail(`/providers/${i}/maintenance_window/${field}`, `"${value}" is outside the instants the sandbox serves (${toIso(EARLIEST_MS)} to ${toIso(LATEST_MS)})`)
      return at.toMillis()
    }
    const window = p.maintenance_window
    const provider: Provider = {
      name: p.name,
      displayName,
      icon: p.icon ?? logoDataUrl(displayName, 'round'),
      regions: p.regions ?? ['GBR'],
      mobileOnly: p.mobile_only ?? false,
      types: p.types ?? ['sandbox'],
      scopes: p.scopes ?? ['accounts', 'balances', 'transactions'],
      maintenance: p.maintenance ?? false
    }
    if (window !== undefined) {
      provider.maintenanceWindow = { startMs: instant(window.start, 'start'), endMs: window.end === undefined || window.end === null ? undefined : instant(window.end, 'end') }
      if (provider.maintenanceWindow.endMs !== undefined && provider.maintenanceWindow.endMs <= provider.maintenanceWindow.startMs) fail(`/providers/${i}/maintenance_window/end`, 'the maintenance window ends before it starts')
    }
    providers.set(p.name, provider)
  })

  const connection = (c: RawConnection, where: string): ConnectionSeed => {
    if (!providers.has(c.provider)) {
      fail(`${where}/provider`, `unknown provider "${c.provider}" (declared: ${[...providers.keys()].join(', ')})`)
    }
    const scenario = c.scenario ?? 'success'
    if (catalogue.get(scenario) === undefined) {
      fail(`${where}/scenario`, `unknown scenario "${scenario}" (declared: ${catalogue.names().join(', ')})`)
    }
    const lastPull = pastMoment(c.last_pull_at, c.last_pull_ago, where, 'last_pull', 'a last pull has already happened') ?? { agoMs: 24 * 60 * 60 * 1000 }
    const consented = pastMoment(c.consented_at, c.consent_age, where, 'consent', 'a consent is given before it is used')
    const seed: ConnectionSeed = { provider: c.provider, scenario, consentStatus: c.consent_status ?? 'authorised', lastPull, bank: bankFrom(c, where) }
    if (c.consent_id !== undefined) seed.consentId = c.consent_id
    if (consented !== undefined) seed.consented = consented
    return seed
  }
  /** A moment before the clock's start, given as an instant (`…_at`) or a span before it (`…_ago`/`…_age`), not both. */
  const pastMoment = (at: string | undefined, ago: string | undefined, where: string, what: 'last_pull' | 'consent', why: string): { atMs: number } | { agoMs: number } | undefined => {
    const [atField, agoField] = what === 'last_pull' ? ['last_pull_at', 'last_pull_ago'] : ['consented_at', 'consent_age']
    if (at !== undefined && ago !== undefined) fail(where, `give ${atField} or ${agoField}, not both`)
    if (at !== undefined) {
      const instant = DateTime.fromISO(at, { zone: 'utc' })
      if (!instant.isValid) fail(`${where}/${atField}`, `"${at}" is not an ISO 8601 datetime`)
      if (instant.toMillis() > nowMs) fail(`${where}/${atField}`, `"${at}" is in the future (the sandbox clock starts at ${new Date(nowMs).toISOString()}); ${why}`)
      if (instant.toMillis() < earliestPastMs(nowMs)) fail(`${where}/${atField}`, `"${at}" is before ${toIso(earliestPastMs(nowMs))}: the sandbox serves two years before its clock`)
      return { atMs: instant.toMillis() }
    }
    if (ago === undefined) return undefined
    const span = Duration.fromISO(ago)
    if (!span.isValid) fail(`${where}/${agoField}`, `"${ago}" is not an ISO 8601 duration such as "PT30M" or "P2D"`)
    if (span.toMillis() < 0) fail(`${where}/${agoField}`, `"${ago}" is negative: it says how long ago that was`)
    if (span.toMillis() > HISTORY_MS) fail(`${where}/${agoField}`, `"${ago}" is more than two years: the sandbox serves two years before its clock`)
    return { agoMs: span.toMillis() }
  }
  const bankFrom = (c: RawConnection, where: string): BankSeed => {
    if (c.accounts === undefined) {
      if (c.transactions !== undefined) fail(`${where}/transactions`, 'transactions given outright need the accounts they belong to (accounts)')
      return { profile: c.profile === undefined ? DEFAULT_PROFILE : profileNamed(c.profile) }
    }
    if (c.profile !== undefined) fail(`${where}/profile`, 'give a profile or accounts, not both')
    const ids = new Set<string>()
    const accounts = c.accounts.map((a, i): GivenAccount => {
      if (a.account_id !== undefined) {
        if (ids.has(a.account_id)) fail(`${where}/accounts/${i}/account_id`, `a second account "${a.account_id}"`)
        ids.add(a.account_id)
      }
      const balancePence = parseMoney(a.balance)
      if (balancePence === undefined) fail(`${where}/accounts/${i}/balance`, `"${a.balance.slice(0, 32)}" is not an amount such as "1250.00", at most ${MAX_AMOUNT} either way`)
      return { accountId: a.account_id, accountType: a.account_type, accountName: a.account_name, usageType: a.usage_type, currency: a.currency, holders: a.holders, sortCode: a.sort_code, accountNumber: a.account_number, balancePence: balancePence! }
    })
    const raw = c.transactions ?? []
    raw.forEach((t, i) => {
      if (t.account_id !== undefined && !ids.has(t.account_id)) fail(`${where}/transactions/${i}/account_id`, `no account "${t.account_id}" among this connection's accounts`)
      if (t.date_time === undefined) fail(`${where}/transactions/${i}`, 'missing property "date_time"')
    })
    if (raw.length > MAX_GIVEN_TRANSACTIONS) fail(`${where}/transactions`, `${raw.length} transactions: a connection is given at most ${MAX_GIVEN_TRANSACTIONS}`)
    return { accounts, transactions: transactionsFrom(raw, nowMs, (field, what) => fail(`${where}/transactions/${field}`, what)) }
  }
  const connections = (list: RawConnection[], where: string): ConnectionSeed[] => {
    const seen = new Set<string>()
    const seeds = list.map((c, i) => {
      if (seen.has(c.provider)) fail(`${where}/${i}/provider`, `a second connection to "${c.provider}"`)
      seen.add(c.provider)
      return connection(c, `${where}/${i}`)
    })
    // A generated bank's place among the customer's banks of its profile: the first holds the salary and the bills.
    const counted = new Map<string, number>()
    for (const seed of seeds) {
      if (!('profile' in seed.bank)) continue
      const ordinal = counted.get(seed.bank.profile) ?? 0
      counted.set(seed.bank.profile, ordinal + 1)
      if (ordinal > 0) seed.bank = { ...seed.bank, ordinal }
    }
    return seeds
  }

  const ids = new Set<string>()
  const identifiers = new Set<string>()
  const customers = raw.customers.map((c, i): CustomerSeed => {
    const id = c.customer_id.toLowerCase()
    if (ids.has(id)) fail(`/customers/${i}/customer_id`, `duplicate customer "${c.customer_id}"`)
    ids.add(id)
    if (c.idempotent_identifier !== undefined) {
      if (identifiers.has(c.idempotent_identifier)) {
        fail(`/customers/${i}/idempotent_identifier`, `duplicate identifier "${c.idempotent_identifier}"`)
      }
      identifiers.add(c.idempotent_identifier)
    }
    const seed: CustomerSeed = { customerId: id, connections: connections(c.connections, `/customers/${i}/connections`) }
    if (c.idempotent_identifier !== undefined) seed.idempotentIdentifier = c.idempotent_identifier
    if (c.label !== undefined) seed.label = c.label
    if (c.client_id !== undefined) seed.clientId = c.client_id
    return seed
  })

  const clientIds = new Set<string>()
  const clients = (raw.clients ?? []).map((c, i): ClientSeed => {
    if (clientIds.has(c.client_id)) fail(`/clients/${i}/client_id`, `duplicate client "${c.client_id}"`)
    clientIds.add(c.client_id)
    if (c.webhook_url !== undefined && !URL.canParse(c.webhook_url)) fail(`/clients/${i}/webhook_url`, `"${c.webhook_url}" is not a URL`)
    const seed: ClientSeed = { clientId: c.client_id }
    if (c.client_secret !== undefined) seed.clientSecret = c.client_secret
    if (c.webhook_url !== undefined) seed.webhookUrl = c.webhook_url
    if (c.webhook_events !== undefined) {
      if (c.webhook_url === undefined) fail(`/clients/${i}/webhook_events`, 'webhook_events needs a webhook_url to send them to')
      seed.webhookEvents = c.webhook_events
    }
    return seed
  })
  let faults: FaultSettings
  try {
    faults = faultsFrom(settings.faults ?? {})
  } catch (err) {
    return fail('/settings/faults', (err as Error).message)
  }

  return {
    source: file,
    acceptAnyClient: settings.accept_any_client ?? true,
    clients,
    faults,
    stepDurationMs: settings.step_duration_ms ?? 1000,
    reconfirmDueDays: settings.reconfirm_due_days ?? 7,
    checks: { tokensPerHour: settings.checks?.tokens_per_hour ?? DEFAULT_WATCH_SETTINGS.tokensPerHour, sharedIpCustomers: settings.checks?.shared_ip_customers ?? DEFAULT_WATCH_SETTINGS.sharedIpCustomers },
    provisionUnknownCustomers: settings.provision_unknown_customers ?? true,
    defaultConnections: connections(settings.default_connections ?? [], '/settings/default_connections'),
    providers,
    catalogue,
    customers
  }
}
