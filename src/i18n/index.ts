import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInstance, type TFunction } from 'i18next';

type Resources = Record<string, object>;

/**
 * Every `<language>.json` of a folder, keyed by its base name ("es.json" -> "es"): adding a language is
 * adding one file here. English is required (every other language falls back to it, key by key).
 */
export function loadLanguages(dir: string): Resources {
  const out: Resources = {};
  for (const f of readdirSync(dir).sort()) {
    const m = /^([a-z]{2,3})\.json$/.exec(f);
    if (m) out[m[1]] = JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
  }
  if (!out.en) throw new Error(`no en.json in ${dir}`);
  return out;
}

/** The folder of the language files (beside this module; the Docker build copies them into dist). */
export const I18N_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESOURCES = loadLanguages(I18N_DIR);

/** Languages with translations (one JSON file each); every other locale falls back to English. */
export const LANGUAGES: readonly string[] = ['en', ...Object.keys(RESOURCES).filter((l) => l !== 'en')];
export type Language = string;

/** Each language's own name, for the language switch ("English", "Español"). */
export function languageName(lang: string): string {
  const meta = (RESOURCES[lang] as { meta?: { language_name?: string } }).meta;
  return meta?.language_name ?? lang;
}

const i18n = createInstance();
void i18n.init({
  resources: Object.fromEntries(Object.entries(RESOURCES).map(([l, r]) => [l, { translation: r }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  initAsync: false,
});

/** The language of an LTI locale such as `es-MX` or `en_US` (LTI launch `locale`). */
export function languageOf(locale: string | undefined): Language {
  const base = (locale ?? 'en').toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(base) ? base : 'en';
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
