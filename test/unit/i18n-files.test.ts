// "Adding a language is one file": the translator loads every <language>.json of src/i18n.
import { mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { I18N_DIR, LANGUAGES, languageName, languageOf, loadLanguages, translator } from '../../src/i18n/index.js';

describe('i18n: one file per language', () => {
  it('offers exactly the languages of the JSON files in src/i18n, each named in its own language', () => {
    const files = readdirSync(I18N_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    expect([...LANGUAGES].sort()).to.deep.equal(files);
    expect(languageName('en')).to.equal('English');
    expect(languageName('es')).to.equal('Español');
    for (const l of LANGUAGES) expect(languageOf(`${l}-XX`)).to.equal(l);
  });

  it('loads a new language from one more file in the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'i18n-'));
    try {
      writeFileSync(join(dir, 'en.json'), JSON.stringify({ practice: { submit: 'Check my answer' } }));
      writeFileSync(join(dir, 'fr.json'), JSON.stringify({ meta: { language_name: 'Français' }, practice: { submit: 'Vérifier' } }));
      writeFileSync(join(dir, 'notes.txt'), 'not a language');
      const r = loadLanguages(dir);
      expect(Object.keys(r).sort()).to.deep.equal(['en', 'fr']);
      expect(r.fr).to.deep.include({ practice: { submit: 'Vérifier' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder without English (the fallback of every key)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'i18n-'));
    try {
      writeFileSync(join(dir, 'es.json'), '{}');
      expect(() => loadLanguages(dir)).to.throw(/en\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('translates every student chrome key in Spanish (no English left)', () => {
    const es = translator('es');
    for (const k of ['common.skip', 'common.role_student', 'practice.read_aloud', 'practice.language', 'practice.drop_missed_two', 'practice.resume_title']) {
      expect(es(k), k).to.not.equal(translator('en')(k));
    }
  });
});
