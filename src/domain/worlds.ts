// Every client its own sandbox, as every client (project) on Bud has its own
// customers: a client id's first request makes its world (sandbox.ts) from
// the fixtures, with its own copy of the fixtures' customers, its own ids,
// tasks, consents, faults and findings, and a clock of its own that runs on
// top of the shared one. A control given for one client changes its world
// alone; one given for all is applied to every world there is and kept, so a
// world made later, or reset, has it too. The worlds are bounded: past
// `maxWorlds`, the one used longest ago is forgotten.
import { DateTime } from 'luxon'
import { SandboxClock, type ClockSnapshot } from './clock.js'
import { runWhereKnown, type Control, type ControlResult } from './controls.js'
import { CustomerOwners } from './customers.js'
import type { FaultSettings, SharedFaults } from './faults.js'
import type { Sandbox, SandboxSnapshot } from './sandbox.js'
import type { World } from './world.js'

/** The most client worlds kept by default. */
export const MAX_WORLDS = 10_000

/** What a snapshot keeps of every world: the shared clock, faults and owners, the controls given for all, and each world in use order. */
export interface WorldsSnapshot {
  clock: ClockSnapshot
  faults: FaultSettings
  owners: Map<string, string>
  loadedAtMs: number
  controls: Control[]
  template: SandboxSnapshot
  /** Client id and world, the one used longest ago first. */
  worlds: [string, SandboxSnapshot][]
}

export interface WorldsOptions {
  fixtures: World
  /** The shared clock under every client's own. */
  clock: SandboxClock
  maxWorlds?: number | undefined
  /** Makes a world: a client's (owner), or the one every new client starts from (undefined). */
  make: (owner: string | undefined, clock: SandboxClock, shared: { faults: SharedFaults, owners: CustomerOwners, loadedAtMs: number }) => Sandbox
  /** What listens beyond the worlds (webhook delivery): the shared clock moved, every client was reset. */
  events?: { sharedClockMoved (): void, allReset (): void } | undefined
}

export class Worlds {
  /** The clock every client's clock runs on: moved for all, it moves every client. */
  readonly clock: SandboxClock
  /** The faults of every client that has none of its own. */
  readonly faults: SharedFaults
  /** Which client each customer belongs to. */
  readonly owners: CustomerOwners
  /** What a new client starts from: the fixtures and every control given for all. */
  readonly template: Sandbox
  readonly #options: WorldsOptions
  readonly #maxWorlds: number
  // In use order: the first was used longest ago.
  readonly #worlds = new Map<string, Sandbox>()
  #controls: Control[] = []
  // When the fixtures were loaded or every client reset: a world made later
  // has the same fixtures' customers as one made then (a consent given 10
  // days before the start is, whoever asks, 10 days older than the start).
  #loadedAtMs: number
  // The world asked for last, found without a lookup (a client's requests come in runs).
  #lastId: string | undefined
  #last: Sandbox | undefined

  constructor (options: WorldsOptions) {
    this.#options = options
    this.#maxWorlds = options.maxWorlds ?? MAX_WORLDS
    this.clock = options.clock
    this.#loadedAtMs = options.clock.nowMs()
    this.faults = { settings: options.fixtures.faults }
    this.owners = new CustomerOwners(options.fixtures)
    this.template = this.#made(undefined)
  }

  get size (): number {
    return this.#worlds.size
  }

  /** The client's world, made on its first use. */
  of (clientId: string): Sandbox {
    if (clientId === this.#lastId) return this.#last!
    let world = this.#worlds.get(clientId)
    if (world === undefined) {
      world = this.#made(clientId)
      for (const control of this.#controls) runWhereKnown(world, control)
      this.#worlds.set(clientId, world)
      if (this.#worlds.size > this.#maxWorlds) this.#forgetOldest()
    } else {
      // Used now: to the end of the order.
      this.#worlds.delete(clientId)
      this.#worlds.set(clientId, world)
    }
    this.#lastId = clientId
    this.#last = world
    return world
  }

  /** The client's clock: its world's, or the shared one while it has none (a world made now would start on it). */
  clockOf (clientId: string): SandboxClock {
    return this.#worlds.get(clientId)?.clock ?? this.clock
  }

  /** The client's world if it has one; never makes one. */
  peek (clientId: string): Sandbox | undefined {
    return this.#worlds.get(clientId)
  }

  /** The clients' worlds, the one used last first. */
  all (): Sandbox[] {
    return [...this.#worlds.values()].reverse()
  }

  /** The client's world that `holds` something (a page's task), the one used last first; else undefined. */
  holding (holds: (world: Sandbox) => boolean): Sandbox | undefined {
    if (this.#last !== undefined && holds(this.#last)) return this.#last
    for (const world of this.#worlds.values()) if (holds(world)) return world
    return undefined
  }

  /**
   * A control for every client: run in the template and in every world now
   * where its customer is known, and kept for the worlds made or reset later.
   * Returns each world with what the control did there (undefined where it
   * could not run), the template first.
   */
  everywhere<C extends Control> (control: C): { world: Sandbox, result: ControlResult<C> | undefined }[] {
    this.#controls.push(control)
    return [this.template, ...this.all()].map((world) => ({ world, result: runWhereKnown(world, control) }))
  }

  /** Every world as plain data (see state/snapshot.ts). */
  snapshot (): WorldsSnapshot {
    return {
      clock: this.clock.snapshot(),
      faults: this.faults.settings,
      owners: this.owners.snapshot(),
      loadedAtMs: this.#loadedAtMs,
      controls: this.#controls,
      template: this.template.snapshot(),
      worlds: [...this.#worlds].map(([clientId, world]) => [clientId, world.snapshot()])
    }
  }

  /** Back to a snapshot's worlds, made again from the same fixtures and settings (the worlds there are now are forgotten). */
  restore (kept: WorldsSnapshot): void {
    for (const world of this.#worlds.values()) world.customers.release()
    this.#worlds.clear()
    this.#lastId = undefined
    this.#last = undefined
    this.clock.restore(kept.clock)
    this.faults.settings = kept.faults
    this.owners.restore(kept.owners)
    this.#loadedAtMs = kept.loadedAtMs
    this.#controls = kept.controls
    this.template.restore(kept.template)
    for (const [clientId, snapshot] of kept.worlds) {
      const world = this.#made(clientId)
      world.restore(snapshot)
      this.#worlds.set(clientId, world)
    }
  }

  /** Faults for every client: the shared ones, and no client keeps faults of its own. */
  setSharedFaults (settings: FaultSettings): void {
    this.faults.settings = settings
    for (const world of this.#worlds.values()) world.faults.reset()
  }

  /** Back to a new world for one client: the fixtures and the controls given for all. */
  resetOne (clientId: string): Sandbox {
    const world = this.of(clientId)
    world.reset()
    for (const control of this.#controls) runWhereKnown(world, control)
    return world
  }

  /**
   * Every client back to the fixtures: the controls given for all are
   * dropped and every world is forgotten (a client's next request makes it
   * anew, its clock on the shared one again). The shared clock stays where
   * it is and may move two years from here.
   */
  resetAll (): void {
    this.#controls = []
    this.faults.settings = this.#options.fixtures.faults
    for (const world of this.#worlds.values()) world.customers.release()
    this.#worlds.clear()
    this.#lastId = undefined
    this.#last = undefined
    this.clock.restartSpan()
    this.#loadedAtMs = this.clock.nowMs()
    this.template.reset()
    this.#options.events?.allReset()
  }

  /** Moves the shared clock, and every client's with it (see latestSharedMs). */
  moveSharedClockTo (ms: number): void {
    this.clock.set(DateTime.fromMillis(ms, { zone: 'utc' }))
    this.#options.events?.sharedClockMoved()
  }

  /** The furthest the shared clock may move: no client's clock may pass its own limit. */
  latestSharedMs (): number {
    const sharedNowMs = this.clock.nowMs()
    let latest = this.clock.latestMs()
    for (const world of this.#worlds.values()) {
      const aheadMs = world.clock.nowMs() - sharedNowMs
      latest = Math.min(latest, world.clock.latestMs() - aheadMs)
    }
    return latest
  }

  #made (owner: string | undefined): Sandbox {
    const shared = this.clock
    return this.#options.make(owner, new SandboxClock(() => shared.nowMs()), { faults: this.faults, owners: this.owners, loadedAtMs: this.#loadedAtMs })
  }

  #forgetOldest (): void {
    const [clientId, world] = this.#worlds.entries().next().value!
    this.#worlds.delete(clientId)
    world.customers.release()
    if (this.#lastId === clientId) {
      this.#lastId = undefined
      this.#last = undefined
    }
  }
}
