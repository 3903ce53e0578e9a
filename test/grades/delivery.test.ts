import { expect } from 'chai';
import { withTransaction } from '../../src/db/index.js';
import { defaultGrade, enqueueScore, type GradeWorker } from '../../src/grades/index.js';
import type { RunningServer } from '../../src/server.js';
import { cell, enqueue, gradebook, launchStudents, LINK, nextAt, outboxStates, startGradeServer, STUDENTS, tenantOf, waitFor, worker, closeServer } from './helpers.js';

describe('grades: delivery to the sandbox gradebook', function () {
  let srv: RunningServer;
  let w: GradeWorker | undefined;
  before(async () => {
    srv = await startGradeServer();
    await launchStudents(srv);
  });
  after(async () => {
    await w?.stop();
    await closeServer(srv);
  });
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('creates the line item (label, points, resourceId, tag) and delivers the score with its progress states', async () => {
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 5, scoreMaximum: 10, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', comment: 'Fractions 97%' });
    const c = await waitFor('the score in the gradebook', () => cell(srv, STUDENTS[0]));
    expect(c).to.include({ scoreGiven: 5, scoreMaximum: 10, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', recorded: true, comment: 'Fractions 97%', newSubmission: true });
    const gb = await gradebook(srv);
    expect(gb.columns).to.have.length(1);
    expect(gb.columns[0]).to.include({ label: 'Fractions practice', scoreMaximum: 10, tag: 'score', resourceId: LINK, resourceLinkId: LINK });
    // The sandbox stores the score a moment before the worker records the delivery.
    await waitFor('the delivery recorded', async () => (await outboxStates(srv)).sent === 1);
    expect(await outboxStates(srv)).to.deep.equal({ sent: 1 });
  });

  it('sends updates as the same submission (Canvas new_submission: false) and Completed at the end', async () => {
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 10, activityProgress: 'Completed' });
    const c = await waitFor('the update', async () => {
      const x = await cell(srv, STUDENTS[0]);
      return x?.activityProgress === 'Completed' && x;
    });
    expect(c).to.include({ scoreGiven: 10, newSubmission: false, posts: 2 });
  });

  it('coalesces: of several scores queued for one student only the newest is sent', async () => {
    for (const s of [1, 2, 3, 4]) await enqueue(srv, { userId: STUDENTS[1], scoreGiven: s });
    w = worker(srv);
    await w.start();
    const c = await waitFor('the newest score', async () => (await cell(srv, STUDENTS[1]))?.scoreGiven === 4 && cell(srv, STUDENTS[1]));
    expect(c!.posts).to.equal(1);
  });

  it('keeps an older answer that commits late from replacing a newer one', async () => {
    const late = new Date(Date.now() - 60_000);
    await enqueue(srv, { userId: STUDENTS[2], scoreGiven: 7 });
    await enqueue(srv, { userId: STUDENTS[2], scoreGiven: 1, at: late });
    w = worker(srv);
    await w.start();
    const c = await waitFor('the score', () => cell(srv, STUDENTS[2]));
    expect(c.scoreGiven).to.equal(7);
  });

  it('records Pending progress without a score, as Canvas does', async () => {
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[3], scoreGiven: 2, gradingProgress: 'Pending', activityProgress: 'Started' });
    const c = await waitFor('the progress', () => cell(srv, STUDENTS[3]));
    expect(c).to.include({ recorded: false, gradingProgress: 'Pending', activityProgress: 'Started' });
    const results = await srv.services.sandbox!.lms.results((await srv.services.sandbox!.lms.listLineItems('demo-course-5a', { tag: 'score' }))[0], STUDENTS[3]);
    expect(results).to.have.length(0);
  });

  it('sends nothing for an answer whose transaction rolled back', async () => {
    const before = srv.services.sandbox!.lms.stats.scorePosts;
    await withTransaction(srv.db.pool, async (tx) => {
      await enqueueScore(tx, { tenantId: tenantOf(srv), userId: STUDENTS[0], resourceLinkId: LINK, scoreGiven: 0, scoreMaximum: 10, activityProgress: 'Started', gradingProgress: 'FullyGraded', at: nextAt() });
      throw new Error('the attempt failed');
    }).catch(() => undefined);
    w = worker(srv);
    await w.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(srv.services.sandbox!.lms.stats.scorePosts).to.equal(before);
    expect((await cell(srv, STUDENTS[0]))!.scoreGiven).to.equal(10);
  });

  it('publishes per-skill mastery columns (tag mastery, resourceId = skill id) with the default grading rule', async () => {
    w = worker(srv);
    await w.start();
    const skills = [
      { skillId: 'frac-add', name: 'Adding fractions', mastery: 0.97 },
      { skillId: 'frac-cmp', name: 'Comparing fractions', mastery: 0.42 },
    ];
    const g = defaultGrade({ skills, points: 10, answered: 12 });
    expect(g).to.include({ scoreGiven: 5, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
    await enqueue(srv, { userId: STUDENTS[1], ...g, perSkillColumns: true, skillMastery: skills });
    const gb = await waitFor('three columns with scores', async () => {
      const x = await gradebook(srv);
      const row = x.rows.find((r) => r.userId === STUDENTS[1]);
      return x.columns.length === 3 && row && Object.keys(row.cells).length === 3 && row.cells[x.columns.find((c) => c.tag === 'score')!.id].scoreGiven === 5 && x;
    });
    const mastery = gb.columns.filter((c) => c.tag === 'mastery');
    expect(mastery.map((c) => c.resourceId).sort()).to.deep.equal(['frac-add', 'frac-cmp']);
    expect(mastery.every((c) => c.scoreMaximum === 100 && c.resourceLinkId === LINK)).to.equal(true);
    const row = gb.rows.find((r) => r.userId === STUDENTS[1])!;
    expect(row.cells[mastery.find((c) => c.resourceId === 'frac-add')!.id].scoreGiven).to.equal(97);
    expect(row.cells[mastery.find((c) => c.resourceId === 'frac-cmp')!.id].scoreGiven).to.equal(42);
    expect(row.cells[gb.columns.find((c) => c.tag === 'score')!.id].comment).to.contain('Adding fractions 97% (mastered)');
  });

  it('uses the launch’s own line item when the platform gives one', async () => {
    const lms = srv.services.sandbox!.lms;
    const li = await lms.createLineItem('demo-course-5a', { label: 'Given by the LMS', score_maximum: 10, resource_id: null, resource_link_id: 'demo-link-unconfigured', tag: null, start_date_time: null, end_date_time: null });
    await launchStudents(srv, [STUDENTS[0]], 'demo-link-unconfigured');
    await srv.db.pool.query('UPDATE resource_links SET lineitem_url = $3 WHERE tenant_id = $1 AND id = $2', [tenantOf(srv), 'demo-link-unconfigured', lms.lineItemUrl('demo-course-5a', li.id)]);
    const creates = lms.stats.lineItemCreates;
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], resourceLinkId: 'demo-link-unconfigured', scoreGiven: 3 });
    const c = await waitFor('the score', () => cell(srv, STUDENTS[0], (c) => c.label === 'Given by the LMS'));
    expect(c.scoreGiven).to.equal(3);
    expect(lms.stats.lineItemCreates).to.equal(creates);
  });

  it('shows every column and score on the sandbox gradebook page, linked from /sandbox', async () => {
    expect(await (await fetch(`${srv.url}/sandbox`)).text()).to.contain('href="/sandbox/gradebook"');
    const html = await (await fetch(`${srv.url}/sandbox/gradebook`)).text();
    expect(html).to.contain('Fractions practice');
    expect(html).to.contain('Comparing fractions');
    expect(html).to.contain('Jordan Lee');
    expect(html).to.contain('name="failPercent"');
    const json = await (await fetch(`${srv.url}/sandbox/gradebook.json`)).json();
    expect(json.columns.length).to.be.at.least(3);
  });

  it('asks for one token for many scores', async () => {
    const lms = srv.services.sandbox!.lms;
    lms.addStudents(40);
    const tokensBefore = lms.stats.tokenRequests;
    const postsBefore = lms.stats.scorePosts;
    w = worker(srv);
    await w.start();
    for (let i = 1; i <= 40; i++) await enqueue(srv, { userId: `sandbox-extra-${i}`, scoreGiven: i % 10 });
    await waitFor('40 scores', async () => lms.stats.scorePosts - postsBefore >= 40);
    expect(lms.stats.tokenRequests - tokensBefore).to.be.at.most(1);
  });
});
