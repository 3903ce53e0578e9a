import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from '../helpers/browser.js';

describe('browser: launching from the sandbox LMS page', function () {
  let srv: RunningServer;
  let browser: Browser;
  before(async () => {
    srv = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  for (const mode of ['cookie', 'storage'] as const) {
    it(`launches a student and a teacher into the iframe (${mode} mode)`, async () => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${srv.url}/sandbox`);
      await page.selectOption('select[name=mode]', mode);
      await page.click('[data-testid="launch-sandbox-student-1"]');
      const frame = page.frameLocator('#tool-frame');
      await frame.locator('[data-testid="role"]', { hasText: 'student' }).waitFor({ timeout: 15000 });
      await page.click('[data-testid="launch-sandbox-teacher-1"]');
      await frame.locator('[data-testid="role"]', { hasText: 'instructor' }).waitFor({ timeout: 15000 });
      expect(await frame.locator('[data-testid="course"]').textContent()).to.equal('Grade 5 Math (demo)');
      await ctx.close();
    });
  }

  /** Makes the browser send no cookie with the launch POST, as Safari does inside a third-party iframe. */
  async function blockLaunchCookies(page: import('playwright-core').Page, posts: string[]): Promise<void> {
    // The sandbox's launch link and the tool's login are fetched outside the browser's cookie jar, and
    // the login's answer is handed to the browser without its Set-Cookie (redirects are not routed).
    await page.route('**/sandbox/launch**', async (route) => {
      const first = await fetch(route.request().url(), { redirect: 'manual' });
      const res = await fetch(first.headers.get('location')!, { redirect: 'manual' });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        if (k !== 'set-cookie') headers[k] = v;
      });
      await route.fulfill({ status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) });
    });
    await page.route('**/lti/launch', async (route) => {
      const cookie = (await route.request().allHeaders()).cookie ?? '';
      posts.push(`${route.request().postData() ?? ''}${cookie.includes('lti_state_') ? '&had_cookie' : ''}`);
      await route.continue();
    });
  }

  it('launches through platform storage when third-party cookies are blocked', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const posts: string[] = [];
    await blockLaunchCookies(page, posts);
    await page.goto(`${srv.url}/sandbox`);
    await page.selectOption('select[name=mode]', 'storage');
    await page.click('[data-testid="launch-sandbox-student-2"]');
    const frame = page.frameLocator('#tool-frame');
    await frame.locator('[data-testid="role"][data-role="student"]').waitFor({ timeout: 15000 });
    expect(posts).to.have.length(2);
    expect(posts[0]).not.to.contain('lti_storage_secret=');
    expect(posts[1]).to.match(/lti_storage_secret=[A-Za-z0-9_-]{20,}/);
    expect(posts.join()).not.to.contain('had_cookie');
    await ctx.close();
  });

  it('refuses the cookie-mode launch when the cookie is blocked, with a readable page', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const posts: string[] = [];
    await blockLaunchCookies(page, posts);
    await page.goto(`${srv.url}/sandbox`);
    await page.click('[data-testid="launch-sandbox-student-3"]');
    const frame = page.frameLocator('#tool-frame');
    const text = await frame.locator('.card.error').textContent({ timeout: 15000 });
    expect(text).to.contain('not bound to your browser');
    expect(posts.join()).not.to.contain('had_cookie');
    await ctx.close();
  });
});
