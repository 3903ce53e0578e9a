// The student's practice loop in a real browser, inside the sandbox LMS's iframe: keyboard only,
// axe-core WCAG 2.1 AA scans of every student and teacher page, widths 320-1280 px without
// horizontal scrolling and axe clean at each width (screenshots saved under test-artifacts/practice-loop/), and the basic submit
// with JavaScript off.
import { mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import { instantiate, isTemplate } from '../../src/content/templates.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { axeScan as axeScanWith } from '../helpers/a11y.js';

const SHOTS = 'test-artifacts/practice-loop';
// AXE_SOFT=1 prints violations instead of failing (to see them all at once while fixing views).
const typesSeen = new Set<string>();

function concrete(pack: Pack, itemId: string, seed: number): Item {
  const item = pack.items.find((i) => i.id === itemId);
  if (!item) throw new Error(`unknown item ${itemId}`);
  return isTemplate(item) ? instantiate(item, seed).item : item;
}

describe('browser: practising in the sandbox iframe', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let browser: Browser;
  let pack: Pack;
  before(async () => {
    [srv, browser, pack] = await Promise.all([startTestServer(), launchChromium(), loadDemoPack()]);
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  /** Opens the sandbox and launches a user into the iframe with the keyboard (focus the button, Enter). */
  async function launchInFrame(page: Page, user: string, opts: { link?: string; mode?: 'cookie' | 'storage' } = {}): Promise<Frame> {
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=link]', opts.link ?? 'demo-link-fractions');
    await page.selectOption('select[name=mode]', opts.mode ?? 'cookie');
    await page.focus(`[data-testid="launch-${user}"]`);
    await page.keyboard.press('Enter');
    await page.frameLocator('#tool-frame').locator('[data-testid="role"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' });
    if (!frame) throw new Error('no tool frame');
    await frame.waitForLoadState('load');
    return frame;
  }

  /** Runs `act` (which makes the frame load a new page) and waits for that page to have loaded. */
  async function navigates(frame: Frame, act: () => Promise<unknown>): Promise<void> {
    await frame.evaluate(() => { (window as unknown as { __old: boolean }).__old = true; });
    await act();
    await frame.waitForFunction(() => !(window as unknown as { __old?: boolean }).__old && document.readyState === 'complete', null, { timeout: 15_000 });
  }

  const axeScan = (frame: Frame, what: string) => axeScanWith(frame, what, { dumpDir: 'test-results', helpUrl: true, soft: Boolean(process.env.AXE_SOFT) });

  const activeMatches = (frame: Frame, selector: string) =>
    frame.evaluate((sel) => { const a = document.activeElement; return !!a && a !== document.body && a.matches(sel); }, selector).catch(() => false);

  /** Presses Tab until the frame's focused element matches `selector` (wrapping through the LMS page). */
  async function tabTo(page: Page, frame: Frame, selector: string): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await activeMatches(frame, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${selector} with the Tab key`);
  }

  async function current(frame: Frame) {
    const itemId = await frame.locator('input[name=item_id]').first().getAttribute('value');
    const seed = Number(await frame.locator('input[name=seed]').first().getAttribute('value'));
    return { itemId: itemId!, seed, item: concrete(pack, itemId!, seed) };
  }

  const has = async (frame: Frame, testid: string) => (await frame.locator(`[data-testid="${testid}"]`).count()) > 0;

  /** Answers the current question with the keyboard only and waits for the feedback page. */
  async function answerByKeyboard(page: Page, frame: Frame, right: boolean): Promise<void> {
    const { item } = await current(frame);
    typesSeen.add(item.type);
    const response = right ? correctResponse(item) : distractorResponses(item)[0] ?? 'definitely wrong';
    if (item.type === 'single_choice') {
      await tabTo(page, frame, 'input[name=response]');
      const n = await frame.locator('input[name=response]').count();
      for (let i = 0; i < n && !(await activeMatches(frame, `input[name=response][value="${response as string}"]`)); i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
    } else if (item.type === 'multiple_choice') {
      const inDom = await frame.locator('input[name=response]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      for (const id of inDom.filter((v) => (response as readonly string[]).includes(v))) {
        await tabTo(page, frame, `input[name=response][value="${id}"]`);
        await page.keyboard.press('Space');
      }
    } else if (item.type === 'ordering') {
      const order = response as readonly string[];
      const inDom = await frame.locator('input[name^="order_"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).name.slice('order_'.length)));
      for (const id of inDom) {
        await tabTo(page, frame, `input[name="order_${id}"]`);
        await page.keyboard.type(String(order.indexOf(id) + 1));
      }
    } else {
      await tabTo(page, frame, '#response');
      await page.keyboard.type(response as string);
      await navigates(frame, () => page.keyboard.press('Enter')); // implicit submission from the text field
      return;
    }
    await tabTo(page, frame, '[data-testid="submit"]');
    await navigates(frame, () => page.keyboard.press('Enter'));
  }

  /**
   * Moves on from a finished question or a worked example with the keyboard (Space on the button). After
   * an answer the page carries the next step and shows it in place (no page load); otherwise it loads.
   */
  async function moveOn(page: Page, frame: Frame): Promise<void> {
    const next = await has(frame, 'next');
    const button = next ? '[data-testid="next"]' : '[data-testid="continue"]';
    await tabTo(page, frame, button);
    if (next && (await frame.locator('template#upcoming').count()) > 0) {
      await page.keyboard.press('Space');
      await frame.waitForFunction(() => !document.querySelector('[data-testid="next"]') || !document.getElementById('upcoming'), null, { timeout: 15_000 });
      expect(await frame.locator('template#upcoming').count()).to.equal(0);
      return;
    }
    await navigates(frame, () => page.keyboard.press('Space'));
  }

  async function noHorizontalScroll(page: Page, frame: Frame, width: number, shot?: string): Promise<void> {
    await page.evaluate((w) => {
      const f = document.getElementById('tool-frame') as HTMLIFrameElement;
      f.style.width = `${w + 4}px`; // 2 px border each side; the content box is exactly w
      f.style.maxWidth = 'none';
    }, width);
    const m = await frame.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth, sh: document.documentElement.scrollHeight }));
    expect(m.cw, 'frame content width').to.equal(width);
    const culprits = m.sw > m.cw ? await frame.evaluate((cw) => Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > cw + 0.5 && !e.closest('.table-wrap'))
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`), m.cw) : [];
    expect(m.sw, `horizontal scrolling at ${width} px, wide elements: ${culprits.join('; ')}`).to.be.at.most(m.cw);
    if (shot) {
      await page.evaluate((h) => { (document.getElementById('tool-frame') as HTMLIFrameElement).style.height = `${h + 4}px`; }, m.sh);
      await page.locator('#tool-frame').screenshot({ path: `${SHOTS}/${shot}-${width}.png` });
      await page.evaluate(() => { (document.getElementById('tool-frame') as HTMLIFrameElement).style.height = ''; });
    }
  }

  async function widths(page: Page, frame: Frame, name: string): Promise<void> {
    for (const w of [320, 360, 1280]) {
      await noHorizontalScroll(page, frame, w, w === 320 ? undefined : name);
      await axeScan(frame, `${name} page at ${w} px`);
    }
    await page.evaluate(() => { (document.getElementById('tool-frame') as HTMLIFrameElement).style.width = ''; });
  }

  let ctx: BrowserContext | undefined;
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });
  const newPage = async (options: Parameters<Browser['newContext']>[0] = {}) => {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
    return ctx.newPage();
  };

  it('practises until a skill is mastered with the keyboard only, every page passing axe WCAG 2.1 AA', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-1');
    await frame.locator('[data-testid="stem"]').waitFor();
    await axeScan(frame, 'question page');

    // A hint, by keyboard.
    if (await has(frame, 'hint-button')) {
      await tabTo(page, frame, '[data-testid="hint-button"]');
      await navigates(frame, () => page.keyboard.press('Enter'));
      expect(await frame.locator('[data-testid="hint"]').count()).to.equal(1);
      await axeScan(frame, 'question page with a hint');
    }

    // A wrong answer: feedback with another try, announced and focused.
    await answerByKeyboard(page, frame, false);
    expect(await frame.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('false');
    expect(await activeMatches(frame, '[data-testid="verdict"]')).to.equal(true);
    await axeScan(frame, 'feedback page after a wrong answer');

    // A right one.
    await answerByKeyboard(page, frame, true);
    expect(await frame.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('true');
    await axeScan(frame, 'feedback page after a right answer');
    await moveOn(page, frame);

    let sawWorked = false;
    const mastered = () => frame.locator('.skills [data-status="mastered"]').count();
    for (let i = 0; i < 60 && (await mastered()) === 0; i++) {
      if ((await has(frame, 'next')) || (await has(frame, 'continue'))) {
        if (!sawWorked && (await has(frame, 'continue'))) {
          sawWorked = true;
          await axeScan(frame, 'worked example page');
        }
        await moveOn(page, frame);
      } else {
        await answerByKeyboard(page, frame, true);
      }
    }
    expect(await mastered(), 'a skill mastered').to.be.greaterThan(0);
    expect(await frame.locator('.skills [data-status="mastered"] .status').first().textContent()).to.equal('mastered');
    await axeScan(frame, 'page with a mastered skill in the progress panel');

    // The student picks the next skill from the skill map, by keyboard, and keeps going until a
    // pick-all (checkbox) question has been answered too.
    const choose = '[data-skill="equivalent-fractions"] form.choose button';
    for (let i = 0; i < 40 && !typesSeen.has('multiple_choice'); i++) {
      if (await has(frame, 'next')) {
        expect(await frame.locator(choose).count(), 'equivalent fractions open to choose').to.equal(1);
        await tabTo(page, frame, choose);
        await navigates(frame, () => page.keyboard.press('Enter'));
      } else if (await has(frame, 'continue')) await moveOn(page, frame);
      else {
        const { item } = await current(frame);
        expect(item.skills).to.include('equivalent-fractions');
        await answerByKeyboard(page, frame, true);
        expect(await frame.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('true');
      }
    }
    if (process.env.BROWSER_TEST_VERBOSE) console.log('types answered by keyboard:', [...typesSeen], 'worked example:', sawWorked);
  });

  it('fits 320-1280 px wide frames without horizontal scrolling and saves screenshots at 360 and 1280 px', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-3');
    await frame.locator('[data-testid="stem"]').waitFor();
    await widths(page, frame, 'question');
    await answerByKeyboard(page, frame, false);
    await widths(page, frame, 'feedback-wrong');
    await answerByKeyboard(page, frame, false);
    // Two wrong tries: the right answer (and maybe a worked solution) is shown.
    expect(await has(frame, 'right-answer')).to.equal(true);
    await widths(page, frame, 'feedback-right-answer');
    await axeScan(frame, 'feedback page with the right answer');
    await moveOn(page, frame);
    if (await has(frame, 'continue')) await widths(page, frame, 'worked-example');
  });

  it('shows the not-set-up page, the teacher dashboard and the done page accessibly', async () => {
    const page = await newPage();
    let frame = await launchInFrame(page, 'sandbox-student-2', { link: 'demo-link-unconfigured' });
    await frame.getByText('Tu docente', { exact: false }).or(frame.locator('h1')).first().waitFor();
    expect(await frame.locator('[data-testid="stem"]').count()).to.equal(0);
    await axeScan(frame, 'not-configured page (Spanish)');
    await widths(page, frame, 'not-configured');

    frame = await launchInFrame(page, 'sandbox-teacher-1', { link: 'demo-link-unconfigured' });
    await frame.locator('[data-testid="setup-form"]').waitFor();
    await axeScan(frame, 'instructor setup form');
    for (const box of await frame.locator('input[name=skills]').all()) await box.uncheck();
    await frame.locator('input[name=skills][value="unit-fractions"]').check();
    await navigates(frame, () => frame.locator('[data-testid="save"]').click());
    expect(await has(frame, 'saved')).to.equal(true);
    await axeScan(frame, 'instructor dashboard after saving');

    // The student masters the one assigned skill (quickly: fill and click), reaching the done page.
    frame = await launchInFrame(page, 'sandbox-student-2', { link: 'demo-link-unconfigured' });
    for (let i = 0; i < 60 && !(await frame.locator('.done').count()); i++) {
      if (await has(frame, 'next')) {
        if ((await frame.locator('template#upcoming').count()) > 0) {
          await frame.locator('[data-testid="next"]').click();
          await frame.waitForFunction(() => !document.getElementById('upcoming'), null, { timeout: 15_000 });
        } else await navigates(frame, () => frame.locator('[data-testid="next"]').click());
      }
      else if (await has(frame, 'continue')) await navigates(frame, () => frame.locator('[data-testid="continue"]').click());
      else {
        const { item } = await current(frame);
        const r = correctResponse(item);
        if (item.type === 'single_choice') await frame.locator(`input[name=response][value="${r as string}"]`).check();
        else if (item.type === 'multiple_choice') for (const id of r as string[]) await frame.locator(`input[name=response][value="${id}"]`).check();
        else if (item.type === 'ordering') for (const [i, id] of (r as string[]).entries()) await frame.locator(`input[name="order_${id}"]`).fill(String(i + 1));
        else await frame.locator('#response').fill(r as string);
        await navigates(frame, () => frame.locator('[data-testid="submit"]').click());
      }
    }
    expect(await frame.locator('.done').count(), 'the done page').to.equal(1);
    expect(await frame.locator('.skills [data-status="mastered"]').count()).to.equal(1);
    await axeScan(frame, 'done page (Spanish)');
    await widths(page, frame, 'done');

    frame = await launchInFrame(page, 'sandbox-teacher-1', { link: 'demo-link-unconfigured' });
    await frame.locator('[data-testid="class-table"]').waitFor();
    await axeScan(frame, 'instructor dashboard with the class table');
    await widths(page, frame, 'dashboard');
    await noHorizontalScroll(page, frame, 320); // the table scrolls inside its own (keyboard-focusable) region
    await axeScan(frame, 'instructor dashboard at 320 px');
  });

  it('launches and submits an answer with JavaScript off', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=link]', 'demo-link-fractions');
    await page.click('[data-testid="launch-sandbox-student-4"]');
    const tool = page.frameLocator('#tool-frame');
    await tool.getByRole('button', { name: 'Continue' }).click({ timeout: 15_000 });
    await tool.locator('[data-testid="stem"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' })!;
    const { item } = await current(frame);
    const r = correctResponse(item);
    if (item.type === 'single_choice') await tool.locator(`input[name=response][value="${r as string}"]`).check();
    else if (item.type === 'multiple_choice') for (const id of r as string[]) await tool.locator(`input[name=response][value="${id}"]`).check();
    else if (item.type === 'ordering') for (const [i, id] of (r as string[]).entries()) await tool.locator(`input[name="order_${id}"]`).fill(String(i + 1));
    else await tool.locator('#response').fill(r as string);
    await tool.locator('[data-testid="submit"]').click();
    await tool.locator('[data-testid="verdict"]').waitFor({ timeout: 15_000 });
    expect(await tool.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('true');
    await tool.locator('[data-testid="next"]').click();
    await tool.locator('[data-testid="stem"]').waitFor({ timeout: 15_000 });
  });
});
