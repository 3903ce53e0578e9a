// Issue 17 in a real browser: focus on the new question's visible heading after Next (keyboard only), the
// typed answer kept after a wrong try and shown beside the right answer, F5 after answering showing the
// next step, read-aloud, math at body size, every student page in Spanish with a language switch, and axe
// WCAG 2.1 AA at 360 and 1280 px with screenshots of every student page saved in test-artifacts/.
import { mkdir } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import { instantiate, isTemplate } from '../../src/content/templates.js';
import en from '../../src/i18n/en.json' with { type: 'json' };
import es from '../../src/i18n/es.json' with { type: 'json' };
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, WIDTHS, axeScan, checkPage } from '../helpers/a11y.js';

describe('browser: the student experience (issue 17)', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let browser: Browser;
  let pack: Pack;
  let ctx: BrowserContext | undefined;
  before(async () => {
    [srv, browser, pack] = await Promise.all([startTestServer(), launchChromium(), loadDemoPack()]);
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
  const newPage = async () => {
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    return ctx.newPage();
  };

  function concrete(itemId: string, seed: number): Item {
    const item = pack.items.find((i) => i.id === itemId);
    if (!item) throw new Error(`unknown item ${itemId}`);
    return isTemplate(item) ? instantiate(item, seed).item : item;
  }

  async function launchInFrame(page: Page, user: string, link = 'demo-link-fractions'): Promise<Frame> {
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=link]', link);
    await page.selectOption('select[name=mode]', 'cookie');
    await page.focus(`[data-testid="launch-${user}"]`);
    await page.keyboard.press('Enter');
    await page.frameLocator('#tool-frame').locator('[data-testid="role"]').waitFor({ timeout: 15_000 });
    const frame = page.frame({ name: 'tool-frame' });
    if (!frame) throw new Error('no tool frame');
    await frame.waitForLoadState('load');
    return frame;
  }

  async function navigates(frame: Frame, act: () => Promise<unknown>): Promise<void> {
    await frame.evaluate(() => { (window as unknown as { __old: boolean }).__old = true; });
    await act();
    await frame.waitForFunction(() => !(window as unknown as { __old?: boolean }).__old && document.readyState === 'complete' && !document.getElementById('resume'), null, { timeout: 15_000 });
  }

  const activeMatches = (frame: Frame, selector: string) =>
    frame.evaluate((sel) => { const a = document.activeElement; return !!a && a !== document.body && a.matches(sel); }, selector).catch(() => false);

  async function tabTo(page: Page, frame: Frame, selector: string): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await activeMatches(frame, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${selector} with the Tab key`);
  }

  const has = async (frame: Frame, testid: string) => (await frame.locator(`[data-testid="${testid}"]`).count()) > 0;

  async function current(frame: Frame) {
    const itemId = await frame.locator('.practice-main input[name=item_id]').first().getAttribute('value');
    const seed = Number(await frame.locator('.practice-main input[name=seed]').first().getAttribute('value'));
    return { itemId: itemId!, seed, item: concrete(itemId!, seed) };
  }

  /** A wrong response the student might type or pick (a distractor, else a made-up wrong text). */
  function wrongResponse(item: Item): string | string[] {
    const d = distractorResponses(item)[0];
    if (d !== undefined) return d as string | string[];
    if (item.type === 'ordering') return [...(correctResponse(item) as string[])].reverse();
    return '12345';
  }

  /** Fills the answer form with the keyboard; returns what was entered. */
  async function enterByKeyboard(page: Page, frame: Frame, response: string | string[]): Promise<void> {
    const { item } = await current(frame);
    if (item.type === 'single_choice') {
      await tabTo(page, frame, 'input[name=response]');
      const n = await frame.locator('input[name=response]').count();
      for (let i = 0; i < n && !(await activeMatches(frame, `input[name=response][value="${response as string}"]`)); i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
    } else if (item.type === 'multiple_choice') {
      for (const id of response as string[]) {
        await tabTo(page, frame, `input[name=response][value="${id}"]`);
        if (!(await frame.locator(`input[name=response][value="${id}"]`).isChecked())) await page.keyboard.press('Space');
      }
    } else if (item.type === 'ordering') {
      const order = response as string[];
      for (const id of order) {
        await tabTo(page, frame, `input[name="order_${id}"]`);
        await page.keyboard.press('Control+A');
        await page.keyboard.type(String(order.indexOf(id) + 1));
      }
    } else {
      await tabTo(page, frame, '#response');
      await page.keyboard.press('Control+A');
      await page.keyboard.type(response as string);
    }
  }

  async function answerByKeyboard(page: Page, frame: Frame, response: string | string[]): Promise<void> {
    await enterByKeyboard(page, frame, response);
    await tabTo(page, frame, '[data-testid="submit"]');
    await navigates(frame, () => page.keyboard.press('Enter'));
  }

  /** What the form holds now (text, chosen ids, or ids in typed order). */
  async function formValue(frame: Frame, item: Item): Promise<string | string[]> {
    if (item.type === 'single_choice') return (await frame.locator('input[name=response]:checked').getAttribute('value')) ?? '';
    if (item.type === 'multiple_choice') return frame.locator('input[name=response]:checked').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    if (item.type === 'ordering') {
      return frame.locator('input[name^="order_"]').evaluateAll((els) => els.map((e) => e as HTMLInputElement)
        .sort((a, b) => Number(a.value) - Number(b.value)).map((e) => e.name.slice('order_'.length)));
    }
    return frame.locator('#response').inputValue();
  }

  /** Goes through finished steps (Next, worked example) until a question to answer is shown. */
  async function toQuestion(page: Page, frame: Frame, shots?: string): Promise<void> {
    for (let i = 0; i < 10 && !(await has(frame, 'submit')); i++) {
      if (await has(frame, 'continue')) {
        if (shots) await checkPage(page, frame, `${shots}worked-example`);
        await navigates(frame, () => frame.locator('[data-testid="continue"]').click());
      } else if (await has(frame, 'next')) {
        await frame.locator('[data-testid="next"]').click();
        await frame.waitForFunction(() => !document.getElementById('upcoming') || !document.querySelector('[data-testid="next"]'));
      }
    }
    expect(await has(frame, 'submit'), 'a question to answer').to.equal(true);
  }

  const ITEM_TYPES_FOR_TYPING = new Set(['number', 'numeric', 'short_text', 'text', 'expression']);

  it('keeps the typed answer after a wrong try, shows it beside the right answer, and after Next (keyboard) focuses the visible heading', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-1');
    await frame.locator('[data-testid="stem"]').waitFor();
    await checkPage(page, frame, 'question');

    // Two wrong tries, by keyboard.
    let { item, itemId } = await current(frame);
    const wrong = wrongResponse(item);
    await answerByKeyboard(page, frame, wrong);
    expect(await frame.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('false');
    expect(await activeMatches(frame, '[data-testid="verdict"]'), 'focus on the feedback').to.equal(true);
    expect(await formValue(frame, item), 'the answer stays in the form for the second try').to.deep.equal(wrong);
    await checkPage(page, frame, 'feedback-wrong');

    await tabTo(page, frame, '[data-testid="submit"]');
    await navigates(frame, () => page.keyboard.press('Enter')); // the same answer again
    expect(await has(frame, 'right-answer')).to.equal(true);
    const yours = await frame.locator('[data-testid="your-answer"]').textContent();
    expect(yours, 'the typed answer beside the right one').to.match(/^Your answer: ./);
    if (ITEM_TYPES_FOR_TYPING.has(item.type)) expect(yours).to.contain(wrong as string);
    await checkPage(page, frame, 'feedback-right-answer');

    // Next, by keyboard: the next question in place, focus on its visible heading with a visible outline.
    await tabTo(page, frame, '[data-testid="next"]');
    await page.keyboard.press('Space');
    await frame.waitForFunction(() => !document.getElementById('upcoming'), null, { timeout: 15_000 });
    if (await has(frame, 'submit')) {
      const focus = await frame.evaluate(() => {
        const a = document.activeElement as HTMLElement;
        const r = a.getBoundingClientRect();
        const cs = getComputedStyle(a);
        return { id: a.id, tag: a.tagName, w: r.width, h: r.height, text: a.textContent, outline: cs.outlineStyle, outlineWidth: cs.outlineWidth, visible: a.matches(':focus-visible'), clip: cs.clipPath };
      });
      expect(focus.id).to.equal('q-heading');
      expect(focus.tag).to.equal('H1');
      expect(focus.text).to.equal('Question');
      expect(focus.w, 'heading visible (not a 1 px hidden box)').to.be.greaterThan(20);
      expect(focus.h).to.be.greaterThan(10);
      expect(focus.outline, 'focus outline drawn').to.not.equal('none');
      expect(focus.outlineWidth).to.not.equal('0px');
      ({ itemId } = await current(frame));
      expect(await formValue(frame, (await current(frame)).item), 'the next question starts empty').to.satisfy((v: unknown) => v === '' || (Array.isArray(v) && (v.length === 0 || concrete(itemId, 0).type === 'ordering')));
      await page.locator('#tool-frame').screenshot({ path: `${ARTIFACTS}/focus-after-next-1280.png` });
    }
  });

  it('F5 after an answer shows the next question, not the old feedback (and after Next the same next question)', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-3');
    await toQuestion(page, frame);
    const first = await current(frame);
    const firstSubmission = await frame.locator('input[name=submission_id]').getAttribute('value');
    await answerByKeyboard(page, frame, correctResponse(first.item) as string | string[]);
    expect(await frame.locator('[data-testid="verdict"]').getAttribute('data-correct')).to.equal('true');
    const upcomingItem = await frame.locator('template#upcoming').evaluate((t) => (t as HTMLTemplateElement).content.querySelector('input[name=item_id]')?.getAttribute('value') ?? null);

    await navigates(frame, () => frame.evaluate(() => location.reload()));
    expect(await has(frame, 'verdict'), 'no old feedback after F5').to.equal(false);
    expect(await frame.evaluate(() => location.pathname)).to.equal('/practice/resume');
    if (upcomingItem) expect((await current(frame)).itemId, 'the step stored with the answer').to.equal(upcomingItem);
    if (await has(frame, 'submit')) expect(await frame.locator('input[name=submission_id]').getAttribute('value')).to.not.equal(firstSubmission);

    // Answer again, move on in place, then F5: still that question, no feedback.
    await toQuestion(page, frame);
    const q = await current(frame);
    await answerByKeyboard(page, frame, correctResponse(q.item) as string | string[]);
    if (await has(frame, 'next')) {
      await frame.locator('[data-testid="next"]').click();
      await frame.waitForFunction(() => !document.getElementById('upcoming'));
      const shown = await has(frame, 'submit') ? (await current(frame)).itemId : null;
      await navigates(frame, () => frame.evaluate(() => location.reload()));
      expect(await has(frame, 'verdict')).to.equal(false);
      if (shown) expect((await current(frame)).itemId).to.equal(shown);
    }

    // The reload page opened without a kept session says what to do, in words.
    const lost = await ctx!.newPage();
    await lost.goto(`${srv.url}/practice/resume`);
    await lost.locator('[data-resume-lost]').waitFor({ state: 'visible' });
    expect(await lost.locator('h1').textContent()).to.equal(en.practice.resume_lost_title);
    for (const w of WIDTHS) {
      await lost.setViewportSize({ width: w, height: 700 });
      await axeScan(lost.mainFrame(), `reload page without a kept session at ${w} px`);
      await lost.screenshot({ path: `${ARTIFACTS}/resume-lost-${w}.png`, fullPage: true });
    }
    await lost.close();
  });

  it('reads the question aloud with the browser speech synthesis, and draws fractions at body size', async () => {
    const page = await newPage();
    await page.addInitScript(() => {
      const spoken: { text: string; lang: string }[] = [];
      (window as unknown as { __spoken: typeof spoken }).__spoken = spoken;
      if ('speechSynthesis' in window) {
        window.speechSynthesis.speak = (u: SpeechSynthesisUtterance) => { spoken.push({ text: u.text, lang: u.lang }); };
      }
    });
    const frame = await launchInFrame(page, 'sandbox-student-4');
    await toQuestion(page, frame);
    const supported = await frame.evaluate(() => 'speechSynthesis' in window && typeof SpeechSynthesisUtterance === 'function');
    const button = frame.locator('[data-testid="read-aloud"]');
    expect(await button.isVisible(), 'read-aloud shown exactly where speech synthesis exists').to.equal(supported);
    if (supported) {
      await button.focus();
      await page.keyboard.press('Enter');
      const spoken = await frame.evaluate(() => (window as unknown as { __spoken: { text: string; lang: string }[] }).__spoken);
      expect(spoken).to.have.length(1);
      const stem = (await frame.locator('[data-testid="stem"]').innerText()).replace(/\s+/g, ' ').trim();
      expect(spoken[0].text.length).to.be.greaterThan(10);
      expect(stem).to.contain(spoken[0].text.split(/[.\d]/)[0].trim().slice(0, 10));
      expect(spoken[0].lang).to.match(/^en/);
    }
    // Without speech synthesis the button stays hidden.
    const bare = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      await bare.addInitScript(() => {
        for (const o of [window, Window.prototype] as unknown as Record<string, unknown>[]) {
          delete o.SpeechSynthesisUtterance;
          delete o.speechSynthesis;
        }
      });
      const p2 = await bare.newPage();
      const f2 = await launchInFrame(p2, 'sandbox-student-4');
      await f2.locator('#q-heading').waitFor();
      expect(await f2.evaluate(() => 'speechSynthesis' in window || typeof SpeechSynthesisUtterance !== 'undefined'), 'speech synthesis removed').to.equal(false);
      expect(await f2.locator('[data-testid="read-aloud"]').isVisible(), 'no read-aloud without speech synthesis').to.equal(false);
      expect(await f2.locator('[data-testid="read-aloud"]').count()).to.be.greaterThan(0);
    } finally {
      await bare.close();
    }

    // Fractions (in stems and choices) at the size of the text around them, over a few questions.
    let checked = 0;
    for (let i = 0; i < 12 && checked < 3; i++) {
      const sizes = await frame.evaluate(() => Array.from(document.querySelectorAll('.practice-main .mfrac')).map((f) => {
        const digits = Array.from(f.querySelectorAll('.mord')).filter((e) => /\d/.test(e.textContent ?? '') && !e.querySelector('.mord'));
        const host = f.closest('label, .stem, p, li, div:not(.katex *)')!;
        return { digit: Math.min(...digits.map((d) => parseFloat(getComputedStyle(d).fontSize))), text: parseFloat(getComputedStyle(host).fontSize) };
      }));
      for (const s of sizes) {
        if (!Number.isFinite(s.digit)) continue;
        expect(s.digit / s.text, 'fraction digits at body size').to.be.at.least(0.95);
        checked++;
      }
      const q = await current(frame);
      await answerByKeyboard(page, frame, correctResponse(q.item) as string | string[]);
      await toQuestion(page, frame);
    }
    expect(checked, 'fractions seen').to.be.greaterThan(0);
  });

  it('shows every student page in Spanish for a Spanish launch, with a language switch kept for the session', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-2');
    await frame.locator('[data-testid="stem"]').waitFor();
    const englishOnly = (o: Record<string, unknown>, e: Record<string, unknown>, out: string[] = []): string[] => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'string' && !v.includes('{{') && v.length >= 8 && v !== e[k]) out.push(v);
        else if (v && typeof v === 'object') englishOnly(v as Record<string, unknown>, (e[k] ?? {}) as Record<string, unknown>, out);
      }
      return out;
    };
    const english = englishOnly({ common: en.common, practice: en.practice }, { common: es.common, practice: es.practice });
    const noEnglish = async (what: string) => {
      const text = await frame.evaluate(() => {
        const c = document.body.cloneNode(true) as HTMLElement;
        c.querySelectorAll('template, script').forEach((e) => e.remove());
        return c.innerText + ' ' + Array.from(c.querySelectorAll('[aria-label]')).map((e) => e.getAttribute('aria-label')).join(' ');
      });
      const found = english.filter((s) => text.includes(s));
      expect(found, `English chrome on the Spanish ${what}`).to.deep.equal([]);
      expect(await frame.evaluate(() => document.documentElement.lang)).to.equal('es');
    };
    expect(await frame.locator('#q-heading').textContent()).to.equal(es.practice.question);
    expect(await frame.locator('[data-testid="role"]').textContent()).to.equal(es.common.role_student);
    await noEnglish('question page');
    await checkPage(page, frame, 'es-question');

    let { item } = await current(frame);
    await answerByKeyboard(page, frame, wrongResponse(item));
    await noEnglish('feedback page');
    await checkPage(page, frame, 'es-feedback-wrong');
    await answerByKeyboard(page, frame, wrongResponse(item));
    await noEnglish('page with the right answer');
    expect(await frame.locator('[data-testid="your-answer"]').textContent()).to.match(/^Tu respuesta: /);
    await checkPage(page, frame, 'es-feedback-right-answer');
    await toQuestion(page, frame, 'es-');
    await noEnglish('next question');

    // The switch: English, by keyboard; the next pages stay in English (the session carries it).
    await tabTo(page, frame, '[data-testid="lang-en"]');
    await navigates(frame, () => page.keyboard.press('Enter'));
    expect(await frame.evaluate(() => document.documentElement.lang)).to.equal('en');
    expect(await frame.locator('#q-heading').textContent()).to.equal('Question');
    expect(await activeMatches(frame, '#q-heading'), 'focus on the heading after switching').to.equal(true);
    await checkPage(page, frame, 'en-after-switch');
    ({ item } = await current(frame));
    await answerByKeyboard(page, frame, correctResponse(item) as string | string[]);
    expect(await frame.evaluate(() => document.documentElement.lang)).to.equal('en');
    expect(await frame.locator('[data-testid="submit"], [data-testid="next"], [data-testid="continue"]').first().textContent()).to.be.oneOf([en.practice.submit, en.practice.next, en.practice.continue]);
    await navigates(frame, () => frame.evaluate(() => location.reload()));
    expect(await frame.evaluate(() => document.documentElement.lang), 'F5 keeps the language').to.equal('en');
    await navigates(frame, () => frame.locator('[data-testid="lang-es"]').click());
    expect(await frame.evaluate(() => document.documentElement.lang)).to.equal('es');
    await noEnglish('page after switching back');

    // The reload page in Spanish (Accept-Language), and the not-set-up page in Spanish.
    const resume = await ctx!.newPage();
    await resume.setExtraHTTPHeaders({ 'Accept-Language': 'es-ES,es;q=0.9' });
    await resume.goto(`${srv.url}/practice/resume`);
    expect(await resume.locator('h1').textContent()).to.equal(es.practice.resume_lost_title);
    await resume.setViewportSize({ width: 360, height: 640 });
    await resume.screenshot({ path: `${ARTIFACTS}/es-resume-360.png`, fullPage: true });
    await resume.close();

    const f2 = await launchInFrame(page, 'sandbox-student-2', 'demo-link-unconfigured');
    await f2.locator('h1').waitFor();
    expect(await f2.locator('h1').textContent()).to.equal(es.practice.not_configured_title);
    await checkPage(page, f2, 'es-not-configured');
  });

  it('explains in words and colour where each skill stands, and why a bar went down', async () => {
    const page = await newPage();
    const frame = await launchInFrame(page, 'sandbox-student-1');
    await toQuestion(page, frame);
    const states = await frame.locator('.skills [data-status]').evaluateAll((els) => els.map((e) => ({
      status: e.getAttribute('data-status'), text: e.querySelector('.status')?.textContent, border: getComputedStyle(e).borderLeftColor,
    })));
    const byStatus = new Map(states.map((s) => [s.status, s]));
    for (const [status, s] of byStatus) expect(s.text).to.equal((en.practice as Record<string, unknown>)[`status_${status}`]);
    if (byStatus.has('not_started') && byStatus.has('practising')) expect(byStatus.get('not_started')!.border).to.not.equal(byStatus.get('practising')!.border);

    // Right answers raise the bar, then wrong ones bring it down: each drop comes with its reason.
    let drops = 0;
    for (let i = 0; i < 14 && drops === 0; i++) {
      await toQuestion(page, frame);
      const q = await current(frame);
      await answerByKeyboard(page, frame, i < 6 ? correctResponse(q.item) as string | string[] : wrongResponse(q.item));
      drops = await frame.locator('[data-testid="mastery-drop"]').count();
    }
    expect(drops, 'a drop after wrong answers').to.be.greaterThan(0);
    expect(await frame.locator('[data-testid="mastery-drop"]').first().textContent()).to.match(/went down from \d+% to \d+% because .*right answers bring it back/);
    expect(await frame.locator('[data-testid="skill-change"].change-down').count()).to.be.greaterThan(0);
    await checkPage(page, frame, 'feedback-mastery-drop');
  });
});
