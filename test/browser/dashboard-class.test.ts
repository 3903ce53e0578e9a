// The instructor's class view and settings page in a real browser (issue 16): the students x skills heat map with
// its sticky name column, states in colour and words, who may need help, the filter, live updates without
// reloading, and the settings page; axe WCAG 2.1 AA at 360 and 1280 px, screenshots saved in test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { replay } from '../../src/engine/index.js';
import { configOf } from '../../src/practice/progress.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, axeScan, checkPage, setWidth } from '../helpers/a11y.js';

const LINK = 'demo-link-fractions';

describe('browser: the class view and the settings page (issue 16)', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext | undefined;
  let sub = 0;
  let clock = Date.now() - 2 * 3_600_000;
  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launchChromium()]);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await srv?.close();
  });

  async function launchInFrame(page: Page, user: string): Promise<Frame> {
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=link]', LINK);
    await page.selectOption('select[name=mode]', 'cookie');
    await page.click(`[data-testid="launch-${user}"]`);
    await page.frameLocator('#tool-frame').locator('[data-testid="role"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' });
    if (!frame) throw new Error('no tool frame');
    await frame.waitForLoadState('load');
    return frame;
  }

  /** First tries of a student written to the log, with the learner row replayed from it (a new version). */
  async function answers(user: string, name: string, rows: { item: string; correct: boolean }[]): Promise<void> {
    const q = (sql: string, v: unknown[]) => srv.db.pool.query(sql, v);
    const { rows: [link] } = await q(`SELECT tenant_id FROM assignments WHERE resource_link_id = $1`, [LINK]);
    const tenantId = link.tenant_id as string;
    const a = (await srv.services.assignments.get({ tenantId, resourceLinkId: LINK } as never))!;
    const entry = await srv.services.catalog.pack(tenantId, a.packId);
    await q(`INSERT INTO users (tenant_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tenantId, user, name]);
    for (const r of rows) {
      await q(
        `INSERT INTO attempts (tenant_id, resource_link_id, user_id, pack_id, item_id, skills, correct, score, time_ms, submission_id, result, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 40000, $9, '{}', $10)`,
        [tenantId, LINK, user, a.packId, r.item, entry.items.get(r.item)!.skills, r.correct, r.correct ? 1 : 0, `b${++sub}`, new Date((clock += 60_000))],
      );
    }
    const all = (await q(`SELECT item_id, skills, correct, answered_at FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND counted ORDER BY id`, [tenantId, LINK, user])).rows;
    const state = replay(all.map((x) => ({ itemId: x.item_id, skills: x.skills, correct: x.correct, hintsUsed: 0, at: x.answered_at.getTime() })), configOf(a, entry));
    await q(
      `INSERT INTO learner_states (tenant_id, resource_link_id, user_id, state, answered) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, resource_link_id, user_id) DO UPDATE SET state = EXCLUDED.state, answered = EXCLUDED.answered, version = learner_states.version + 1`,
      [tenantId, LINK, user, JSON.stringify(state), all.length],
    );
  }
  const unit = (correct: boolean) => ({ item: 'unit-how-many-2', correct });
  const equiv = (correct: boolean) => ({ item: 'equiv-odd-one-1-2', correct });

  it('shows the heat map with sticky names, states in colour and words, who may need help, a filter, and updates live', async () => {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    // The teacher's first launch binds the activity (its custom parameters); then a class answers.
    await launchInFrame(page, 'sandbox-teacher-1');
    await answers('bt-ana', 'Ana Ruiz', Array.from({ length: 12 }, () => unit(true)));
    await answers('bt-ben', 'Ben Osei', [unit(true), ...Array.from({ length: 7 }, () => equiv(false))]);
    await answers('bt-cai', 'Cai Wong', [unit(true), equiv(false), equiv(false), equiv(false)]);
    for (let i = 0; i < 9; i++) await answers(`bt-x${i}`, `Student Number ${i + 1} With A Long Name`, [unit(i % 2 === 0), equiv(i % 3 === 0), unit(true)]);
    let frame = await launchInFrame(page, 'sandbox-teacher-1');
    await frame.locator('[data-testid="class-table"]').waitFor();

    const ben = frame.locator('tr[data-user="bt-ben"]');
    expect(await ben.locator('td.m-struggling').count()).to.be.greaterThan(0);
    expect(await ben.locator('td.m-struggling i').first().textContent()).to.equal('Struggling');
    // The symbol beside the colour is drawn by CSS (with empty alt text): it is there for the eye.
    expect(await ben.locator('td.m-struggling').first().evaluate((td) => getComputedStyle(td, '::before').content)).to.contain('!');
    expect(await frame.locator('[data-testid="at-risk"]').textContent()).to.match(/Ben Osei[\s\S]*Equivalent fractions/);

    // At 360 px the table scrolls inside its region while the names stay in view.
    await setWidth(page, 360);
    await frame.locator('.heat-wrap').evaluate((el) => { el.scrollLeft = 400; });
    const box = await frame.locator('tr[data-user="bt-ben"] th').boundingBox();
    const wrap = await frame.locator('.heat-wrap').boundingBox();
    expect(box!.x, 'the name column sticks to the left edge while the table scrolls').to.be.at.most(wrap!.x + 1);
    await frame.locator('.heat-wrap').evaluate((el) => { el.scrollLeft = 0; });
    await setWidth(page, null);
    await checkPage(page, frame, 'dashboard-class');

    // Live: a student answers; the table changes without reloading the page (polling with an ETag).
    await frame.evaluate(() => { (window as unknown as { __same: boolean }).__same = true; });
    await answers('bt-dee', 'Dee Lopez', [unit(true)]);
    await frame.locator('tr[data-user="bt-dee"]').waitFor({ timeout: 30_000 });
    expect(await frame.evaluate(() => (window as unknown as { __same?: boolean }).__same), 'the same page, not a reload').to.equal(true);

    // Filter (folded away until opened): the struggling students on Equivalent fractions, with numbers.
    expect(await frame.locator('#f-skill').isVisible()).to.equal(false);
    await frame.locator('.class-filter > summary').click();
    await frame.selectOption('#f-skill', 'equivalent-fractions');
    await frame.selectOption('#f-status', 'struggling');
    await frame.check('#f-numbers');
    await Promise.all([frame.waitForNavigation(), frame.locator('[data-testid="apply-filter"]').click()]);
    frame = page.frame({ name: 'tool-frame' })!;
    const users = await frame.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user')));
    expect(users).to.include('bt-ben');
    expect(users).not.to.include('bt-ana');
    expect(await frame.locator('tr[data-user="bt-ben"] td.m-struggling').textContent()).to.match(/\d+%/);
    expect(await frame.locator('#f-skill').isVisible(), 'an active filter stays open').to.equal(true);
    await checkPage(page, frame, 'dashboard-class-filtered');
  });

  it('shows the settings on their own page in plain words, accessibly', async () => {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    let frame = await launchInFrame(page, 'sandbox-teacher-1');
    await Promise.all([frame.waitForNavigation(), frame.locator('[data-testid="nav-settings"]').click()]);
    frame = page.frame({ name: 'tool-frame' })!;
    await frame.locator('[data-testid="setup-form"]').waitFor();
    expect(await frame.locator('#threshold option:checked').textContent()).to.match(/When a student would get \d+% of new questions right/);
    await checkPage(page, frame, 'dashboard-settings');
    await frame.selectOption('#threshold', '0.9');
    await Promise.all([frame.waitForNavigation(), frame.locator('[data-testid="save"]').click()]);
    frame = page.frame({ name: 'tool-frame' })!;
    await frame.locator('[data-testid="saved"]').waitFor();
    expect(await frame.locator('#threshold option:checked').textContent()).to.contain('90%');
    await axeScan(frame, 'settings page after saving');
  });
});
