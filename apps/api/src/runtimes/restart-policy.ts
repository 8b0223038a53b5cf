/**
 * When to restart a crashed instance: exponential backoff, and a crash-loop limit after which
 * Hearth stops trying and tells the operator. Pure, so the health-check job decides the same
 * way on every worker.
 */
export interface RestartPolicy {
  /** Delay before the first restart in the window; doubles with each further crash. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** This many crashes within windowMs: give up. */
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxCrashes: 5,
  windowMs: 15 * 60_000,
};

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly attempt: number }
  | { readonly action: 'give-up'; readonly crashes: number; readonly windowMs: number };

/**
 * @param crashTimes when the instance crashed (epoch ms), the latest one included
 * @param now epoch ms
 */
export function decideRestart(crashTimes: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const recent = crashTimes.filter((time) => time <= now && now - time < policy.windowMs).length;
  if (recent >= policy.maxCrashes) return { action: 'give-up', crashes: recent, windowMs: policy.windowMs };
  const attempt = Math.max(1, recent);
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { action: 'restart', delayMs, attempt };
}
