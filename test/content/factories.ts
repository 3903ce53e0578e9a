/** Small builders of valid items and packs for the content tests. */
import { itemSchema, type Item, type ItemOf, type ItemType } from '../../src/content/content.schema.js';

/** A valid item of the given type with defaults applied; `over` replaces fields (validated by the schema). */
export function buildItem<T extends ItemType>(type: T, over: Record<string, unknown> = {}): ItemOf<T> {
  const base: Record<string, Record<string, unknown>> = {
    single_choice: { choices: [{ id: 'a', text: '1/2', correct: true }, { id: 'b', text: '1/3', feedback: 'Count the parts again.' }] },
    multiple_choice: {
      choices: [
        { id: 'a', text: '2/4', correct: true },
        { id: 'b', text: '3/6', correct: true },
        { id: 'c', text: '2/3', feedback: '2/3 is more than a half.' },
        { id: 'd', text: '1/4' },
      ],
    },
    numeric: { answer: '3/4' },
    short_text: { answers: ['denominator'] },
    math_expression: { answer: '2x + 2' },
    ordering: { entries: [{ id: 'q', text: '1/4' }, { id: 'h', text: '1/2' }, { id: 't', text: '3/4' }] },
  };
  return itemSchema.parse({ id: `${type}-1`, type, stem: 'Question?', skills: ['s1'], ...base[type], ...over }) as ItemOf<T>;
}

/** A YAML pack file text with one skill `s1` and the given items (YAML text, indented as list entries). */
export function packYaml(items: string, skills = '  - {id: s1, name: Skill one}\n'): string {
  return `pack: {id: test, title: Test pack}\nskills:\n${skills}items:\n${items}`;
}

export type { Item };
