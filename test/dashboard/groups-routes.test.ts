import { expect } from 'chai';
import request from 'supertest';
import { staffWorld, type StaffWorld } from './staff-fixture.js';

/** The members of each group fieldset of the page, by group name (the name input's value). */
function groupsOf(html: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of html.split('<fieldset data-testid="group"').slice(1)) {
    const name = part.match(/name="name" value="([^"]*)"/)![1];
    out[name] = [...part.slice(0, part.indexOf('</fieldset>')).matchAll(/data-user="([^"]+)"/g)].map((m) => m[1]);
  }
  return out;
}
function ungroupedOf(html: string): string[] {
  const i = html.indexOf('data-testid="ungrouped"');
  if (i === -1) return [];
  return [...html.slice(i, html.indexOf('</fieldset>', i)).matchAll(/data-user="([^"]+)"/g)].map((m) => m[1]);
}

describe('groups page (/dashboard/groups)', function () {
  let w: StaffWorld;
  const post = async (path: string, token: string, fields: Record<string, string | string[]> = {}) =>
    request(w.app).post(path).type('form').send(new URLSearchParams(Object.entries({ ltik: token, ...fields }).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString());

  before(async () => {
    w = await staffWorld();
    await w.answers('t1', 'link-a', [
      // s1: three wrong in a row on unit fractions (stuck); s2 and s3 practising it; s4 right so far.
      { user: 's1', item: 'unit-how-many-2', correct: false },
      { user: 's1', item: 'unit-how-many-5', correct: false },
      { user: 's1', item: 'unit-how-many-7', correct: false },
      { user: 's2', item: 'unit-how-many-2', correct: true },
      { user: 's2', item: 'unit-how-many-5', correct: false },
      { user: 's3', item: 'unit-how-many-2', correct: false },
      { user: 's4', item: 'unit-how-many-2', correct: true },
    ]);
    await w.answers('t1', 'link-b', [{ user: 'b1', item: 'unit-how-many-2', correct: true }]);
    await w.answers('t2', 'link-a', [{ user: 's1', item: 'unit-how-many-2', correct: true }]);
  });
  after(async () => {
    await w?.close();
  });

  it('as the teacher: a suggestion with every student once and the reason in words', async () => {
    const res = await post('/dashboard/groups', await w.token('teacher'));
    expect(res.status).to.equal(200);
    const groups = groupsOf(res.text);
    const all = Object.values(groups).flat().concat(ungroupedOf(res.text)).sort();
    expect(all).to.deep.equal(['s1', 's2', 's3', 's4']);
    expect(res.text).to.contain('Stuck on Unit fractions: 3 wrong in a row. Re-teach it.');
    expect(res.text).to.contain('data-testid="groups-source"');
    expect(res.text).to.contain('fresh suggestion');
    expect(res.text).to.match(/data-testid="nav-groups" aria-current="page"/);
    expect(res.text).not.to.match(/(href|action)="[^"]*ltik/);
  });

  it('as a TA by GET with the Authorization header; refused for a student (page, save, export)', async () => {
    const ta = await request(w.app).get('/dashboard/groups').set('Authorization', `Bearer ${await w.token('ta')}`);
    expect(ta.status).to.equal(200);
    const student = await w.token('student');
    expect((await post('/dashboard/groups', student)).status).to.equal(403);
    expect((await post('/dashboard/groups/save', student, { name: 'x', skill: '', student: 's1', group: '0' })).status).to.equal(403);
    expect((await post('/dashboard/groups/export.csv', student)).status).to.equal(403);
  });

  it('saves adjusted groups, then renames, moves a student and removes a group; exports them as CSV', async () => {
    const teacher = await w.token('teacher');
    const saved = await post('/dashboard/groups/save', teacher, {
      name: ['Table 1', 'Table 2', ''], skill: ['unit-fractions', '', ''], student: ['s1', 's2', 's3', 's4'], group: ['0', '1', '1', '-1'],
    });
    expect(saved.status).to.equal(200);
    expect(saved.text).to.contain('data-testid="groups-saved"');
    expect(groupsOf(saved.text)).to.deep.equal({ 'Table 1': ['s1'], 'Table 2': ['s2', 's3'] });
    expect(ungroupedOf(saved.text)).to.deep.equal(['s4']);
    // Reopened later: the saved groups, by whom.
    const again = await post('/dashboard/groups', teacher);
    expect(groupsOf(again.text)).to.deep.equal({ 'Table 1': ['s1'], 'Table 2': ['s2', 's3'] });
    expect(again.text).to.contain('saved by The teacher');
    // Rename group 1, move s4 into the new group (index 2), move s3 to group 1, remove group 2 (s2 goes to no group).
    const adjusted = await post('/dashboard/groups/save', teacher, {
      name: ['Stuck on units', 'Table 2', 'Extension'], skill: ['unit-fractions', '', ''], remove: '1',
      student: ['s1', 's2', 's3', 's4'], group: ['0', '1', '0', '2'],
    });
    expect(adjusted.status).to.equal(200);
    expect(groupsOf(adjusted.text)).to.deep.equal({ 'Stuck on units': ['s1', 's3'], Extension: ['s4'] });
    expect(ungroupedOf(adjusted.text)).to.deep.equal(['s2']);
    const csv = await post('/dashboard/groups/export.csv', teacher);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    expect(csv.headers['content-disposition']).to.contain('groups.csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).to.equal('"group","skill","student","user_id","reason"');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).to.deep.equal([
      '"Stuck on units","Unit fractions","Student s1","s1"',
      '"Stuck on units","Unit fractions","Student s3","s3"',
      '"Extension","","Student s4","s4"',
    ]);
    expect(lines[1]).to.contain('Stuck on Unit fractions');
    // "Suggest again" shows a suggestion without touching the saved groups.
    const fresh = await post('/dashboard/groups', teacher, { show: 'suggestion' });
    expect(fresh.text).to.contain('fresh suggestion');
    expect(groupsOf((await post('/dashboard/groups', teacher)).text)).to.deep.equal({ 'Stuck on units': ['s1', 's3'], Extension: ['s4'] });
  });

  it('refuses a malformed form and a skill outside the activity, keeping the saved groups', async () => {
    const teacher = await w.token('teacher');
    const mismatch = await post('/dashboard/groups/save', teacher, { name: ['A'], skill: ['', ''], student: 's1', group: '0' });
    expect(mismatch.status).to.equal(400);
    expect(mismatch.text).to.contain('data-testid="groups-error"');
    expect((await post('/dashboard/groups/save', teacher, { name: 'A', skill: 'add-like-denominators', student: 's1', group: '0' })).status).to.equal(400);
    expect((await post('/dashboard/groups/save', teacher, { name: 'A', skill: '', student: 's1', group: '7' })).status).to.equal(400);
    expect(groupsOf((await post('/dashboard/groups', teacher)).text)).to.have.keys('Stuck on units', 'Extension');
  });

  it("a teacher of another course or tenant sees neither the saved groups nor the students, and cannot group them", async () => {
    for (const role of ['other-course', 'other-tenant'] as const) {
      const token = await w.token(role);
      const page = await post('/dashboard/groups', token);
      expect(page.status).to.equal(200);
      expect(page.text).not.to.contain('Stuck on units');
      expect(page.text).not.to.contain('data-user="s3"');
      const steal = await post('/dashboard/groups/save', token, { name: 'Mine', skill: '', student: ['s3'], group: ['0'] });
      expect(steal.status, role).to.equal(400);
      expect(steal.text).to.contain('Only students of this activity');
    }
    // Course A's groups are untouched.
    expect(groupsOf((await post('/dashboard/groups', await w.token('teacher'))).text)).to.deep.equal({ 'Stuck on units': ['s1', 's3'], Extension: ['s4'] });
  });

  it("a learner's export holds their group memberships, and deleting them removes them from the groups", async () => {
    const data = await w.services.privacy.exportUser('t1', 's3');
    expect(data.groupMemberships).to.deep.include.members([{ resource_link_id: 'link-a', name: 'Stuck on units', skill_id: 'unit-fractions', saved_at: (data.groupMemberships as { saved_at: Date }[])[0].saved_at }]);
    await w.services.privacy.deleteUser('t1', 's3');
    const { rows } = await w.db.pool.query(`SELECT user_id FROM class_group_members WHERE tenant_id = 't1' ORDER BY user_id`);
    expect(rows.map((r) => r.user_id)).to.deep.equal(['s1', 's4']);
  });
});
