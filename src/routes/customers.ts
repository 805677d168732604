// Bud's Create Customer V3. Thin: the customer directory creates (or, for a
// known idempotent identifier, finds) the customer; this shapes the envelope.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { toIso } from '../domain/clock.js'
import { withDefaults, type Customer, type CustomerContextRequest } from '../domain/customers.js'
import { budRoute } from '../http/bud-route.js'
import { clientIdOf } from '../http/request-context.js'

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
  const { customers, clock } = fastify.sandbox

  // The body is optional: in this plugin's scope an empty JSON body is an empty object.
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, {})
    else parseJson(request, body as string, done)
  })

  fastify.post<{ Body: CreateCustomerBody | undefined }>('/platform/v3/customers', {
    ...budRoute(contract, guards, 'platform_v3_customers_post'),
    // No body at all is an empty one too.
    preValidation: (request, _reply, done) => {
      request.body ??= {}
      done()
    }
  }, (request, reply) => {
    clientIdOf(request)
    const body = request.body ?? {}
    const { customer, created } = customers.create({
      idempotentIdentifier: body.client_metadata?.idempotent_identifier,
      context: withDefaults(body.customer_context)
    }, clock.nowMs())
    request.log.info({ customerId: customer.customerId, created }, created ? 'customer created' : 'customer found by idempotent identifier')
    reply.code(created ? 201 : 200).send(customerView(customer))
  })
}
