import { expect } from 'chai';
import { groupsCsv, needOf, suggestGroups, type StudentNeeds, type StudentSkill } from '../../src/dashboard/groups.js';

const ORDER = ['a', 'b', 'c'];
const name = (id: string) => id.toUpperCase();
const sk = (id: string, status: StudentSkill['status'], over: Partial<StudentSkill> = {}): StudentSkill => ({
  id, status, mastery: status === 'mastered' ? 0.95 : status === 'not_started' ? 0 : 0.4, wrongStreak: 0, open: true, ...over,
});
const student = (userId: string, skills: StudentSkill[]): StudentNeeds => ({ userId, name: `Name ${userId}`, skills });

describe('flexible groups (pure)', () => {
  it('a student needs: the skill they are stuck on, else the lowest skill they are ready for, else a review, else an extension', () => {
    // Stuck on c (3 wrong in a row) beats the lower open skill b.
    expect(needOf(student('x', [sk('a', 'mastered'), sk('b', 'practising'), sk('c', 'practising', { wrongStreak: 3 })]), name))
      .to.deep.equal({ code: 'struggling', skillId: 'c', params: { skill: 'C', n: 3 } });
    expect(needOf(student('x', [sk('a', 'practising', { wrongStreak: 2 })]), name, { strugglingStreak: 2 }).code).to.equal('struggling');
    // b is not open (prerequisites not mastered), c is: the lowest open one.
    expect(needOf(student('x', [sk('a', 'mastered'), sk('b', 'practising', { open: false, mastery: 0.5 }), sk('c', 'practising', { mastery: 0.314 })]), name))
      .to.deep.equal({ code: 'next', skillId: 'c', params: { skill: 'C', pct: 31 } });
    expect(needOf(student('x', [sk('a', 'mastered'), sk('b', 'not_started')]), name)).to.deep.equal({ code: 'start', skillId: 'b', params: { skill: 'B' } });
    // Nothing open: the lowest not mastered anyway.
    expect(needOf(student('x', [sk('a', 'practising', { open: false }), sk('b', 'not_started', { open: false })]), name).skillId).to.equal('a');
    expect(needOf(student('x', [sk('a', 'mastered'), sk('b', 'review_due')]), name)).to.deep.equal({ code: 'review', skillId: 'b', params: { skill: 'B' } });
    expect(needOf(student('x', [sk('a', 'mastered'), sk('b', 'mastered')]), name)).to.deep.equal({ code: 'extension', skillId: null, params: {} });
  });

  it('groups students by the skill they need, in the assignment order, the extension group last, stuck students first', () => {
    const groups = suggestGroups(
      [
        student('s1', [sk('a', 'mastered'), sk('b', 'mastered'), sk('c', 'mastered')]),
        student('s2', [sk('a', 'mastered'), sk('b', 'practising'), sk('c', 'not_started', { open: false })]),
        student('s3', [sk('a', 'practising')]),
        student('s4', [sk('a', 'mastered'), sk('b', 'practising', { wrongStreak: 4 }), sk('c', 'not_started')]),
      ],
      ORDER,
      name,
    );
    expect(groups.map((g) => [g.skillId, g.kind, g.members.map((m) => m.userId)])).to.deep.equal([
      ['a', 'skill', ['s3']],
      ['b', 'skill', ['s4', 's2']],
      [null, 'extension', ['s1']],
    ]);
    expect(groups[1].members[0].need.code).to.equal('struggling');
  });

  it('splits a large group into near-equal parts, every student once', () => {
    const many = Array.from({ length: 13 }, (_, i) => student(`u${String(i).padStart(2, '0')}`, [sk('a', 'practising')]));
    const groups = suggestGroups(many, ORDER, name, { maxSize: 6 });
    expect(groups.map((g) => g.members.length)).to.deep.equal([5, 4, 4]);
    expect(groups.map((g) => [g.part, g.parts])).to.deep.equal([[1, 3], [2, 3], [3, 3]]);
    expect(groups.flatMap((g) => g.members.map((m) => m.userId)).sort()).to.deep.equal(many.map((s) => s.userId));
  });

  it('CSV: one row per student, quoted, formulas neutralised', () => {
    const csv = groupsCsv(
      [{ name: '=HYPERLINK("x")', skillId: 'a', members: [{ userId: 'u1', name: 'Ana "A"' }, { userId: 'u2', name: null }] }, { name: 'Empty', skillId: null, members: [] }],
      ['group', 'skill', 'student', 'user_id', 'reason'],
      name,
      (id) => (id === 'u1' ? 'Next: A' : ''),
    );
    expect(csv).to.equal('"group","skill","student","user_id","reason"\r\n"\'=HYPERLINK(""x"")","A","Ana ""A""","u1","Next: A"\r\n"\'=HYPERLINK(""x"")","A","","u2",""\r\n');
  });
});
