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

/**
 * A translator for one language (values are escaped by the EJS templates, not here). Lookups without
 * options (most of a page) are memoised per language: the resources never change while running.
 */
export function translator(locale: string | undefined): TFunction {
  const lang = languageOf(locale);
  let t = translators.get(lang);
  if (!t) {
    const fixed = i18n.getFixedT(lang) as unknown as (key: unknown, options?: unknown) => string;
    const plain = new Map<string, string>();
    t = ((key: unknown, options?: unknown) => {
      if (options !== undefined || typeof key !== 'string') return fixed(key, options);
      let v = plain.get(key);
      if (v === undefined) {
        v = fixed(key);
        plain.set(key, v);
      }
      return v;
    }) as unknown as TFunction;
    translators.set(lang, t);
  }
  return t;
}
