import { expect } from 'chai';
import en from '../../src/i18n/en.json' with { type: 'json' };
import es from '../../src/i18n/es.json' with { type: 'json' };
import { languageOf, translator } from '../../src/i18n/index.js';

const keys = (o: object, p = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]));

describe('i18n', () => {
  it('picks the language from the launch locale and falls back to English', () => {
    expect(languageOf('es-MX')).to.equal('es');
    expect(languageOf('es_ES')).to.equal('es');
    expect(languageOf('fr-FR')).to.equal('en');
    expect(languageOf(undefined)).to.equal('en');
  });
  it('translates with plurals and variables', () => {
    expect(translator('es')('practice.overall', { mastered: 2, total: 5 })).to.equal('2 de 5 habilidades dominadas');
    expect(translator('en')('practice.try_again', { count: 2 })).to.contain('2 more tries');
    expect(translator('en')('practice.try_again', { count: 1 })).to.contain('1 more try');
    expect(translator('de')('practice.submit')).to.equal('Check my answer');
  });
  it('has every English key in Spanish, and no Spanish key without an English one', () => {
    // Plural forms differ by language (Spanish has a "many" form English lacks), so compare the base keys.
    const base = (o: object) => [...new Set(keys(o).map((k) => k.replace(/_(zero|one|two|few|many|other)$/, '')))].sort();
    expect(base(es)).to.deep.equal(base(en));
  });
  it('gives every Spanish plural the forms English has', () => {
    const plural = /_(zero|one|two|few|many|other)$/;
    const esKeys = new Set(keys(es));
    const missing = keys(en).filter((k) => plural.test(k) && !esKeys.has(k));
    expect(missing).to.deep.equal([]);
  });
});
