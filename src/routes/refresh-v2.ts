// Bud's V2 refresh operations: Initiate Refresh V2 and Retrieve Refresh
// Status V2. Thin, as the V1 routes are: the refresh service (the same engine
// as V1) makes the parent and its sub-tasks; this shapes Bud's envelopes.
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import type { Contract } from '../contract.js'
import { TASK_STATUS, type Progress } from '../domain/scenarios.js'
import { budRoute, statusMetadata } from '../http/bud-route.js'
import { clientIdOf, customerIpAddressOf, customerRefOf, scenarioChoiceOf } from '../http/request-context.js'
import type { Task } from '../domain/records.js'

/** Bud's published V2 polling hint, in milliseconds. */
export const NEXT_URL_DELAY_V2_MS = 500

interface RefreshV2Body {
  providers?: string[]
  from?: string
  to?: string
  resources?: string[]
}

// Bud's example writes /v2/open-banking/refresh/{id}, which no route serves; this is the path that does.
const nextUrl = (taskId: string) => `/open-banking/v2/refresh/${taskId}`

function subTaskView (task: Task, progress: Progress): Record<string, unknown> {
  const view: Record<string, unknown> = { task_id: task.taskId, provider: task.provider, status: progress.status }
  if (progress.result === undefined) return view
  view.result = progress.result
  view.reconnect_required = progress.reconnectRequired
  if (progress.hasNewTransactions !== undefined) view.has_new_transactions = progress.hasNewTransactions
  return view
}

export default async function refreshV2Routes (fastify: FastifyInstance, { contract, guards }: { contract: Contract, guards: onRequestHookHandler[] }) {
  const { worlds, checks } = fastify
  const { fixtures } = worlds.template

  fastify.post<{ Body: RefreshV2Body }>('/open-banking/v2/refresh', budRoute(contract, guards, 'v2_open_banking_refresh_post'), (request, reply) => {
    const { providers, from, to } = request.body
    const clientId = clientIdOf(request)
    const customer = customerRefOf(request)
    const customerIpAddress = customerIpAddressOf(request)
    checks.refreshAsked(request, reply, clientId, customer, providers, customerIpAddress)
    const { refresh } = worlds.of(clientId)
    const { parent, deduplicated } = refresh.initiateAll({
      clientId,
      customer,
      scenario: scenarioChoiceOf(request, fixtures.catalogue),
      customerIpAddress,
      providers,
      from,
      to
    })
    checks.answered(parent)
    for (const task of parent.subTasks) checks.refreshed(clientId, task, customerIpAddress)
    const status = deduplicated ? refresh.parentProgress(parent).status : TASK_STATUS.pending
    request.log.info({ taskId: parent.taskId, subTasks: parent.subTasks.length, deduplicated }, deduplicated ? 'v2 refresh deduplicated' : 'v2 refresh started')
    reply.code(202).send({
      operation_id: 'v2_open_banking_refresh_post',
      data: { task_id: parent.taskId, sub_tasks: parent.subTasks.map((task) => ({ provider: task.provider, task_id: task.taskId })) },
      metadata: { status, next_url: nextUrl(parent.taskId), next_url_delay: NEXT_URL_DELAY_V2_MS }
    })
  })

  fastify.get<{ Params: { task_id: string } }>('/open-banking/v2/refresh/:task_id', budRoute(contract, guards, 'v2_open_banking_refresh_get'), (request, reply) => {
    const clientId = clientIdOf(request)
    const { refresh } = worlds.of(clientId)
    const parent = refresh.findParent(clientId, customerRefOf(request), request.params.task_id)
    checks.statusRead(request, reply, clientId, parent, NEXT_URL_DELAY_V2_MS)
    const progress = refresh.parentProgress(parent)
    checks.answered(parent, progress.status !== TASK_STATUS.pending)
    const data: Record<string, unknown> = { task_id: parent.taskId, status: progress.status }
    if (progress.result !== undefined) data.result = progress.result
    if (progress.hasNewTransactions !== undefined) data.has_new_transactions = progress.hasNewTransactions
    data.sub_tasks = parent.subTasks.map((task, i) => subTaskView(task, progress.subTasks[i]!))
    return { operation_id: 'v2_open_banking_refresh_get', data, metadata: statusMetadata(progress.status, nextUrl(parent.taskId), NEXT_URL_DELAY_V2_MS) }
  })
}
