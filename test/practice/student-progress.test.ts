// Issue 17, items 1-4, through the real app and the sandbox LMS: progress a student can feel (estimates,
// points, summary), agency (goal, skill choice with reasons, "I don't know", confidence), variety (no repeats
// while unseen items remain, a similar question after a worked example) and the review of mistakes.
import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import type { Flavor } from '../../src/sandbox/platform.js';
import { startTestServer } from '../helpers/server.js';
import { beginLaunch, land, launch, postLaunch } from '../helpers/launch.js';
import { CLAIM } from '../../src/lti/claims.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { Student, answerFields, concrete } from '../helpers/practice.js';

/** What the page shows: the current step's kind, item and reason, and the points. */
const kindOf = (html: string) => (html.includes('action="/practice/studied"') ? 'worked_example' : html.includes('data-testid="submit"') ? 'question' : html.includes('data-testid="next"') ? 'answered' : 'other');
const reasonOf = (html: string) => html.match(/data-testid="reason">([^<]*)</)?.[1] ?? '';
const pointsOf = (html: string) => Number(html.match(/data-points="(\d+)"/)?.[1] ?? NaN);

describe('student progress, goals, variety and review (issue 17)', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    srv = await startTestServer();
    pack = await loadDemoPack();
  });
  after(async () => {
    await srv?.close();
  });

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await srv.db.pool.query(sql, params)).rows as T[];

  /** A student of a tenant (the flavor) starting afresh on the fractions activity. */
  async function fresh(user: string, flavor: Flavor): Promise<Student & { tenant: string }> {
    const l = await launch(srv, { user, flavor });
    const s = new Student(srv, l.browser, l.ltik) as Student & { tenant: string };
    // The session token's actor names the tenant of this launch.
    const tenant_id = (JSON.parse(Buffer.from(l.ltik.split('.')[1]!, 'base64url').toString()) as { a: { tenantId: string } }).a.tenantId;
    s.tenant = tenant_id;
    await srv.db.pool.query('DELETE FROM attempts WHERE tenant_id = $1 AND user_id = $2', [tenant_id, user]);
    await srv.db.pool.query('DELETE FROM learner_states WHERE tenant_id = $1 AND user_id = $2', [tenant_id, user]);
    srv.services.practice.forgetUser(tenant_id, user);
    await s.open();
    return s;
  }

  /** Answers the question on screen (first try) right or wrong; a second try, when offered, the same way. */
  async function answer(s: Student, right: boolean, opts: { second?: boolean; confidence?: string } = {}): Promise<{ itemId: string; seed: number; finishedWrong: boolean }> {
    const itemId = s.itemId!;
    const seed = s.seed;
    const item = concrete(pack, itemId, seed);
    const wrong = distractorResponses(item)[0] ?? '__definitely wrong__';
    const extra: Record<string, string> = opts.confidence ? { confidence: opts.confidence } : {};
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: itemId, seed: String(seed), was: s.field('was') ?? '', ...extra, ...answerFields(item, right ? correctResponse(item) : wrong) });
    expect(s.status).to.equal(200);
    let finishedWrong = false;
    if (!right && s.html.includes('data-testid="submit"') && s.itemId === itemId) {
      const second = opts.second ?? false;
      await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: itemId, seed: String(seed), ...answerFields(item, second ? correctResponse(item) : wrong) });
      finishedWrong = !second;
    } else finishedWrong = !right;
    return { itemId, seed, finishedWrong };
  }

  /** Goes on to the next step (the Next button's form). */
  const next = (s: Student) => s.post('/practice/next', {});

  it('gives a 60%-right student remediation and visible progress: not stuck on one skill, points that never go down', async () => {
    const s = await fresh('sandbox-student-1', 'canvas');
    const reasons: string[] = [];
    const skills = new Set<string>();
    let examples = 0;
    let lastPoints = 0;
    let owed = 0.5;
    for (let i = 0; i < 40; i++) {
      if (kindOf(s.html) === 'worked_example') {
        examples++;
        reasons.push(reasonOf(s.html));
        await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
        continue;
      }
      if (kindOf(s.html) !== 'question') break;
      reasons.push(reasonOf(s.html));
      const current = (await q<{ current: { skill: string } }>('SELECT current FROM learner_states WHERE tenant_id = $1 AND user_id = $2', [s.tenant, 'sandbox-student-1']))[0].current;
      skills.add(current.skill);
      owed += 0.6;
      const right = owed >= 1;
      if (right) owed -= 1;
      await answer(s, right);
      const points = pointsOf(s.html);
      expect(points, 'points never go down').to.be.at.least(lastPoints);
      lastPoints = points;
      // Every bar that went down says why.
      const drops = s.html.match(/class="change change-down"[^>]*>[^<]*</g) ?? [];
      for (const d of drops) expect(d).to.match(/because/);
      await next(s);
    }
    const remediation = reasons.filter((r) => /worked example|easier|builds on|similar question/.test(r));
    expect(remediation.length, 'remediation steps').to.be.greaterThan(0);
    expect(examples + reasons.filter((r) => /similar question/.test(r)).length).to.be.greaterThan(0);
    expect(skills.size, 'skills practised').to.be.at.least(2);
    expect(lastPoints).to.be.greaterThan(20);
    // Each skill not mastered shows an estimate or the keep-going line.
    expect(s.html).to.match(/data-testid="estimate"/);
  });

  it('repeats no item in a session while unseen items of its skill remain', async () => {
    const s = await fresh('sandbox-student-2', 'canvas');
    const shown: string[] = [];
    let owed = 0.5;
    for (let i = 0; i < 30; i++) {
      const kind = kindOf(s.html);
      if (kind === 'worked_example') {
        shown.push(s.itemId!);
        await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
        continue;
      }
      if (kind !== 'question') break;
      shown.push(s.itemId!);
      owed += 0.7;
      const right = owed >= 1;
      if (right) owed -= 1;
      await answer(s, right);
      await next(s);
    }
    expect(shown.length).to.be.at.least(25);
    // Every skill of the activity has 15 or more items: none may come back within 30 steps, except a template
    // shown again on purpose after its own worked example (new numbers).
    const seeds = new Set<string>();
    const log = await q<{ item_id: string; seed: string; kind: string }>(
      `SELECT item_id, seed, kind FROM attempts WHERE tenant_id = $1 AND user_id = 'sandbox-student-2' AND try_number = 1 ORDER BY id`, [s.tenant]);
    const firstShown = new Map<string, number>();
    log.forEach((r, i) => {
      const key = `${r.item_id}/${r.seed}`;
      expect(seeds.has(key), `instance ${key} shown twice`).to.equal(false);
      seeds.add(key);
      const before = firstShown.get(r.item_id);
      if (before !== undefined) {
        // Only a template right after its worked example may come back (with new numbers).
        expect(log[i - 1]?.item_id, `item ${r.item_id} repeated`).to.equal(r.item_id);
        expect(log[i - 1]?.kind).to.equal('worked_example');
      }
      firstShown.set(r.item_id, i);
    });
  });

  it('records "I don\'t know" as a wrong answer without a response, shows the worked solution and never takes points away', async () => {
    const s = await fresh('sandbox-student-3', 'canvas');
    await answer(s, true);
    await next(s);
    const pointsBefore = pointsOf(s.html);
    const itemId = s.itemId!;
    await s.post('/practice/skip', { submission_id: s.submissionId!, item_id: itemId, seed: String(s.seed), response: 'a guess that must be ignored', confidence: '3' });
    expect(s.status).to.equal(200);
    expect(s.html).to.contain('data-testid="skipped"');
    expect(s.html).to.contain('data-testid="right-answer"');
    expect(s.html).to.contain('data-testid="next"');
    expect(pointsOf(s.html)).to.equal(pointsBefore);
    const rows = await q(`SELECT correct, score, skipped, response, confidence, counted, try_number FROM attempts WHERE tenant_id = $1 AND user_id = 'sandbox-student-3' AND item_id = $2`, [s.tenant, itemId]);
    expect(rows).to.deep.equal([{ correct: false, score: 0, skipped: true, response: null, confidence: null, counted: true, try_number: 1 }]);
    const [state] = await q<{ answered: number; session: { skipped: number; answered: number } }>(`SELECT answered, session FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-3'`, [s.tenant]);
    expect(state.answered).to.equal(2);
    expect(state.session).to.include({ skipped: 1, answered: 2 });
  });

  it('stores the optional confidence self-rating with the attempt (an unknown value is dropped)', async () => {
    const s = await fresh('sandbox-student-4', 'canvas');
    expect(s.html).to.contain('name="confidence"');
    const a = await answer(s, true, { confidence: '3' });
    await next(s);
    const b = await answer(s, true, { confidence: '9' });
    const rows = await q<{ item_id: string; confidence: number | null }>(`SELECT item_id, confidence FROM attempts WHERE tenant_id = $1 AND user_id = 'sandbox-student-4' ORDER BY id`, [s.tenant]);
    expect(rows).to.deep.equal([{ item_id: a.itemId, confidence: 3 }, { item_id: b.itemId, confidence: null }]);
  });

  it('lets the student set a number-of-questions goal and shows it met', async () => {
    const s = await fresh('sandbox-student-1', 'moodle');
    await s.post('/practice/plan', {});
    expect(s.status).to.equal(200);
    expect(s.html).to.contain('data-testid="goal-form"');
    await s.post('/practice/goal', { goal: 'questions:3' });
    expect(s.html).to.contain('data-testid="goal" data-met="false"');
    expect(s.html).to.contain('answer 3 questions — 0 of 3 so far');
    await answer(s, true);
    await next(s);
    expect(s.html).to.contain('1 of 3 so far');
    await answer(s, false);
    await next(s);
    await answer(s, true);
    expect(s.html).to.contain('data-testid="goal" data-met="true"');
    expect(s.html).to.contain('Goal met: answer 3 questions');
    const [{ session }] = await q<{ session: { goalMetAt: number | null } }>(`SELECT session FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-1'`, [s.tenant]);
    expect(session.goalMetAt).to.be.a('number');
    // A malformed goal changes nothing; an empty one is refused.
    await s.post('/practice/goal', { goal: 'questions:5000' });
    expect(s.html).to.contain('data-met="true"');
    await s.post('/practice/goal', {});
    expect(s.status).to.equal(400);
  });

  it('a skill goal puts that skill on every step until it is met; a skill outside the activity is refused', async () => {
    const s = await fresh('sandbox-student-2', 'moodle');
    await s.post('/practice/goal', { goal: 'skill:unit-fractions' });
    // sandbox-student-2 launches in Spanish.
    expect(s.html).to.contain('Tu meta: dominar');
    for (let i = 0; i < 4; i++) {
      const [{ current }] = await q<{ current: { skill: string } }>(`SELECT current FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-2'`, [s.tenant]);
      expect(current.skill).to.equal('unit-fractions');
      await answer(s, true);
      await next(s);
    }
    await s.post('/practice/goal', { goal: 'skill:no-such-skill' });
    const [{ session }] = await q<{ session: { goal: { kind: string; skill: string } } }>(`SELECT session FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-2'`, [s.tenant]);
    expect(session.goal).to.deep.equal({ kind: 'skill', skill: 'unit-fractions' });
  });

  it('offers the open skills and the model\'s suggestions, each with its reason', async () => {
    const s = await fresh('sandbox-student-3', 'moodle');
    await s.post('/practice/plan', {});
    const suggestions = s.html.slice(s.html.indexOf('data-testid="suggestions"'), s.html.indexOf('data-testid="open-skills"'));
    expect(suggestions).to.match(/data-testid="suggestion-reason">[^<]+</);
    const open = s.html.slice(s.html.indexOf('data-testid="open-skills"'));
    // unit-fractions has no prerequisite inside the activity, so it is open from the start.
    expect(open).to.contain('data-skill="unit-fractions"');
    // A locked skill (its prerequisite not mastered) is not offered.
    expect(open).not.to.contain('data-skill="simplest-form"');
  });

  it('follows a worked example with a similar question on the same skill', async () => {
    const s = await fresh('sandbox-student-4', 'moodle');
    let example: { itemId: string; skill: string } | null = null;
    for (let i = 0; i < 15 && !example; i++) {
      if (kindOf(s.html) === 'worked_example') {
        const [{ current }] = await q<{ current: { skill: string } }>(`SELECT current FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-4'`, [s.tenant]);
        example = { itemId: s.itemId!, skill: current.skill };
        break;
      }
      await answer(s, false);
      await next(s);
    }
    expect(example, 'a worked example after repeated mistakes').to.not.equal(null);
    await s.post('/practice/studied', { item_id: example!.itemId, seed: String(s.seed) });
    expect(reasonOf(s.html)).to.match(/similar question/);
    const [{ current }] = await q<{ current: { skill: string; reason: { code: string } } }>(`SELECT current FROM learner_states WHERE tenant_id = $1 AND user_id = 'sandbox-student-4'`, [s.tenant]);
    expect(current.skill).to.equal(example!.skill);
    expect(current.reason.code).to.equal('similar_question');
  });

  it('lists exactly the questions the student got wrong, with their worked solutions, and nobody else\'s', async () => {
    const s = await fresh('sandbox-student-1', 'schoology');
    const wrong: string[] = [];
    const plan = [
      () => answer(s, true),
      () => answer(s, false),
      () => answer(s, false, { second: true }),
      async () => {
        const itemId = s.itemId!;
        await s.post('/practice/skip', { submission_id: s.submissionId!, item_id: itemId, seed: String(s.seed) });
        return { itemId, seed: s.seed, finishedWrong: true };
      },
      () => answer(s, false),
      () => answer(s, true),
    ];
    for (const step of plan) {
      if (kindOf(s.html) === 'worked_example') await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
      const r = await step();
      if (r.finishedWrong) wrong.push(r.itemId);
      await next(s);
    }
    await s.post('/practice/mistakes', {});
    expect(s.status).to.equal(200);
    const listed = [...s.html.matchAll(/class="card mistake" data-item="([^"]+)"/g)].map((m) => m[1]);
    expect(listed).to.deep.equal([...wrong].reverse());
    expect((s.html.match(/data-testid="solution"/g) ?? []).length).to.be.at.least(1);
    expect(s.html).to.contain('You said you did not know.');
    // Another student of the same tenant and course sees none of them.
    const other = await fresh('sandbox-student-2', 'schoology');
    await other.post('/practice/mistakes', {});
    expect(other.html).to.contain('data-testid="no-mistakes"');
    // The same user and link in another tenant (another deployment of the platform) sees none of them either.
    const platform = srv.services.sandbox!.platform;
    await srv.services.registry.addDeployments(platform.id, ['sandbox-deployment-2']);
    const start = await beginLaunch(srv, { user: 'sandbox-student-1' });
    const claims = srv.services.sandbox!.launchClaims(DEMO_USERS.find((u) => u.id === 'sandbox-student-1')!, 'demo-link-fractions', 'canvas', start.nonce, { skills: 'unit-fractions' });
    claims[CLAIM.deploymentId] = 'sandbox-deployment-2';
    const launched = await postLaunch(start.browser, { id_token: await srv.services.sandbox!.signIdToken(claims), state: start.state });
    const { ltik } = await land(start.browser, new URL(launched.headers.get('location')!, srv.url).toString());
    const elsewhere = new Student(srv, start.browser, ltik);
    await elsewhere.post('/practice/mistakes', {});
    expect(elsewhere.status).to.equal(200);
    expect(elsewhere.html).to.contain('data-testid="no-mistakes"');
    // The first student still sees exactly theirs.
    await s.post('/practice/mistakes', {});
    expect([...s.html.matchAll(/class="card mistake" data-item="([^"]+)"/g)].map((m) => m[1])).to.deep.equal([...wrong].reverse());
    // Without a session: refused.
    const res = await other.browser.fetch(`${srv.url}/practice/mistakes`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(res.status).to.equal(401);
  });

  it('summarises the session: what was practised, what was mastered, what is next', async () => {
    const s = await fresh('sandbox-student-3', 'schoology');
    await s.post('/practice/summary', {});
    expect(s.html).to.contain('You have not answered a question in this session yet.');
    await s.post('/practice', {});
    for (let i = 0; i < 12; i++) {
      if (kindOf(s.html) !== 'question') break;
      await answer(s, true);
      await next(s);
    }
    await s.post('/practice/summary', {});
    expect(s.status).to.equal(200);
    expect(s.html).to.match(/data-testid="answered">12 questions answered, 12 right the first time/);
    expect(s.html).to.match(/data-testid="practised"><li data-skill="[^"]+">[^<]+questions?, \d+ right/);
    expect(s.html).to.contain('data-testid="mastered-now"');
    expect(s.html).to.match(/data-testid="next-up">[^<]+</);
    // In Spanish too.
    await s.post('/practice/language', { lang: 'es' });
    await s.post('/practice/summary', {});
    expect(s.html).to.contain('Tu sesión');
    expect(s.html).to.contain('Lo que practicaste');
  });
});
