// What every Bud operation's route shares: its schema from the contract, its
// operation id, the guards in front of it, and the polling hint a task's
// status carries while it is pending.
import type { onRequestHookHandler } from 'fastify'
import type { Contract, RouteSchema } from '../contract.js'
import { TASK_STATUS, type TaskStatus } from '../domain/scenarios.js'

export interface BudRouteOptions {
  schema: RouteSchema
  config: { operationId: string }
  onRequest: onRequestHookHandler[]
}

/**
 * A Bud operation's route options: validation and success serializers from
 * openapi.yaml, and the guards. With `ownQuery`, the route reads its query
 * itself (see query.ts): query strings are text, and Bud's list operations
 * take numbers, dates and repeated values.
 */
export function budRoute (contract: Contract, guards: onRequestHookHandler[], operationId: string, options: { ownQuery?: boolean } = {}): BudRouteOptions {
  const schema = contract.routeSchema(operationId, { serialize: true })
  if (options.ownQuery === true) delete schema.querystring
  return { schema, config: { operationId }, onRequest: guards }
}

/** A status's metadata: where and when to poll next, while the task is pending. */
export function statusMetadata (status: TaskStatus, nextUrl: string, delayMs: number): Record<string, unknown> {
  return status === TASK_STATUS.pending ? { status, next_url: nextUrl, next_url_delay: delayMs } : { status }
}
