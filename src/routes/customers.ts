// Bud's customer operations: Create Customer V3, Retrieve Customers V3,
// Remove Customer V3 (by id or identifier) and its status. Thin: the customer
// directory and the deletions do the work; this shapes the envelopes.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { toIso } from '../domain/clock.js'
import { withDefaults, type CustomerContextRequest } from '../domain/customers.js'
import { budRoute, statusMetadata } from '../http/bud-route.js'
import { jsonBodies } from '../http/json-bodies.js'
import { decodeToken, encodeToken, instant, single, wholeNumber, type Query } from '../http/query.js'
import { clientIdOf } from '../http/request-context.js'
import type { DeletionTask } from '../domain/customer-deletions.js'
import { TASK_STATUS } from '../domain/scenarios.js'
import type { Customer } from '../domain/records.js'

/** Bud's published polling hint for a customer deletion, in milliseconds. */
export const DELETE_NEXT_URL_DELAY_MS = 50
const deleteStatusUrl = (task: DeletionTask) => `/platform/v3/customers/${task.customerId}/${task.taskId}`

interface CreateCustomerBody {
  customer_context?: CustomerContextRequest
  client_metadata?: { idempotent_identifier?: string }
}

function customerView (customer: Customer) {
  const { type, region, locale, models } = customer.context
  const data: Record<string, unknown> = {
    customer_id: customer.customerId,
    customer_context: { type, region, locale, host_secret: true, models: { categorisation: models.categorisation } }
  }
  if (customer.idempotentIdentifier !== undefined) data.client_metadata = { idempotent_identifier: customer.idempotentIdentifier }
  return { operation_id: 'platform_v3_customers_post', data, metadata: { created_at: toIso(customer.createdAtMs) } }
}

export default async function customerRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify

  fastify.get<{ Querystring: Query }>('/platform/v3/customers', budRoute(contract, guards, 'platform_v3_customers_get', { ownQuery: true }), (request) => {
    // A client lists its own customers alone, and its page tokens walk them alone.
    const { customers } = worlds.of(clientIdOf(request))
    const query = request.query
    const pageSize = wholeNumber(query, 'page_size', 1, 1000, 200)
    const after = decodeToken(query, 'page_token', ['string'])
    const { customers: page, more } = customers.list({
      afterId: after?.[0] as string | undefined,
      pageSize,
      idempotentIdentifier: single(query, 'idempotent_identifier'),
      fromMs: instant(query, 'date_from'),
      toMs: instant(query, 'date_to', { endOfDay: true })
    })
    const metadata: Record<string, unknown> = { results: page.length }
    if (more) metadata.next_page_token = encodeToken([page[page.length - 1]!.customerId])
    return {
      operation_id: 'platform_v3_customers_get',
      data: page.map((c) => c.idempotentIdentifier === undefined
        ? { customer_id: c.customerId, created_at: toIso(c.createdAtMs) }
        : { customer_id: c.customerId, idempotent_identifier: c.idempotentIdentifier, created_at: toIso(c.createdAtMs) }),
      metadata
    }
  })

  const deleted = (operationId: string, task: DeletionTask) => ({
    operation_id: operationId,
    data: { task_id: task.taskId },
    metadata: { status: TASK_STATUS.pending, next_url: deleteStatusUrl(task), next_url_delay: DELETE_NEXT_URL_DELAY_MS }
  })

  fastify.delete<{ Params: { customer_id: string } }>('/platform/v3/customers/:customer_id', budRoute(contract, guards, 'platform_v3_customers_delete'), (request, reply) => {
    const clientId = clientIdOf(request)
    const task = worlds.of(clientId).deletions.start(clientId, { customerId: request.params.customer_id })
    checks.answered(task)
    request.log.info({ customerId: task.customerId, taskId: task.taskId }, 'customer deleted')
    reply.code(202).send(deleted('platform_v3_customers_delete', task))
  })

  fastify.delete<{ Params: { customer_idempotent_identifier: string } }>('/platform/v3/customers/idempotent-identifier/:customer_idempotent_identifier', budRoute(contract, guards, 'platform_v3_customers_idempotent_identifier_delete'), (request, reply) => {
    const clientId = clientIdOf(request)
    const task = worlds.of(clientId).deletions.start(clientId, { idempotentIdentifier: request.params.customer_idempotent_identifier })
    checks.answered(task)
    request.log.info({ customerId: task.customerId, taskId: task.taskId }, 'customer deleted')
    reply.code(202).send(deleted('platform_v3_customers_idempotent_identifier_delete', task))
  })

  fastify.get<{ Params: { customer_id: string, task_id: string } }>('/platform/v3/customers/:customer_id/:task_id', budRoute(contract, guards, 'platform_v3_customers_delete_status'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { deletions } = worlds.of(clientId)
    const task = deletions.find(clientId, request.params.customer_id, request.params.task_id)
    checks.statusRead(request, reply, task.clientId, task, DELETE_NEXT_URL_DELAY_MS)
    const status = deletions.statusOf(task)
    checks.answered(task, status !== TASK_STATUS.pending)
    return {
      operation_id: 'platform_v3_customers_delete_status',
      data: status === TASK_STATUS.completed ? { task_id: task.taskId, result: 'success' } : { task_id: task.taskId },
      metadata: statusMetadata(status, deleteStatusUrl(task), DELETE_NEXT_URL_DELAY_MS)
    }
  })

  // The body is optional: in this plugin's scope an empty JSON body is an empty object.
  jsonBodies(fastify, { empty: () => ({}) })

  fastify.post<{ Body: CreateCustomerBody | undefined }>('/platform/v3/customers', {
    ...budRoute(contract, guards, 'platform_v3_customers_post'),
    // No body at all is an empty one too.
    preValidation: (request, _reply, done) => {
      request.body ??= {}
      done()
    }
  }, (request, reply) => {
    const { customers, clock } = worlds.of(clientIdOf(request))
    const body = request.body ?? {}
    const { customer, created } = customers.create({
      idempotentIdentifier: body.client_metadata?.idempotent_identifier,
      context: withDefaults(body.customer_context)
    }, clock.nowMs())
    request.log.info({ customerId: customer.customerId, created }, created ? 'customer created' : 'customer found by idempotent identifier')
    reply.code(created ? 201 : 200).send(customerView(customer))
  })
}
