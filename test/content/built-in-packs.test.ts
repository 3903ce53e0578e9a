import { expect } from 'chai';
import { BUILT_IN_PACKS, loadBuiltInPacks } from '../../src/content/content.files.js';
import { renderAnswer, renderGrade, renderHint, renderItemForStudent } from '../../src/content/content.presenter.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses, grade } from '../../src/content/grading.js';
import { parsePack } from '../../src/content/pack.js';
import { topologicalOrder } from '../../src/content/skills.js';
import { instantiate } from '../../src/content/templates.js';
import { localizeItem, missingTranslations, packTitle, skillName } from '../../src/content/translate.js';

const SEEDS = [1, 2, 3, 7, 42, 1234, 99_999];

/** Every concrete item to check: plain items once, templates at several seeds. */
function instances(pack: Pack): { label: string; item: Item }[] {
  return pack.items.flatMap((it) => (it.template ? SEEDS.map((s) => ({ label: `${it.id}#${s}`, item: instantiate(it, s).item })) : [{ label: it.id, item: it }]));
}

function checkOwnAnswers(item: Item, label: string): void {
  const own = correctResponse(item);
  const g = grade(item, own);
  expect(g.correct, `${label}: own answer ${JSON.stringify(own)} -> ${JSON.stringify(g)}`).to.equal(true);
  for (const r of distractorResponses(item)) expect(grade(item, r).correct, `${label}: distractor ${JSON.stringify(r)} graded correct`).to.equal(false);
}

describe('content built-in packs (Fractions, Linear equations) and their Spanish', function () {
  this.timeout(60_000);
  let packs: Pack[];
  let linear: Pack;
  before(async () => {
    packs = await loadBuiltInPacks();
    linear = packs.find((p) => p.pack.id === 'linear-equations')!;
  });

  it('loads both built-in packs, the demo pack first', () => {
    expect(packs.map((p) => p.pack.id)).to.deep.equal(['fractions', 'linear-equations']);
    expect([...BUILT_IN_PACKS]).to.deep.equal(packs.map((p) => p.pack.id));
  });

  it('Linear equations: >= 10 skills with CCSS codes in a prerequisite DAG, >= 150 items, many templates, several answer types', () => {
    expect(linear.pack.title).to.equal('Linear equations');
    expect(linear.skills.length).to.be.at.least(10);
    for (const s of linear.skills) expect(s.standards.some((c) => c.startsWith('CCSS.MATH.CONTENT.')), s.id).to.equal(true);
    const codes = linear.skills.flatMap((s) => s.standards);
    for (const c of ['8.EE.C.7', '8.EE.C.7.A', '8.EE.C.7.B', '8.EE.B.5', '8.EE.B.6', '8.EE.C.8', '8.F.B.4', '7.EE.A.1']) expect(codes, c).to.include(`CCSS.MATH.CONTENT.${c}`);
    expect(linear.skills.filter((s) => s.prerequisites.length > 0).length).to.be.at.least(10);
    expect(topologicalOrder(linear.skills)).to.have.length(linear.skills.length);
    expect(linear.items.length).to.be.at.least(150);
    expect(linear.items.filter((i) => i.template).length).to.be.at.least(40);
    const types = new Set(linear.items.map((i) => i.type));
    for (const t of ['numeric', 'math_expression', 'single_choice', 'multiple_choice', 'short_text', 'ordering']) expect(types, t).to.include(t);
    for (const s of linear.skills) expect(linear.items.filter((i) => i.skills.includes(s.id)).length, s.id).to.be.at.least(8);
    for (const i of linear.items) {
      expect(i.difficulty, `${i.id} difficulty`).to.be.a('number');
      expect(i.solution, `${i.id} solution`).to.be.a('string');
    }
    expect(linear.items.filter((i) => i.hints.length > 0).length).to.be.at.least(140);
  });

  it('Linear equations: every item instantiates (templates at 7 seeds), renders, and grades its own answer correct and its distractors wrong', () => {
    let checked = 0;
    for (const { label, item } of instances(linear)) {
      checkOwnAnswers(item, label);
      const view = renderItemForStudent(item, { locale: 'es' });
      expect(view.stemHtml, label).to.be.a('string').and.not.equal('');
      checked++;
    }
    expect(checked).to.be.at.least(150 + 6 * 54);
  });

  it('every item, skill and pack title of both packs has a complete Spanish translation', () => {
    const gaps: string[] = [];
    for (const pack of packs) {
      if (!pack.pack.translations?.es?.title) gaps.push(`${pack.pack.id}: pack title`);
      for (const s of pack.skills) if (!s.translations?.es?.name) gaps.push(`${pack.pack.id}: skill ${s.id}`);
      for (const item of pack.items) {
        const missing = missingTranslations(item, 'es');
        if (missing.length) gaps.push(`${pack.pack.id}: item ${item.id}: ${missing.join(', ')}`);
      }
    }
    expect(gaps, gaps.slice(0, 20).join('\n')).to.deep.equal([]);
  });

  it('Spanish instances of templates use the same random values as the English ones, and grade the same', () => {
    for (const pack of packs) {
      for (const t of pack.items.filter((i) => i.template)) {
        for (const seed of [1, 5, 77]) {
          const inst = instantiate(t, seed);
          const es = localizeItem(inst.item, 'es-MX');
          expect(es.stem, `${t.id}#${seed}`).to.not.match(/\{\{/);
          const nums = (s: string) => (s.match(/\d+/g) ?? []).sort().join(',');
          // Same draws: the numbers of the Spanish stem are those of the English one (words aside).
          if (!/\{\{name\}\}/.test(t.stem)) expect(nums(es.stem), `${t.id}#${seed}: ${inst.item.stem} / ${es.stem}`).to.equal(nums(inst.item.stem));
          expect(grade(es, correctResponse(inst.item)).correct, `${t.id}#${seed}`).to.equal(true);
        }
      }
    }
  });

  it('shows Spanish to an es launch (stem, choices, hints, answer, feedback, skill names, pack title) and English otherwise', () => {
    const fr = packs[0]!;
    const item = fr.items.find((i) => i.id === 'unit-word-denominator')!;
    const es = renderItemForStudent(item, { locale: 'es-MX' });
    expect(es.lang).to.equal('es');
    expect(es.stemHtml).to.contain('cómo se llama');
    expect(renderHint(item, 0, { locale: 'es' })).to.contain('debajo');
    expect(renderAnswer(item, { locale: 'es' }).solutionHtml).to.contain('denominador');
    const en = renderItemForStudent(item, { locale: 'en-US' });
    expect(en.lang).to.equal('en');
    expect(en.stemHtml).to.contain('what is the number');
    expect(renderItemForStudent(item, { locale: 'fr' }).stemHtml).to.contain('what is the number');
    // A Spanish answer is accepted; a wrong answer's feedback, stored in English, is shown in Spanish.
    expect(grade(item, 'denominador').correct).to.equal(true);
    const wrong = grade(item, 'numerator');
    expect(renderGrade(wrong, { item, locale: 'es' }).feedbackHtml).to.contain('número de arriba');
    expect(renderGrade(wrong, { item, locale: 'en' }).feedbackHtml).to.contain('top number');
    const choice = linear.items.find((i) => i.id === 'one-step-inverse')!;
    expect(renderItemForStudent(choice, { locale: 'es' }).choices.map((c) => c.html).join(' ')).to.contain('Restar 7');
    expect(skillName(linear.skills[0]!, 'es')).to.equal('Evaluar expresiones');
    expect(skillName(linear.skills[0]!, 'en')).to.equal('Evaluating expressions');
    expect(packTitle(fr.pack, 'es')).to.equal('Fracciones');
    expect(packTitle(fr.pack, 'de')).to.equal('Fractions');
  });

  it('falls back to English field by field when a translation lacks a field', () => {
    const [pack] = [
      parsePack([
        {
          name: 'p.yaml',
          text: `
pack: { id: p, title: P, translations: { es: { title: Pe } } }
skills: [{ id: s, name: Skill }]
items:
  - id: q
    type: single_choice
    skills: [s]
    stem: Pick the right one
    hints: [First hint, Second hint]
    solution: Because.
    choices:
      - { id: a, text: Right, correct: true }
      - { id: b, text: Wrong, feedback: Not this one }
    translations:
      es:
        stem: Elige la correcta
        hints: [Primera pista]
        choices: { a: Correcta }
`,
        },
      ]),
    ];
    const item = pack!.items[0]!;
    const view = renderItemForStudent(item, { locale: 'es' });
    expect(view.stemHtml).to.contain('Elige la correcta');
    expect(view.choices.map((c) => c.html)).to.deep.equal(['Correcta', 'Wrong']);
    expect(renderHint(item, 0, { locale: 'es' })).to.contain('Primera pista');
    expect(renderHint(item, 1, { locale: 'es' })).to.contain('Second hint');
    expect(renderAnswer(item, { locale: 'es' }).solutionHtml).to.contain('Because.');
    expect(renderGrade(grade(item, 'b'), { item, locale: 'es' }).feedbackHtml).to.contain('Not this one');
    expect(missingTranslations(item, 'es')).to.deep.equal(['hints[1]', 'solution', 'choices.b.text', 'choices.b.feedback']);
    expect(skillName(pack!.skills[0]!, 'es')).to.equal('Skill');
  });

  it('refuses translations that do not match the item (unknown choice, too many hints, unknown item in a translator file)', () => {
    const base = `pack: { id: p, title: P }
skills: [{ id: s, name: S }]
items:
  - id: q
    type: single_choice
    skills: [s]
    stem: Pick
    hints: [One]
    choices: [{ id: a, text: A, correct: true }, { id: b, text: B }]
`;
    const bad = base + `    translations: { es: { hints: [Uno, Dos], choices: { z: Zeta }, stem: 'Roto $\\frac{1}{$' } }\n`;
    const err = (() => {
      try {
        parsePack([{ name: 'p.yaml', text: bad }]);
        return null;
      } catch (e) {
        return String(e);
      }
    })();
    expect(err).to.contain('translations.es.hints').and.contain('unknown choice "z"').and.contain('translations.es.stem: LaTeX error');
    expect(() => parsePack([{ name: 'p.yaml', text: base }, { name: 'es.yaml', text: 'translations: { es: { items: { nope: { stem: X } } } }' }])).to.throw(/unknown item "nope"/);
    const merged = parsePack([{ name: 'p.yaml', text: base }, { name: 'es.yaml', text: 'translations: { es: { items: { q: { stem: Elige } }, skills: { s: { name: Ese } } } }' }]);
    expect(merged.items[0]!.translations?.es?.stem).to.equal('Elige');
    expect(merged.skills[0]!.translations?.es?.name).to.equal('Ese');
  });
});
