// The integration checks' modes, a setting: its own module so the package's
// public types (src/index.ts) need nothing from the HTTP layer.
export const CHECK_MODES = ['report', 'strict', 'off'] as const
export type CheckMode = (typeof CHECK_MODES)[number]
