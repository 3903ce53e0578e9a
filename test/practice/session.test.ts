// The practice session, pure (src/practice/session.ts): points that never go down, goals and when they are met,
// the break that starts a new session, the goal form's values.
import { expect } from 'chai';
import { POINTS, SESSION_GAP_MS, afterAnswer, afterStudied, goalStatus, newSession, parseGoal, sessionAt, withGoal, type AnswerEvent, type PracticeSession } from '../../src/practice/session.js';

const none = new Set<string>();
const at = (min: number) => 1_700_000_000_000 + min * 60_000;
const ev = (o: Partial<AnswerEvent> = {}): AnswerEvent => ({ itemId: 'i1', skill: 's1', tryNumber: 1, correct: true, skipped: false, at: at(1), masteredNow: [], ...o });

describe('practice session (pure)', () => {
  it('rewards effort and correct work and never takes points away', () => {
    let s: PracticeSession = newSession(at(0));
    const seen: number[] = [];
    const events: Partial<AnswerEvent>[] = [
      { correct: true }, { correct: false }, { correct: false, tryNumber: 2 }, { correct: false, skipped: true }, { correct: true, tryNumber: 2 }, { correct: true, masteredNow: ['s1'] },
    ];
    events.forEach((e, i) => { s = afterAnswer(s, ev({ itemId: `i${i}`, at: at(i + 1), ...e }), none); seen.push(s.points); });
    expect(seen).to.deep.equal([
      POINTS.answered + POINTS.rightFirst,
      POINTS.answered + POINTS.rightFirst + POINTS.answered,
      POINTS.answered + POINTS.rightFirst + POINTS.answered,
      POINTS.answered + POINTS.rightFirst + POINTS.answered,
      POINTS.answered + POINTS.rightFirst + POINTS.answered + POINTS.rightSecond,
      2 * (POINTS.answered + POINTS.rightFirst) + POINTS.answered + POINTS.rightSecond + POINTS.mastered,
    ]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).to.be.at.least(seen[i - 1]);
    expect(s).to.include({ answered: 4, correct: 2, skipped: 1 });
    expect(s.mastered).to.deep.equal(['s1']);
    expect(s.practised.s1).to.deep.equal({ answered: 4, correct: 2 });
    s = afterStudied(s, 'ex', at(8), none);
    expect(s.studied).to.equal(1);
    expect(s.points).to.equal(seen.at(-1)! + POINTS.studied);
  });

  it('remembers the items answered in the session, once each', () => {
    let s = newSession(at(0));
    for (const id of ['a', 'b', 'a', 'c']) s = afterAnswer(s, ev({ itemId: id }), none);
    s = afterAnswer(s, ev({ itemId: 'd', tryNumber: 2 }), none);
    expect(s.seen).to.deep.equal(['a', 'b', 'c']);
  });

  it('starts a new session after a break, keeping the total points', () => {
    let s = afterAnswer(null, ev({ at: at(0) }), none);
    s = withGoal(s, { kind: 'questions', count: 5 }, at(1), none);
    expect(sessionAt(s, at(1) + SESSION_GAP_MS)).to.equal(s);
    const later = sessionAt(s, at(1) + SESSION_GAP_MS + 1);
    expect(later).to.include({ points: 0, totalPoints: s.totalPoints, answered: 0, goal: null });
    expect(later.seen).to.deep.equal([]);
    expect(sessionAt({ junk: true } as unknown as PracticeSession, at(0))).to.include({ answered: 0 });
  });

  it('meets a number-of-questions goal counted from when it was set', () => {
    let s = afterAnswer(null, ev(), none);
    s = withGoal(s, { kind: 'questions', count: 2 }, at(2), none);
    expect(goalStatus(s, at(2), none)).to.include({ done: 0, target: 2, met: false });
    s = afterAnswer(s, ev({ itemId: 'x', at: at(3), correct: false }), none);
    expect(goalStatus(s, at(3), none)).to.include({ done: 1, met: false });
    s = afterAnswer(s, ev({ itemId: 'x', at: at(3), tryNumber: 2 }), none);
    expect(s.goalMetAt).to.equal(null);
    s = afterAnswer(s, ev({ itemId: 'y', at: at(4) }), none);
    expect(s.goalMetAt).to.equal(at(4));
    expect(goalStatus(s, at(5), none)).to.include({ done: 2, met: true });
  });

  it('meets a time goal at the first answer after that much practice, and a skill goal when the skill is mastered', () => {
    let s = withGoal(newSession(at(0)), { kind: 'minutes', minutes: 10 }, at(0), none);
    s = afterAnswer(s, ev({ at: at(9) }), none);
    expect(goalStatus(s, at(9), none)).to.include({ done: 9, met: false });
    s = afterAnswer(s, ev({ itemId: 'b', at: at(10) }), none);
    expect(s.goalMetAt).to.equal(at(10));
    let k = withGoal(newSession(at(0)), { kind: 'skill', skill: 's2' }, at(0), none);
    k = afterAnswer(k, ev({ skill: 's2' }), none);
    expect(k.goalMetAt).to.equal(null);
    k = afterAnswer(k, ev({ itemId: 'j', skill: 's2', masteredNow: ['s2'] }), new Set(['s2']));
    expect(k.goalMetAt).to.equal(at(1));
    // A skill already mastered is a goal met at once.
    expect(withGoal(newSession(at(0)), { kind: 'skill', skill: 's2' }, at(0), new Set(['s2'])).goalMetAt).to.equal(at(0));
  });

  it('accepts only the goal form\'s values', () => {
    expect(parseGoal('questions:10', [])).to.deep.equal({ kind: 'questions', count: 10 });
    expect(parseGoal('minutes:15', [])).to.deep.equal({ kind: 'minutes', minutes: 15 });
    expect(parseGoal('skill:a', ['a'])).to.deep.equal({ kind: 'skill', skill: 'a' });
    expect(parseGoal('none', [])).to.equal(null);
    for (const bad of ['skill:b', 'questions:0', 'questions:101', 'minutes:1.5', 'minutes:x', 'hours:2', 'questions']) expect(parseGoal(bad, ['a']), bad).to.equal(undefined);
  });
});
