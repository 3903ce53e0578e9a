// Issue 16 (items 2, 3, 7, 8) in a real browser: the student drill-down, the skill view and the printable
// page after real practice through the sandbox LMS, as the teacher and the TA; axe WCAG 2.1 AA at 360 and
// 1280 px, no sideways scrolling, screenshots in test-artifacts/; an override made through the page's form
// shows in the history; the printable page prints without navigation chrome.
import { mkdir, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';
import { ARTIFACTS, checkWholePage } from '../helpers/a11y.js';
import { beginLaunch, launch, postLaunch } from '../helpers/launch.js';
import { Student, answerFields, concrete } from '../helpers/practice.js';

const STUDENT = 'sandbox-student-1';

describe('browser: the student drill-down, skill view and printable page (issue 16)', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let browser: Browser;
  let pack: Pack;
  let ctx: BrowserContext | undefined;

  before(async () => {
    [srv, browser, pack] = await Promise.all([startTestServer(), launchChromium(), loadDemoPack()]);
    await mkdir(ARTIFACTS, { recursive: true });
    // Two students practise through the real loop: right, wrong, wrong then right on the second try, ...
    for (const [user, pattern] of [[STUDENT, [true, false, false, true, true, false, true, true, false, true]], ['sandbox-student-3', [true, true, true, true]]] as const) {
      const l = await launch(srv, { user });
      const s = new Student(srv, l.browser, l.ltik);
      for (const right of pattern) {
        await s.open();
        if (!s.itemId) break;
        const item = concrete(pack, s.itemId, s.seed);
        const response = right ? correctResponse(item) : distractorResponses(item)[0] ?? '__definitely wrong__';
        await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId, seed: String(s.seed), ...answerFields(item, response) });
        expect(s.status).to.equal(200);
      }
    }
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  /** A page whose requests carry the staff session in the Authorization header (as GET takes it). */
  async function staffPage(user: string): Promise<Page> {
    // The launch's one-time landing code is exchanged here (the landing page itself is another page's test).
    const l = await beginLaunch(srv, { user });
    const landed = await postLaunch(l.browser, { id_token: l.idToken, state: l.state });
    expect(landed.status).to.equal(303);
    const code = new URL(landed.headers.get('location')!, srv.url).searchParams.get('code')!;
    const { token: ltik } = await srv.services.sessions.exchange(code);
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { authorization: `Bearer ${ltik}` } });
    return ctx.newPage();
  }

  it('the teacher reads the drill-down (chart, attempts, mistakes, plan) at 360 and 1280 px, and it passes axe', async () => {
    const page = await staffPage('sandbox-teacher-1');
    const res = await page.goto(`${srv.url}/dashboard/students/${STUDENT}`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('[data-testid="student-name"]').textContent()).to.equal('Jordan Lee');
    expect(await page.locator('[data-testid="mastery-chart"] path').count()).to.be.greaterThan(0);
    expect(await page.locator('[data-attempt]').count()).to.be.at.least(10);
    expect(await page.locator('[data-testid="plan-reason"]').textContent()).to.match(/^Why: \S/);
    expect(await page.locator('[data-attempt] .katex').count(), 'questions rendered as the student saw them').to.be.greaterThan(0);
    await checkWholePage(page, 'dashboard-student');
  });

  it('the TA marks a skill mastered through the form: saved, in the history, and the page still passes axe', async () => {
    const page = await staffPage('sandbox-ta-1');
    await page.goto(`${srv.url}/dashboard/students/${STUDENT}`);
    await page.selectOption('[data-testid="override-action"]', 'mastered');
    await page.selectOption('[data-testid="override-skill"]', 'unit-fractions');
    // The reason is required: the browser does not send the form without it.
    await page.click('[data-testid="override-submit"]');
    expect(await page.locator('[data-testid="override-saved"]').count()).to.equal(0);
    await page.fill('[data-testid="override-reason"]', 'Explained it at the board');
    await Promise.all([page.waitForURL(/\/overrides$/), page.click('[data-testid="override-submit"]')]);
    expect(await page.locator('[data-testid="override-saved"]').textContent()).to.contain('marked mastered');
    expect(await page.locator('[data-testid="override-history"] li').first().textContent()).to.match(/Marked mastered by Mr\. Chen \(TA\) on .*Explained it at the board/);
    expect(await page.locator('tr[data-skill="unit-fractions"] [data-testid="override-note"]').textContent()).to.contain('Marked mastered by Mr. Chen (TA)');
    await checkWholePage(page, 'dashboard-student-override');
  });

  it('the skill view lists the students by place, the hardest items and typical wrong answers, and passes axe', async () => {
    const page = await staffPage('sandbox-teacher-1');
    const res = await page.goto(`${srv.url}/dashboard/skills/unit-fractions`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('[data-testid="skill-name"]').textContent()).to.equal('Skill: Unit fractions');
    expect(await page.locator('[data-testid="student-link"]').count()).to.be.at.least(2);
    expect(await page.locator('[data-testid="hardest-items"] tbody tr').count()).to.be.greaterThan(0);
    await checkWholePage(page, 'dashboard-skill');
    // A student's name opens their drill-down (a POST form carrying the session).
    await Promise.all([page.waitForURL(/\/dashboard\/students\//), page.locator('[data-testid="student-link"]', { hasText: 'Jordan Lee' }).click()]);
    expect(await page.locator('[data-testid="student-name"]').textContent()).to.equal('Jordan Lee');
  });

  it('the printable page has no navigation, prints on paper without its buttons, and passes axe', async () => {
    const page = await staffPage('sandbox-teacher-1');
    const res = await page.goto(`${srv.url}/dashboard/students/${STUDENT}/print`);
    expect(res?.status()).to.equal(200);
    expect(await page.locator('[data-testid="dashboard-nav"]').count()).to.equal(0);
    await checkWholePage(page, 'dashboard-student-print');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('[data-testid="print-now"]').isVisible()).to.equal(false);
    expect(await page.locator('[data-testid="back-to-student"]').isVisible()).to.equal(false);
    expect(await page.locator('[data-testid="mastery-chart"]').isVisible()).to.equal(true);
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-student-print-media.png`, fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).to.equal('%PDF');
    await writeFile(`${ARTIFACTS}/dashboard-student-print.pdf`, pdf);
  });

  it('refuses the student themself (403)', async () => {
    const page = await staffPage(STUDENT);
    expect((await page.goto(`${srv.url}/dashboard/students/${STUDENT}`))?.status()).to.equal(403);
    expect((await page.goto(`${srv.url}/dashboard/skills/unit-fractions`))?.status()).to.equal(403);
  });
});
