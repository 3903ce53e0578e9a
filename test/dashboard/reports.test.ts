import { expect } from 'chai';
import { barChartSvg, niceMax, reportCsv, weekOf, weeklySeries } from '../../src/dashboard/reports.js';

const at = (iso: string) => Date.parse(iso);

describe('weekly class report (pure)', () => {
  it('weeks start on Monday (UTC)', () => {
    expect(weekOf(at('2026-10-05T00:00:00Z'))).to.equal('2026-10-05'); // a Monday
    expect(weekOf(at('2026-10-11T23:59:59Z'))).to.equal('2026-10-05'); // its Sunday
    expect(weekOf(at('2026-10-12T00:00:00Z'))).to.equal('2026-10-12');
    expect(weekOf(at('2026-01-01T12:00:00Z'))).to.equal('2025-12-29'); // across a year
  });

  it('fills the weeks from the first activity to now, counts masteries per week and their running total', () => {
    const rows = weeklySeries({
      activity: [
        { week: '2026-10-05', answers: 40, active: 5, firstTries: 30, firstRight: 21 },
        { week: '2026-10-19', answers: 12, active: 2, firstTries: 10, firstRight: 5 },
      ],
      masteredAt: [at('2026-10-06T10:00:00Z'), at('2026-10-20T10:00:00Z'), at('2026-10-21T10:00:00Z')],
      now: at('2026-10-28T12:00:00Z'),
    });
    expect(rows).to.deep.equal([
      { week: '2026-10-05', answers: 40, active: 5, mastered: 1, masteredTotal: 1, firstTryRight: 0.7 },
      { week: '2026-10-12', answers: 0, active: 0, mastered: 0, masteredTotal: 1, firstTryRight: null },
      { week: '2026-10-19', answers: 12, active: 2, mastered: 2, masteredTotal: 3, firstTryRight: 0.5 },
      { week: '2026-10-26', answers: 0, active: 0, mastered: 0, masteredTotal: 3, firstTryRight: null },
    ]);
    expect(weeklySeries({ activity: [], masteredAt: [], now: at('2026-10-28T12:00:00Z') })).to.deep.equal([]);
  });

  it('keeps the last weeks only, masteries before them still in the total', () => {
    const rows = weeklySeries({
      activity: [{ week: '2026-09-07', answers: 1, active: 1, firstTries: 1, firstRight: 1 }],
      masteredAt: [at('2026-09-08T00:00:00Z'), at('2026-09-09T00:00:00Z')],
      now: at('2026-10-28T12:00:00Z'),
      maxWeeks: 3,
    });
    expect(rows.map((r) => r.week)).to.deep.equal(['2026-10-12', '2026-10-19', '2026-10-26']);
    expect(rows.map((r) => r.masteredTotal)).to.deep.equal([2, 2, 2]);
  });

  it('draws one bar per week scaled to a tidy maximum, with an accessible name, escaping text', () => {
    expect([0, 1, 3, 7, 10, 11, 180, 999].map(niceMax)).to.deep.equal([1, 1, 5, 10, 10, 20, 200, 1000]);
    const svg = barChartSvg({ id: 'answers', title: 'Answers <per> week', desc: 'desc & more', values: [10, 0, 5], labels: ['Oct 5', 'Oct 12', 'Oct 19'] });
    expect(svg).to.match(/^<svg [^>]*role="img" aria-labelledby="answers-title answers-desc"/);
    expect(svg).to.contain('<title id="answers-title">Answers &lt;per&gt; week</title>');
    expect(svg).to.contain('<desc id="answers-desc">desc &amp; more</desc>');
    const bars = [...svg.matchAll(/<rect [^>]*height="([\d.]+)" [^>]*data-value="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // Plot height 200 - 10 - 30 = 160; max 10.
    expect(bars).to.deep.equal([[160, 10], [0, 0], [80, 5]]);
    expect(svg).not.to.contain('<script');
  });

  it('CSV: a row per week, rates in percent, header as given', () => {
    const csv = reportCsv([{ week: '2026-10-05', answers: 40, active: 5, mastered: 1, masteredTotal: 1, firstTryRight: 0.7 }, { week: '2026-10-12', answers: 0, active: 0, mastered: 0, masteredTotal: 1, firstTryRight: null }], ['week', 'mastered', 'total', 'answers', 'active', 'right']);
    expect(csv).to.equal('"week","mastered","total","answers","active","right"\r\n"2026-10-05","1","1","40","5","70"\r\n"2026-10-12","0","1","0","0",""\r\n');
  });
});
