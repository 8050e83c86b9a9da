/**
 * Eager activities: a workflow task's completion hands its new activities straight back to the same worker instead of
 * through the matching queue (one round trip less per step). Production sets the same (deploy/dynamicconfig); every
 * dev server this project starts (tests, demo, bench, chaos) passes these arguments.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
