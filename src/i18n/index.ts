import { createInstance, type TFunction } from 'i18next';
import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };

/** Languages with translations; every other locale falls back to English. */
export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

const i18n = createInstance();
void i18n.init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  initAsync: false,
});

/** The language of an LTI locale such as `es-MX` or `en_US` (LTI launch `locale`). */
export function languageOf(locale: string | undefined): Language {
  const base = (locale ?? 'en').toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : 'en';
}

const translators = new Map<Language, TFunction>();
/** Translated strings kept per language (oldest dropped first). */
const MEMO_SIZE = 5_000;

/**
 * A translator for one language (values are escaped by the EJS templates, not here). Results are
 * memoised per language and options: the resources never change while running.
 */
export function translator(locale: string | undefined): TFunction {
  const lang = languageOf(locale);
  let t = translators.get(lang);
  if (!t) {
    const fixed = i18n.getFixedT(lang) as unknown as (key: unknown, options?: unknown) => string;
    const done = new Map<string, string>();
    t = ((key: unknown, options?: unknown) => {
      if (typeof key !== 'string') return fixed(key, options);
      // Options are small objects of strings and numbers (interpolation, count): part of the memo key.
      const k = options === undefined ? key : `${key}\u0000${JSON.stringify(options)}`;
      let v = done.get(k);
      if (v === undefined) {
        v = fixed(key, options);
        if (done.size >= MEMO_SIZE) done.delete(done.keys().next().value!);
        done.set(k, v);
      }
      return v;
    }) as unknown as TFunction;
    translators.set(lang, t);
  }
  return t;
}
