// Issue 17, items 1-4, in a real browser and by keyboard only: set a goal on the plan page, practise with
// "I don't know" until the goal is met, read the session summary and the review of mistakes; the same pages in
// Spanish; axe WCAG 2.1 AA at 360 and 1280 px on every new page and screenshots of each in test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import es from '../../src/i18n/es.json' with { type: 'json' };
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, checkPage } from '../helpers/a11y.js';

describe('browser: student progress, goal, summary and mistakes (issue 17)', function () {
  this.timeout(240_000);
  let srv: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext | undefined;
  before(async () => {
    [srv, browser] = await Promise.all([startTestServer(), launchChromium()]);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  async function launchInFrame(user: string): Promise<{ page: Page; frame: Frame }> {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=link]', 'demo-link-fractions');
    await page.selectOption('select[name=mode]', 'cookie');
    await page.focus(`[data-testid="launch-${user}"]`);
    await page.keyboard.press('Enter');
    await page.frameLocator('#tool-frame').locator('[data-testid="role"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' });
    if (!frame) throw new Error('no tool frame');
    await frame.waitForLoadState('load');
    return { page, frame };
  }

  async function navigates(frame: Frame, act: () => Promise<unknown>): Promise<void> {
    await frame.evaluate(() => { (window as unknown as { __old: boolean }).__old = true; });
    await act();
    await frame.waitForFunction(() => !(window as unknown as { __old?: boolean }).__old && document.readyState === 'complete' && !document.getElementById('resume'), null, { timeout: 15_000 });
  }

  const activeMatches = (frame: Frame, selector: string) =>
    frame.evaluate((sel) => { const a = document.activeElement; return !!a && a !== document.body && a.matches(sel); }, selector).catch(() => false);

  /** Moves the focus with Tab (only) until it is on `selector`. */
  async function tabTo(page: Page, frame: Frame, selector: string): Promise<void> {
    for (let i = 0; i < 120; i++) {
      if (await activeMatches(frame, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${selector} with the Tab key`);
  }

  /** Tab to a button and press Enter; waits for the page it loads. */
  async function press(page: Page, frame: Frame, selector: string): Promise<void> {
    await tabTo(page, frame, selector);
    await navigates(frame, () => page.keyboard.press('Enter'));
  }

  const has = async (frame: Frame, testid: string) => (await frame.locator(`[data-testid="${testid}"]`).count()) > 0;

  /** Goes on by keyboard (Next in place, or Continue after a worked example) until a question is shown. */
  async function toQuestion(page: Page, frame: Frame): Promise<void> {
    for (let i = 0; i < 10 && !(await has(frame, 'submit')); i++) {
      if (await has(frame, 'continue')) await press(page, frame, '[data-testid="continue"]');
      else if (await has(frame, 'next')) {
        await tabTo(page, frame, '[data-testid="next"]');
        await page.keyboard.press('Enter');
        await frame.waitForFunction(() => !document.getElementById('upcoming') || !document.querySelector('[data-testid="next"]'), null, { timeout: 15_000 });
        if (!(await has(frame, 'submit')) && !(await has(frame, 'continue'))) await frame.waitForLoadState('load');
      }
    }
    expect(await has(frame, 'submit'), 'a question to answer').to.equal(true);
  }

  it('keyboard only: sets a goal, practises with "I don\'t know" and a confidence rating until it is met, then reads the summary and the mistakes', async () => {
    const { page, frame } = await launchInFrame('sandbox-student-3');
    await frame.locator('[data-testid="stem"]').waitFor();
    expect(await has(frame, 'estimate'), 'an estimate under the open skill').to.equal(true);
    await checkPage(page, frame, 'progress-question');

    // The plan page: choose "answer 5 questions" with the arrow keys, set it.
    await press(page, frame, '[data-testid="nav-plan"]');
    expect(await activeMatches(frame, '#page-heading'), 'focus on the plan page heading').to.equal(true);
    expect(await frame.locator('[data-testid="suggestion-reason"]').count()).to.be.greaterThan(0);
    await checkPage(page, frame, 'plan');
    await tabTo(page, frame, 'input[name=goal]:checked');
    for (let i = 0; i < 8 && !(await activeMatches(frame, 'input[name=goal][value="questions:5"]')); i++) await page.keyboard.press('ArrowDown');
    expect(await frame.locator('input[name=goal][value="questions:5"]').isChecked()).to.equal(true);
    await press(page, frame, '[data-testid="set-goal"]');
    expect(await frame.locator('[data-testid="goal"]').textContent()).to.contain('answer 5 questions — 0 of 5 so far');

    // Five questions: a confidence rating and "I don't know", by keyboard.
    for (let n = 1; n <= 5; n++) {
      await toQuestion(page, frame);
      if (n === 1) {
        await tabTo(page, frame, 'input[name=confidence]');
        await page.keyboard.press('Space');
        expect(await frame.locator('input[name=confidence]:checked').count()).to.equal(1);
      }
      await press(page, frame, '[data-testid="dont-know"]');
      expect(await has(frame, 'skipped')).to.equal(true);
      expect(await has(frame, 'right-answer'), 'the worked solution after "I don\'t know"').to.equal(true);
      if (n === 1) await checkPage(page, frame, 'dont-know');
    }
    expect(await frame.locator('[data-testid="goal"]').getAttribute('data-met')).to.equal('true');
    expect(await frame.locator('[data-testid="goal"]').textContent()).to.contain('Goal met: answer 5 questions');
    await checkPage(page, frame, 'goal-met');

    await press(page, frame, '[data-testid="nav-summary"]');
    expect(await frame.locator('[data-testid="answered"]').textContent()).to.contain('5 questions answered, 0 right the first time');
    // No right answer, yet no points lost: only a studied worked example (if one came) earned a point.
    expect(Number(await frame.locator('[data-testid="points"]').getAttribute('data-points'))).to.be.within(0, 2);
    await checkPage(page, frame, 'summary');

    await press(page, frame, '[data-testid="nav-mistakes"]');
    expect(await frame.locator('[data-testid="mistake"]').count()).to.equal(5);
    await checkPage(page, frame, 'mistakes');

    // Back to practice from the mistakes page.
    await press(page, frame, '[data-testid="back"]');
    expect(await frame.locator('.practice-main').count()).to.equal(1);
  });

  it('shows the plan, summary and mistakes pages in Spanish to a Spanish launch', async () => {
    const { page, frame } = await launchInFrame('sandbox-student-2');
    await frame.locator('[data-testid="stem"]').waitFor();
    await press(page, frame, '[data-testid="dont-know"]');
    expect(await frame.locator('[data-testid="skipped"]').textContent()).to.contain(es.practice.skipped.slice(0, 12));
    await press(page, frame, '[data-testid="nav-plan"]');
    expect(await frame.locator('h1').textContent()).to.equal(es.practice.plan_title);
    expect(await frame.locator('html').getAttribute('lang')).to.equal('es');
    await checkPage(page, frame, 'es-plan');
    await press(page, frame, '[data-testid="nav-summary"]');
    expect(await frame.locator('h1').textContent()).to.equal(es.practice.summary_title);
    expect(await frame.locator('[data-testid="answered"]').textContent()).to.contain('1 pregunta respondida');
    await checkPage(page, frame, 'es-summary');
    await press(page, frame, '[data-testid="nav-mistakes"]');
    expect(await frame.locator('h1').textContent()).to.equal(es.practice.mistakes_title);
    expect(await frame.locator('[data-testid="mistake"]').count()).to.equal(1);
    expect(await frame.locator('[data-testid="mistake"]').textContent()).to.contain(es.practice.you_skipped);
    await checkPage(page, frame, 'es-mistakes');
  });
});
