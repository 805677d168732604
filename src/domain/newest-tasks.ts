// A customer's newest task per client and provider: what the one-hour dedupe
// looks at. Most customers have one such task and most clients use one
// provider, so one task is kept as it is, and maps (by client, then by
// provider) appear only where there are more. Nothing is copied per task, and
// no key string is made: a customer shared by a million clients costs one map
// entry per client.
import type { Task } from './task-store.js'

type ForClient = Task | Map<string, Task>
export type NewestTasks = Task | Map<string, ForClient> | undefined

export function newestFor (newest: NewestTasks, clientId: string, provider: string): Task | undefined {
  const forClient = newest instanceof Map ? newest.get(clientId) : newest
  const task = forClient instanceof Map ? forClient.get(provider) : forClient
  return task?.clientId === clientId && task.provider === provider ? task : undefined
}

/** `newest` with `task` as the newest for its client and provider. */
export function withNewest (newest: NewestTasks, task: Task): NewestTasks {
  if (newest === undefined || (!(newest instanceof Map) && sameSlot(newest, task))) return task
  const byClient = newest instanceof Map ? newest : new Map<string, ForClient>([[newest.clientId, newest]])
  const forClient = byClient.get(task.clientId)
  if (forClient instanceof Map) forClient.set(task.provider, task)
  else if (forClient === undefined || forClient.provider === task.provider) byClient.set(task.clientId, task)
  else byClient.set(task.clientId, new Map([[forClient.provider, forClient], [task.provider, task]]))
  return byClient
}

/** `newest` without `task`, when it is there. */
export function withoutTask (newest: NewestTasks, task: Task): NewestTasks {
  if (newest === task) return undefined
  if (!(newest instanceof Map)) return newest
  const forClient = newest.get(task.clientId)
  if (forClient === task) {
    newest.delete(task.clientId)
  } else if (forClient instanceof Map && forClient.get(task.provider) === task) {
    forClient.delete(task.provider)
    if (forClient.size === 0) newest.delete(task.clientId)
  }
  return newest
}

function sameSlot (a: Task, b: Task): boolean {
  return a.clientId === b.clientId && a.provider === b.provider
}
