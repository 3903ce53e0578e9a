/**
 * The drill-down's mastery chart as server-rendered SVG (pure: no I/O, no script, no CDN; fits the CSP's
 * `img-src 'self' data:` and `style-src 'self'` since it is inline markup with presentation attributes only).
 * Each skill has its own colour (Okabe-Ito, distinguishable with colour-blindness), its own dash pattern and
 * its own marker shape, so no line is told apart by colour alone; the page shows the same numbers as a table.
 */
import type { HistoryEvent, MasteryPoint } from './student-history.js';

/** Okabe & Ito (2008) colours, each with a contrast of at least 3:1 on white (WCAG 1.4.11). */
export const SKILL_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8A6D00', '#56007A', '#4D4D4D', '#A63A00'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 2 1 2', '3 6'];

export interface ChartSeries {
  skill: string;
  name: string;
  points: readonly MasteryPoint[];
}

export interface ChartText {
  /** Accessible name of the whole chart. */
  title: string;
  /** A one-sentence summary for screen readers (the table below has the numbers). */
  description: string;
  xLabel: string;
  yLabel: string;
  threshold: string;
  /** Label of an override event on the chart (already translated), by event index. */
  event: (e: HistoryEvent) => string;
}

export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const W = 720;
const H = 300;
const PAD = { left: 48, right: 16, top: 16, bottom: 44 };

function marker(shape: number, x: number, y: number, colour: string): string {
  const r = 3.5;
  switch (shape % 4) {
    case 0: return `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour}"/>`;
    case 1: return `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 2: return `<path d="M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z" fill="${colour}"/>`;
    default: return `<path d="M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z" fill="${colour}"/>`;
  }
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/**
 * The chart: x = the student's steps (answers and studied examples, 1..steps), y = mastery 0–100 %, one
 * stepped line per practised skill, the mastery level as a dashed line and the teacher's overrides as
 * labelled vertical marks. Markers are drawn at most every few steps so a long history stays light.
 */
export function masteryChartSvg(series: readonly ChartSeries[], steps: number, threshold: number, events: readonly HistoryEvent[], text: ChartText): string {
  const span = Math.max(steps, 1);
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (step: number) => PAD.left + (Math.min(Math.max(step, 0), span) / span) * iw;
  const y = (m: number) => PAD.top + (1 - Math.min(Math.max(m, 0), 1)) * ih;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="chart-title chart-desc" class="mastery-chart" data-testid="mastery-chart" preserveAspectRatio="xMidYMid meet">`);
  out.push(`<title id="chart-title">${escapeXml(text.title)}</title><desc id="chart-desc">${escapeXml(text.description)}</desc>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  // Grid and axes: 0, 25, 50, 75, 100 %.
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#d0d5db" stroke-width="1"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" font-size="12" fill="#3d454e">${Math.round(v * 100)}%</text>`);
  }
  const ticks = Math.min(span, 8);
  for (let i = 0; i <= ticks; i++) {
    const s = Math.round((i / ticks) * span);
    out.push(`<text x="${fmt(x(s))}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="12" fill="#3d454e">${s}</text>`);
  }
  out.push(`<text x="${PAD.left + iw / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="#3d454e">${escapeXml(text.xLabel)}</text>`);
  out.push(`<text x="12" y="${PAD.top + ih / 2}" text-anchor="middle" font-size="12" fill="#3d454e" transform="rotate(-90 12 ${PAD.top + ih / 2})">${escapeXml(text.yLabel)}</text>`);
  // The mastery level.
  out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${fmt(y(threshold))}" y2="${fmt(y(threshold))}" stroke="#1b5e20" stroke-width="1.5" stroke-dasharray="4 4"/>`);
  out.push(`<text x="${W - PAD.right}" y="${fmt(y(threshold) - 4)}" text-anchor="end" font-size="12" fill="#1b5e20">${escapeXml(text.threshold)}</text>`);
  // Overrides.
  for (const e of events) {
    const ex = fmt(x(e.step));
    out.push(`<line x1="${ex}" x2="${ex}" y1="${PAD.top}" y2="${PAD.top + ih}" stroke="#6b3a00" stroke-width="1.5" stroke-dasharray="2 2"><title>${escapeXml(text.event(e))}</title></line>`);
  }
  // Lines: stepped (mastery holds until the next answer on the skill).
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const colour = SKILL_COLOURS[i % SKILL_COLOURS.length]!;
    const dash = DASHES[i % DASHES.length]!;
    let d = `M${fmt(x(s.points[0]!.step))} ${fmt(y(s.points[0]!.mastery))}`;
    for (let j = 1; j < s.points.length; j++) {
      const p = s.points[j]!;
      d += `H${fmt(x(p.step))}V${fmt(y(p.mastery))}`;
    }
    d += `H${fmt(x(span))}`;
    out.push(`<g data-skill="${escapeXml(s.skill)}"><title>${escapeXml(s.name)}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    const every = Math.max(1, Math.ceil(s.points.length / 25));
    s.points.forEach((p, j) => {
      if (j % every === 0 || j === s.points.length - 1) out.push(marker(i, Number(fmt(x(p.step))), Number(fmt(y(p.mastery))), colour));
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

/** The legend's swatch of series i (a short line with its dash and marker), as inline SVG. */
export function legendSwatch(i: number): string {
  const colour = SKILL_COLOURS[i % SKILL_COLOURS.length]!;
  const dash = DASHES[i % DASHES.length]!;
  return `<svg width="36" height="12" viewBox="0 0 36 12" aria-hidden="true" focusable="false"><line x1="0" x2="36" y1="6" y2="6" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>${marker(i, 18, 6, colour)}</svg>`;
}
