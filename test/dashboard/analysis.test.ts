import { expect } from 'chai';
import request from 'supertest';
import { itemAggregates } from '../../src/dashboard/analysis.repository.js';
import { aggregate, pointBiserial } from '../../src/dashboard/item-stats.js';
import { staffWorld, type StaffWorld } from './staff-fixture.js';

/** Every item row of the analysis table: item id -> its flag codes, in page order. */
function rowsOf(html: string): { item: string; flags: string[] }[] {
  return [...html.matchAll(/<tr data-item="([^"]+)" data-flags="([^"]*)"/g)].map((m) => ({ item: m[1], flags: m[2] ? m[2].split(' ') : [] }));
}
/** The text of one item's row. */
function rowText(html: string, item: string): string {
  const start = html.indexOf(`<tr data-item="${item}"`);
  expect(start, `no row for ${item}`).to.be.greaterThan(-1);
  return html.slice(start, html.indexOf('</tr>', start));
}

describe('item analysis page (/dashboard/analysis/items)', function () {
  let w: StaffWorld;
  const post = async (token: string, fields: Record<string, string> = {}) =>
    request(w.app).post('/dashboard/analysis/items').type('form').send({ ltik: token, ...fields });

  before(async () => {
    w = await staffWorld();
    // 24 students of course A, strength k = 0..23.
    const rows: Parameters<StaffWorld['answers']>[2] = [];
    for (let k = 0; k < 24; k++) {
      const user = `u${String(k).padStart(2, '0')}`;
      rows.push({ user, item: 'unit-how-many-2', correct: k >= 12, timeMs: 4000 + k * 200 }); // good items
      rows.push({ user, item: 'unit-how-many-5', correct: k >= 8 });
      rows.push({ user, item: 'unit-how-many-7', correct: k >= 16 });
      rows.push({ user, item: 'simplify-6-8', correct: k < 12 }); // strong students wrong: negative discrimination
      rows.push({ user, item: 'gcf-12-18', correct: false }); // everyone wrong
      rows.push({ user, item: 'equiv-odd-one-1-2', correct: k >= 18, choice: k >= 18 ? 'd' : 'a' }); // distractor a over the key d
      // A second try does not count as a first try.
      if (k < 12) rows.push({ user, item: 'unit-how-many-2', correct: true, tryNumber: 2 });
    }
    await w.answers('t1', 'link-a', rows);
    // The same item answered in another course of the tenant and in another tenant's course of the same id.
    await w.answers('t1', 'link-b', [{ user: 'b1', item: 'unit-how-many-2', correct: true }, { user: 'b2', item: 'unit-how-many-2', correct: true }]);
    await w.answers('t2', 'link-a', [{ user: 'u00', item: 'unit-how-many-2', correct: true }]);
  });
  after(async () => {
    await w?.close();
  });

  it('as the teacher: per item first tries, right rate, discrimination, choices, and the broken ones flagged first', async () => {
    const res = await post(await w.token('teacher'));
    expect(res.status).to.equal(200);
    const html = res.text;
    const rows = rowsOf(html);
    const flags = Object.fromEntries(rows.map((r) => [r.item, r.flags]));
    expect(flags['simplify-6-8']).to.include('negative_discrimination');
    expect(flags['gcf-12-18']).to.include('all_wrong');
    expect(flags['equiv-odd-one-1-2']).to.include('distractor_over_key');
    expect(flags['unit-how-many-2']).to.deep.equal([]);
    expect(flags['simplify-4-10']).to.deep.equal(['too_few']);
    // Broken items first (default order), then "too few", then fine ones.
    const firstFine = rows.findIndex((r) => r.flags.length === 0);
    const lastBroken = rows.map((r) => r.flags.some((f) => f !== 'too_few')).lastIndexOf(true);
    expect(lastBroken).to.be.lessThan(firstFine);
    const good = rowText(html, 'unit-how-many-2');
    expect(good).to.contain('<td>24 <span class="muted">(24 students)</span></td>');
    expect(good).to.contain('<td>50%</td>');
    expect(good).to.contain('6.3 s'); // median of 4000, 4200 .. 8600 ms
    const odd = rowText(html, 'equiv-odd-one-1-2');
    expect(odd).to.match(/<li>a: 18<\/li>/);
    expect(odd).to.match(/<li>d: 6 <strong>\(right\)<\/strong><\/li>/);
    expect(html).to.contain('3 questions look broken');
    // Each item opens its preview page by a POST form carrying the session token (never in a URL).
    expect(good).to.contain('form="open-item" formaction="/dashboard/items/fractions/unit-how-many-2"');
    expect(html).to.match(/<form method="post" action="\/dashboard\/items" id="open-item" class="inline"><input type="hidden" name="ltik" value="[^"]+"><\/form>/);
    expect(html).not.to.match(/(href|action)="[^"]*ltik/);
    expect(html).to.contain('data-testid="dashboard-nav"');
    expect(html).to.match(/data-testid="nav-items" aria-current="page"/);
  });

  it('as a TA, and by GET with the token in the Authorization header', async () => {
    const res = await request(w.app).get('/dashboard/analysis/items').set('Authorization', `Bearer ${await w.token('ta')}`);
    expect(res.status).to.equal(200);
    expect(rowsOf(res.text).length).to.be.greaterThan(10);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('is refused for a student, without a session, and with the token in the query string', async () => {
    expect((await post(await w.token('student'))).status).to.equal(403);
    expect((await request(w.app).get('/dashboard/analysis/items')).status).to.equal(401);
    expect((await request(w.app).get(`/dashboard/analysis/items?ltik=${await w.token('teacher')}`)).status).to.equal(401);
  });

  it("a teacher of another course or of another tenant sees only their own course's answers", async () => {
    const other = await post(await w.token('other-course'));
    expect(other.status).to.equal(200);
    expect(rowText(other.text, 'unit-how-many-2')).to.contain('<td>2 <span class="muted">(2 students)</span></td>');
    expect(rowText(other.text, 'simplify-6-8')).to.contain('<td>0</td>');
    const tenant = await post(await w.token('other-tenant'));
    expect(tenant.status).to.equal(200);
    expect(rowText(tenant.text, 'unit-how-many-2')).to.contain('<td>1 <span class="muted">(1 student)</span></td>');
    expect(tenant.text).to.contain('No question looks broken so far.');
  });

  it('sorts by a column in either direction (headers are POST buttons, the sorted one marked with aria-sort)', async () => {
    const token = await w.token('teacher');
    const asc = await post(token, { sort: 'item', dir: 'asc' });
    const ids = rowsOf(asc.text).map((r) => r.item);
    expect(ids).to.deep.equal([...ids].sort((a, b) => a.localeCompare(b)));
    expect(asc.text).to.match(/<th scope="col" aria-sort="ascending">\s*<form[^>]*>(?:(?!<\/form>).)*data-testid="sort-item"/s);
    const byRight = rowsOf((await post(token, { sort: 'correct', dir: 'desc' })).text).map((r) => r.item);
    expect(byRight.indexOf('simplify-6-8')).to.be.lessThan(byRight.indexOf('gcf-12-18'));
    expect((await post(token, { sort: 'nonsense' })).status).to.equal(400);
  });

  it('shows only answered or only broken questions on request, the choice kept by the sort buttons', async () => {
    const token = await w.token('teacher');
    const flagged = await post(token, { show: 'flagged', sort: 'item', dir: 'asc' });
    expect(rowsOf(flagged.text).map((r) => r.item)).to.deep.equal(['equiv-odd-one-1-2', 'gcf-12-18', 'simplify-6-8']);
    expect(flagged.text).to.match(/3 of \d+ questions/);
    expect(flagged.text).to.match(/<input type="radio" id="show-flagged" name="show" value="flagged" checked>/);
    expect(flagged.text).to.contain('<input type="hidden" name="show" value="flagged"><button type="submit" class="link sort" data-testid="sort-attempts"');
    const answered = rowsOf((await post(token, { show: 'answered' })).text).map((r) => r.item).sort();
    expect(answered).to.deep.equal(['equiv-odd-one-1-2', 'gcf-12-18', 'simplify-6-8', 'unit-how-many-2', 'unit-how-many-5', 'unit-how-many-7']);
    expect((await post(token, { show: 'everything' })).status).to.equal(400);
  });

  it("the database's sums give the pure module's statistics (same first tries)", async () => {
    const { rows } = await w.db.pool.query(
      `SELECT user_id, item_id, correct, time_ms FROM attempts WHERE tenant_id = 't1' AND resource_link_id = 'link-a' AND kind = 'answer' AND try_number = 1`,
    );
    const reference = aggregate(rows.map((r) => ({ userId: r.user_id, itemId: r.item_id, correct: r.correct, timeMs: r.time_ms })));
    const sql = await itemAggregates(w.db.pool, 't1', 'link-a', 'fractions');
    expect([...sql.keys()].sort()).to.deep.equal([...reference.keys()].sort());
    for (const [id, ref] of reference) {
      const got = sql.get(id)!;
      expect(got).to.include({ attempts: ref.attempts, correct: ref.correct, students: ref.students, medianTimeMs: ref.medianTimeMs });
      for (const k of ['n', 'sx', 'sr', 'srr', 'sxr'] as const) expect(got.moments[k], `${id} ${k}`).to.be.closeTo(ref.moments[k], 1e-9);
      const [a, b] = [pointBiserial(got.moments), pointBiserial(ref.moments)];
      if (b === null) expect(a).to.equal(null);
      else expect(a).to.be.closeTo(b, 1e-9);
    }
    expect(pointBiserial(sql.get('simplify-6-8')!.moments)).to.be.lessThan(0);
  });
});

describe('item analysis service: the course sums are reused for 30 seconds', function () {
  let w: StaffWorld;
  before(async () => {
    w = await staffWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('reads the sums once per course within the window, again after it, never across courses', async () => {
    const { AnalysisService, ANALYSIS_CACHE_MS } = await import('../../src/dashboard/analysis.service.js');
    const { actorFor } = await import('./staff-fixture.js');
    let now = 1_000_000;
    const svc = new AnalysisService({ pool: w.db.pool, catalog: w.services.catalog, assignments: w.services.assignments, clock: { now: () => now } });
    const count = async (actor = actorFor('teacher')) => (await svc.items(actor)).rows.find((r) => r.itemId === 'unit-how-many-2')!.attempts;
    await w.answers('t1', 'link-a', [{ user: 'x1', item: 'unit-how-many-2', correct: true }]);
    expect(await count()).to.equal(1);
    await w.answers('t1', 'link-a', [{ user: 'x2', item: 'unit-how-many-2', correct: true }]);
    now += ANALYSIS_CACHE_MS - 1;
    expect(await count()).to.equal(1);
    expect(await count(actorFor('other-course'))).to.equal(0);
    now += 2;
    // Two teachers at once after the window: one read between them.
    const spy = w.db.pool.query.bind(w.db.pool);
    let reads = 0;
    (w.db.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const q = args[0] as { name?: string } | string;
      if (typeof q === 'object' && q.name === 'dashboard-item-moments') reads++;
      return (spy as (...a: unknown[]) => unknown)(...args);
    };
    try {
      expect(await Promise.all([count(), count(), count()])).to.deep.equal([2, 2, 2]);
    } finally {
      (w.db.pool as unknown as { query: unknown }).query = spy;
    }
    expect(reads).to.equal(1);
  });
});
