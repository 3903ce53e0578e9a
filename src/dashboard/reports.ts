/**
 * The class's progress over time, week by week (issue 16, item 8): skills mastered, answers and active
 * students per week, as a table, CSV and server-rendered SVG bar charts (no script, no chart library:
 * nothing for the CSP to allow). Pure: no I/O.
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** One week of the class's activity as the database counts it. */
export interface WeekActivity {
  /** The week's Monday (UTC), YYYY-MM-DD. */
  week: string;
  answers: number;
  active: number;
  firstTries: number;
  firstRight: number;
}

/** One line of the report. */
export interface WeekRow {
  week: string;
  answers: number;
  /** Students with at least one answer (or studied example) that week. */
  active: number;
  /** Skills (student x skill) mastered that week, counted by when each currently mastered skill was. */
  mastered: number;
  /** Mastered skills up to the end of that week. */
  masteredTotal: number;
  /** Share of that week's first tries that were right; null without any. */
  firstTryRight: number | null;
}

/** The Monday (UTC) of the week holding `ms`, as YYYY-MM-DD. */
export function weekOf(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}

const weekMs = (week: string) => Date.parse(`${week}T00:00:00Z`);

/**
 * Every week from the first activity (or mastery) to the week of `now`, gaps filled with zeros, the last
 * `maxWeeks` kept (masteries before the window still count in the running total).
 */
export function weeklySeries(input: { activity: readonly WeekActivity[]; masteredAt: readonly number[]; now: number; maxWeeks?: number }): WeekRow[] {
  const maxWeeks = input.maxWeeks ?? 26;
  const mastered = new Map<string, number>();
  for (const at of input.masteredAt) mastered.set(weekOf(at), (mastered.get(weekOf(at)) ?? 0) + 1);
  const weeks = [...input.activity.map((a) => a.week), ...mastered.keys()];
  if (!weeks.length) return [];
  const last = weekMs(weekOf(input.now));
  const first = Math.min(...weeks.map(weekMs));
  const byWeek = new Map(input.activity.map((a) => [a.week, a]));
  const rows: WeekRow[] = [];
  let total = 0;
  for (let t = first; t <= Math.max(last, first); t += WEEK_MS) {
    const week = new Date(t).toISOString().slice(0, 10);
    const a = byWeek.get(week);
    const m = mastered.get(week) ?? 0;
    total += m;
    rows.push({ week, answers: a?.answers ?? 0, active: a?.active ?? 0, mastered: m, masteredTotal: total, firstTryRight: a && a.firstTries ? a.firstRight / a.firstTries : null });
  }
  return rows.slice(-maxWeeks);
}

/** Text for SVG/XML. */
function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tidy upper bound for an axis: 1, 2, 5 x 10^k at or above the largest value (at least 1). */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * A bar chart as an SVG element: one bar per value, labelled below (every few when crowded), the axis
 * from 0 to a tidy maximum. role="img" with its title and description (the page's table holds every
 * number for screen readers); each bar carries its own title (a tooltip with the value).
 */
export function barChartSvg(opts: { id: string; title: string; desc: string; values: readonly number[]; labels: readonly string[]; barTitles?: readonly string[]; width?: number; height?: number }): string {
  // Drawn small (it scales to its box): 12-unit text stays legible from a phone to a desktop.
  const width = opts.width ?? 400;
  const height = opts.height ?? 200;
  const [left, right, top, bottom] = [36, 6, 10, 30];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...opts.values));
  const n = Math.max(1, opts.values.length);
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.7);
  const every = Math.max(1, Math.ceil(n / 5));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${xml(opts.id)}-title ${xml(opts.id)}-desc" data-testid="chart-${xml(opts.id)}">`);
  parts.push(`<title id="${xml(opts.id)}-title">${xml(opts.title)}</title><desc id="${xml(opts.id)}-desc">${xml(opts.desc)}</desc>`);
  // Axis and gridlines at 0, half and the maximum.
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    parts.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${width - right}" y2="${y.toFixed(1)}" stroke="${f === 0 ? '#1b1f24' : '#c4cbd4'}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#1b1f24">${Number.isInteger(max * f) ? max * f : (max * f).toFixed(1)}</text>`);
  }
  opts.values.forEach((v, i) => {
    const h = (v / max) * plotH;
    const x = left + i * slot + (slot - barW) / 2;
    const tip = opts.barTitles?.[i] ?? `${opts.labels[i] ?? ''}: ${v}`;
    parts.push(`<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="#0b57d0" data-value="${v}"><title>${xml(tip)}</title></rect>`);
    if (i % every === 0 && opts.labels[i]) {
      parts.push(`<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12" fill="#1b1f24">${xml(opts.labels[i])}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One CSV cell: quoted; formula injection in spreadsheet apps neutralised (OWASP CSV injection). */
function cell(v: string | number | null): string {
  const text = v === null ? '' : String(v);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The weekly report as CSV (column names as given, e.g. translated); rates in percent. */
export function reportCsv(rows: readonly WeekRow[], header: readonly string[]): string {
  const lines = [header.map(cell).join(',')];
  for (const r of rows) {
    lines.push([r.week, r.mastered, r.masteredTotal, r.answers, r.active, r.firstTryRight === null ? '' : Math.round(r.firstTryRight * 100)].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
