import { expect } from 'chai';
import { loadDemoPack } from '../../src/content/content.files.js';
import { renderAnswer, renderItemForStudent } from '../../src/content/content.presenter.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses, grade } from '../../src/content/grading.js';
import { topologicalOrder } from '../../src/content/skills.js';
import { instantiate } from '../../src/content/templates.js';

/** Fails with the item id, the response and the grade when a check does not hold. */
function checkOwnAnswers(item: Item, label: string): void {
  const own = correctResponse(item);
  const g = grade(item, own);
  expect(g.correct, `${label}: own answer ${JSON.stringify(own)} -> ${JSON.stringify(g)}`).to.equal(true);
  expect(g.score).to.equal(1);
  for (const r of distractorResponses(item)) {
    const d = grade(item, r);
    expect(d.correct, `${label}: distractor ${JSON.stringify(r)} graded correct`).to.equal(false);
    expect(d.message, `${label}: distractor ${JSON.stringify(r)} unreadable: ${d.message}`).to.equal(undefined);
  }
}

describe('content demo pack "Fractions"', function () {
  this.timeout(30_000);
  let pack: Pack;
  before(async () => {
    pack = await loadDemoPack();
  });

  it('has the promised size: >= 10 skills with CCSS codes in a prerequisite DAG, >= 150 items, >= 30 templates', () => {
    expect(pack.pack).to.deep.include({ id: 'fractions', title: 'Fractions' });
    expect(pack.skills.length).to.be.at.least(10);
    for (const s of pack.skills) expect(s.standards.some((c) => c.startsWith('CCSS.MATH.CONTENT.')), s.id).to.equal(true);
    expect(pack.skills.filter((s) => s.prerequisites.length > 0).length).to.be.at.least(8);
    expect(topologicalOrder(pack.skills)).to.have.length(pack.skills.length);
    expect(pack.items.length).to.be.at.least(150);
    expect(pack.items.filter((i) => i.template).length).to.be.at.least(30);
  });

  it('uses several item types, and most items have hints and a worked solution', () => {
    const types = new Set(pack.items.map((i) => i.type));
    expect(types.size).to.be.at.least(5);
    const withHelp = pack.items.filter((i) => i.hints.length > 0 && i.solution).length;
    expect(withHelp / pack.items.length).to.be.at.least(0.9);
    for (const s of pack.skills) expect(pack.items.some((i) => i.skills.includes(s.id)), `items for ${s.id}`).to.equal(true);
  });

  it("grades every plain item's own answer correct and each listed distractor incorrect", () => {
    for (const item of pack.items.filter((i) => !i.template)) checkOwnAnswers(item, item.id);
  });

  it('does the same for 50 instances of every template, and instances vary', () => {
    for (const t of pack.items.filter((i) => i.template)) {
      const stems = new Set<string>();
      for (let seed = 1; seed <= 50; seed++) {
        const inst = instantiate(t, seed);
        checkOwnAnswers(inst.item, `${t.id}#${seed}`);
        stems.add(JSON.stringify(inst.values));
      }
      expect(stems.size, `${t.id} distinct instances in 50`).to.be.at.least(10);
    }
  });

  it('renders every item (and a template instance) without math errors or leftover placeholders', () => {
    for (const item of pack.items) {
      const student = renderItemForStudent(item, { seed: 7 });
      const answer = renderAnswer(item, { seed: 7 });
      const html = [student.stemHtml, ...student.choices.map((c) => c.html), answer.solutionHtml, ...answer.hintsHtml, answer.answerHtml].join('\n');
      expect(html, item.id).to.not.contain('katex-error');
      expect(html, item.id).to.not.contain('{{');
    }
  });
});
