// Bud's financial-data operations: accounts, transaction dates, balances over
// time, transactions, and Remove Provider Data. Thin: read the query, ask the
// customer's financial data (src/domain/data), shape Bud's envelopes.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { toIso, type Clock } from '../domain/clock.js'
import { GRANULARITIES, tagsOf, type FinancialData, type Granularity, type HeldAccount, type HeldTransaction } from '../domain/data/financial-data.js'
import { DAY_MS, locationOf, type Location } from '../domain/data/bank.js'
import { formatPence } from '../domain/data/money.js'
import { BUD_CODES, groupLabel, processorIn } from '../domain/data/profiles.js'
import { frequencyOf, nextAfter } from '../domain/data/schedule.js'
import { logoId, logoUrl, providerLogo } from './logos.js'
import { validationError } from '../domain/errors.js'
import { budRoute } from '../http/bud-route.js'
import { RenderedResponses, serializedBytes } from '../http/rendered-responses.js'
import { decodeToken, encodeToken, flag, instant, oneOf, several, single, wholeNumber, type Query } from '../http/query.js'
import { clientIdOf, customerRefOf, originOf } from '../http/request-context.js'
import type { Customer } from '../domain/records.js'

const amount = (pence: number, currency: string) => ({ value: formatPence(Math.abs(pence)), currency })
const direction = (pence: number) => pence < 0 ? 'debit' : 'credit'
export function accountView (held: HeldAccount, allBalances: boolean, providerDisplayName: string, origin: string) {
  const { account, balanceAtMs, bookedPence, pendingPence, windows } = held
  const date = toIso(balanceAtMs)
  const balances: Record<string, unknown> = {
    booked: { date, amount: amount(bookedPence, account.currency), credit_debit_indicator: direction(bookedPence) },
    pending: { date, amount: amount(pendingPence, account.currency), credit_debit_indicator: direction(pendingPence) }
  }
  if (allBalances) {
    balances.all_balances = [
      { type: 'interim_booked', date, amount: amount(bookedPence, account.currency), credit_debit_indicator: direction(bookedPence) },
      { type: 'interim_available', date, amount: amount(pendingPence, account.currency), credit_debit_indicator: direction(pendingPence) }
    ]
  }
  const view: Record<string, unknown> = {
    account_id: account.accountId,
    currency: account.currency,
    holders: account.holders.map((name) => ({ name, relationship: 'unknown' })),
    account_name: account.accountName,
    suggested_name: `${account.accountName} ${account.accountNumber.slice(-4)}`,
    account_type: account.accountType,
    usage_type: account.usageType,
    account_category: account.accountCategory,
    status: 'active',
    opening_date_time: toIso(account.openingDateMs),
    provider: account.provider,
    provider_display_name: providerDisplayName,
    provider_logo: providerLogo(origin, account.provider),
    identifiers: { uk_sort_code: account.sortCode, uk_account_number: account.accountNumber },
    balances,
    transaction_windows: windows.map((w) => ({ from: toIso(w.fromMs), to: toIso(w.toMs) }))
  }
  if (account.creditLimitPence !== undefined) {
    const limit = { date, amount: amount(account.creditLimitPence, account.currency) }
    view.credit_lines = allBalances ? { limit, all_credit_lines: [{ type: account.accountCategory === 'credit' ? 'credit' : 'pre_agreed', ...limit }] } : { limit }
  }
  return view
}

/** Bud's confidence in a category: high for a known merchant or rule, lower for a guess, and varying from one transaction to the next as a model's does. */
function confidences (transactionId: string, sure: boolean): [string, string] {
  let bits = 0
  for (let i = transactionId.length - 4; i < transactionId.length; i++) bits = (bits * 31 + transactionId.charCodeAt(Math.max(i, 0))) >>> 0
  const l1 = sure ? 90 + (bits % 10) : 52 + (bits % 25)
  const l2 = l1 - ((bits >>> 5) % (sure ? 8 : 15))
  return [`0.${l1}`, `0.${l2}`]
}

export function transactionView (t: HeldTransaction, origin: string) {
  const { entry } = t
  const kind = entry.kind
  const date = toIso(entry.dateMs)
  const view: Record<string, unknown> = {
    transaction_id: t.transactionId,
    account_id: entry.accountId,
    provider: entry.provider,
    description: entry.description,
    credit_debit_indicator: kind.credit ? 'credit' : 'debit',
    status: t.pending ? 'pending' : 'booked',
    suggested_description: t.pending ? entry.description : kind.suggested
  }
  if (!t.pending && kind.merchant !== undefined) view.suggested_logo = logoUrl(origin, 'merchants', kind.merchant.slug)
  view.transaction_type = TRANSACTION_TYPES[kind.budCode]
  view.amount = amount(entry.amountPence, entry.currency)
  view.date_time = date
  view.value_date_time = t.pending || entry.bookedAtMs === undefined ? date : toIso(Math.floor(entry.bookedAtMs / DAY_MS) * DAY_MS)
  if (kind.mcc !== undefined) view.merchant_category_code = kind.mcc
  // Bud enriches booked transactions; pending ones have too little to go on.
  if (t.pending) {
    view.tags = tagsOf(t)
    return view
  }
  const [l1, l2] = confidences(t.transactionId, kind.sure)
  const enrichments: Record<string, unknown> = { categories: { l1: { slug: kind.l1, confidence: l1 }, l2: { slug: kind.l2, confidence: l2 } } }
  if (kind.merchant !== undefined) {
    const m = kind.merchant
    enrichments.merchant = { id: logoId('merchants', m.slug), slug: m.slug, display_name: m.displayName, logo: logoUrl(origin, 'merchants', m.slug), website: m.website, tokens: [{ value: m.token, confidence: kind.sure ? '1.00' : l1 }] }
  }
  const processor = kind.card || kind.budCode === 'DEB' ? processorIn(entry.description) : undefined
  if (processor !== undefined) {
    enrichments.processor = { id: logoId('processors', processor.slug), slug: processor.slug, display_name: processor.displayName, logo: logoUrl(origin, 'processors', processor.slug), website: processor.website, tokens: [{ value: processor.token, confidence: '1.00' }] }
  }
  const regular = entry.regular
  if (regular !== undefined) {
    const day = Math.floor(entry.dateMs / DAY_MS)
    const timeOfDay = entry.dateMs - day * DAY_MS
    enrichments.regularity = {
      frequency: frequencyOf(regular.schedule),
      predicted_date_times: nextAfter(regular.schedule, day, 3).map((d) => toIso(d * DAY_MS + timeOfDay)),
      group_label: groupLabel(regular)
    }
  }
  if (entry.detail !== undefined) enrichments.location = locationView(locationOf(entry.detail, kind))
  enrichments.transaction_types = TYPES[kind.card ? 'card' : BUD_CODE_TYPES[kind.budCode]][kind.credit ? 1 : 0]
  if (kind.names !== undefined) enrichments.names = kind.names
  view.enrichments = enrichments
  if (kind.tags.length > 0) view.tags = tagsOf(t)
  view.labels = NO_LABELS
  return view
}

// What every transaction of a kind shows alike is made once and shared by
// the views (the serializer only reads them): its Bud code's type, its
// transaction types and no labels.
const TRANSACTION_TYPES = Object.fromEntries(Object.entries(BUD_CODES).map(([code, description]) => [code, { bud_code: code, description }])) as Record<keyof typeof BUD_CODES, { bud_code: string, description: string }>
const BUD_CODE_TYPES = {
  DEB: 'card', CPT: 'cash', DD: 'direct_debit', SO: 'standing_order', BAT: 'transfer', INT: 'interest', CHG: 'charge', OTH: 'other'
} as const
const TYPES = Object.fromEntries(Object.values(BUD_CODE_TYPES).map((type) => [type, [Object.freeze([type, 'debit']), Object.freeze([type, 'credit'])]])) as Record<(typeof BUD_CODE_TYPES)[keyof typeof BUD_CODE_TYPES], [readonly string[], readonly string[]]>
const NO_LABELS = Object.freeze([])
function locationView ({ address, tokens }: Location): Record<string, unknown> {
  const lines = [address.streetAddress, address.city, address.region, address.postalCode].filter((line) => line !== '')
  const where: Record<string, unknown> = { address_lines: lines, city: address.city, region: address.region, country: address.country }
  if (address.streetAddress !== '') where.street_address = address.streetAddress
  if (address.postalCode !== '') where.postal_code = address.postalCode
  return { address: where, geolocation: { latitude: address.latitude, longitude: address.longitude }, tokens }
}

const STATUSES = ['booked', 'pending', 'declined'] as const

/** A data request's client and customer, and the client's data and clock. */
interface Reading {
  clientId: string
  customer: Customer
  data: FinancialData
  clock: Clock
}

export default async function financialRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify
  const { fixtures } = worlds.template
  const displayName = (provider: string) => fixtures.providers.get(provider)?.displayName ?? provider.replace(/_/g, ' ')
  const route = (operationId: string) => budRoute(contract, guards, operationId, { ownQuery: true })

  /**
   * Answers with what `render` makes, serialized by the route's schema, or
   * with the same bytes as last time when the customer's data has not
   * changed since (see rendered-responses.ts).
   */
  const rendered = new RenderedResponses()
  function answer (request: FastifyRequest, reply: FastifyReply, { customer, data, clientId }: Reading, render: () => unknown): FastifyReply {
    // Every client has its own copy of the fixtures' customers: the same id is another customer for each.
    const key = `${clientId}\n${customer.customerId}\n${originOf(request)}${request.url}`
    const version = data.version(customer)
    const body = rendered.get(key, version) ?? rendered.set(key, version, serializedBytes((answer) => reply.serialize(answer) as string, render()))
    return reply.type('application/json; charset=utf-8').send(body)
  }

  /** The client's customer a data request names, provisioned on first use as for a refresh; reading it is watched. */
  function customerOf (request: FastifyRequest, reply?: FastifyReply): Reading {
    const clientId = clientIdOf(request)
    const { customers, data, clock } = worlds.of(clientId)
    const customer = customers.resolve(customerRefOf(request), clock.nowMs())
    if (reply !== undefined) checks.dataRead(request, reply, clientId, customer)
    return { clientId, customer, data, clock }
  }

  fastify.get<{ Querystring: Query }>('/financial/v3/accounts', route('financial_v3_accounts_get'), (request, reply) => {
    const reading = customerOf(request, reply)
    const { customer, data } = reading
    return answer(request, reply, reading, () => {
      const query = request.query
      const filters = {
        providers: several(query, 'provider'),
        account_types: several(query, 'account_type'),
        currencies: several(query, 'currency'),
        usage_types: several(query, 'usage_type'),
        holder_types: several(query, 'holder_relationship_type')
      }
      const allBalances = flag(query, 'include_all_balances') ?? false
      const accounts = data.accounts(customer).filter(({ account }) =>
        (filters.providers === undefined || filters.providers.includes(account.provider)) &&
      (filters.account_types === undefined || filters.account_types.includes(account.accountType)) &&
      (filters.currencies === undefined || filters.currencies.includes(account.currency)) &&
      (filters.usage_types === undefined || filters.usage_types.includes(account.usageType)) &&
      (filters.holder_types === undefined || filters.holder_types.includes('unknown')))
      const parameters: Record<string, unknown> = { currencies: [...new Set(accounts.map((a) => a.account.currency))] }
      for (const [name, values] of Object.entries(filters)) if (values !== undefined && name !== 'currencies') parameters[name] = values
      if (allBalances) parameters.include_all_balances = true
      return { operation_id: 'financial_v3_accounts_get', data: accounts.map((a) => accountView(a, allBalances, displayName(a.account.provider), originOf(request))), metadata: { parameters, results: accounts.length } }
    })
  })

  fastify.get('/financial/v3/accounts/transaction-dates', route('financial_v3_accounts_transaction_dates_get'), (request, reply) => {
    const { customer, data } = customerOf(request, reply)
    const dates = data.transactionDates(customer)
    const metadata: Record<string, unknown> = { results: dates.length }
    if (dates.length > 0) {
      metadata.first_transaction_date = toIso(Math.min(...dates.map((d) => d.firstMs)))
      metadata.last_transaction_date = toIso(Math.max(...dates.map((d) => d.lastMs)))
    }
    return {
      operation_id: 'financial_v3_accounts_transaction_dates_get',
      data: dates.map((d) => ({ account_id: d.accountId, first_transaction_date: toIso(d.firstMs), last_transaction_date: toIso(d.lastMs) })),
      metadata
    }
  })

  fastify.get<{ Params: { account_id: string } }>('/financial/v3/accounts/:account_id', route('financial_v3_accounts_account_id_get'), (request, reply) => {
    const { customer, data } = customerOf(request, reply)
    const held = data.account(customer, request.params.account_id)
    return { operation_id: 'financial_v3_accounts_account_id_get', data: accountView(held, false, displayName(held.account.provider), originOf(request)), metadata: { parameters: {}, results: 1 } }
  })

  function balancesOf (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, accountId: string | undefined) {
    const query = request.query
    const { customer, data, clock } = customerOf(request, reply)
    const granularity = oneOf(query, 'granularity', Object.keys(GRANULARITIES) as Granularity[], 'weekly')
    const fromMs = instant(query, 'from')
    const toMs = instant(query, 'to', { endOfDay: true })
    if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) throw validationError({ to: 'This value should not be before from' })
    const found = data.balances(customer, { accountId, fromMs, toMs, granularity })
    const parametersOf = (points: { atMs: number }[]) => ({
      from: toIso(fromMs ?? points[points.length - 1]?.atMs ?? clock.nowMs()),
      to: toIso(toMs ?? points[0]?.atMs ?? clock.nowMs()),
      granularity
    })
    const items = found.map(({ held, points }) => {
      const currency = held.account.currency
      const booked = points.map((p) => p.bookedPence)
      const summary: Record<string, unknown> = {
        from: toIso(points[points.length - 1]?.atMs ?? held.balanceAtMs),
        to: toIso(points[0]?.atMs ?? held.balanceAtMs),
        balance_count: points.length,
        last_updated_at: toIso(held.balanceAtMs)
      }
      if (points.length > 0) {
        summary.min_balance = amount(Math.min(...booked), currency)
        summary.max_balance = amount(Math.max(...booked), currency)
      }
      return {
        accountId: held.account.accountId,
        summary,
        points,
        balances: points.map((p) => ({
          date: toIso(p.atMs),
          booked: { amount: amount(p.bookedPence, currency), credit_debit_indicator: direction(p.bookedPence) },
          pending: { amount: amount(p.pendingPence, currency), credit_debit_indicator: direction(p.pendingPence) }
        }))
      }
    })
    return { items, parametersOf }
  }

  fastify.get<{ Querystring: Query }>('/financial/v3/balances', route('financial_v3_balances_get'), (request, reply) => {
    const { items, parametersOf } = balancesOf(request, reply, undefined)
    return {
      operation_id: 'financial_v3_balances_get',
      data: items.map((i) => ({ account_id: i.accountId, balances: i.balances })),
      metadata: {
        accounts: Object.fromEntries(items.map((i) => [i.accountId, i.summary])),
        parameters: parametersOf(items.flatMap((i) => i.points).sort((a, b) => b.atMs - a.atMs))
      }
    }
  })

  fastify.get<{ Params: { account_id: string }, Querystring: Query }>('/financial/v3/accounts/:account_id/balances', route('financial_v3_accounts_balances_get'), (request, reply) => {
    const { items, parametersOf } = balancesOf(request, reply, request.params.account_id)
    const item = items[0]!
    return {
      operation_id: 'financial_v3_accounts_balances_get',
      data: item.balances,
      metadata: { accounts: item.summary, parameters: { ...parametersOf(item.points), account_id: item.accountId } }
    }
  })

  fastify.get<{ Querystring: Query }>('/financial/v2/transactions', route('v2_transactions_get'), (request, reply) => {
    const reading = customerOf(request, reply)
    const { customer, data } = reading
    return answer(request, reply, reading, () => {
      const query = request.query
      const pageSize = wholeNumber(query, 'page_size', 1, 200, 100)
      const token = decodeToken(query, 'page_token', ['number', 'number', 'number', 'string'])
      const statuses = several(query, 'status')
      const unknown = statuses?.find((s) => !(STATUSES as readonly string[]).includes(s))
      if (unknown !== undefined) throw validationError({ status: `This value should be one of ${STATUSES.join(', ')}` })
      const credit = single(query, 'credit_debit_indicator')
      if (credit !== undefined && credit !== 'credit' && credit !== 'debit') throw validationError({ credit_debit_indicator: 'This value should be one of credit, debit' })
      const updatedAfterMs = instant(query, 'updated_after')
      const page = data.transactions(customer, {
        dateFromMs: instant(query, 'date_from'),
        dateToMs: instant(query, 'date_to', { endOfDay: true }),
        accountIds: several(query, 'account_id'),
        // Open banking brings no declined transactions: asking only for them finds none.
        statuses: statuses?.filter((s): s is 'booked' | 'pending' => s !== 'declined') ?? undefined,
        credit: credit === undefined ? undefined : credit === 'credit',
        categoryL1: single(query, 'category_l1'),
        categoryL2: single(query, 'category_l2'),
        merchant: single(query, 'merchant'),
        includeTags: several(query, 'include_tags'),
        excludeTags: several(query, 'exclude_tags'),
        updatedAfterMs,
        pageSize,
        after: token === undefined ? undefined : { asOfMs: token[0] as number, generation: token[1] as number, dateMs: token[2] as number, transactionId: token[3] as string }
      })
      const onlyDeclined = statuses !== undefined && statuses.every((s) => s === 'declined')
      const transactions = onlyDeclined ? [] : page.transactions
      const metadata: Record<string, unknown> = { results: transactions.length }
      if (updatedAfterMs !== undefined) {
        metadata.updated_after = toIso(updatedAfterMs)
        metadata.deleted = page.deleted.map((d) => ({ transaction_id: d.transactionId, at: toIso(d.atMs) }))
      }
      if (page.next !== undefined && !onlyDeclined) metadata.next_page_token = encodeToken([page.next.asOfMs, page.next.generation, page.next.dateMs, page.next.transactionId])
      return { operation_id: 'v2_transactions_get', data: transactions.map((t) => transactionView(t, originOf(request))), metadata }
    })
  })

  fastify.delete<{ Params: { provider: string } }>('/v1/provider/:provider', route('v1_provider_delete'), (request, reply) => {
    const { customer, data } = customerOf(request)
    data.removeProvider(customer, request.params.provider)
    request.log.info({ customerId: customer.customerId, provider: request.params.provider }, 'provider data removed')
    reply.code(204).send()
  })
}
