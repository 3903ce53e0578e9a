import { expect } from 'chai';
import type { Pack } from '../../src/content/content.schema.js';
import { addPrerequisite, diffPacks, editItem, EditRefused, mergeSkills, moveSkill, removePrerequisite, renameSkill } from '../../src/content/pack-edit.js';
import { nextVersion } from '../../src/content/content.service.js';
import { itemSchema, skillSchema } from '../../src/content/content.schema.js';

function pack(): Pack {
  const skill = (id: string, name: string, prerequisites: string[] = [], standards: string[] = []) => skillSchema.parse({ id, name, prerequisites, standards });
  return {
    pack: { id: 'p', title: 'P', version: '1', locale: 'en', grades: [] },
    skills: [skill('a', 'Adding'), skill('b', 'Borrowing', ['a'], ['CCSS.MATH.CONTENT.2.NBT.B.5']), skill('c', 'Carrying', ['b']), skill('d', 'Dividing')],
    items: [
      itemSchema.parse({ id: 'q1', type: 'numeric', stem: '1 + 1?', skills: ['a'], answer: 2 }),
      itemSchema.parse({ id: 'q2', type: 'single_choice', stem: 'Pick', skills: ['b', 'c'], choices: [{ id: 'x', text: 'X', correct: true }, { id: 'y', text: 'Y' }] }),
      itemSchema.parse({ id: 'q3', type: 'short_text', stem: 'Name it', skills: ['d'], answers: ['ten'] }),
    ],
  };
}

const refused = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(EditRefused);
    return (err as Error).message;
  }
  throw new Error('expected the change to be refused');
};

describe('pack edits (pure)', () => {
  it('renames a skill and refuses an empty name or an unknown skill', () => {
    expect(renameSkill(pack(), 'a', '  Addition ').skills[0]!.name).to.equal('Addition');
    expect(refused(() => renameSkill(pack(), 'a', ' '))).to.contain('1 to 200 characters');
    expect(refused(() => renameSkill(pack(), 'zz', 'x'))).to.contain('no skill "zz"');
  });

  it('does not change the pack it is given', () => {
    const p = pack();
    renameSkill(p, 'a', 'Other');
    addPrerequisite(p, 'd', 'a');
    expect(p.skills[0]!.name).to.equal('Adding');
    expect(p.skills[3]!.prerequisites).to.deep.equal([]);
  });

  it('draws "X needs Y" and refuses a link that closes a cycle, naming it', () => {
    const p = addPrerequisite(pack(), 'd', 'c');
    expect(p.skills.find((s) => s.id === 'd')!.prerequisites).to.deep.equal(['c']);
    const msg = refused(() => addPrerequisite(pack(), 'a', 'c'));
    expect(msg).to.contain('"Adding" cannot need "Carrying"');
    expect(msg).to.contain('cycle');
    expect(refused(() => addPrerequisite(pack(), 'a', 'a'))).to.contain('cannot need itself');
    expect(removePrerequisite(pack(), 'b', 'a').skills[1]!.prerequisites).to.deep.equal([]);
  });

  it('merges skills: items, standards and prerequisites move to the kept skill, dependants need it', () => {
    const p = mergeSkills(pack(), 'c', ['b']);
    expect(p.skills.map((s) => s.id)).to.deep.equal(['a', 'c', 'd']);
    const c = p.skills.find((s) => s.id === 'c')!;
    expect(c.prerequisites).to.deep.equal(['a']);
    expect(c.standards).to.deep.equal(['CCSS.MATH.CONTENT.2.NBT.B.5']);
    expect(p.items.find((i) => i.id === 'q2')!.skills).to.deep.equal(['c']);
    expect(refused(() => mergeSkills(pack(), 'c', ['c']))).to.contain('at least one other skill');
  });

  it('moves a skill up and down, staying put at the ends', () => {
    expect(moveSkill(pack(), 'c', 'up').skills.map((s) => s.id)).to.deep.equal(['a', 'c', 'b', 'd']);
    expect(moveSkill(pack(), 'a', 'up').skills.map((s) => s.id)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(moveSkill(pack(), 'c', 'down').skills.map((s) => s.id)).to.deep.equal(['a', 'b', 'd', 'c']);
  });

  it('edits a question\'s text, answer, hints and feedback, validated by the pack schema', () => {
    const { item } = editItem(pack(), 'q1', { stem: '2 + 2?', answer: '4', hints: ['Count on.', ' '], feedbackCorrect: 'Yes', feedbackIncorrect: '' });
    expect(item).to.deep.include({ stem: '2 + 2?', answer: 4, hints: ['Count on.'], feedback: { correct: 'Yes' } });
    expect(refused(() => editItem(pack(), 'q1', { stem: '' }))).to.contain('stem');
    expect(refused(() => editItem(pack(), 'q1', { answer: 'two' }))).to.match(/answer/);
    expect(refused(() => editItem(pack(), 'q2', { choices: [{ id: 'x', text: 'X', correct: false, feedback: '' }] }))).to.contain('exactly one correct choice');
    expect(refused(() => editItem(pack(), 'q2', { choices: [{ id: 'nope', text: 'X', correct: true, feedback: '' }] }))).to.contain('no choice "nope"');
    const st = editItem(pack(), 'q3', { answers: ['ten', '10', ''] }).item;
    expect(st.type === 'short_text' && st.answers).to.deep.equal(['ten', '10']);
    expect(refused(() => editItem(pack(), 'zz', {}))).to.contain('no question "zz"');
  });

  it('diffs a new version by item id: unchanged, changed, added, removed, and the skills it lacks', () => {
    const before = pack();
    const after = editItem(pack(), 'q1', { stem: 'changed' }).pack;
    after.items = after.items.filter((i) => i.id !== 'q3');
    after.items.push(itemSchema.parse({ id: 'q4', type: 'numeric', stem: 'new', skills: ['a'], answer: 1 }));
    after.skills = after.skills.filter((s) => s.id !== 'd');
    expect(diffPacks(before, after)).to.deep.equal({ unchanged: ['q2'], changed: ['q1'], added: ['q4'], removed: ['q3'], removedSkills: ['d'] });
  });

  it('numbers the next version', () => {
    expect(nextVersion('1')).to.equal('2');
    expect(nextVersion('1.2')).to.equal('1.3');
    expect(nextVersion('beta')).to.equal('beta.1');
  });
});
