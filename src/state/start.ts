// What a start loads before the app is built, the same for the CLI and the
// API: the fixtures and, with STATE_DIR, the kept state. A kept state
// carries on from the instant it was first made, so the fixtures' relative
// times ("a consent given 10 days ago") are taken from that instant.
import { stateShape, type Config } from '../config.js'
import type { World } from '../domain/world.js'
import { loadFixtures } from '../fixtures.js'
import { openState, type State } from './state.js'

type StartSettings = Pick<Config, 'fixtures' | 'stepDurationMs' | 'auth' | 'checks' | 'maxTasks' | 'taskRetentionMs' | 'maxClients' | 'stateDir'>

/** Throws FixtureError or StateError, each one line. */
export function loadStart (settings: StartSettings): { fixtures: World, state: State | undefined } {
  // The fixtures are checked before a state is made from them.
  const fixtures = loadFixtures(settings.fixtures)
  if (settings.stateDir === undefined) return { fixtures, state: undefined }
  const state = openState(settings.stateDir, stateShape(settings))
  return { fixtures: loadFixtures(settings.fixtures, { nowMs: state.header.created_at_ms }), state }
}
