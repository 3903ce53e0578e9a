import { expect } from 'chai';
import { PackError, parsePack, serializePack } from '../../src/content/pack.js';
import { findCycle, topologicalOrder, allPrerequisites } from '../../src/content/skills.js';
import { packYaml } from './factories.js';

/** The PackError thrown by parsePack, or a failure. */
function packError(files: { name: string; text: string }[]): PackError {
  try {
    parsePack(files);
  } catch (err) {
    if (err instanceof PackError) return err;
    throw err;
  }
  throw new Error('expected a PackError');
}

const goodItem = `  - id: q1
    type: numeric
    stem: What is $\\frac{1}{2} + \\frac{1}{4}$?
    skills: [s1]
    answer: 3/4
`;

describe('content pack', () => {
  it('parses a YAML pack across several files, with defaults', () => {
    const pack = parsePack([
      { name: 'pack.yaml', text: packYaml('') },
      { name: 'items.yaml', text: `items:\n${goodItem}` },
      { name: 'more.json', text: JSON.stringify({ items: [{ id: 'q2', type: 'short_text', stem: 'Top number?', skills: ['s1'], answers: ['numerator'] }] }) },
    ]);
    expect(pack.pack).to.deep.include({ id: 'test', title: 'Test pack', locale: 'en' });
    expect(pack.items.map((i) => i.id)).to.deep.equal(['q1', 'q2']);
    expect(pack.items[0]!.hints).to.deep.equal([]);
  });

  it('names the file, the item id and the path of a schema error', () => {
    const err = packError([
      {
        name: 'fractions/items.yaml',
        text: packYaml(`${goodItem}  - id: q2\n    type: single_choice\n    stem: Pick\n    skills: [s1]\n    choices:\n      - {id: a, text: one, correct: true}\n      - {id: b, text: 7}\n`),
      },
    ]);
    expect(err.issues).to.have.length(1);
    expect(err.issues[0]).to.deep.include({ file: 'fractions/items.yaml', itemId: 'q2', path: 'choices[1].text' });
    expect(err.message).to.contain('fractions/items.yaml: item "q2" at choices[1].text:');
  });

  it('reports unknown keys, unknown types and missing fields with the item id', () => {
    const err = packError([{ name: 'a.yaml', text: packYaml(`  - id: q9\n    type: essay\n    stem: Write\n    skills: [s1]\n  - id: q10\n    type: numeric\n    skills: [s1]\n    stem: x\n    answr: 3\n`) }]);
    const lines = err.message.split('\n').slice(1);
    expect(lines.some((l) => l.startsWith('a.yaml: item "q9" at type:'))).to.equal(true, err.message);
    expect(lines.some((l) => l.startsWith('a.yaml: item "q10"') && /answr|answer/.test(l))).to.equal(true, err.message);
  });

  it('reports YAML syntax errors with line and column, and invalid JSON', () => {
    const err = packError([
      { name: 'bad.yaml', text: 'pack: {id: x, title: [\n' },
      { name: 'bad.json', text: '{"pack": ' },
    ]);
    expect(err.issues[0]!.file).to.match(/^bad\.yaml:\d+:\d+$/);
    expect(err.issues.some((i) => i.file === 'bad.json' && /not valid JSON/.test(i.message))).to.equal(true);
  });

  it('refuses YAML aliases (no billion laughs)', () => {
    const text = `${packYaml('')}x: &a [1, 2]\ny: [*a, *a]\n`;
    expect(packError([{ name: 'lol.yaml', text }]).message).to.match(/lol\.yaml: YAML anchors and aliases .* are not supported/);
  });

  it('refuses prerequisite cycles, naming the cycle', () => {
    const skills = '  - {id: a, name: A, prerequisites: [c]}\n  - {id: b, name: B, prerequisites: [a]}\n  - {id: c, name: C, prerequisites: [b]}\n';
    const err = packError([{ name: 'p.yaml', text: packYaml('', skills) }]);
    expect(err.message).to.contain('prerequisite cycle: a -> c -> b -> a');
    expect(err.issues[0]).to.deep.include({ file: 'p.yaml', skillId: 'a' });
  });

  it('refuses unknown references, duplicates, wrong answers and broken math', () => {
    const items = `${goodItem}${goodItem.replace('answer: 3/4', 'answer: three quarters')}  - id: q3
    type: single_choice
    stem: $\\frac{1}{$
    skills: [nope]
    choices:
      - {id: a, text: x}
      - {id: a, text: y}
  - id: q4
    type: short_text
    stem: "![pie](media:pie)"
    skills: [s1]
    regex: "(unclosed"
`;
    const err = packError([{ name: 'p.yaml', text: packYaml(items, '  - {id: s1, name: S, prerequisites: [ghost]}\n') }]);
    const msg = err.message;
    expect(msg).to.contain('p.yaml: skill "s1" at prerequisites[0]: unknown skill "ghost"');
    expect(msg).to.contain('p.yaml: item "q1" at id: duplicate item id (also in p.yaml)');
    expect(msg).to.contain('item "q3" at skills[0]: unknown skill "nope"');
    expect(msg).to.contain('item "q3" at stem: LaTeX error');
    expect(msg).to.contain('item "q3" at choices[1].id: duplicate id "a"');
    expect(msg).to.contain('item "q3" at choices: exactly one choice must be correct (found 0)');
    expect(msg).to.contain('item "q4" at stem: unknown media "pie"');
    expect(msg).to.contain('item "q4" at regex: invalid regular expression');
  });

  it('validates that templates instantiate', () => {
    const items = `  - id: t1
    type: numeric
    stem: "{{a}}"
    skills: [s1]
    answer: "{{a}}"
    template:
      variables: {a: {min: 1, max: 3}}
      constraints: ["a > 5"]
`;
    const err = packError([{ name: 'p.yaml', text: packYaml(items) }]);
    expect(err.message).to.match(/p\.yaml: item "t1" at template: no well-formed instance/);
  });

  it('needs exactly one pack metadata block', () => {
    expect(packError([{ name: 'i.yaml', text: `items:\n${goodItem}` }]).message).to.match(/no file has `pack` metadata/);
    expect(packError([{ name: 'a.yaml', text: packYaml('') }, { name: 'b.yaml', text: 'pack: {id: y, title: Y}' }]).message).to.match(/already given in a\.yaml/);
  });

  it('round-trips through YAML and JSON export', () => {
    const pack = parsePack([{ name: 'p.yaml', text: packYaml(goodItem) }]);
    expect(parsePack([{ name: 'x.yaml', text: serializePack(pack, 'yaml') }])).to.deep.equal(pack);
    expect(parsePack([{ name: 'x.json', text: serializePack(pack, 'json') }])).to.deep.equal(pack);
    expect(serializePack(pack)).to.not.contain('hints');
  });
});

describe('content skills graph', () => {
  const skills = [
    { id: 'add-unlike', prerequisites: ['equiv', 'add-like'] },
    { id: 'add-like', prerequisites: ['unit'] },
    { id: 'equiv', prerequisites: ['unit'] },
    { id: 'unit', prerequisites: [] },
  ];
  it('orders skills after their prerequisites', () => {
    const order = topologicalOrder(skills);
    expect(order.indexOf('unit')).to.be.lessThan(order.indexOf('equiv'));
    expect(order.indexOf('add-like')).to.be.lessThan(order.indexOf('add-unlike'));
    expect(order).to.have.length(4);
  });
  it('lists transitive prerequisites', () => {
    expect(allPrerequisites(skills, 'add-unlike').sort()).to.deep.equal(['add-like', 'equiv', 'unit']);
  });
  it('finds cycles, including self-loops', () => {
    expect(findCycle(skills)).to.equal(null);
    expect(findCycle([{ id: 'x', prerequisites: ['x'] }])).to.deep.equal(['x', 'x']);
    expect(() => topologicalOrder([{ id: 'a', prerequisites: ['b'] }, { id: 'b', prerequisites: ['a'] }])).to.throw(/a -> b -> a/);
  });
});
