import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAnswer, renderItemForStudent } from '../../../src/content/content.presenter.js';
import type { Item, ItemOf } from '../../../src/content/content.schema.js';
import { correctResponse, grade } from '../../../src/content/grading.js';
import { renderMarkdown } from '../../../src/content/markdown.js';
import { exportQti3 } from '../../../src/content/exporters/qti3.js';
import { exportYaml } from '../../../src/content/exporters/yaml.js';
import { standardCode } from '../../../src/content/importers/build.js';
import { htmlToMarkdown } from '../../../src/content/importers/html.js';
import { detectFormat, formatImportIssue, importContent, ImportRefused, type ImportResult } from '../../../src/content/importers/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

/** Zips a fixture folder (the packages are kept as plain files, small and readable). */
function zipFolder(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const root = path.join(FIXTURES, dir);
  const walk = (d: string) => {
    for (const n of fs.readdirSync(d)) {
      const p = path.join(d, n);
      if (fs.statSync(p).isDirectory()) walk(p);
      else files[path.relative(root, p).split(path.sep).join('/')] = fs.readFileSync(p);
    }
  };
  walk(root);
  return zipSync(files);
}

function item<T extends Item['type']>(r: ImportResult, id: string, type?: T): ItemOf<T> {
  const found = r.pack?.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${r.pack?.items.map((i) => i.id).join(', ')}`);
  if (type) expect(found.type).to.equal(type);
  return found as ItemOf<T>;
}

function issue(r: ImportResult, question: string): string[] {
  return r.issues.filter((i) => i.question === question).map(formatImportIssue);
}

describe('content importers', function () {
  this.timeout(20_000);

  describe('Moodle XML', () => {
    const all = () => importContent('moodle-all.xml', read('moodle-all.xml'), { partial: true });

    it('is all or nothing by default: one bad question refuses the file, naming file, line and question', () => {
      const r = importContent('moodle-all.xml', read('moodle-all.xml'));
      expect(r.format).to.equal('moodle_xml');
      expect(r.pack).to.equal(null);
      expect(r.errors).to.equal(1);
      expect({ questions: r.questions, imported: r.imported, skipped: r.skipped }).to.deep.equal({ questions: 13, imported: 0, skipped: 13 });
      expect(issue(r, 'Calculated')).to.deep.equal(['moodle-all.xml:114: question "Calculated": Moodle question type "calculated" (calculated questions (wildcards {x} drawn from datasets)) is not supported']);
    });

    it('with partial, imports the valid questions and lists the rest', () => {
      const r = all();
      expect({ questions: r.questions, imported: r.imported, skipped: r.skipped, errors: r.errors }).to.deep.equal({ questions: 13, imported: 10, skipped: 3, errors: 1 });
      expect(issue(r, 'Intro')[0]).to.match(/\(skipped\): description/);
      expect(issue(r, 'Essay')[0]).to.match(/\(skipped\): essay: written answers are not auto-graded/);
    });

    it('single-answer multichoice: fractions of credit, per-answer feedback, hints, general feedback, idnumber', () => {
      const q = item(all(), 'frac-add-1', 'single_choice');
      expect(q.choices.map((c) => [c.correct, c.credit])).to.deep.equal([[true, undefined], [false, 0.5], [false, undefined]]);
      expect(q.hints).to.deep.equal(['Make the denominators the same.', '1/2 = 2/4\\.']);
      expect(q.solution).to.equal('Write 1/2 as 2/4, then add.');
      expect(q.shuffle).to.equal(true);
      expect(grade(q, 'a')).to.include({ correct: true, score: 1 });
      expect(grade(q, 'b')).to.deep.include({ correct: false, score: 0.5, feedback: 'You forgot the 1/4\\.' });
      expect(grade(q, 'c')).to.deep.include({ correct: false, score: 0, feedback: 'Do not add denominators.' });
    });

    it('embedded @@PLUGINFILE@@ images become stored assets referenced as media', () => {
      const r = all();
      const q = item(r, 'frac-add-1');
      expect(q.media).to.have.length(1);
      expect(q.media[0]!.url).to.match(/^\/content\/assets\/[0-9a-f]{64}\.png$/);
      expect(q.media[0]!.alt).to.equal('a pie cut in quarters');
      expect(r.assets.map((a) => a.url)).to.deep.equal([q.media[0]!.url]);
      expect(renderItemForStudent(q).stemHtml).to.include(`<img src="${q.media[0]!.url}" alt="a pie cut in quarters"`);
    });

    it('multiple-answer multichoice is graded by the sum of the picked fractions', () => {
      const q = item(all(), 'mc-multiple', 'multiple_choice');
      expect(q.scoring).to.equal('weighted');
      expect(grade(q, ['a', 'b']).score).to.equal(1);
      expect(grade(q, ['a']).score).to.equal(0.5);
      expect(grade(q, ['a', 'b', 'c']).score).to.equal(0);
    });

    it('categories and tags become skills; CCSS codes in tags become standards; a tag naming a category is that skill', () => {
      const r = all();
      expect(r.pack!.skills.map((s) => [s.id, s.name, s.standards])).to.deep.equal([
        ['adding', 'Adding', ['CCSS.MATH.CONTENT.4.NF.B.3']],
        ['vocabulary', 'Vocabulary', []],
      ]);
      expect(item(r, 'sa-wildcard').skills).to.deep.equal(['vocabulary']);
    });

    it('truefalse, shortanswer (case, * wildcards, partial credit, catch-all feedback)', () => {
      const r = all();
      const tf = item(r, 'tf', 'single_choice');
      expect(grade(tf, 'true').correct).to.equal(true);
      expect(grade(tf, 'false').feedback).to.equal('It is the denominator.');
      const sa = item(r, 'sa-wildcard', 'short_text');
      expect(grade(sa, 'Numerator').correct).to.equal(true);
      expect(grade(sa, 'the numerator of it').correct).to.equal(true);
      expect(grade(sa, 'top')).to.deep.include({ score: 0.5, feedback: 'Use the math word.' });
      expect(grade(sa, 'denominator').feedback).to.equal('That is the bottom number.');
      expect(grade(sa, 'bottom').feedback).to.equal('Think of the word for the top number.');
      const cs = item(r, 'sa-case', 'short_text');
      expect(grade(cs, 'Na').correct).to.equal(true);
      expect(grade(cs, 'NA').correct).to.equal(false);
    });

    it('numerical: tolerance, a partial-credit answer with its own tolerance, units (multiplier 1 kept, others reported)', () => {
      const r = all();
      const q = item(r, 'numerical-units', 'numeric');
      expect(q.units).to.deep.equal(['cm']);
      expect(grade(q, '150.4 cm').correct).to.equal(true);
      expect(grade(q, '153 cm')).to.deep.include({ score: 0.5, feedback: 'Close.' });
      expect(grade(q, '200 cm').feedback).to.equal('1 m is 100 cm.');
      expect(grade(q, '150').message).to.match(/unit/);
      expect(issue(r, 'Numerical units').join('\n')).to.match(/unit "m" \(multiplier 0.01\) is not accepted/);
    });

    it('matching becomes one part per pair (distractor answers offered), ordering keeps its order and grading', () => {
      const r = all();
      const p1 = item(r, 'matching-pair1', 'single_choice');
      expect(p1.stem).to.match(/\*\*1\/2\*\*$/);
      expect(p1.choices.map((c) => c.text)).to.deep.equal(['0.5', '0.25', '0.75']);
      expect(grade(p1, 'a').correct).to.equal(true);
      expect(issue(r, 'Matching')[0]).to.match(/imported as 2 one-answer part/);
      const o = item(r, 'ordering', 'ordering');
      expect(o.entries.map((e) => e.text)).to.deep.equal(['1/4', '1/2', '3/4']);
      expect(o.scoring).to.equal('partial');
    });

    it('cloze questions become one part per blank, each graded on its own', () => {
      const r = all();
      const n = item(r, 'cloze-part1', 'numeric');
      expect(n.stem).to.include('**(1) \\_\\_\\_\\_\\_**').and.include('(2) \\_\\_\\_\\_\\_');
      expect(grade(n, '0.505').correct).to.equal(true);
      expect(grade(item(r, 'cloze-part2'), 'paris city').score).to.equal(0.5);
      expect(grade(item(r, 'cloze-part3'), 'b').correct).to.equal(true);
    });

    it('sanitises question HTML exactly as the Markdown path: no scripts, handlers or javascript: links', () => {
      const r = all();
      const q = item(r, 'unsafe', 'single_choice');
      const view = renderItemForStudent(q);
      expect(view.stemHtml).to.equal(renderMarkdown(q.stem, { media: q.media }));
      const html = view.stemHtml + view.choices.map((c) => c.html).join('');
      expect(html).not.to.match(/<script|onclick|onerror|javascript:/i);
      expect(html).to.include('<strong>not</strong>');
      expect(issue(r, 'Unsafe').join('\n')).to.include('removed <script>').and.include('removed a link to "javascript:alert(1)"');
    });
  });

  describe('GIFT', () => {
    const all = () => importContent('gift-all.gift', read('gift-all.gift'), { partial: true });

    it('reports a syntax error with its line and imports the rest with partial', () => {
      const r = all();
      expect(r.format).to.equal('gift');
      expect({ questions: r.questions, imported: r.imported, skipped: r.skipped, errors: r.errors }).to.deep.equal({ questions: 16, imported: 13, skipped: 3, errors: 1 });
      expect(issue(r, 'Broken')[0]).to.match(/^gift-all\.gift:52: question "Broken": GIFT syntax error/);
      expect(importContent('gift-all.gift', read('gift-all.gift')).pack).to.equal(null);
    });

    it('multiple choice with weights and feedback, general feedback, [id:] and [tag:] with a CCSS code, $CATEGORY', () => {
      const r = all();
      const q = item(r, 'mc-1', 'single_choice');
      expect(q.stem).to.equal('Which fraction equals **1/2**?');
      expect(q.solution).to.equal('Equivalent fractions name the same amount.');
      expect(grade(q, 'c')).to.deep.include({ score: 0.5, feedback: 'Also equal, but give the simplest pair.' });
      expect(q.choices[0]!.feedback).to.equal('Right: multiply top and bottom by 2\\.');
      expect(r.pack!.skills.find((s) => s.id === 'basics')!.standards).to.deep.equal(['CCSS.MATH.CONTENT.4.NF.A.1']);
      expect(q.skills).to.deep.equal(['basics', 'equivalence']);
    });

    it('true/false with wrong/right feedback, short answer with weights, missing word', () => {
      const r = all();
      const tf = item(r, 'tf', 'single_choice');
      expect(grade(tf, 'true')).to.deep.include({ correct: true, feedback: 'Yes.' });
      expect(grade(tf, 'false').feedback).to.equal('No, it is the bottom one.');
      expect(grade(item(r, 'false'), 'false').correct).to.equal(true);
      const sa = item(r, 'short', 'short_text');
      expect(grade(sa, 'ulysses s. grant').correct).to.equal(true);
      expect(grade(sa, 'Ulysses').score).to.equal(0.5);
      const mw = item(r, 'missing-word', 'single_choice');
      expect(mw.stem).to.equal("Grant is \\_\\_\\_\\_\\_ in Grant's tomb.");
      expect(grade(mw, 'b').correct).to.equal(true);
    });

    it('numerical: value:tolerance, min..max ranges, several answers with weights', () => {
      const r = all();
      expect(grade(item(r, 'numerical-tolerance'), '3.144').correct).to.equal(true);
      expect(grade(item(r, 'numerical-tolerance'), '3.15').correct).to.equal(false);
      const range = item(r, 'numerical-range', 'numeric');
      expect(['1', '4.9', '5'].map((x) => grade(range, x).correct)).to.deep.equal([true, true, true]);
      expect(grade(range, '5.1').correct).to.equal(false);
      const several = item(r, 'numerical-several');
      expect(grade(several, '1822').score).to.equal(1);
      expect(grade(several, '1823')).to.deep.include({ score: 0.5, feedback: 'Close.' });
    });

    it('matching as parts, multiple answers with negative weights, escapes, markdown/plain formats, essay and description skipped', () => {
      const r = all();
      expect(r.pack!.items.filter((i) => i.id.startsWith('matching-pair')).length).to.equal(3);
      const ma = item(r, 'multiple-answers', 'multiple_choice');
      expect(grade(ma, ['a', 'b']).correct).to.equal(true);
      expect(grade(ma, ['a', 'c']).score).to.equal(0);
      expect(grade(ma, ['c']).feedback).to.equal('4 = 2 x 2\\.');
      const esc = item(r, 'escapes', 'short_text');
      expect(renderMarkdown(esc.stem)).to.equal('<p>Type the symbols { } = ~ # : exactly.</p>');
      expect(grade(esc, 'a=b').correct).to.equal(true);
      expect(renderMarkdown(item(r, 'markdown').stem)).to.include('<strong>bold</strong>');
      expect(renderMarkdown(item(r, 'plain').stem)).to.equal('<p>Plain &lt;b&gt;not bold&lt;/b&gt; text.</p>');
      expect(issue(r, 'Essay')[0]).to.match(/\(skipped\): essay/);
    });
  });

  describe('QTI and Canvas', () => {
    it('a QTI 2.1 choice item with inline feedback and match_correct; no category lands in "Unsorted"', () => {
      const r = importContent('qti21-choice.xml', read('qti21-choice.xml'));
      expect(r.format).to.equal('qti21');
      const q = item(r, 'choice-1', 'single_choice');
      expect(q.stem).to.equal('Which fraction is equal to *one half*?\n\nPick one.');
      expect(q.choices.map((c) => c.id)).to.deep.equal(['A', 'B', 'C']);
      expect(grade(q, 'B')).to.deep.include({ correct: true, feedback: 'Yes: 2/4 = 1/2\\.' });
      expect(r.pack!.skills).to.deep.equal([{ id: 'unsorted', name: 'Unsorted', standards: [], prerequisites: [] }]);
    });

    it('a QTI 2.1 package: manifest, test sections as skills, map_response, inline match_correct, images from the zip', () => {
      const r = importContent('qti21.zip', zipFolder('qti21-package'));
      expect({ format: r.format, imported: r.imported, errors: r.errors }).to.deep.equal({ format: 'qti21', imported: 2, errors: 0 });
      const multi = item(r, 'primes', 'multiple_choice');
      expect(multi.skills).to.deep.equal(['primes']);
      expect(grade(multi, ['p2']).score).to.equal(0.5);
      expect(grade(multi, ['p2', 'p3']).correct).to.equal(true);
      const sum = item(r, 'sum', 'numeric');
      expect(sum.skills).to.deep.equal(['arithmetic']);
      expect(grade(sum, '7').correct).to.equal(true);
      expect(sum.media[0]!.url).to.match(/^\/content\/assets\/[0-9a-f]{64}\.png$/);
      expect(r.assets).to.have.length(1);
    });

    it('a QTI 3.0 package: text entry (map_response), inline choice, order, match; essay said not auto-graded; unsupported interaction refused', () => {
      const r = importContent('qti30.zip', zipFolder('qti30-package'), { partial: true });
      expect(r.format).to.equal('qti30');
      expect({ questions: r.questions, imported: r.imported, skipped: r.skipped, errors: r.errors }).to.deep.equal({ questions: 6, imported: 4, skipped: 2, errors: 1 });
      const t = item(r, 'capital', 'short_text');
      expect(grade(t, 'paris').correct).to.equal(true);
      expect(grade(t, 'Lutetia').score).to.equal(0.5);
      expect(grade(item(r, 'bigger'), 'gt').correct).to.equal(true);
      const o = item(r, 'order', 'ordering');
      expect(correctResponse(o)).to.deep.equal(['q', 'h', 't']);
      expect(grade(item(r, 'match-pair2'), 'b').correct).to.equal(true);
      expect(issue(r, 'Essay')[0]).to.match(/\(skipped\): extended text \(essay\): .*not auto-graded/);
      expect(issue(r, 'Hotspot')[0]).to.match(/^qti30\.zip\/items\/hotspot\.xml:2: question "Hotspot": hotspotInteraction is not supported/);
    });

    it('a Canvas classic quiz export (QTI 1.2): every gradable type, quiz title as the skill', () => {
      const r = importContent('canvas.zip', zipFolder('canvas-quiz'), { partial: true });
      expect({ format: r.format, questions: r.questions, imported: r.imported, skipped: r.skipped, errors: r.errors }).to.deep.equal({ format: 'qti12_canvas', questions: 7, imported: 6, skipped: 1, errors: 0 });
      expect(r.pack!.skills.map((s) => s.name)).to.deep.equal(['Fractions quiz']);
      const mc = item(r, 'i1', 'single_choice');
      expect(grade(mc, 'a').correct).to.equal(true);
      expect(grade(mc, 'b').feedback).to.equal('2/3 is more than a half.');
      expect(grade(item(r, 'i2'), 'a').correct).to.equal(true);
      const ma = item(r, 'i3', 'multiple_choice');
      expect(ma.scoring).to.equal('partial');
      expect(grade(ma, ['a']).score).to.equal(0.5);
      expect(grade(item(r, 'i4'), 'The Numerator').correct).to.equal(true);
      expect(grade(item(r, 'i5'), '0.255').correct).to.equal(true);
      expect(grade(item(r, 'i6-pair2'), 'b').correct).to.equal(true);
    });
  });

  describe('safety', () => {
    it('refuses XML external entities and billion laughs before parsing', () => {
      const xxe = '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<quiz><question type="shortanswer"><name><text>&x;</text></name></question></quiz>';
      const lol = '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><quiz>&c;</quiz>';
      for (const text of [xxe, lol]) expect(() => importContent('evil.xml', strToU8(text))).to.throw(ImportRefused, /document type declarations/);
      const item = '<?xml version="1.0"?><!DOCTYPE assessmentItem SYSTEM "http://evil/x.dtd"><assessmentItem identifier="x"/>';
      expect(() => importContent('evil.zip', zipSync({ 'a.xml': strToU8(item) }))).to.throw(ImportRefused, /document type declarations/);
    });

    it('refuses a zip bomb without inflating it, and an upload over 50 MB', () => {
      const bomb = zipSync({ 'imsmanifest.xml': new Uint8Array(20 * 1024 * 1024) }, { level: 9 });
      expect(bomb.length).to.be.below(100_000);
      expect(() => importContent('bomb.zip', bomb)).to.throw(ImportRefused, /compressed \d+ times \(a zip bomb\?\)/);
      expect(() => importContent('big.gift', new Uint8Array(50 * 1024 * 1024 + 1))).to.throw(ImportRefused, /the limit is 50 MB/);
    });

    it('refuses malformed XML with its line, unknown formats, and does not import SVG images', () => {
      expect(() => importContent('bad.xml', strToU8('<quiz>\n<question type="truefalse">\n</quiz>'))).to.throw(ImportRefused, /not well-formed XML at line 3/);
      expect(() => importContent('notes.txt', strToU8('just some notes'))).to.throw(ImportRefused, /unknown format/);
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').toString('base64');
      const xml = `<quiz><question type="truefalse"><name><text>S</text></name><questiontext format="html"><text><![CDATA[<p>Look <img src="@@PLUGINFILE@@/x.svg" alt="x"></p>]]></text><file name="x.svg" path="/" encoding="base64">${svg}</file></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>`;
      const r = importContent('svg.xml', strToU8(xml));
      expect(r.assets).to.deep.equal([]);
      expect(r.pack!.items[0]!.media).to.deep.equal([]);
      expect(issue(r, 'S').join('\n')).to.match(/not a PNG, JPEG, GIF or WebP image/);
    });
  });

  describe('exporters', () => {
    /** What QTI carries of an item (hints, solutions and general feedback stay in YAML only). */
    const carried = (i: Item) => {
      const { hints: _h, solution: _s, feedback: _f, ...rest } = i as Item & Record<string, unknown>;
      const r = rest as Record<string, unknown>;
      // Typed answers keep their partial credit (text) or lose it with a note (numbers); feedback stays behind.
      if (Array.isArray(r.wrongAnswers)) r.wrongAnswers = i.type === 'numeric' ? [] : (r.wrongAnswers as { credit?: number }[]).filter((w) => w.credit).map((w) => ({ ...w, feedback: '' }));
      return r;
    };

    it('QTI 3.0 export -> import round-trips what QTI carries, and lists what it cannot carry', () => {
      const source = importContent('gift-all.gift', read('gift-all.gift'), { partial: true }).pack!;
      const { zip, exported, notes } = exportQti3(source);
      expect(exported).to.equal(source.items.length);
      expect(notes.map((n) => n.message).join('\n')).to.match(/hints, worked solutions/);
      expect(notes.find((n) => n.itemId === 'numerical-several')?.message).to.match(/partial credit for other numbers/);
      const back = importContent('export.zip', zip);
      expect({ format: back.format, errors: back.errors }).to.deep.equal({ format: 'qti30', errors: 0 });
      expect(back.pack!.items.map(carried)).to.deep.equal(source.items.map(carried));
      expect(back.pack!.skills.map((s) => [s.id, s.name])).to.deep.equal(source.skills.map((s) => [s.id, s.name]));
    });

    it('QTI export names the items it cannot express instead of writing them wrongly', () => {
      const source = importContent('moodle-all.xml', read('moodle-all.xml'), { partial: true }).pack!;
      const { notes } = exportQti3(source);
      expect(notes.filter((n) => n.itemId).map((n) => n.itemId)).to.deep.equal(['sa-wildcard', 'numerical-units', 'ordering']);
    });

    it('YAML export -> import is lossless', () => {
      for (const [name, bytes] of [['moodle-all.xml', read('moodle-all.xml')], ['gift-all.gift', read('gift-all.gift')]] as const) {
        const source = importContent(name, bytes, { partial: true }).pack!;
        const back = importContent('pack.yaml', strToU8(exportYaml(source)));
        expect(back.format).to.equal('yaml');
        expect(back.pack).to.deep.equal(source);
      }
    });
  });

  describe('helpers', () => {
    it('detects formats from the content', () => {
      expect(detectFormat('a.xml', read('moodle-all.xml'))).to.equal('moodle_xml');
      expect(detectFormat('a.txt', read('gift-all.gift'))).to.equal('gift');
      expect(detectFormat('a.xml', read('qti21-choice.xml'))).to.equal('qti21');
      expect(detectFormat('a.zip', zipFolder('canvas-quiz'))).to.equal('zip');
      expect(detectFormat('a.yaml', strToU8('pack: {id: x, title: X}\n'))).to.equal('yaml');
    });

    it('recognises CCSS-style standards codes', () => {
      expect(standardCode('4.NF.A.1')).to.equal('CCSS.MATH.CONTENT.4.NF.A.1');
      expect(standardCode('CCSS.MATH.CONTENT.8.EE.C.7b')).to.equal('CCSS.MATH.CONTENT.8.EE.C.7B');
      expect(standardCode('HSA-REI.B.3')).to.equal('CCSS.MATH.CONTENT.HSA.REI.B.3');
      expect(standardCode('k.cc.a.1')).to.equal('CCSS.MATH.CONTENT.K.CC.A.1');
      expect(standardCode('MP3')).to.equal('CCSS.MATH.PRACTICE.MP3');
      expect(standardCode('fractions')).to.equal(null);
    });

    it('turns HTML into Markdown that renders to the same structure, math kept', () => {
      const md = htmlToMarkdown('<p>Compute \\(\\frac{1}{2}\\) of $10 &amp; <em>more</em></p><ol><li>one</li><li>two</li></ol>');
      expect(md).to.equal('Compute $\\frac{1}{2}$ of \\$10 \\& *more*\n\n1. one\n2. two');
      expect(renderMarkdown(md)).to.include('<ol>').and.include('katex').and.include('of $10 &amp; <em>more</em>');
    });

    it('shows the answer of imported items in the instructor preview', () => {
      const r = importContent('gift-all.gift', read('gift-all.gift'), { partial: true });
      expect(renderAnswer(item(r, 'numerical-range')).answerHtml).to.equal('3');
    });
  });
});
