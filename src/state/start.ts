// What a start loads before the app is built, the same for the CLI and the
// API: the fixtures and, with STATE_DIR or REDIS_URL, the kept state. A kept state
// carries on from the instant it was first made, so the fixtures' relative
// times ("a consent given 10 days ago") are taken from that instant.
import { stateShape, type Config } from '../config.js'
import type { World } from '../domain/world.js'
import { loadFixtures } from '../fixtures.js'
import { openState, type State } from './state.js'

type StartSettings = Pick<Config, 'fixtures' | 'stepDurationMs' | 'auth' | 'checks' | 'maxTasks' | 'taskRetentionMs' | 'maxClients' | 'stateDir' | 'redisUrl'>

/** Throws FixtureError or StateError, each one line. */
export async function loadStart (settings: StartSettings): Promise<{ fixtures: World, state: State | undefined }> {
  // The fixtures are checked before a state is made from them.
  const fixtures = loadFixtures(settings.fixtures)
  const state = settings.stateDir !== undefined
    ? openState(settings.stateDir, stateShape(settings))
    // Redis's client loads only for a start that asks for it.
    : settings.redisUrl !== undefined ? await (await import('./redis.js')).openRedisState(settings.redisUrl, stateShape(settings)) : undefined
  if (state === undefined) return { fixtures, state }
  return { fixtures: loadFixtures(settings.fixtures, { nowMs: state.header.created_at_ms }), state }
}
