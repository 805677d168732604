// What a refresh ends with, and how it gets there: the scenario catalogue and
// the progress rule that derives a task's status from elapsed time when read.

export const TASK_STATUS = {
  pending: 'Pending',
  completed: 'Completed',
  failed: 'Failed'
} as const
export type TaskStatus = (typeof TASK_STATUS)[keyof typeof TASK_STATUS]
export type FinalStatus = Exclude<TaskStatus, 'Pending'>

/** Bud's published steps, in order; step 4 is the end of every task that runs its course. */
export const STEP_TEXTS = {
  1: 'Fetching access token',
  2: 'Fetching accounts',
  3: 'Fetching balances and transactions',
  4: 'Completed'
} as const
export type Step = keyof typeof STEP_TEXTS

export interface Scenario {
  name: string
  /** A ConnectResultCodes value. */
  result: string
  /** The status the task ends in. */
  status: FinalStatus
  /** The step shown once the task has ended: 4 when it ran its course, else where it failed. */
  endStep: Step
  reconnectRequired: boolean
  hasNewTransactions: boolean
  /**
   * The scenario to play instead when the refresh is customer-initiated (it
   * carries X-Customer-Ip-Address), as a provider's request limit allows.
   */
  customerPresentScenario?: string
  /** Overrides the sandbox's step duration, e.g. for a slow provider. */
  stepDurationMs?: number
  description: string
}

export interface Progress {
  status: TaskStatus
  step: Step
  text: string
  /** Present once the task has ended. */
  result?: string
  reconnectRequired: boolean
  hasNewTransactions?: boolean
  /** When the task ended (or will end), on the sandbox clock. */
  endsAtMs: number
}

/**
 * The task's state at `nowMs`. Steps 1–3 each last `stepMs`; a task that runs
 * its course ends when step 3 does and shows step 4, one that fails ends at the
 * close of the step it fails in and stays there.
 */
export function progressAt (scenario: Scenario, startedAtMs: number, stepMs: number, nowMs: number): Progress {
  const lastRunningStep = scenario.endStep === 4 ? 3 : scenario.endStep
  const endsAtMs = endsAt(scenario, startedAtMs, stepMs)
  if (nowMs >= endsAtMs) {
    const ended: Progress = {
      status: scenario.status,
      step: scenario.endStep,
      text: STEP_TEXTS[scenario.endStep],
      result: scenario.result,
      reconnectRequired: scenario.reconnectRequired,
      endsAtMs
    }
    if (scenario.result === 'success') ended.hasNewTransactions = scenario.hasNewTransactions
    return ended
  }
  const elapsed = Math.max(0, nowMs - startedAtMs)
  const step = Math.min(lastRunningStep, Math.floor(elapsed / stepMs) + 1) as Step
  return {
    status: TASK_STATUS.pending,
    step,
    text: STEP_TEXTS[step],
    reconnectRequired: false,
    endsAtMs
  }
}

/** When a task playing `scenario` ends: at the close of step 3, or of the step it fails in. */
export function endsAt (scenario: Scenario, startedAtMs: number, stepMs: number): number {
  return startedAtMs + (scenario.endStep === 4 ? 3 : scenario.endStep) * stepMs
}

/** A typed lookup of the scenarios a fixture file declares. */
export class ScenarioCatalogue {
  readonly #byName: Map<string, Scenario>

  constructor (scenarios: Iterable<Scenario>) {
    this.#byName = new Map([...scenarios].map((s) => [s.name, s]))
  }

  get (name: string): Scenario | undefined {
    return this.#byName.get(name)
  }

  names (): string[] {
    return [...this.#byName.keys()]
  }

  all (): Scenario[] {
    return [...this.#byName.values()]
  }
}
