import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import { skillName } from '../../src/content/translate.js';
import { CLAIM } from '../../src/lti/claims.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { startTestServer } from '../helpers/server.js';
import { beginLaunch, land, launch, postLaunch } from '../helpers/launch.js';
import { Student, answerFields, concrete } from '../helpers/practice.js';

describe('student practice loop', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    srv = await startTestServer();
    pack = await loadDemoPack();
  });
  after(async () => {
    await srv?.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await srv.db.pool.query(sql, params)).rows[0].n);

  async function student(user = 'sandbox-student-1', link?: string): Promise<Student> {
    const l = await launch(srv, { user, link });
    const s = new Student(srv, l.browser, l.ltik);
    // The landing page (the launch's one-time code is spent by it).
    s.html = l.html;
    s.status = l.landing.status;
    return s;
  }

  async function answer(s: Student, right: boolean): Promise<void> {
    const item = concrete(pack, s.itemId!, s.seed);
    const response = right ? correctResponse(item) : distractorResponses(item)[0] ?? '__definitely wrong__';
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...answerFields(item, response) });
  }

  it('shows the first question with the reason it was chosen and the progress panel', async () => {
    const s = await student();
    expect(s.status).to.equal(200);
    expect(s.html).to.contain('data-testid="stem"');
    expect(s.html).to.match(/data-testid="reason">[^<]+</);
    expect(s.html).to.contain('0 of 5 skills mastered');
    expect(s.html).to.contain('data-status="not_started"');
  });

  it('grades a right answer, records one attempt and queues the grade in the same transaction', async () => {
    const s = await student('sandbox-student-2');
    const item = s.itemId!;
    await answer(s, true);
    expect(s.verdict).to.equal('true');
    expect(s.html).to.contain('data-testid="next"');
    const rows = (await srv.db.pool.query(`SELECT * FROM attempts WHERE user_id = 'sandbox-student-2'`)).rows;
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ item_id: item, correct: true, score: 1, hints_used: 0, kind: 'answer' });
    expect(rows[0].time_ms).to.be.a('number');
    expect(await count(`SELECT count(*) AS n FROM grade_outbox WHERE user_id = 'sandbox-student-2'`)).to.be.greaterThan(0);
  });

  it('is idempotent by submission id: a double submit counts once and replays the same result', async () => {
    const s = await student('sandbox-student-3');
    const item = concrete(pack, s.itemId!, s.seed);
    const fields = { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...answerFields(item, correctResponse(item)) };
    await s.post('/practice/answer', fields);
    const first = s.verdict;
    await s.post('/practice/answer', fields);
    expect(s.verdict).to.equal(first);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-3'`)).to.equal(1);
    const state = (await srv.db.pool.query(`SELECT answered FROM learner_states WHERE user_id = 'sandbox-student-3'`)).rows[0];
    expect(state.answered).to.equal(1);
  });

  it('counts a burst of simultaneous identical submits once, and every one of them shows the same verdict', async () => {
    const l = await launch(srv, { user: 'sandbox-student-1', flavor: 'schoology' });
    const s = new Student(srv, l.browser, l.ltik);
    await s.open();
    const tenant = (await srv.db.pool.query(`SELECT tenant_id FROM learner_states WHERE user_id = 'sandbox-student-1' ORDER BY updated_at DESC LIMIT 1`)).rows[0].tenant_id;
    const item = concrete(pack, s.itemId!, s.seed);
    const body = new URLSearchParams([['ltik', s.ltik], ['submission_id', s.submissionId!], ['item_id', s.itemId!], ['seed', String(s.seed)]]);
    for (const [k, v] of Object.entries(answerFields(item, correctResponse(item)))) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const pages = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await s.browser.fetch(`${srv.url}/practice/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
        return { status: res.status, verdict: (await res.text()).match(/data-correct="(true|false)"/)?.[1] };
      }),
    );
    expect(pages.map((p) => p.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(pages.map((p) => p.verdict)).to.deep.equal(['true', 'true', 'true', 'true', 'true', 'true']);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-1' AND tenant_id = $1`, [tenant])).to.equal(1);
    const state = (await srv.db.pool.query(`SELECT answered FROM learner_states WHERE user_id = 'sandbox-student-1' AND tenant_id = $1`, [tenant])).rows[0];
    expect(state.answered).to.equal(1);
  });

  it('chooses the next question with the finishing answer, so "Next" only reads; a replay still shows the answered question', async () => {
    const since = new Date();
    const l = await launch(srv, { user: 'sandbox-student-2', flavor: 'moodle' });
    const s = new Student(srv, l.browser, l.ltik);
    await s.open();
    const first = { itemId: s.itemId!, seed: s.seed, submissionId: s.submissionId! };
    const item = concrete(pack, first.itemId, first.seed);
    const fields = { submission_id: first.submissionId, item_id: first.itemId, seed: String(first.seed), ...answerFields(item, correctResponse(item)) };
    await s.post('/practice/answer', fields);
    expect(s.verdict).to.equal('true');
    expect(s.html).to.contain(`data-item="${first.itemId}"`);
    const tenant = (await srv.db.pool.query(`SELECT tenant_id FROM learner_states WHERE user_id = 'sandbox-student-2' ORDER BY updated_at DESC LIMIT 1`)).rows[0].tenant_id;
    const stored = async () => (await srv.db.pool.query(`SELECT current, version FROM learner_states WHERE user_id = 'sandbox-student-2' AND tenant_id = $1`, [tenant])).rows[0];
    const before = await stored();
    expect(before.current.finished).to.equal(false);
    expect(before.current.tries).to.equal(0);
    // The page carries that next step for its script to show in place, with the stored submission id.
    const upcoming = s.html.slice(s.html.indexOf('<template id="upcoming"'));
    expect(upcoming).to.match(/^<template id="upcoming" data-rendered-at="\d+">/);
    expect(upcoming).to.contain(`data-item="${before.current.itemId}"`);
    if (before.current.kind === 'question') expect(upcoming).to.contain(`name="submission_id" value="${before.current.submissionId}"`);
    await s.post('/practice/next', {});
    expect(s.html).to.contain('data-testid="submit"');
    expect(s.itemId).to.equal(before.current.itemId);
    expect((await stored()).version).to.equal(before.version);
    // The same answer form again, after moving on: the answered question and its verdict, counted once.
    await s.post('/practice/answer', fields);
    expect(s.verdict).to.equal('true');
    expect(s.html).to.contain(`data-item="${first.itemId}"`);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-2' AND tenant_id = $1 AND submission_id = $2`, [tenant, first.submissionId])).to.equal(1);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-2' AND tenant_id = $1 AND answered_at >= $2`, [tenant, since])).to.equal(1);
  });

  it('times a question from when its page was shown, ignoring an implausible shown_at', async () => {
    const { shownSince } = await import('../../src/practice/practice.service.js');
    expect(shownSince(1_000, 5_000, 9_000)).to.equal(5_000);
    expect(shownSince(1_000, undefined, 9_000)).to.equal(1_000);
    expect(shownSince(1_000, 500, 9_000)).to.equal(1_000);
    expect(shownSince(1_000, 10_000, 9_000)).to.equal(1_000);
    const s = await student('sandbox-student-3');
    expect(s.field('shown_at')).to.match(/^\d+$/);
    const item = concrete(pack, s.itemId!, s.seed);
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), shown_at: String(Date.now() + 3_600_000), ...answerFields(item, correctResponse(item)) });
    const row = (await srv.db.pool.query(`SELECT time_ms FROM attempts WHERE user_id = 'sandbox-student-3' ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(row.time_ms).to.be.within(0, 3_600_000);
  });

  it('gives hints one at a time and records hint use with the answer', async () => {
    const s = await student('sandbox-student-4');
    // Practise on until the question on screen has hints (most items of the demo pack have some).
    for (let i = 0; i < 20 && concrete(pack, s.itemId!, s.seed).hints.length === 0; i++) {
      await answer(s, true);
      await s.post('/practice/next', {});
    }
    const item = concrete(pack, s.itemId!, s.seed);
    expect(item.hints.length, 'no question with hints came up').to.be.greaterThan(0);
    expect(s.html).to.contain('data-testid="hint-button"');
    await s.post('/practice/hint', { item_id: s.itemId!, seed: String(s.seed) });
    expect((s.html.match(/data-testid="hint"/g) ?? []).length).to.equal(1);
    expect(s.html).to.contain(item.hints.length > 1 ? 'data-testid="hint-button"' : 'data-testid="submit"');
    await answer(s, true);
    const row = (await srv.db.pool.query(`SELECT hints_used FROM attempts WHERE user_id = 'sandbox-student-4' ORDER BY id DESC LIMIT 1`)).rows[0];
    expect(row.hints_used).to.equal(1);
  });

  it('lets a student try again, then shows the right answer and a worked solution', async () => {
    const u = await student('sandbox-student-1', 'demo-link-fractions');
    await answer(u, false);
    expect(u.verdict).to.equal('false');
    expect(u.html).to.contain('data-testid="submit"');
    await answer(u, false);
    expect(u.html).to.contain('data-testid="right-answer"');
    expect(u.html).to.contain('data-testid="next"');
  });

  it('resumes the same unanswered question on a new launch', async () => {
    const a = await student('sandbox-student-4');
    if (a.html.includes('data-testid="next"')) await a.post('/practice/next', {});
    const item = a.itemId;
    const b = await student('sandbox-student-4');
    expect(b.itemId).to.equal(item);
  });

  it('answers bad input with a clear message and stores nothing', async () => {
    const s = await student('sandbox-student-2');
    if (s.html.includes('data-testid="next"')) await s.post('/practice/next', {});
    const before = await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-2'`);
    const item = concrete(pack, s.itemId!, s.seed);
    const empty: Record<string, string | string[]> = item.type === 'ordering' ? {} : { response: item.type === 'multiple_choice' ? [] : '' };
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...empty });
    expect(s.status).to.equal(422);
    expect(s.html).to.contain('data-testid="message"');
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), response: 'x'.repeat(20_000) });
    expect(s.status).to.equal(413);
    await s.post('/practice/answer', { submission_id: 'bad id!', item_id: s.itemId!, seed: String(s.seed), response: '1' });
    expect(s.status).to.equal(400);
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: 'abc', response: '1' });
    expect(s.status).to.equal(400);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-2'`)).to.equal(before);
  });

  it('reaches mastery of every assigned skill and says so', async () => {
    const s = await student('sandbox-student-3');
    for (let i = 0; i < 150 && !s.html.includes('data-testid="overall">5 of 5'); i++) {
      if (s.html.includes('data-testid="next"')) await s.post('/practice/next', {});
      else if (s.html.includes('data-testid="continue"')) await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
      else await answer(s, true);
      expect(s.status).to.be.lessThan(400);
    }
    expect(s.html).to.contain('5 of 5 skills mastered');
    await s.post('/practice/next', {});
    expect(s.html).to.contain('You mastered every skill');
    const outbox = (await srv.db.pool.query(`SELECT score FROM grade_outbox WHERE user_id = 'sandbox-student-3' AND column_key = ''`)).rows[0];
    expect(outbox.score.activityProgress).to.equal('Completed');
    expect(outbox.score.scoreGiven).to.equal(outbox.score.scoreMaximum);
  });

  it('shows a friendly page on an activity that is not set up, and the instructor sets it up', async () => {
    const s = await student('sandbox-student-1', 'demo-link-unconfigured');
    expect(s.html).to.contain('Your teacher has not set up this activity yet');
    expect(s.html).not.to.contain('data-testid="stem"');
    const t = await launch(srv, { user: 'sandbox-teacher-1', link: 'demo-link-unconfigured' });
    const teacher = new Student(srv, t.browser, t.ltik);
    await teacher.post('/dashboard', {});
    expect(teacher.html).to.contain('data-testid="setup-form"');
    await teacher.post('/dashboard/setup', { skills: [], threshold: '0.9' });
    expect(teacher.status).to.equal(400);
    expect(teacher.html).to.contain('Choose at least one skill');
    await teacher.post('/dashboard/setup', { skills: ['unit-fractions', 'no-such-skill'] });
    expect(teacher.status).to.equal(400);
    await teacher.post('/dashboard/setup', { skills: ['unit-fractions', 'equivalent-fractions'], threshold: '0.9', points: '10', allow_choice: 'on' });
    expect(teacher.status).to.equal(200);
    expect(teacher.html).to.contain('data-testid="saved"');
    await s.open();
    expect(s.html).to.contain('data-testid="stem"');
    expect(s.html).to.contain('0 of 2 skills mastered');
  });

  it('lets the instructor assign any pack of the tenant, not only the demo pack', async () => {
    const { loadBuiltInPacks } = await import('../../src/content/content.files.js');
    const { importPack, deletePack } = await import('../../src/content/content.repository.js');
    const link = 'demo-link-unconfigured';
    const t = await launch(srv, { user: 'sandbox-teacher-1', link });
    const { rows } = await srv.db.pool.query<{ tenant_id: string }>('SELECT tenant_id FROM resource_links WHERE id = $1', [link]);
    const tenantId = rows[0].tenant_id;
    const linear = (await loadBuiltInPacks()).find((p) => p.pack.id === 'linear-equations')!;
    await importPack(srv.db.pool, tenantId, linear);
    try {
      const teacher = new Student(srv, t.browser, t.ltik);
      // A configured activity's setup form is on its settings page (the class page once it is set up).
      await teacher.post('/dashboard/settings', {});
      expect(teacher.html).to.contain('name="pack" value="linear-equations"');
      const skill = linear.skills[0].id;
      await teacher.post('/dashboard/setup', { pack: 'linear-equations', skills: ['unit-fractions'] });
      expect(teacher.status).to.equal(400);
      await teacher.post('/dashboard/setup', { pack: 'no-such-pack', skills: [skill] });
      expect(teacher.status).to.equal(400);
      await teacher.post('/dashboard/setup', { pack: 'linear-equations', skills: [skill], threshold: '0.9', points: '10', allow_choice: 'on' });
      expect(teacher.status).to.equal(200);
      expect(teacher.html).to.contain('data-testid="saved"');
      const saved = await srv.db.pool.query('SELECT pack_id, skills FROM assignments WHERE tenant_id = $1 AND resource_link_id = $2', [tenantId, link]);
      expect(saved.rows[0]).to.deep.equal({ pack_id: 'linear-equations', skills: [skill] });
      const s = await student('sandbox-student-2', link);
      expect(s.html).to.contain('data-testid="stem"');
      // sandbox-student-2 launches in Spanish: the skill is named from the pack's Spanish translation.
      expect(s.html).to.contain(skillName(linear.skills[0], 'es'));
      await teacher.post('/dashboard/setup', { pack: 'fractions', skills: ['unit-fractions', 'equivalent-fractions'], threshold: '0.9', points: '10', allow_choice: 'on' });
      expect(teacher.status).to.equal(200);
    } finally {
      await deletePack(srv.db.pool, tenantId, 'linear-equations');
    }
  });

  it('shows the instructor every student per skill, who may need help and who has not started', async () => {
    const s = await student('sandbox-student-1');
    for (let i = 0; i < 3; i++) {
      if (s.html.includes('data-testid="next"')) await s.post('/practice/next', {});
      await answer(s, false);
      if (!s.html.includes('data-testid="next"')) await answer(s, false);
    }
    const t = await launch(srv, { user: 'sandbox-teacher-1' });
    const teacher = new Student(srv, t.browser, t.ltik);
    await teacher.post('/dashboard', {});
    expect(teacher.status).to.equal(200);
    expect(teacher.html).to.contain('data-testid="class-table"');
    expect(teacher.html).to.contain('Jordan Lee');
    expect(teacher.html).to.match(/data-testid="at-risk"[\s\S]*Jordan Lee/);
    const csv = await t.browser.fetch(`${srv.url}/dashboard/export.csv`, { headers: { authorization: `Bearer ${teacher.ltik}` } });
    expect(csv.headers.get('content-type')).to.contain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).to.contain('"student","user_id","answers","skills_mastered"');
    expect(text).to.contain('"Jordan Lee","sandbox-student-1"');
    const denied = await t.browser.fetch(`${srv.url}/dashboard/export.csv`, { headers: { authorization: `Bearer ${s.ltik}` } });
    expect(denied.status).to.equal(403);
    const notStarted = teacher.html.match(/data-testid="not-started"[\s\S]*?<\/section>/)?.[0] ?? teacher.html.match(/data-testid="roster-note"[^<]*/)?.[0];
    expect(notStarted, 'a not-started list or a note why there is none').to.be.a('string');
    if (notStarted!.includes('not-started')) {
      expect(notStarted).to.match(/<li>|Every student/);
      expect(notStarted).not.to.contain('Jordan Lee');
    }
  });

  it('lets a student choose an open skill when allowed', async () => {
    const s = await student('sandbox-student-4', 'demo-link-unconfigured');
    await s.post('/practice/next', { skill: 'unit-fractions' });
    expect(s.html, s.html.match(/data-testid="reason">[^<]*/)?.[0]).to.match(/data-testid="reason">You chose to practise/);
  });

  it('speaks Spanish to a Spanish-locale launch', async () => {
    const s = await student('sandbox-student-2');
    expect(s.html).to.contain('lang="es"');
    expect(s.html).to.contain('Tu progreso');
    // Skill names come from the pack's Spanish translation too, not only the page's chrome.
    expect(s.html).to.contain('Fracciones unitarias');
    expect(s.html).not.to.contain('>Unit fractions<');
  });

  it('exports and deletes one learner\'s data through the admin API, scoped to the tenant', async () => {
    const s = await student('sandbox-student-1');
    await answer(s, true);
    const tenantId = (await srv.db.pool.query(`SELECT tenant_id FROM users WHERE id = 'sandbox-student-1'`)).rows[0].tenant_id;
    const admin = { authorization: 'Bearer test-admin-token-0123456789' };
    const url = `${srv.url}/admin/api/tenants/${encodeURIComponent(tenantId)}/users/sandbox-student-1`;
    const exp = await fetch(`${url}/export`, { headers: admin });
    expect(exp.status).to.equal(200);
    const data = await exp.json();
    expect(data.user.name).to.equal('Jordan Lee');
    expect(data.attempts.length).to.be.greaterThan(0);
    expect(data.learnerStates.length).to.be.greaterThan(0);
    expect((await fetch(`${srv.url}/admin/api/tenants/other-tenant/users/sandbox-student-1/export`, { headers: admin })).status).to.equal(404);
    expect((await fetch(url, { method: 'DELETE' })).status).to.equal(401);
    const del = await fetch(url, { method: 'DELETE', headers: admin });
    expect(del.status).to.equal(200);
    expect((await del.json()).deleted.attempts).to.be.greaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id = 'sandbox-student-1'`, [tenantId])).to.equal(0);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id <> 'sandbox-student-1'`, [tenantId])).to.be.greaterThan(0);
    expect((await fetch(url, { method: 'DELETE', headers: admin })).status).to.equal(404);
    // The page the student sees next starts over: nothing remembered in memory survives the deletion.
    await s.post('/practice', {});
    expect(s.html).to.contain('0 of 5 skills mastered');
    expect(s.html).not.to.contain('data-correct=');
    expect(await count(`SELECT count(*) AS n FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-1' AND answered = 0`, [tenantId])).to.equal(1);
  });

  it('stays exact with two processes: an answer recorded by one is replayed, not counted again, by the other', async () => {
    const { PracticeService } = await import('../../src/practice/practice.service.js');
    const { answerFrom } = await import('../../src/practice/practice.routes.js');
    const { pino } = await import('pino');
    const log = pino({ level: 'silent' });
    const one = new PracticeService({ pool: srv.db.pool, log });
    const two = new PracticeService({ pool: srv.db.pool, log });
    const l = await launch(srv, { user: 'sandbox-student-4', flavor: 'schoology' });
    const actor = await srv.services.sessions.verify(l.ltik);
    const seenByOne = await one.view(actor);
    const seenByTwo = await two.view(actor);
    if (seenByOne.kind !== 'question' || seenByTwo.kind !== 'question') throw new Error('expected a question');
    expect(seenByTwo.current.submissionId).to.equal(seenByOne.current.submissionId);
    const item = concrete(pack, seenByOne.current.itemId, seenByOne.current.seed);
    const form = { submission_id: seenByOne.current.submissionId, item_id: seenByOne.current.itemId, seed: String(seenByOne.current.seed), ...answerFields(item, correctResponse(item)) };
    const answeredBefore = (await srv.db.pool.query(`SELECT answered FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-4' AND resource_link_id = $2`, [actor.tenantId, actor.resourceLinkId])).rows[0].answered;
    const first = await one.answer(actor, answerFrom(form));
    const again = await two.answer(actor, answerFrom(form));
    if (first.kind !== 'question' || again.kind !== 'question') throw new Error('expected the answered question');
    expect(first.result?.correct).to.equal(true);
    expect(again.result?.correct).to.equal(true);
    expect(again.current.itemId).to.equal(seenByOne.current.itemId);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id = 'sandbox-student-4' AND submission_id = $2`, [actor.tenantId, form.submission_id])).to.equal(1);
    const stored = (await srv.db.pool.query(`SELECT answered, current FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-4' AND resource_link_id = $2`, [actor.tenantId, actor.resourceLinkId])).rows[0];
    expect(stored.answered).to.equal(answeredBefore + 1);
    // Process two now knows the new row: it shows the next question chosen by process one.
    const next = await two.view(actor);
    if (next.kind !== 'question' && next.kind !== 'worked_example') throw new Error('expected the next step');
    expect(next.current.submissionId).to.equal(stored.current.submissionId);
  });

  it('keeps tenants apart: the same user and link in another deployment see none of it', async () => {
    const platform = srv.services.sandbox!.platform;
    await srv.services.registry.addDeployments(platform.id, ['sandbox-deployment-2']);
    const start = await beginLaunch(srv, { user: 'sandbox-student-3' });
    const u = DEMO_USERS.find((x) => x.id === 'sandbox-student-3')!;
    const claims = srv.services.sandbox!.launchClaims(u, 'demo-link-fractions', 'canvas', start.nonce, { skills: 'unit-fractions' });
    claims[CLAIM.deploymentId] = 'sandbox-deployment-2';
    const res = await postLaunch(start.browser, { id_token: await srv.services.sandbox!.signIdToken(claims), state: start.state });
    expect(res.status).to.equal(303);
    const { ltik } = await land(start.browser, new URL(res.headers.get('location')!, srv.url).toString());
    const other = new Student(srv, start.browser, ltik);
    await other.open();
    expect(other.html).to.contain('0 of 1 skills mastered');
    const theirs = (await srv.db.pool.query(`SELECT submission_id, tenant_id FROM attempts WHERE user_id = 'sandbox-student-3' LIMIT 1`)).rows[0];
    const beforeOther = await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id <> $1`, [theirs.tenant_id]);
    await other.post('/practice/answer', { submission_id: theirs.submission_id, item_id: other.itemId!, seed: String(other.seed), response: 'zzz' });
    expect(other.html).not.to.contain('5 of 5');
    const otherTenantRows = await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id <> $1`, [theirs.tenant_id]);
    expect(otherTenantRows - beforeOther).to.be.at.most(1);
    expect(await count(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND submission_id = $2`, [theirs.tenant_id, theirs.submission_id])).to.equal(1);
  });
});
