import { expect } from 'chai';
import { ServiceError } from '../../src/lti/service-token.js';
import { backoffMs, retryPlan } from '../../src/grades/retry-policy.js';

const settings = { maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 10_000 };
const now = () => new Date('2026-01-01T00:00:00Z');
/** A random source that always draws the same number. */
const fixed = (x: number) => () => x;

describe('grades: retry policy (pure)', () => {
  it('doubles the backoff per attempt, caps it, and scales it by a jitter in [0.5, 1)', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, settings, fixed(0)))).to.deep.equal([500, 1_000, 2_000, 4_000]);
    expect(backoffMs(10, settings, fixed(0))).to.equal(5_000);
    expect(backoffMs(1, settings, fixed(0.999))).to.equal(1_000);
  });

  it('retries a 5xx until the last attempt, then dead-letters it', () => {
    const err = new ServiceError('http', 'scores answered 503', 503, true);
    const first = retryPlan(err, 0, settings, fixed(0), now);
    expect(first).to.include({ attempts: 1, dead: false, delayMs: 500, lmsStatus: 503, code: 'http', timestampConflict: false });
    expect(first.heldTimestamp).to.equal(null);
    expect(retryPlan(err, 2, settings, fixed(0), now)).to.include({ attempts: 3, dead: true });
  });

  it('dead-letters at once what the LMS refuses for good (422)', () => {
    const plan = retryPlan(new ServiceError('http', 'scores answered 422: not a student', 422, false), 0, settings, fixed(0), now);
    expect(plan).to.include({ attempts: 1, dead: true, lmsStatus: 422 });
  });

  it('waits what Retry-After asks, plus up to a tenth of it', () => {
    const err = new ServiceError('http', 'scores answered 429', 429, true, 30_000);
    expect(retryPlan(err, 0, settings, fixed(0), now).delayMs).to.equal(30_000);
    expect(retryPlan(err, 0, settings, fixed(0.5), now).delayMs).to.equal(31_500);
  });

  it('never dead-letters a refused timestamp and retries after the one the LMS holds', () => {
    const canvas = new ServiceError('http', 'scores answered 400: timestamp not after current timestamp of 2026-01-01T10:00:00.123Z', 400, false);
    const plan = retryPlan(canvas, 99, settings, fixed(0), now);
    expect(plan).to.include({ dead: false, timestampConflict: true, code: 'timestamp_conflict' });
    expect(plan.heldTimestamp?.toISOString()).to.equal('2026-01-01T10:00:00.123Z');
    expect(plan.delayMs).to.be.at.most(60_000);
    // Moodle names no timestamp (409): the next one must be later than now.
    const moodle = retryPlan(new ServiceError('http', 'scores answered 409', 409, false), 0, settings, fixed(0), now);
    expect(moodle.heldTimestamp?.toISOString()).to.equal(now().toISOString());
  });

  it('retries an error that is not the LMS answering (a crash in between), and keeps at most 500 characters of it', () => {
    const plan = retryPlan(new Error('x'.repeat(600)), 0, settings, fixed(0), now);
    expect(plan).to.include({ dead: false, code: 'error' });
    expect(plan.message).to.have.length(500);
  });
});
