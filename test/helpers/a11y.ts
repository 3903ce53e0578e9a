// The browser tests' accessibility checks: axe-core WCAG 2.1 AA scans, no sideways scrolling at 360 and
// 1280 px, and screenshots of each page at each width in test-artifacts/.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Frame, Page } from 'playwright-core';

export const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
export const ARTIFACTS = 'test-artifacts';
export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const WIDTHS = [360, 1280];

export interface AxeNode { target: unknown[]; failureSummary?: string; html: string }
export interface AxeViolation { id: string; impact: string | null; help: string; helpUrl: string; nodes: AxeNode[] }

export interface AxeScanOptions {
  /** Where the page's HTML is written when it has violations (default test-artifacts). */
  dumpDir?: string;
  /** Each violation's help link in the failure message. */
  helpUrl?: boolean;
  /** Print the violations instead of failing (to see them all at once while fixing views). */
  soft?: boolean;
}

/** Sets the sandbox's tool iframe to `w` px of content width (null: back to the page's own width). */
export async function setWidth(page: Page, w: number | null): Promise<void> {
  await page.evaluate((w) => {
    const f = document.getElementById('tool-frame') as HTMLIFrameElement;
    f.style.width = w === null ? '' : `${w + 4}px`;
    f.style.maxWidth = w === null ? '' : 'none';
  }, w);
}

/** axe-core WCAG 2.1 AA on a frame (or a page's main frame): no violations, else the page's HTML is saved. */
export async function axeScan(target: Frame | Page, what: string, opts: AxeScanOptions = {}): Promise<void> {
  const frame = 'mainFrame' in target ? target.mainFrame() : target;
  if (!(await frame.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined'))) await frame.evaluate(axeSource);
  const violations = await frame.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })).violations;
  }, WCAG_AA) as AxeViolation[];
  const readable = violations.map((v) => `  [${v.impact}] ${v.id}: ${v.help}${opts.helpUrl ? ` (${v.helpUrl})` : ''}\n` +
    v.nodes.map((n) => `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n')).join('\n');
  if (violations.length) await writeFile(`${opts.dumpDir ?? ARTIFACTS}/axe-${what.replace(/\W+/g, '-')}.html`, await frame.content());
  if (opts.soft && violations.length) { console.log(`AXE ${what}:\n${readable}`); return; }
  expect(violations, `axe-core WCAG 2.1 AA violations on the ${what}:\n${readable}\n`).to.have.length(0);
}

/**
 * A page in the sandbox's tool iframe, at 360 and 1280 px: no sideways scrolling, axe clean, and a
 * full-height screenshot of the iframe at each width (test-artifacts/<prefix><name>-<width>.png).
 */
export async function checkPage(page: Page, frame: Frame, name: string, opts: { prefix?: string } = {}): Promise<void> {
  for (const w of WIDTHS) {
    await setWidth(page, w);
    const m = await frame.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth, sh: document.documentElement.scrollHeight }));
    expect(m.sw, `${name} scrolls sideways at ${w} px`).to.be.at.most(m.cw);
    await axeScan(frame, `${name} at ${w} px`);
    await page.evaluate((h) => { (document.getElementById('tool-frame') as HTMLIFrameElement).style.height = `${h + 4}px`; }, m.sh);
    await page.locator('#tool-frame').screenshot({ path: `${ARTIFACTS}/${opts.prefix ?? ''}${name}-${w}.png` });
    await page.evaluate(() => { (document.getElementById('tool-frame') as HTMLIFrameElement).style.height = ''; });
  }
  await setWidth(page, null);
}

/**
 * A top-level page (no iframe) with a viewport of 360 and 1280 px: no sideways scrolling of the page itself
 * (wide tables scroll in their own region), axe clean, and a full-page screenshot at each width.
 */
export async function checkWholePage(page: Page, name: string): Promise<void> {
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w, height: 800 });
    const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    expect(m.sw, `${name} scrolls sideways at ${w} px`).to.be.at.most(m.cw);
    await axeScan(page, `${name} at ${w} px`);
    await page.screenshot({ path: `${ARTIFACTS}/${name}-${w}.png`, fullPage: true });
  }
}
