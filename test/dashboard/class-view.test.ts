// The class view (issue 16): students x skills from summaries refreshed for the learners who answered since, the
// learned at-risk flags with reasons and actions, filters, live updates with ETags, the settings on their own page;
// for teachers and TAs of the course only.
import { expect } from 'chai';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/index.js';
import { replay } from '../../src/engine/index.js';
import type { Actor } from '../../src/lti/actor.js';
import type { AppRole } from '../../src/lti/roles.js';
import { configOf } from '../../src/practice/progress.js';
import { buildServices, type Services } from '../../src/services.js';
import { loadSettings } from '../../src/settings.js';
import { RiskModels } from '../../src/dashboard/risk.service.js';
import { SummaryStore } from '../../src/dashboard/summary.store.js';
import { systemClock } from '../../src/clock.js';
import { freshDatabase } from '../helpers/db.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

const SKILLS = ['unit-fractions', 'equivalent-fractions', 'simplest-form'];
type Role = 'teacher' | 'ta' | 'student' | 'other-course' | 'other-tenant';

function actorFor(role: Role, over: Partial<Actor> = {}): Actor {
  const roles: AppRole[] = role === 'student' ? ['student'] : ['instructor'];
  const base: Actor = {
    tenantId: role === 'other-tenant' ? 'c2' : 'c1', platformId: 'cp', userId: `${role}-1`, roles, role: roles[0], name: `The ${role}`, locale: 'en',
    contextId: role === 'other-course' ? 'course-b' : 'course-a', contextTitle: 'Grade 5', resourceLinkId: role === 'other-course' ? 'link-b' : 'link-a',
    resourceLinkTitle: 'Fractions practice', frameOrigins: [],
  };
  return { ...base, ...over };
}

describe('class view (/dashboard): summaries, learned flags, filters, live updates, settings', function () {
  let db: Database;
  let services: Services;
  let app: Express;
  let sub = 0;
  let clock = Date.now() - 3_600_000;
  const q = (sql: string, v: unknown[] = []) => db.pool.query(sql, v);
  const token = (role: Role, over?: Partial<Actor>) => services.sessions.issue(actorFor(role, over));
  const post = async (path: string, tok: string, fields: Record<string, string | string[]> = {}) => request(app).post(path).type('form').send({ ltik: tok, ...fields });

  /** Appends first tries of a student and writes the replayed learner row with a new version (as the practice loop does). */
  async function answers(tenantId: string, link: string, user: string, rows: { item: string; correct: boolean; hints?: number }[]) {
    const entry = await services.catalog.pack(tenantId, 'fractions');
    const a = (await services.assignments.get(actorFor('teacher', { tenantId, resourceLinkId: link })))!;
    await q(`INSERT INTO users (tenant_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tenantId, user, `Student ${user}`]);
    for (const r of rows) {
      const item = entry.items.get(r.item)!;
      await q(
        `INSERT INTO attempts (tenant_id, resource_link_id, user_id, pack_id, item_id, skills, kind, try_number, counted, response, correct, score, hints_used, time_ms, submission_id, result, answered_at)
         VALUES ($1, $2, $3, 'fractions', $4, $5, 'answer', 1, true, '"x"', $6, $7, $8, 30000, $9, '{}', $10)`,
        [tenantId, link, user, r.item, item.skills, r.correct, r.correct ? 1 : 0, r.hints ?? 0, `s${++sub}`, new Date((clock += 60_000))],
      );
    }
    const all = (await q(`SELECT item_id, skills, correct, hints_used, answered_at FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND counted ORDER BY id`, [tenantId, link, user])).rows;
    const state = replay(all.map((x) => ({ itemId: x.item_id, skills: x.skills, correct: x.correct, hintsUsed: x.hints_used, at: x.answered_at.getTime() })), configOf(a, entry));
    await q(
      `INSERT INTO learner_states (tenant_id, resource_link_id, user_id, state, answered) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, resource_link_id, user_id) DO UPDATE SET state = EXCLUDED.state, answered = EXCLUDED.answered, version = learner_states.version + 1`,
      [tenantId, link, user, JSON.stringify(state), all.length],
    );
  }
  const unit = (correct: boolean) => ({ item: 'unit-how-many-2', correct });
  const equiv = (correct: boolean) => ({ item: 'equiv-odd-one-1-2', correct });

  before(async () => {
    db = await freshDatabase();
    const settings = loadSettings({ NODE_ENV: 'test', SANDBOX: '0', SESSION_MINUTES: '60', ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    services = await buildServices({ settings, pool: db.pool, log: pino({ level: 'silent' }), publicUrl: 'http://127.0.0.1', adminToken: TEST_ADMIN_TOKEN });
    app = createApp({ services });
    await q(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('cp', 'P', 'https://lms-c', 'c', 'https://lms/a', 'https://lms/t', 'https://lms/k')`);
    await q(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('c1', 'cp', 'd1'), ('c2', 'cp', 'd2')`);
    for (const [t, link] of [['c1', 'link-a'], ['c1', 'link-b'], ['c2', 'link-a']]) {
      await services.catalog.seedDemo(t);
      await q(`INSERT INTO assignments (tenant_id, resource_link_id, pack_id, skills, threshold) VALUES ($1, $2, 'fractions', $3, 0.85)`, [t, link, SKILLS]);
    }
    await answers('c1', 'link-a', 'ana', Array.from({ length: 12 }, () => unit(true)));
    await answers('c1', 'link-a', 'ben', [unit(true), ...Array.from({ length: 7 }, () => equiv(false))]);
    await answers('c1', 'link-a', 'cai', [unit(true), equiv(false), equiv(false), equiv(false)]);
    await answers('c1', 'link-b', 'dee', [unit(true)]);
    await answers('c2', 'link-a', 'eve', [unit(false)]);
  });
  after(async () => {
    services.close();
    await db.close();
  });

  it('shows the teacher a students x skills heat map with each state in words, and links to the drill-down and skill views', async () => {
    const res = await post('/dashboard', await token('teacher'));
    expect(res.status).to.equal(200);
    const html = res.text;
    expect(html).to.contain('data-testid="class-table"');
    expect(html).to.contain('data-testid="dashboard-nav"');
    const row = (u: string) => html.slice(html.indexOf(`<tr data-user="${u}"`), html.indexOf('</tr>', html.indexOf(`<tr data-user="${u}"`)));
    expect(row('ana')).to.match(/class="m-mastered"><i>Mastered<\/i>[\s\S]*class="m-not_started"><i>Not started<\/i>/);
    expect(row('ben')).to.match(/class="m-(practising|mastered)">[\s\S]*class="m-struggling"><i>Struggling<\/i>/);
    expect(row('ben')).to.contain('formaction="/dashboard/students/ben"');
    expect(html).to.contain('formaction="/dashboard/skills/equivalent-fractions"');
    expect(html).to.match(/<form method="post" id="drill"[^>]*><input type="hidden" name="ltik" value="[^"]+">/);
    expect(html, 'the session token is never in a URL').not.to.match(/action="[^"]*ltik/);
    // Other courses' and tenants' students are not in this class.
    expect(html).not.to.contain('data-user="dee"');
    expect(html).not.to.contain('data-user="eve"');
  });

  it('flags who may need help from the learned model, with reasons in words and a suggested action', async () => {
    const html = (await post('/dashboard', await token('teacher'))).text;
    const help = html.match(/data-testid="at-risk"[\s\S]*?<\/section>/)![0];
    const ben = help.slice(help.indexOf('data-user="ben"'));
    expect(ben).to.match(/Equivalent fractions \(\d+% likely to get stuck\)/);
    expect(ben).to.match(/wrong in a row on Equivalent fractions|of \d+ right on Equivalent fractions|of the last \d+ wrong on Equivalent fractions/);
    expect(ben).to.match(/Suggested: (re-teach|go through a worked example|teach Equivalent fractions to a small group)/);
    // Three wrong in a row: the model waits for more evidence, today's rule says it now.
    expect(help).to.match(/data-user="cai"><strong>Student cai<\/strong><span>: 3 wrong answers in a row/);
    expect(help).not.to.contain('data-user="ana"');
    expect(help).to.contain('standard model');
  });

  it('shows it to a TA of the course, and refuses students, another course\'s teacher (its own class) and another tenant', async () => {
    const ta = await post('/dashboard', await token('ta', { roles: ['instructor'], userId: 'ta-9' }));
    expect(ta.status).to.equal(200);
    expect(ta.text).to.contain('data-user="ben"');
    expect((await post('/dashboard', await token('student'))).status).to.equal(403);
    expect((await request(app).get('/dashboard/live').set('Authorization', `Bearer ${await token('student')}`)).status).to.equal(403);
    expect((await post('/dashboard/settings', await token('student'))).status).to.equal(403);
    expect((await post('/dashboard', 'not-a-token')).status).to.equal(401);
    const other = await post('/dashboard', await token('other-course'));
    expect(other.text).to.contain('data-user="dee"');
    expect(other.text).not.to.contain('data-user="ben"');
    const tenant = await post('/dashboard', await token('other-tenant'));
    expect(tenant.text).to.contain('data-user="eve"');
    expect(tenant.text).not.to.contain('data-user="ana"');
    // Links to a student's drill-down carry no other course's ids.
    expect(tenant.text).not.to.contain('/dashboard/students/ana"');
  });

  it('filters by skill and state and by last activity, and sorts', async () => {
    const tok = await token('teacher');
    const struggling = (await post('/dashboard', tok, { status: 'struggling', skill: 'equivalent-fractions' })).text;
    expect(struggling).to.contain('data-user="ben"');
    expect(struggling).not.to.contain('<tr data-user="ana"');
    expect(struggling.match(/data-testid="skill-link"/g)).to.have.length(1);
    const byAnswers = (await post('/dashboard', tok, { sort: 'answers', dir: 'desc' })).text;
    const order = [...byAnswers.matchAll(/<tr data-user="([^"]+)"/g)].map((m) => m[1]);
    expect(order).to.deep.equal(['ana', 'ben', 'cai']);
    const never = (await post('/dashboard', tok, { active: 'never' })).text;
    expect(never).not.to.contain('<tr data-user=');
    // Nonsense falls back to the defaults rather than failing.
    expect((await post('/dashboard', tok, { sort: 'drop table', status: '<x>' })).status).to.equal(200);
  });

  it('refreshes only the learners who answered since the last view', async () => {
    const tok = await token('teacher');
    await post('/dashboard', tok);
    const before = new Map((await q(`SELECT user_id, refreshed_at FROM class_summary_learners WHERE tenant_id = 'c1' AND resource_link_id = 'link-a'`)).rows.map((r) => [r.user_id, r.refreshed_at.getTime()]));
    await answers('c1', 'link-a', 'cai', [equiv(false), equiv(false), equiv(false)]);
    const html = (await post('/dashboard', tok)).text;
    const after = new Map((await q(`SELECT user_id, refreshed_at FROM class_summary_learners WHERE tenant_id = 'c1' AND resource_link_id = 'link-a'`)).rows.map((r) => [r.user_id, r.refreshed_at.getTime()]));
    expect(after.get('ana')).to.equal(before.get('ana'));
    expect(after.get('ben')).to.equal(before.get('ben'));
    expect(after.get('cai')).to.be.greaterThan(before.get('cai')!);
    // Six wrong in a row now: the model flags cai with its reasons (no longer today's rule).
    const help = html.match(/data-testid="at-risk"[\s\S]*?<\/section>/)![0];
    expect(help.slice(help.indexOf('data-user="cai"'))).to.match(/^data-user="cai"><strong>Student cai<\/strong>\s*<ul>/);
  });

  it('updates live: the changing part of the page with an ETag, 304 while nothing changed', async () => {
    const tok = await token('teacher');
    const first = await request(app).get('/dashboard/live?sort=name').set('Authorization', `Bearer ${tok}`);
    expect(first.status).to.equal(200);
    expect(first.text).to.contain('data-testid="class-table"');
    expect(first.text).not.to.contain('<html');
    const etag = first.headers.etag;
    expect(etag).to.match(/^"[\w-]+"$/);
    const same = await request(app).get('/dashboard/live?sort=name').set('Authorization', `Bearer ${tok}`).set('If-None-Match', etag);
    expect(same.status).to.equal(304);
    await answers('c1', 'link-a', 'ana', [equiv(true)]);
    const changed = await request(app).get('/dashboard/live?sort=name').set('Authorization', `Bearer ${tok}`).set('If-None-Match', etag);
    expect(changed.status).to.equal(200);
    expect(changed.headers.etag).not.to.equal(etag);
    // The token is taken from the header only.
    expect((await request(app).get(`/dashboard/live?ltik=${tok}`)).status).to.equal(401);
  });

  it('reuses a rendered class view between staff members without ever handing one the other\'s session token', async () => {
    const teacher = await token('teacher');
    const ta = await token('ta', { userId: 'ta-7' });
    const a = (await post('/dashboard', teacher)).text;
    const b = (await post('/dashboard', ta)).text;
    const fragment = (html: string) => html.slice(html.indexOf('<div id="class-live"'), html.lastIndexOf('</div>'));
    expect(a).to.contain(`name="ltik" value="${teacher}"`);
    expect(b).to.contain(`name="ltik" value="${ta}"`);
    expect(b).not.to.contain(teacher);
    expect(a).not.to.contain(ta);
    expect(fragment(a).replace(teacher, '')).to.contain('data-testid="class-table"');
    const live = await request(app).get('/dashboard/live').set('Authorization', `Bearer ${ta}`);
    expect(live.text).not.to.contain(teacher);
    expect(live.text).not.to.contain(ta);
  });

  it('exports the class as CSV with the reasons in words', async () => {
    const res = await request(app).get('/dashboard/export.csv').set('Authorization', `Bearer ${await token('teacher')}`);
    expect(res.headers['content-type']).to.contain('text/csv');
    expect(res.text.split('\r\n')[0]).to.contain('"student","user_id","answers","skills_mastered","minutes","last_active"');
    expect(res.text).to.match(/"Student ben","ben",.*Equivalent fractions: /);
  });

  it('keeps the settings on their own page, in plain words, and saves them there', async () => {
    const tok = await token('teacher');
    const page = await post('/dashboard/settings', tok);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('When a student would get 85% of new questions right');
    expect(page.text).to.contain('aria-current="page"');
    expect(page.text).not.to.contain('data-testid="class-table"');
    const saved = await post('/dashboard/setup', tok, { return_to: 'settings', pack: 'fractions', skills: SKILLS, threshold: '0.9', target: '0.75', points: '20', allow_choice: 'on' });
    expect(saved.status).to.equal(200);
    expect(saved.text).to.contain('data-testid="saved"');
    expect(saved.text).to.match(/<option value="0.9" selected>When a student would get 90% of new questions right/);
    const bad = await post('/dashboard/setup', tok, { return_to: 'settings', skills: [], threshold: '0.9' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('data-testid="setup-error"');
    expect(bad.text).to.contain('When is a skill mastered?');
    // The class page no longer carries the settings form.
    expect((await post('/dashboard', tok)).text).not.to.contain('data-testid="setup-form"');
    const es = await post('/dashboard/settings', await token('teacher', { locale: 'es' }));
    expect(es.text).to.contain('Cuando un estudiante acertaría el 90 % de las preguntas nuevas');
  });

  it('shows the setup form for an activity not set up yet, and the class view after saving', async () => {
    const tok = await token('teacher', { resourceLinkId: 'link-new' });
    const setup = await post('/dashboard', tok);
    expect(setup.text).to.contain('data-testid="setup-form"');
    const saved = await post('/dashboard/setup', tok, { skills: ['unit-fractions'], threshold: '0.85' });
    expect(saved.status).to.equal(200);
    expect(saved.text).to.contain('data-testid="saved"');
    expect(saved.text).to.contain('data-testid="no-students"');
  });

  it('fits the tenant\'s own model off the request path once its log is big enough, and re-summarises with it', async () => {
    const risk = new RiskModels({ pool: db.pool, clock: systemClock, min: { sequences: 3, perClass: 1 }, autoFit: false });
    expect((await risk.modelFor('c1')).source).to.equal('default');
    // Enough labelled sequences of both kinds in tenant c1.
    for (let i = 0; i < 4; i++) await answers('c1', 'link-b', `f${i}`, [...Array.from({ length: 10 }, () => equiv(false)), ...Array.from({ length: 3 }, () => unit(true))]);
    const fitted = await risk.fit('c1');
    expect(fitted.source).to.equal('tenant');
    expect((await q(`SELECT tenant_id FROM risk_models`)).rows.map((r) => r.tenant_id)).to.deep.equal(['c1']);
    // A new model re-summarises every learner (basis changed): the app's own service picks it up from the table.
    services.dashboard.risk.reload('c1');
    await post('/dashboard', await token('teacher'));
    const bases = (await q(`SELECT DISTINCT basis FROM class_summary_learners WHERE tenant_id = 'c1' AND resource_link_id = 'link-a'`)).rows;
    expect(bases).to.have.length(1);
    expect(bases[0].basis.startsWith(fitted.id)).to.equal(true);
    const html = (await post('/dashboard', await token('teacher'))).text;
    expect(html).to.contain("this school&#39;s own practice data");
  });
  it('while a class answers right now, looks for changed learners once per background refresh, not on every view', async () => {
    let now = 50_000_000;
    const risk = new RiskModels({ pool: db.pool, clock: systemClock, autoFit: false });
    // Any changed learner is summarised in the background (as when a whole class is answering).
    const store = new SummaryStore({ pool: db.pool, clock: { now: () => now }, risk, syncLimit: 0 });
    const a = (await services.assignments.get(actorFor('teacher')))!;
    const entry = await services.catalog.pack('c1', 'fractions');
    await store.refresh(a, entry, { wait: true });
    const spy = db.pool.query.bind(db.pool);
    let looks = 0;
    (db.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const x = args[0] as { name?: string } | string;
      if (typeof x === 'object' && x.name === 'summary-stale') looks++;
      return (spy as (...v: unknown[]) => unknown)(...args);
    };
    try {
      await answers('c1', 'link-a', 'ana', [unit(true)]);
      await store.refresh(a, entry);
      expect(looks).to.equal(1);
      await store.refresh(a, entry, { wait: true });
      // The background refresh ended: the next view looks again; too soon for another refresh, so it holds.
      expect(store.held(a)).to.equal(false);
      await answers('c1', 'link-a', 'ana', [unit(true)]);
      now += 1_000;
      await store.refresh(a, entry);
      expect(looks).to.equal(2);
      expect(store.held(a)).to.equal(true);
      now += 2_000;
      await store.refresh(a, entry);
      await store.refresh(a, entry);
      expect(looks).to.equal(2);
      // Once a refresh may start again, the view looks and summarises ana in the background.
      now += 2_000;
      await store.refresh(a, entry);
      expect(looks).to.equal(3);
      await store.refresh(a, entry, { wait: true });
      const fresh = (await q(`SELECT s.version = l.version AS ok FROM class_summary_learners s JOIN learner_states l USING (tenant_id, resource_link_id, user_id)
        WHERE s.tenant_id = 'c1' AND s.resource_link_id = 'link-a' AND s.user_id = 'ana'`)).rows[0];
      expect(fresh.ok).to.equal(true);
    } finally {
      (db.pool as unknown as { query: unknown }).query = spy;
    }
  });
});
