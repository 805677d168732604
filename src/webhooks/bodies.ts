// The bodies of Bud's completion webhooks, built from a task's final state:
// Refresh Completed (V1: booleans as strings, as Bud sends them) and Refresh
// V2 Completed (`open_banking.v2.refresh.completed`, with its sub-tasks).
import { toIso } from '../domain/clock.js'
import type { RefreshService } from '../domain/refresh.js'
import type { ParentTask, Task } from '../domain/task-store.js'

export const V2_COMPLETED_EVENT = 'open_banking.v2.refresh.completed'

export function refreshCompletedBody (refresh: RefreshService, task: Task): Record<string, unknown> {
  const outcome = refresh.progress(task)
  return {
    data: {
      task_id: task.taskId,
      task_type: 'refresh',
      customer_id: task.customerId,
      status: outcome.status,
      result: outcome.result,
      reconnect_required: String(outcome.reconnectRequired),
      has_new_transactions: String(outcome.hasNewTransactions ?? false),
      provider: task.provider,
      consent_id: task.consentId ?? null
    }
  }
}

export function refreshV2CompletedBody (refresh: RefreshService, parent: ParentTask): Record<string, unknown> {
  const outcome = refresh.parentProgress(parent)
  const subTasks = parent.subTasks.map((task, i) => {
    const progress = outcome.subTasks[i]!
    const sub: Record<string, unknown> = {
      task_id: task.taskId,
      provider: task.provider,
      status: progress.status,
      result: progress.result,
      reconnect_required: progress.reconnectRequired,
      has_new_transactions: progress.hasNewTransactions ?? false,
      start_time: toIso(task.startedAtMs),
      refresh_window: { from: toIso(task.windowFromMs), to: toIso(task.windowToMs) }
    }
    if (task.consentId !== undefined) sub.consent_ids = [task.consentId]
    return sub
  })
  return {
    customer_id: parent.customerId,
    event: V2_COMPLETED_EVENT,
    has_new_transactions: outcome.hasNewTransactions ?? false,
    task_id: parent.taskId,
    result: outcome.result,
    status: outcome.status,
    start_time: toIso(parent.startedAtMs),
    refresh_window: {
      from: toIso(Math.min(...parent.subTasks.map((t) => t.windowFromMs))),
      to: toIso(Math.max(...parent.subTasks.map((t) => t.windowToMs)))
    },
    sub_tasks: subTasks
  }
}
