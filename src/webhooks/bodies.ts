// The bodies of Bud's completion webhooks, built from a task's final state:
// Refresh Completed (V1: booleans as strings, as Bud sends them), Refresh V2
// Provider Completed (one V2 sub-task, `open_banking.v2.refresh.provider.completed`)
// and Refresh V2 Completed (the parent, `open_banking.v2.refresh.completed`,
// with its sub-tasks).
import { toIso } from '../domain/clock.js'
import { consentExpiresAtMs, taskConsentId } from '../domain/customers.js'
import type { FinancialData } from '../domain/data/financial-data.js'
import { type RefreshService } from '../domain/refresh.js'
import type { Progress } from '../domain/scenarios.js'
import { CONSENT_EVENTS, type ConsentChange, type ParentTask, type Task } from '../domain/records.js'

/**
 * The webhooks a client can take, by event name. Bud's V2 bodies carry theirs
 * in `event`; the V1 body carries none, so its name here is the sandbox's.
 */
export const WEBHOOK_EVENTS = {
  refreshCompleted: 'open_banking.refresh.completed',
  v2Completed: 'open_banking.v2.refresh.completed',
  v2ProviderCompleted: 'open_banking.v2.refresh.provider.completed',
  connectCompleted: 'open_banking.connect.completed',
  consentRevoked: CONSENT_EVENTS.revoked,
  consentReconfirmed: CONSENT_EVENTS.reconfirmed,
  consentReauthorised: CONSENT_EVENTS.reauthorised
} as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[keyof typeof WEBHOOK_EVENTS]
export const ALL_WEBHOOK_EVENTS: readonly WebhookEvent[] = Object.values(WEBHOOK_EVENTS)

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
      consent_id: taskConsentId(task) ?? null
    }
  }
}

/** Connect Completed (Bud's OBConnectWebhookBody): a connect task's end. */
export function connectCompletedBody (refresh: RefreshService, task: Task): Record<string, unknown> {
  const outcome = refresh.progress(task)
  const data: Record<string, unknown> = {
    task_id: task.taskId,
    status: outcome.status,
    result: outcome.result,
    task_type: 'connect',
    customer_id: task.customerId,
    provider: task.provider
  }
  const consentId = outcome.result === 'success' ? taskConsentId(task) : undefined
  if (consentId !== undefined) data.consent_id = consentId
  return { data }
}

/** Consent Revoked, Reconfirmed or Reauthorised (Bud's OBConsentWebhookBody). */
export function consentChangedBody (change: ConsentChange): Record<string, unknown> {
  const data: Record<string, unknown> = {
    event: change.event,
    consent_id: change.consentId,
    customer_id: change.customerId,
    provider: change.provider,
    updated_at: toIso(change.atMs)
  }
  if (change.reason !== undefined) data.reason = change.reason
  return { data }
}

/**
 * One provider's refresh as both V2 webhooks report it (Bud's
 * RefreshSubtaskWebhookTask fields), with `account_ids`: the accounts it
 * updated, where it succeeded.
 */
function subTaskReport (task: Task, progress: Progress, data: FinancialData): Record<string, unknown> {
  const report: Record<string, unknown> = {
    task_id: task.taskId,
    provider: task.provider,
    status: progress.status,
    result: progress.result,
    reconnect_required: progress.reconnectRequired,
    has_new_transactions: progress.hasNewTransactions ?? false,
    start_time: toIso(task.startedAtMs),
    refresh_window: { from: toIso(task.windowFromMs), to: toIso(task.windowToMs) }
  }
  const accountIds = data.accountIdsOf(task)
  if (accountIds.length > 0) report.account_ids = accountIds
  const consentId = taskConsentId(task)
  if (consentId !== undefined) {
    report.consent_ids = [consentId]
    // The consent the refresh used, and until when it lasts (see consents.ts).
    report.consent_details = { id: consentId, expiration_date: toIso(consentExpiresAtMs(task.connection!)) }
  }
  return report
}

export function providerRefreshCompletedBody (refresh: RefreshService, data: FinancialData, task: Task): Record<string, unknown> {
  return { event: WEBHOOK_EVENTS.v2ProviderCompleted, customer_id: task.customerId, ...subTaskReport(task, refresh.progress(task), data) }
}

export function refreshV2CompletedBody (refresh: RefreshService, data: FinancialData, parent: ParentTask): Record<string, unknown> {
  const outcome = refresh.parentProgress(parent)
  return {
    customer_id: parent.customerId,
    event: WEBHOOK_EVENTS.v2Completed,
    has_new_transactions: outcome.hasNewTransactions ?? false,
    task_id: parent.taskId,
    result: outcome.result,
    status: outcome.status,
    start_time: toIso(parent.startedAtMs),
    refresh_window: {
      from: toIso(Math.min(...parent.subTasks.map((t) => t.windowFromMs))),
      to: toIso(Math.max(...parent.subTasks.map((t) => t.windowToMs)))
    },
    sub_tasks: parent.subTasks.map((task, i) => subTaskReport(task, outcome.subTasks[i]!, data))
  }
}
