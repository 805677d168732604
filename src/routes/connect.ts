// Bud's connect operations: Initiate Provider Authorisation and its status
// (the client's own licence), Submit Authorisation Codes V1 and V2, Retrieve
// Connection Status, and Retrieve Authorisation Gateway URL (Bud Connect).
// Thin: the authorisations, the gateway and the refresh engine do the work;
// the pages they send the customer to are in pages.ts.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { checkRedirectUrl } from '../domain/connect/authorisations.js'
import type { InitialScreen } from '../domain/connect/gateway.js'
import { BudError, BLANK, ERRORS, validationError } from '../domain/errors.js'
import { TASK_STATUS } from '../domain/scenarios.js'
import { budRoute, statusMetadata } from '../http/bud-route.js'
import { clientIdOf, customerRefOf, originOf } from '../http/request-context.js'
import { NEXT_URL_DELAY_MS, taskStatusData } from './refresh.js'
import type { Task } from '../domain/records.js'

interface AuthoriseBody {
  provider: string
  redirect_url?: string
  provider_redirect_url?: string
  consent_id?: string
}

interface GatewayBody {
  redirect_url: string
  providers?: string[] | null
  provider_types?: string[] | null
  initial_screen?: InitialScreen | null
  reconfirm_consent?: boolean | null
}

const authorisationUrl = (taskId: string) => `/v1/open-banking/authorisation-url/${taskId}`
const connectUrl = (taskId: string) => `/v1/open-banking/connect/${taskId}`

export default async function connectRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify

  fastify.post<{ Body: AuthoriseBody }>('/v1/open-banking/authorisation-url', budRoute(contract, guards, 'open_banking_authorisation_url_post'), (request, reply) => {
    const clientId = clientIdOf(request)
    const customer = customerRefOf(request)
    const body = request.body
    const field = body.provider_redirect_url !== undefined ? 'provider_redirect_url' : 'redirect_url'
    const url = body.provider_redirect_url ?? body.redirect_url
    if (url === undefined) throw validationError({ provider_redirect_url: BLANK })
    checkRedirectUrl(field, url)
    const { authorisations } = worlds.of(clientId)
    const task = authorisations.initiate({ clientId, customer, provider: body.provider, returnTo: { kind: 'client', url }, consentId: body.consent_id })
    checks.answered(task)
    request.log.info({ taskId: task.taskId, provider: task.provider, reauthorise: task.reauthorise }, 'authorisation started')
    reply.code(202).send({
      operation_id: 'open_banking_authorisation_url_post',
      data: { task_id: task.taskId, provider: task.provider },
      metadata: { status: TASK_STATUS.pending, next_url: authorisationUrl(task.taskId), next_url_delay: NEXT_URL_DELAY_MS }
    })
  })

  fastify.get<{ Params: { task_id: string } }>('/v1/open-banking/authorisation-url/:task_id', budRoute(contract, guards, 'open_banking_authorisation_url_get'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { authorisations } = worlds.of(clientId)
    const task = authorisations.find(clientId, customerRefOf(request), request.params.task_id)
    checks.statusRead(request, reply, clientId, task, NEXT_URL_DELAY_MS)
    const { status, result, path } = authorisations.status(task)
    checks.answered(task, status !== TASK_STATUS.pending)
    const data: Record<string, unknown> = { provider: task.provider, status, task_id: task.taskId }
    if (result !== undefined) data.result = result
    if (path !== undefined) data.url = originOf(request) + path
    // Bud's metadata here always names the next poll (TaskManagerMetaData requires it).
    return { operation_id: 'open_banking_authorisation_url_get', data, metadata: { status, next_url: authorisationUrl(task.taskId), next_url_delay: NEXT_URL_DELAY_MS } }
  })

  for (const version of ['v1', 'v2'] as const) {
    const operationId = `${version}_open_banking_authorisation_codes_post`
    fastify.post<{ Body: Record<string, unknown> }>(`/${version}/open-banking/authorisation-codes`, budRoute(contract, guards, operationId), (request, reply) => {
      const clientId = clientIdOf(request)
      const { task, used } = worlds.of(clientId).authorisations.submit(clientId, customerRefOf(request), request.body)
      if (used && version === 'v2') throw new BudError(ERRORS.authUsed, { code: 'already used' })
      checks.answered(task)
      const data: Record<string, unknown> = { task_id: task.taskId, provider: task.provider, status: used ? TASK_STATUS.failed : TASK_STATUS.pending }
      if (used) data.result = 'auth_used'
      request.log.info({ taskId: task.taskId, provider: task.provider, used, denied: task.scenario.result !== 'success' }, 'authorisation codes submitted')
      reply.code(202).send({ operation_id: operationId, data })
    })
  }

  fastify.get<{ Params: { connection_task_id: string } }>('/v1/open-banking/connect/:connection_task_id', budRoute(contract, guards, 'open_banking_connect_get'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { refresh } = worlds.of(clientId)
    const task: Task = refresh.findConnect(clientId, customerRefOf(request), request.params.connection_task_id)
    checks.statusRead(request, reply, clientId, task, NEXT_URL_DELAY_MS)
    const progress = refresh.progress(task)
    checks.answered(task, progress.status !== TASK_STATUS.pending)
    // Bud still sends the deprecated bank_name beside provider.
    const data = { bank_name: task.provider, ...taskStatusData(task, progress) }
    return { operation_id: 'open_banking_connect_get', data, metadata: statusMetadata(progress.status, connectUrl(task.taskId), NEXT_URL_DELAY_MS) }
  })

  fastify.post<{ Body: GatewayBody }>('/v2/open-banking/authorisation-gateway-url', budRoute(contract, guards, 'v2_ob_authorisation_gateway_url_post'), (request, reply) => {
    const body = request.body
    const clientId = clientIdOf(request)
    const { session, path } = worlds.of(clientId).gateway.create(clientId, customerRefOf(request), {
      redirectUrl: body.redirect_url,
      providers: body.providers,
      providerTypes: body.provider_types,
      initialScreen: body.initial_screen,
      reconfirmConsent: body.reconfirm_consent
    })
    request.log.info({ sessionId: session.taskId, initialScreen: session.initialScreen }, 'Bud Connect link made')
    reply.code(201).send({ operation_id: 'v2_ob_authorisation_gateway_url_post', data: { url: originOf(request) + path } })
  })
}
