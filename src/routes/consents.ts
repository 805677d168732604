// Bud's consent operations: Retrieve Customer Consents, Initiate Revoke
// Consent and its status, Reconfirm Consent. Thin: the consents do the work.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { toIso } from '../domain/clock.js'
import { CONSENT_FILTERS, type ConsentRecord } from '../domain/consents/consents.js'
import { TASK_STATUS } from '../domain/scenarios.js'
import { budRoute, statusMetadata } from '../http/bud-route.js'
import { jsonBodies } from '../http/json-bodies.js'
import { oneOf, single, type Query } from '../http/query.js'
import { clientIdOf, customerRefOf } from '../http/request-context.js'
import { NEXT_URL_DELAY_MS } from './refresh.js'

const revokeUrl = (taskId: string) => `/v1/open-banking/account-access-consent/revoke/${taskId}`

/** The OBIE consent a bank's consent API would hold: what Bud shows as `raw`. */
const RAW_PERMISSIONS = ['ReadAccountsDetail', 'ReadBalances', 'ReadTransactionsDetail', 'ReadTransactionsCredits', 'ReadTransactionsDebits']
const RAW_STATUS = { awaiting_authorisation: 'AwaitingAuthorisation', authorised: 'Authorised', rejected: 'Rejected', revoked: 'Revoked' } as const

export function consentView (record: ConsentRecord): Record<string, unknown> {
  const statusChangedAtMs = record.revokedAtMs ?? record.lastConsentedMs
  const view: Record<string, unknown> = {
    id: record.consentId,
    customer_id: record.customerId,
    provider: record.provider,
    transaction_from_date: toIso(record.transactionFromMs),
    expiration_date: toIso(record.expiresAtMs),
    created_at: toIso(record.createdAtMs),
    last_consented_on: toIso(record.lastConsentedMs),
    status: record.status,
    resources: ['accounts', 'balances', 'transactions'],
    permissions: ['ReadAccounts', 'ReadBalances', 'ReadTransactions'],
    raw_version: 'v3.1',
    raw_format: 'obie',
    raw: {
      ConsentId: record.consentId,
      CreationDateTime: toIso(record.createdAtMs),
      Status: RAW_STATUS[record.status],
      StatusUpdateDateTime: toIso(statusChangedAtMs),
      Permissions: RAW_PERMISSIONS,
      TransactionFromDateTime: toIso(record.transactionFromMs)
    },
    account_ids: record.accountIds
  }
  if (record.revokedAtMs !== undefined) view.revoked_at = toIso(record.revokedAtMs)
  if (record.revokeReason !== undefined) view.revoke_reason = record.revokeReason
  if (record.lastSyncedAtMs !== undefined) view.last_synced_at = toIso(record.lastSyncedAtMs)
  return view
}

export default async function consentRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify

  fastify.get<{ Querystring: Query }>('/v1/open-banking/account-access-consents', budRoute(contract, guards, 'open_banking_connections_get', { ownQuery: true }), (request) => {
    const { consents, customers, clock } = worlds.of(clientIdOf(request))
    const ref = customerRefOf(request)
    const filter = single(request.query, 'status') === undefined ? 'active' : oneOf(request.query, 'status', CONSENT_FILTERS, 'active')
    const customer = customers.resolve(ref, clock.nowMs())
    const records = consents.list(customer, filter, customer.pendingConsents)
    return { operation_id: 'open_banking_connections_get', data: records.map(consentView), metadata: { results: records.length } }
  })

  fastify.post<{ Body: { provider: string } }>('/v1/open-banking/account-access-consent/revoke', budRoute(contract, guards, 'open_banking_account_access_consent_revoke_post'), (request, reply) => {
    const clientId = clientIdOf(request)
    const task = worlds.of(clientId).consents.revoke(clientId, customerRefOf(request), request.body.provider)
    checks.answered(task)
    request.log.info({ taskId: task.taskId, provider: task.provider, found: task.found }, 'consent revoked')
    // Bud's own examples name these operations open_banking_revoke_post and open_banking_revoke_task_get.
    reply.code(202).send({
      operation_id: 'open_banking_revoke_post',
      data: { task_id: task.taskId, provider: task.provider },
      metadata: { status: TASK_STATUS.pending, next_url: revokeUrl(task.taskId), next_url_delay: NEXT_URL_DELAY_MS }
    })
  })

  fastify.get<{ Params: { task_id: string } }>('/v1/open-banking/account-access-consent/revoke/:task_id', budRoute(contract, guards, 'open_banking_account_access_consent_revoke_get'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { consents } = worlds.of(clientId)
    const task = consents.findRevoke(clientId, customerRefOf(request), request.params.task_id)
    checks.statusRead(request, reply, clientId, task, NEXT_URL_DELAY_MS)
    const { status, result } = consents.revokeStatus(task)
    checks.answered(task, status !== TASK_STATUS.pending)
    const data: Record<string, unknown> = { task_id: task.taskId, provider: task.provider, status }
    if (result !== undefined) data.result = result
    return { operation_id: 'open_banking_revoke_task_get', data, metadata: statusMetadata(status, revokeUrl(task.taskId), NEXT_URL_DELAY_MS) }
  })

  // Reconfirm Consent takes no body: a POST with none, even one labelled JSON, is the usual request
  // (Bud's collection sends {provider}, which is read and ignored).
  await fastify.register(async (reconfirmScope) => {
    jsonBodies(reconfirmScope, { empty: () => undefined })
    reconfirmScope.post<{ Params: { consent_id: string } }>('/v1/open-banking/account-access-consents/:consent_id/reconfirm', budRoute(contract, guards, 'open_banking_consents_reconfirm_post'), (request) => {
      const clientId = clientIdOf(request)
      const { provider, reconnectRequired } = worlds.of(clientId).consents.reconfirm(clientId, customerRefOf(request), request.params.consent_id)
      request.log.info({ consentId: request.params.consent_id, reconnectRequired }, 'consent reconfirmation')
      return { operation_id: 'open_banking_consents_reconfirm_post', data: { provider_id: provider, reconnect_required: reconnectRequired } }
    })
  })
}
