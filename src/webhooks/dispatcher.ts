// Completion webhooks. A delivery falls due when its task ends on the sandbox
// clock; one timer waits for the earliest due delivery, and moving the clock
// runs tick() at once. 5xx answers and network errors are retried with
// backoff on the sandbox clock; 2xx is accepted, 3xx and 4xx are final.
// At most `maxInFlight` deliveries are sent at once: a clock jump that ends
// thousands of tasks queues their webhooks instead of opening thousands of
// connections to one receiver at the same instant.
// Nothing here runs inside a request: the API never waits for a webhook.
// Each client has its own clock (see domain/worlds.ts): a delivery falls due
// on its client's clock, and the queue keeps every due instant on the shared
// clock under them, moved when one client's clock moves alone.
import { IdSource } from '../domain/ids.js'
import { EventEmitter } from 'node:events'
import Denque from 'denque'
import type { Clock } from '../domain/clock.js'
import { toIso } from '../domain/clock.js'
import type { WebhookSigner } from './signer.js'

export interface Attempt {
  atMs: number
  statusCode?: number
  error?: string
  durationMs: number
}

export type DeliveryStatus = 'scheduled' | 'sending' | 'retrying' | 'delivered' | 'failed'

export interface Delivery {
  deliveryId: string
  /** Which webhook this is (see bodies.ts' WEBHOOK_EVENTS). */
  event: string
  taskId: string
  clientId: string
  url: string
  dueAtMs: number
  status: DeliveryStatus
  attempts: Attempt[]
  nextAttemptAtMs?: number
  body?: Record<string, unknown>
  /** What the body is made of when the delivery falls due (the task, parent or consent change; see DispatcherOptions.bodyOf). */
  subject: unknown
  /** Signed once; every attempt resends the same signed body. */
  signature?: string
}

export interface DispatcherOptions {
  /** The shared clock under every client's own. */
  clock: Clock
  /** A client's own clock; the shared one when absent. */
  clockOf?: (clientId: string) => Clock
  signer: () => Promise<WebhookSigner>
  /** Builds a delivery's body when it falls due, from its subject's final state. */
  bodyOf: (delivery: Delivery) => Record<string, unknown>
  maxAttempts?: number
  /** First retry delay; each further retry doubles it. */
  backoffMs?: number
  timeoutMs?: number
  /** Deliveries sent at once; the rest wait, in due order. */
  maxInFlight?: number
  logCapacity?: number
  /** Clients with a webhook URL kept; setting one more forgets the URL set longest ago. */
  maxUrls?: number
  log?: { warn (obj: object, msg: string): void, info (obj: object, msg: string): void }
}

/** Clients with a webhook URL a sandbox keeps (any number of client ids can be sent). */
export const MAX_WEBHOOK_URLS = 100_000

/** Where a client's webhooks go, and which of them it takes. */
export interface Subscription {
  url: string
  events: ReadonlySet<string>
}

interface Due {
  atMs: number
  delivery: Delivery
}

export interface Queued extends Due {
  /** Breaks ties: of two due at the same instant, the one queued first goes first. */
  seq: number
}

const before = (a: Queued, b: Queued) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)

/** A binary min-heap on `atMs`, first in first out among equals. */
class DueQueue {
  readonly #items: Queued[] = []
  #seq = 0

  get size (): number { return this.#items.length }
  peek (): Due | undefined { return this.#items[0] }

  push (atMs: number, delivery: Delivery): void {
    const items = this.#items
    const item = { atMs, delivery, seq: this.#seq++ }
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (before(items[parent]!, item)) break
      items[i] = items[parent]!
      i = parent
    }
    items[i] = item
  }

  pop (): Due | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= items.length) break
      const right = left + 1
      const child = right < items.length && before(items[right]!, items[left]!) ? right : left
      if (!before(items[child]!, last)) break
      items[i] = items[child]!
      i = child
    }
    items[i] = last
    return top
  }

  clear (): void { this.#items.length = 0 }

  snapshot (): { items: Queued[], seq: number } {
    return { items: this.#items, seq: this.#seq }
  }

  restore (kept: { items: Queued[], seq: number }): void {
    this.#items.length = 0
    this.#items.push(...kept.items)
    this.#seq = kept.seq
  }

  /** Keeps only what `keep` takes, each at the instant it gives. */
  rebuild (keep: (item: Queued) => number | undefined): void {
    const kept: Queued[] = []
    for (const item of this.#items) {
      const atMs = keep(item)
      if (atMs !== undefined) kept.push({ ...item, atMs })
    }
    // A sorted array is a heap.
    this.#items.length = 0
    this.#items.push(...kept.sort((a, b) => before(a, b) ? -1 : 1))
  }
}

export interface DispatcherSnapshot {
  ids: readonly number[]
  subscriptions: Map<string, Subscription>
  deliveries: Map<string, Delivery>
  queue: { items: Queued[], seq: number }
  ready: Delivery[]
}

/** Emits 'attempt' with the delivery after each attempt ends, whatever its outcome. */
export class WebhookDispatcher extends EventEmitter<{ attempt: [Delivery] }> {
  readonly #ids = new IdSource('deliveries')
  readonly #options: Required<Omit<DispatcherOptions, 'log'>> & Pick<DispatcherOptions, 'log'>
  /** The key that signs every delivery, also published as the JWKS. */
  readonly signer: () => Promise<WebhookSigner>
  readonly #subscriptions = new Map<string, Subscription>()
  readonly #queue = new DueQueue()
  readonly #deliveries = new Map<string, Delivery>()
  readonly #inFlight = new Set<AbortController>()
  // Due, waiting for one of the maxInFlight slots.
  readonly #ready = new Denque<Delivery>()
  #sending = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false
  #muted = false

  constructor (options: DispatcherOptions) {
    super()
    const clockOf = options.clockOf ?? (() => options.clock)
    this.#options = { maxAttempts: 5, backoffMs: 1000, timeoutMs: 5000, maxInFlight: 32, logCapacity: 1000, maxUrls: MAX_WEBHOOK_URLS, ...options, clockOf }
    this.signer = options.signer
  }

  /** An instant on the client's clock as an instant on the shared clock. */
  #shared (clientId: string, atMs: number): number {
    return atMs - (this.#options.clockOf(clientId).nowMs() - this.#options.clock.nowMs())
  }

  /** The client's clock moved `byMs` alone: its deliveries fall due that much sooner. */
  clientClockMoved (clientId: string, byMs: number): void {
    this.#queue.rebuild((item) => item.delivery.clientId === clientId ? item.atMs - byMs : item.atMs)
    this.tick(true)
  }

  /** Sends the client's webhooks of the given `events` to `url` from now on. */
  subscribe (clientId: string, url: string, events: Iterable<string>): void {
    // Deleted first, so the map's order is the order URLs were last set in.
    this.#subscriptions.delete(clientId)
    this.#subscriptions.set(clientId, { url, events: new Set(events) })
    if (this.#subscriptions.size > this.#options.maxUrls) this.#subscriptions.delete(this.#subscriptions.keys().next().value!)
  }

  /** Sends none of the client's webhooks from now on (those already scheduled still go). */
  unsubscribe (clientId: string): void {
    this.#subscriptions.delete(clientId)
  }

  urlFor (clientId: string): string | undefined {
    return this.#subscriptions.get(clientId)?.url
  }

  /**
   * Schedules the `event` webhook of a task that ends at `endsAtMs`, if its
   * client takes that event; its body is made of `subject` then (bodyOf).
   */
  schedule (event: string, taskId: string, clientId: string, endsAtMs: number, subject: unknown): void {
    const subscription = this.#subscriptions.get(clientId)
    if (subscription === undefined || !subscription.events.has(event) || this.#closed) return
    const delivery: Delivery = { deliveryId: this.#ids.next(), event, taskId, clientId, url: subscription.url, dueAtMs: endsAtMs, status: 'scheduled', attempts: [], subject }
    this.#remember(delivery)
    this.#queue.push(this.#shared(clientId, endsAtMs), delivery)
    this.#arm()
  }

  /**
   * Sends everything due on the sandbox clock. Cheap when nothing is due, so
   * it can run on every request; `rearm` after the clock was moved.
   */
  tick (rearm = false): void {
    if (this.#closed || this.#muted) return
    // Every request ticks: with nothing queued, not even the clock is read.
    const first = this.#queue.peek()
    if (!rearm && first === undefined) return
    const nowMs = this.#options.clock.nowMs()
    if (!rearm && first !== undefined && first.atMs > nowMs) return
    for (let due = this.#queue.peek(); due !== undefined && due.atMs <= nowMs; due = this.#queue.peek()) {
      this.#queue.pop()
      this.#ready.push(due.delivery)
    }
    this.#send()
    this.#arm()
  }

  /** Starts due deliveries while a slot is free; each one ending starts the next. */
  #send (): void {
    while (this.#sending < this.#options.maxInFlight && !this.#closed) {
      const delivery = this.#ready.shift()
      if (delivery === undefined) return
      this.#sending++
      this.#attempt(delivery)
        .catch((err: unknown) => this.#options.log?.warn({ err }, 'webhook attempt failed'))
        .finally(() => {
          this.#sending--
          this.#send()
        })
    }
  }

  /**
   * While the state is replayed (STATE_DIR), deliveries are scheduled but not
   * sent; unmuted, what is due goes out.
   */
  mute (on: boolean): void {
    this.#muted = on
    if (!on) this.tick(true)
  }

  /** A delivery's attempt as a replayed journal has it: it is not made again, and a retry due is queued. */
  applyAttempt (deliveryId: string, attempt: { status: string, attempts: unknown[], next?: number, body?: unknown, signature?: string }): void {
    const delivery = this.#deliveries.get(deliveryId)
    if (delivery === undefined) return
    this.#queue.rebuild((item) => item.delivery === delivery ? undefined : item.atMs)
    delivery.status = attempt.status as DeliveryStatus
    delivery.attempts = attempt.attempts as Attempt[]
    if (attempt.body !== undefined) delivery.body = attempt.body as Record<string, unknown>
    if (attempt.signature !== undefined) delivery.signature = attempt.signature
    delete delivery.nextAttemptAtMs
    if (delivery.status === 'retrying' && attempt.next !== undefined) {
      delivery.nextAttemptAtMs = attempt.next
      this.#queue.push(this.#shared(delivery.clientId, attempt.next), delivery)
    }
    this.emit('attempt', delivery)
  }

  /**
   * The webhooks as a snapshot keeps them: the URLs, the deliveries made and
   * due, and where the ids are. A delivery being sent as the snapshot is
   * taken is due again after a restore from it (at least once).
   */
  snapshot (): DispatcherSnapshot {
    return { ids: this.#ids.position, subscriptions: this.#subscriptions, deliveries: this.#deliveries, queue: this.#queue.snapshot(), ready: this.#ready.toArray() }
  }

  restore (kept: DispatcherSnapshot): void {
    this.#ids.resume(kept.ids)
    this.#subscriptions.clear()
    for (const [clientId, subscription] of kept.subscriptions) this.#subscriptions.set(clientId, subscription)
    this.#deliveries.clear()
    for (const [id, delivery] of kept.deliveries) this.#deliveries.set(id, delivery)
    this.#queue.restore(kept.queue)
    this.#ready.clear()
    for (const delivery of kept.ready) this.#ready.push(delivery)
    for (const delivery of kept.deliveries.values()) if (delivery.status === 'sending') this.#ready.push(delivery)
    this.#arm()
  }

  /** Newest first. */
  list (clientId?: string): Delivery[] {
    const all = [...this.#deliveries.values()].reverse()
    return clientId === undefined ? all : all.filter((d) => d.clientId === clientId)
  }

  /** Forgets deliveries and URLs, every client's or one's; the fixtures' URLs are set again by the caller. */
  reset (clientId?: string): void {
    if (clientId === undefined) {
      this.#ids.restart()
      this.#queue.clear()
      this.#ready.clear()
      this.#deliveries.clear()
      this.#subscriptions.clear()
    } else {
      this.#queue.rebuild((item) => item.delivery.clientId === clientId ? undefined : item.atMs)
      const ready = this.#ready.toArray().filter((d) => d.clientId !== clientId)
      this.#ready.clear()
      for (const delivery of ready) this.#ready.push(delivery)
      for (const [id, delivery] of this.#deliveries) if (delivery.clientId === clientId) this.#deliveries.delete(id)
      this.#subscriptions.delete(clientId)
    }
    this.#arm()
  }

  /** Stops retries and in-flight deliveries, for shutdown. */
  close (): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#queue.clear()
    this.#ready.clear()
    for (const controller of this.#inFlight) controller.abort()
  }

  #remember (delivery: Delivery): void {
    this.#deliveries.set(delivery.deliveryId, delivery)
    if (this.#deliveries.size > this.#options.logCapacity) {
      const oldest = this.#deliveries.keys().next().value
      if (oldest !== undefined) this.#deliveries.delete(oldest)
    }
  }

  #arm (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const next = this.#queue.peek()
    if (next === undefined || this.#closed || this.#muted) return
    const delay = Math.min(Math.max(0, next.atMs - this.#options.clock.nowMs()), 2 ** 31 - 1)
    this.#timer = setTimeout(() => this.tick(true), delay)
    this.#timer.unref()
  }

  async #attempt (delivery: Delivery): Promise<void> {
    const { timeoutMs, maxAttempts, backoffMs } = this.#options
    const clock = this.#options.clockOf(delivery.clientId)
    const signer = await this.#options.signer()
    delivery.body ??= this.#options.bodyOf(delivery)
    delivery.status = 'sending'
    delete delivery.nextAttemptAtMs
    const controller = new AbortController()
    this.#inFlight.add(controller)
    const timeout = setTimeout(() => controller.abort(), timeoutMs)
    const attempt: Attempt = { atMs: clock.nowMs(), durationMs: 0 }
    const started = performance.now()
    let retry = false
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        redirect: 'manual',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', 'x-signature': delivery.signature ??= await signer.sign(delivery.body), 'x-signing-id': signer.kid },
        body: JSON.stringify(delivery.body)
      })
      await response.arrayBuffer().catch(() => undefined)
      attempt.statusCode = response.status
      retry = response.status >= 500
      delivery.status = response.status >= 200 && response.status < 300 ? 'delivered' : 'failed'
    } catch (err) {
      attempt.error = (err as Error).name === 'AbortError' ? 'timed out or aborted' : String((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message)
      retry = true
      delivery.status = 'failed'
    } finally {
      clearTimeout(timeout)
      this.#inFlight.delete(controller)
      attempt.durationMs = Math.round(performance.now() - started)
      delivery.attempts.push(attempt)
    }
    if (retry && !this.#closed && delivery.attempts.length < maxAttempts) {
      delivery.status = 'retrying'
      delivery.nextAttemptAtMs = clock.nowMs() + backoffMs * 2 ** (delivery.attempts.length - 1)
      this.#queue.push(this.#shared(delivery.clientId, delivery.nextAttemptAtMs), delivery)
      this.#arm()
    }
    this.#options.log?.info({ event: delivery.event, taskId: delivery.taskId, url: delivery.url, status: delivery.status, attempt: delivery.attempts.length }, 'webhook attempt')
    this.emit('attempt', delivery)
  }
}

export function deliveryView (d: Delivery) {
  return {
    delivery_id: d.deliveryId,
    event: d.event,
    task_id: d.taskId,
    client_id: d.clientId,
    url: d.url,
    status: d.status,
    due_at: toIso(d.dueAtMs),
    next_attempt_at: d.nextAttemptAtMs === undefined ? null : toIso(d.nextAttemptAtMs),
    attempts: d.attempts.map((a) => ({
      at: toIso(a.atMs),
      status_code: a.statusCode ?? null,
      error: a.error ?? null,
      duration_ms: a.durationMs
    })),
    body: d.body ?? null
  }
}
