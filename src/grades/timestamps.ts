import { ServiceError } from '../lti/service-token.js';

/**
 * The score timestamp rule (AGS 2.0 §3.4.3 says only "must increase"; LMSs compare differently):
 *   - Canvas refuses (400) a timestamp not later than the stored one, in milliseconds;
 *   - Moodle refuses (409) one whose WHOLE SECOND is not later than the stored grade's
 *     (mod/lti/service/gradebookservices/classes/local/resources/scores.php compares strtotime values).
 * So for each (user, line item) the timestamp sent is the answer's time, but never earlier than the whole
 * second after the latest timestamp ever put in a request for it (`floor`: delivered or not, since a
 * timed-out request may have been stored). The send waits until that second has begun, so timestamps do
 * not run ahead of the clock: at most one score per second per (user, line item), the answers of that
 * second coalesced. (Only when the LMS says it holds a timestamp ahead of our clock is a later one sent
 * without waiting more than a minute.)
 */
export function scoreTimestamp(answerAt: Date, floor: Date | null | undefined): Date {
  if (!floor) return new Date(answerAt.getTime());
  return new Date(Math.max(answerAt.getTime(), nextWholeSecond(floor).getTime()));
}

/** The first instant whose whole second is later than `t`'s. */
export function nextWholeSecond(t: Date): Date {
  return new Date(Math.floor(t.getTime() / 1000) * 1000 + 1000);
}

/** The same rule in SQL (the claim applies it in the statement that leases the row); NULL floor = none. */
export function scoreTimestampSql(answerAt: string, floor: string): string {
  return `GREATEST(${answerAt}, ${nextWholeSecondSql(floor)})`;
}

/** SQL of nextWholeSecond; NULL for a NULL argument (GREATEST ignores NULLs). */
export function nextWholeSecondSql(t: string): string {
  return `(date_trunc('second', ${t}) + interval '1 second')`;
}

/**
 * Whether the LMS refused a score for its timestamp (not later than the one it holds): Moodle answers 409,
 * Canvas 400 "Provided timestamp of … not after current timestamp of …". Retrying with a later timestamp
 * fixes it, so such a refusal is retried, never dead-lettered.
 */
export function isTimestampConflict(err: unknown): boolean {
  if (!(err instanceof ServiceError) || err.code !== 'http') return false;
  if (err.lmsStatus === 409) return true;
  return err.lmsStatus === 400 && /timestamp/i.test(err.message) && /\b(after|before|earlier|later|newer|older|current)\b/i.test(err.message);
}

/**
 * The timestamp the LMS says it holds, when its refusal names one (Canvas: "… not after current timestamp
 * of 2024-05-01T10:00:00.123Z"); the next try must be later than it. Undefined when none can be read.
 */
export function heldTimestamp(err: unknown): Date | undefined {
  if (!(err instanceof ServiceError)) return undefined;
  const m = err.message.match(/current timestamp of (\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)/i);
  if (!m) return undefined;
  const t = Date.parse(m[1]);
  return Number.isFinite(t) ? new Date(t) : undefined;
}
