// Issue 15 in a real browser: the instructor's Content page inside the sandbox LMS's iframe, upload a GIFT
// file, its preview (questions with answers, the problems found), confirm, the skills page and a question's
// edit form, each checked with axe (WCAG 2.1 AA) at 360 and 1280 px with screenshots in test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, checkPage as checkFramedPage } from '../helpers/a11y.js';

const GIFT = `$CATEGORY: $course$/top/Ratios/Unit rates

::rate-1::[markdown]A car goes 120 km in 2 hours. How many km per hour?{#60}

::rate-2::[markdown]Which is a better buy, 3 pens for 3 dollars or 5 pens for 4 dollars?{=5 pens for 4 dollars#Right\\: 80 cents a pen. ~3 pens for 3 dollars#That is 1 dollar a pen.}

$CATEGORY: $course$/top/Ratios/Proportions

::prop-1::[markdown]If 2 apples cost 1 dollar, how many dollars do 6 apples cost?{#3}

::broken::[markdown]This question is broken{#}
`;

describe('browser: the content upload pages (issue 15)', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext | undefined;
  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launchChromium()]);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await ctx?.close();
    await browser?.close();
    await srv?.close();
  });

  const checkPage = (page: Page, frame: Frame, name: string) => checkFramedPage(page, frame, name, { prefix: 'content-' });

  async function navigates(frame: Frame, act: () => Promise<unknown>): Promise<void> {
    await frame.evaluate(() => { (window as unknown as { __old: boolean }).__old = true; });
    await act();
    await frame.waitForFunction(() => !(window as unknown as { __old?: boolean }).__old && document.readyState === 'complete', null, { timeout: 20_000 });
  }

  it('uploads a GIFT file, previews it, imports the valid questions, then edits skills and a question (axe clean)', async () => {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=mode]', 'cookie');
    await page.click('[data-testid="launch-sandbox-teacher-1"]');
    await page.frameLocator('#tool-frame').locator('[data-testid="role"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' })!;
    await frame.waitForLoadState('load');

    await navigates(frame, () => frame.locator('[data-testid="nav-content"]').click());
    expect(await frame.locator('h1').innerText()).to.equal('Content');
    await checkPage(page, frame, 'page');

    await frame.locator('#upload-file').setInputFiles({ name: 'ratios.gift', mimeType: 'text/plain', buffer: Buffer.from(GIFT) });
    await navigates(frame, () => frame.locator('[data-testid="upload-submit"]').click());
    expect(await frame.locator('[data-testid="question"]').count()).to.equal(3);
    expect(await frame.locator('[data-testid="issues"]').innerText()).to.contain('broken');
    expect(await frame.locator('#mode-valid').isChecked()).to.equal(true);
    await checkPage(page, frame, 'preview');

    await navigates(frame, () => frame.locator('[data-testid="confirm"]').click());
    expect(await frame.locator('[data-testid="content-notice"]').innerText()).to.contain('Imported 3 question(s); 1 not imported.');
    await checkPage(page, frame, 'imported');

    await navigates(frame, () => frame.locator('[data-testid="skills"]').first().click());
    await frame.locator('#needs-x').selectOption({ label: 'Unit rates' });
    await frame.locator('#needs-y').selectOption({ label: 'Proportions' });
    await navigates(frame, () => frame.locator('[data-testid="needs-form"] button').click());
    await frame.locator('#needs-x').selectOption({ label: 'Proportions' });
    await frame.locator('#needs-y').selectOption({ label: 'Unit rates' });
    await navigates(frame, () => frame.locator('[data-testid="needs-form"] button').click());
    expect(await frame.locator('[data-testid="content-error"]').innerText()).to.contain('cycle');
    await checkPage(page, frame, 'skills');

    const packId = (await srv.db.pool.query(`SELECT pack_id FROM content_pack_courses LIMIT 1`)).rows[0].pack_id as string;
    await navigates(frame, () => frame.evaluate((href) => {
      const f = document.querySelector('form[action$="/skills/change"]') as HTMLFormElement;
      f.action = href;
      f.submit();
    }, `/dashboard/items/${packId}/rate-2/edit`));
    expect(await frame.locator('h1').innerText()).to.contain('rate-2');
    await checkPage(page, frame, 'edit-question');
    await frame.locator('#stem').fill('');
    await navigates(frame, () => frame.evaluate(() => (document.querySelector('[data-testid="edit-form"]') as HTMLFormElement).submit()));
    expect(await frame.locator('[data-testid="content-error"]').innerText()).to.contain('stem');
    await checkPage(page, frame, 'edit-refused');
  });
});
