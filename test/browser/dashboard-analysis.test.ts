// The instructor's question quality, groups and reports pages (issue 16, items 4, 6, 8) in a real browser:
// axe-core WCAG 2.1 AA at 360 and 1280 px, no sideways scrolling of the page, screenshots in test-artifacts/,
// and the pages' own controls (sort, open an item, move a student and save, the charts) used as a teacher would.
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, checkWholePage } from '../helpers/a11y.js';
import { staffWorld, type StaffWorld } from '../dashboard/staff-fixture.js';

describe('instructor analysis pages in a browser (question quality, groups, reports)', function () {
  this.timeout(180_000);
  let w: StaffWorld;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    w = await staffWorld();
    const rows: Parameters<StaffWorld['answers']>[2] = [];
    const start = Date.UTC(2026, 9, 5, 9);
    for (let k = 0; k < 24; k++) {
      const user = `u${String(k).padStart(2, '0')}`;
      const at = (i: number) => new Date(start + (k % 4) * 7 * 86_400_000 + i * 60_000);
      rows.push({ user, item: 'unit-how-many-2', correct: k >= 12, timeMs: 4000 + k * 200, at: at(0) });
      rows.push({ user, item: 'unit-how-many-5', correct: k >= 8, at: at(1) });
      rows.push({ user, item: 'simplify-6-8', correct: k < 12, at: at(2) });
      rows.push({ user, item: 'gcf-12-18', correct: false, at: at(3) });
      rows.push({ user, item: 'equiv-odd-one-1-2', correct: k >= 18, choice: k >= 18 ? 'd' : 'a', at: at(4) });
      if (k % 5 === 0) rows.push({ user, item: 'unit-how-many-7', correct: false, at: at(5) }, { user, item: 'unit-how-many-12', correct: false, at: at(6) });
    }
    await w.answers('t1', 'link-a', rows);
    await w.db.pool.query(`UPDATE users SET name = 'Student ' || upper(id) WHERE tenant_id = 't1'`);
    server = w.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    // GET takes the session token in the Authorization header; the pages' own buttons POST it in a form field.
    context = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${await w.token('teacher')}` } });
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await w?.close();
  });

  const checkPage = (name: string) => checkWholePage(page, name);

  async function navigates(action: () => Promise<unknown>): Promise<void> {
    await Promise.all([page.waitForNavigation(), action()]);
  }

  it('question quality: broken questions first with their reasons, sortable, each opening its preview', async () => {
    const res = await page.goto(`${base}/dashboard/analysis/items`);
    expect(res!.status()).to.equal(200);
    expect(await page.locator('h1').innerText()).to.equal('Question quality');
    expect(await page.locator('[data-testid="flag-summary"]').innerText()).to.contain('3 questions look broken');
    const first = await page.locator('tbody tr').first().getAttribute('data-flags');
    expect(first).to.match(/negative_discrimination|all_wrong|distractor_over_key/);
    await checkPage('teacher-question-quality');
    // Sort by right-first-try, ascending: the header says so.
    await navigates(() => page.locator('[data-testid="sort-correct"]').click());
    expect(await page.locator('th[aria-sort]').innerText()).to.contain('Right first try');
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).to.equal('ascending');
    expect(await page.locator('tbody tr').first().locator('td').nth(2).innerText()).to.equal('0%');
    expect(await page.locator('tbody tr').last().locator('td').nth(2).innerText(), 'unanswered questions last').to.equal('–');
    // Open an item: its preview page, reached by a POST carrying the session (no token in the URL).
    await navigates(() => page.locator('tr[data-item="equiv-odd-one-1-2"] [data-testid="open-item"]').click());
    expect(page.url()).to.equal(`${base}/dashboard/items/fractions/equiv-odd-one-1-2`);
    expect(await page.title()).to.contain('equiv-odd-one-1-2');
  });

  it('groups: suggested groups with reasons; move a student, rename, save', async () => {
    await page.goto(`${base}/dashboard/groups`);
    expect(await page.locator('[data-testid="group"]').count()).to.be.greaterThan(0);
    await checkPage('teacher-groups');
    const firstGroup = page.locator('[data-testid="group"]').first();
    await firstGroup.locator('input.group-name').fill('Table by the window');
    // Move the first student of the last group into the first group.
    const last = page.locator('[data-testid="group"]').last();
    const moved = await last.locator('[data-testid="member"]').first().getAttribute('data-user');
    await last.locator('select').first().selectOption('0');
    await navigates(() => page.locator('[data-testid="save-groups"]').click());
    expect(await page.locator('[data-testid="groups-saved"]').innerText()).to.equal('Groups saved.');
    const saved = page.locator('[data-testid="group"]').first();
    expect(await saved.locator('input.group-name').inputValue()).to.equal('Table by the window');
    expect(await saved.locator(`[data-user="${moved}"]`).count()).to.equal(1);
    await checkPage('teacher-groups-saved');
  });

  it('reports: three weekly charts as SVG and the table, in English and Spanish', async () => {
    await page.goto(`${base}/dashboard/reports`);
    for (const id of ['chart-mastered', 'chart-answers', 'chart-active']) expect(await page.locator(`[data-testid="chart-${id}"]`).isVisible()).to.equal(true);
    expect(await page.locator('[data-testid="chart-chart-answers"] rect').count()).to.be.greaterThan(3);
    expect(await page.locator('[data-testid="weekly-table"] tbody tr').count()).to.be.greaterThan(3);
    await checkPage('teacher-reports');
    const es = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${await w.token('teacher', { locale: 'es' })}` } });
    const prev = page;
    page = await es.newPage();
    try {
      await page.goto(`${base}/dashboard/reports`);
      expect(await page.locator('h1').innerText()).to.equal('Informes');
      await checkPage('teacher-reports-es');
    } finally {
      await es.close();
      page = prev;
    }
  });
});
