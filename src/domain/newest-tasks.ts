import type { ForClient, NewestTasks, Task } from './records.js'
// A customer's newest task per client and provider: what the one-hour dedupe
// looks at. Most customers have one such task, and a V2 refresh gives one
// client a few (one per provider): one task is kept as it is, up to
// SMALL tasks in a short array, and maps (by client, then by provider) appear
// only past that. The array is changed in place and never grows past SMALL,
// so no add copies more than a few slots, and no key string is made: a
// customer shared by a million clients costs one map entry per client.

/** The most tasks kept in the array before it becomes maps. */
const SMALL = 8

export function newestFor (newest: NewestTasks, clientId: string, provider: string): Task | undefined {
  if (Array.isArray(newest)) {
    for (const task of newest) if (task.clientId === clientId && task.provider === provider) return task
    return undefined
  }
  const forClient = newest instanceof Map ? newest.get(clientId) : newest
  const task = forClient instanceof Map ? forClient.get(provider) : forClient
  return task?.clientId === clientId && task.provider === provider ? task : undefined
}

/** Whether any of the client's newest tasks (one per provider) passes `test`. */
export function anyNewestOf (newest: NewestTasks, clientId: string, test: (task: Task) => boolean): boolean {
  if (newest === undefined) return false
  if (Array.isArray(newest)) return newest.some((task) => task.clientId === clientId && test(task))
  if (!(newest instanceof Map)) return newest.clientId === clientId && test(newest)
  const forClient = newest.get(clientId)
  if (forClient === undefined) return false
  if (!(forClient instanceof Map)) return test(forClient)
  for (const task of forClient.values()) if (test(task)) return true
  return false
}

/** `newest` with `task` as the newest for its client and provider. */
export function withNewest (newest: NewestTasks, task: Task): NewestTasks {
  if (newest === undefined || (!(newest instanceof Map) && !Array.isArray(newest) && sameSlot(newest, task))) return task
  if (Array.isArray(newest)) {
    const at = newest.findIndex((each) => sameSlot(each, task))
    if (at >= 0) newest[at] = task
    else if (newest.length < SMALL) newest.push(task)
    else {
      const byClient = new Map<string, ForClient>()
      for (const each of newest) inMaps(byClient, each)
      return inMaps(byClient, task)
    }
    return newest
  }
  // An array literal: V8 then learns that these arrays outlive the request.
  if (!(newest instanceof Map)) return [newest, task]
  return inMaps(newest, task)
}

function inMaps (byClient: Map<string, ForClient>, task: Task): Map<string, ForClient> {
  const forClient = byClient.get(task.clientId)
  if (forClient instanceof Map) forClient.set(task.provider, task)
  else if (forClient === undefined || forClient.provider === task.provider) byClient.set(task.clientId, task)
  else byClient.set(task.clientId, new Map([[forClient.provider, forClient], [task.provider, task]]))
  return byClient
}

/** `newest` without `task`, when it is there. */
export function withoutTask (newest: NewestTasks, task: Task): NewestTasks {
  if (newest === task) return undefined
  if (Array.isArray(newest)) {
    const at = newest.indexOf(task)
    if (at >= 0) newest.splice(at, 1)
    return newest.length === 0 ? undefined : newest
  }
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
