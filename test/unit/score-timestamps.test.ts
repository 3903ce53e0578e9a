import { expect } from 'chai';
import { scoreTimestamp, nextWholeSecond, isTimestampConflict, heldTimestamp } from '../../src/grades/timestamps.js';
import { CANVAS_SUBMISSION, isCanvasPlatform, scoreBody } from '../../src/lti/ags.js';
import { ServiceError } from '../../src/lti/service-token.js';

const t = (iso: string) => new Date(iso);

describe('score timestamps: the whole-second rule', () => {
  it('sends the answer time when nothing was sent before', () => {
    expect(scoreTimestamp(t('2025-03-01T10:00:00.250Z'), null).toISOString()).to.equal('2025-03-01T10:00:00.250Z');
  });

  it('moves a second answer of the same second to the start of the next second (Moodle compares whole seconds)', () => {
    const first = t('2025-03-01T10:00:00.100Z');
    const second = scoreTimestamp(t('2025-03-01T10:00:00.900Z'), first);
    expect(second.toISOString()).to.equal('2025-03-01T10:00:01.000Z');
    expect(Math.floor(second.getTime() / 1000)).to.be.greaterThan(Math.floor(first.getTime() / 1000));
    expect(second.getTime()).to.be.greaterThan(first.getTime()); // and so in milliseconds (Canvas)
  });

  it('keeps an answer time already in a later second, milliseconds included', () => {
    expect(scoreTimestamp(t('2025-03-01T10:00:01.001Z'), t('2025-03-01T10:00:00.999Z')).toISOString()).to.equal('2025-03-01T10:00:01.001Z');
  });

  it('never goes back: an answer time earlier than the last sent one still gets a later second', () => {
    expect(scoreTimestamp(t('2025-03-01T09:59:00.000Z'), t('2025-03-01T10:00:00.000Z')).toISOString()).to.equal('2025-03-01T10:00:01.000Z');
    // a floor exactly on a whole second: the next second, not the same one
    expect(nextWholeSecond(t('2025-03-01T10:00:00.000Z')).toISOString()).to.equal('2025-03-01T10:00:01.000Z');
  });

  it('is strictly increasing in whole seconds over any sequence of answers', () => {
    let floor: Date | null = null;
    let at = Date.parse('2025-03-01T10:00:00.000Z');
    for (let i = 0; i < 200; i++) {
      at += [1, 7, 250, 999, 1000, 1500][i % 6];
      const ts: Date = scoreTimestamp(new Date(at), floor);
      if (floor) expect(Math.floor(ts.getTime() / 1000)).to.be.greaterThan(Math.floor(floor.getTime() / 1000));
      expect(ts.getTime()).to.be.at.least(at);
      floor = ts;
    }
  });

  it('recognises the LMS refusing a timestamp: Moodle 409, Canvas 400 "not after current timestamp"', () => {
    const moodle = new ServiceError('http', 'POST score answered 409: {"error":"Refusing score with an earlier timestamp for item 5 and user 7"}', 409, false);
    const canvas = new ServiceError('http', 'POST score answered 400: {"errors":{"type":"bad_request","message":"Provided timestamp of 2025-03-01T10:00:00.100Z not after current timestamp of 2025-03-01T10:00:00.500Z"}}', 400, false);
    const other400 = new ServiceError('http', 'POST score answered 400: ScoreMaximum must be present when scoreGiven is', 400, false);
    const notStudent = new ServiceError('http', 'POST score answered 422: User not found in course or is not a student', 422, false);
    expect(isTimestampConflict(moodle)).to.equal(true);
    expect(isTimestampConflict(canvas)).to.equal(true);
    expect(isTimestampConflict(other400)).to.equal(false);
    expect(isTimestampConflict(notStudent)).to.equal(false);
    expect(isTimestampConflict(new Error('409'))).to.equal(false);
    expect(heldTimestamp(canvas)?.toISOString()).to.equal('2025-03-01T10:00:00.500Z');
    expect(heldTimestamp(moodle)).to.equal(undefined);
  });
});

describe('score body: Canvas-only extensions', () => {
  const score = { scoreGiven: 3, scoreMaximum: 10, activityProgress: 'InProgress' as const, gradingProgress: 'FullyGraded' as const };
  const canvasPreset = { preset: 'canvas', issuer: 'https://canvas.instructure.com' };
  const moodle = { preset: 'moodle', issuer: 'https://moodle.school.edu' };
  const other = { preset: null, issuer: 'https://lms.example.edu' };

  it('knows Canvas by the launch’s product family, the preset or an Instructure issuer', () => {
    expect(isCanvasPlatform(canvasPreset)).to.equal(true);
    expect(isCanvasPlatform({ preset: 'canvas-beta', issuer: 'https://canvas.beta.instructure.com' })).to.equal(true);
    expect(isCanvasPlatform({ preset: null, issuer: 'https://school.instructure.com' })).to.equal(true);
    expect(isCanvasPlatform(other, 'canvas')).to.equal(true); // self-hosted Canvas, from its launch
    expect(isCanvasPlatform(moodle)).to.equal(false);
    expect(isCanvasPlatform(other)).to.equal(false);
    expect(isCanvasPlatform(other, 'moodle')).to.equal(false);
    expect(isCanvasPlatform({ preset: null, issuer: 'https://canvas.instructure.com.evil.tld' })).to.equal(false);
  });

  it('adds the submission extension for Canvas only', () => {
    const ts = t('2025-03-01T10:00:00.250Z');
    const c = scoreBody({ userId: 'u1', score, timestamp: ts, canvas: true, firstSubmission: false });
    expect(c[CANVAS_SUBMISSION]).to.deep.equal({ new_submission: false });
    expect(c).to.include({ userId: 'u1', scoreGiven: 3, timestamp: '2025-03-01T10:00:00.250Z' });
    const m = scoreBody({ userId: 'u1', score, timestamp: ts, canvas: isCanvasPlatform(moodle), firstSubmission: true });
    expect(Object.keys(m)).to.not.include(CANVAS_SUBMISSION);
    expect(JSON.stringify(m)).to.not.contain('canvas');
  });
});
