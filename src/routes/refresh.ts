// Bud's v1 refresh operations: Initiate Refresh and Retrieve Refresh Status.
// Thin: read the request, ask the refresh service, shape Bud's envelope.
// The handlers are synchronous (a throw still reaches the error handler):
// nothing here waits, and an async handler costs a promise per request.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { TASK_STATUS, type Progress } from '../domain/scenarios.js'
import { budRoute, statusMetadata } from '../http/bud-route.js'
import { clientIdOf, customerIpAddressOf, customerRefOf, scenarioOf } from '../http/request-context.js'
import type { Task } from '../domain/records.js'

/** Bud's published v1 polling hint, in milliseconds. */
export const NEXT_URL_DELAY_MS = 50

interface RefreshBody {
  provider: string
  from?: string
  to?: string
}

const nextUrl = (taskId: string) => `/v1/open-banking/refresh/${taskId}`

/** A refresh's or connect task's status as Bud reports both: where it is on the steps, and how it ended. */
export function taskStatusData (task: Task, progress: Progress): Record<string, unknown> {
  const data: Record<string, unknown> = {
    task_id: task.taskId,
    provider: task.provider,
    status: progress.status,
    reconnect_required: progress.reconnectRequired,
    step: progress.step,
    text: progress.text
  }
  if (progress.result !== undefined) data.result = progress.result
  return data
}

export default async function refreshRoutes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify
  const { fixtures } = worlds.template

  fastify.post<{ Body: RefreshBody }>('/v1/open-banking/refresh', budRoute(contract, guards, 'open_banking_refresh_post'), (request, reply) => {
    const clientId = clientIdOf(request)
    const customer = customerRefOf(request)
    const scenario = scenarioOf(request, fixtures.catalogue)
    const { provider, from, to } = request.body
    const customerIpAddress = customerIpAddressOf(request)
    checks.refreshAsked(request, reply, clientId, customer, [provider], customerIpAddress)
    const { refresh } = worlds.of(clientId)
    const { task, deduplicated } = refresh.initiate({ clientId, customer, provider, from, to, scenario, customerIpAddress })
    checks.refreshed(clientId, task, customerIpAddress)
    const status = deduplicated ? refresh.progress(task).status : TASK_STATUS.pending
    request.log.info({ taskId: task.taskId, provider, deduplicated, scenario: task.scenario.name }, deduplicated ? 'refresh deduplicated' : 'refresh started')
    reply.code(202).send({
      operation_id: 'open_banking_refresh_post',
      data: { task_id: task.taskId, provider: task.provider },
      metadata: { status, next_url: nextUrl(task.taskId), next_url_delay: NEXT_URL_DELAY_MS }
    })
  })

  fastify.get<{ Params: { task_id: string } }>('/v1/open-banking/refresh/:task_id', budRoute(contract, guards, 'open_banking_refresh_get'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { refresh } = worlds.of(clientId)
    const task = refresh.find(clientId, customerRefOf(request), request.params.task_id)
    checks.statusRead(request, reply, clientId, task, NEXT_URL_DELAY_MS)
    const progress = refresh.progress(task)
    checks.answered(task, progress.status !== TASK_STATUS.pending)
    const data = taskStatusData(task, progress)
    const metadata = statusMetadata(progress.status, nextUrl(task.taskId), NEXT_URL_DELAY_MS)
    if (progress.hasNewTransactions !== undefined) metadata.has_new_transactions = progress.hasNewTransactions
    return { operation_id: 'open_banking_refresh_get', data, metadata }
  })
}
