import { ServiceError } from '../lti/service-token.js';
import type { GradeSettings } from './settings.js';
import { heldTimestamp, isTimestampConflict } from './timestamps.js';

/** What becomes of a score whose send failed: pure, from the error, the attempts so far and the settings. */
export interface RetryPlan {
  /** Failed sends of this score, this one included. */
  attempts: number;
  /** Dead-lettered (state `failed`): not retryable, or out of attempts. */
  dead: boolean;
  /** Wait before the next try (ms): backoff with jitter, or the LMS's Retry-After. */
  delayMs: number;
  /** The LMS refused the score's timestamp (Moodle 409, Canvas 400); retried with a later one. */
  timestampConflict: boolean;
  /** The timestamp the LMS holds after a timestamp refusal (the next one must be later); else null. */
  heldTimestamp: Date | null;
  /** The LMS's HTTP status, when it answered. */
  lmsStatus?: number;
  /** A short code for the log: timestamp_conflict, the ServiceError's code, or `error`. */
  code: string;
  /** The error's message, cut to 500 characters (stored as last_error). */
  message: string;
}

/** Exponential backoff with jitter: base x 2^(n-1), capped, scaled by a random factor in [0.5, 1). */
export function backoffMs(attempts: number, s: Pick<GradeSettings, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number): number {
  const raw = Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** Math.min(30, attempts - 1));
  return Math.round(raw * (0.5 + random() * 0.5));
}

/**
 * The retry plan of a failed send. Network errors, 5xx, 429 and malformed answers are retried with
 * backoff until GRADE_MAX_ATTEMPTS; other refusals are dead-lettered at once. A refusal of the timestamp
 * is the newest score with a stale timestamp: retried within a minute, never dead-lettered. Retry-After
 * (plus up to 10% jitter) replaces the backoff.
 * @param now the time taken as the held timestamp when a timestamp refusal names none (Moodle)
 */
export function retryPlan(err: unknown, previousAttempts: number, s: Pick<GradeSettings, 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number, now: () => Date): RetryPlan {
  const e = err instanceof ServiceError ? err : undefined;
  const timestampConflict = isTimestampConflict(err);
  const retryable = timestampConflict || (e ? e.retryable : true);
  const attempts = previousAttempts + 1;
  const dead = !timestampConflict && (!retryable || attempts >= s.maxAttempts);
  let delayMs = backoffMs(attempts, s, random);
  if (timestampConflict) delayMs = Math.min(delayMs, 60_000);
  if (e?.retryAfterMs !== undefined) delayMs = Math.max(e.retryAfterMs, 1) + Math.round(e.retryAfterMs * 0.1 * random());
  return {
    attempts,
    dead,
    delayMs,
    timestampConflict,
    heldTimestamp: timestampConflict ? (heldTimestamp(err) ?? now()) : null,
    lmsStatus: e?.lmsStatus,
    code: timestampConflict ? 'timestamp_conflict' : (e?.code ?? 'error'),
    message: (err as Error).message?.slice(0, 500) ?? String(err),
  };
}
