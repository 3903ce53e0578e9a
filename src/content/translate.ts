/**
 * Packs in the student's language. Items, skills and the pack may carry `translations` by language
 * (see docs/content-format.md); these functions pick the one for a launch locale — the exact tag
 * (`es-MX`), then its base language (`es`) — and fall back, field by field, to the pack's own text.
 * Answers are never translated (except extra accepted short-text answers), so grading does not
 * depend on the language; only what is shown does. Pure.
 */
import type { Item, ItemTranslation, PackMeta, Skill } from './content.schema.js';

/** The key of `translations` to use for a locale, or null when the pack's own text applies. */
export function translationKey(translations: Record<string, unknown> | undefined, locale: string | undefined, packLocale = 'en'): string | null {
  if (!translations || !locale) return null;
  const wanted = locale.replace(/_/g, '-');
  const base = wanted.split('-')[0]!.toLowerCase();
  if (base === packLocale.split(/[-_]/)[0]!.toLowerCase() && !(wanted in translations)) return null;
  const keys = Object.keys(translations);
  return keys.find((k) => k.toLowerCase() === wanted.toLowerCase()) ?? keys.find((k) => k.toLowerCase() === base) ?? null;
}

/** The language the text of an item is shown in for a locale (for the `lang` attribute). */
export function itemLanguage(item: Item, locale: string | undefined, packLocale = 'en'): string {
  const key = translationKey(item.translations, locale, packLocale);
  return key && item.translations![key]!.stem ? key : packLocale;
}

const localized = new WeakMap<Item, Map<string, Item>>();

/**
 * The item with its text in the locale's language where a translation gives it (the rest as written).
 * Ids, answers, variables and the template block are unchanged, so a translated instance grades the
 * same. Give it a concrete item (an instance) to translate filled-in text. Memoised per item object.
 */
export function localizeItem(item: Item, locale: string | undefined, packLocale = 'en'): Item {
  const key = translationKey(item.translations, locale, packLocale);
  if (!key) return item;
  let byKey = localized.get(item);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const out = applyTranslation(item, item.translations![key]!);
  if (!byKey) localized.set(item, (byKey = new Map()));
  byKey.set(key, out);
  return out;
}

function applyTranslation(item: Item, tr: ItemTranslation): Item {
  const pick = (t: string | undefined, orig: string) => (t !== undefined && t !== '' ? t : orig);
  const base = {
    stem: pick(tr.stem, item.stem),
    hints: item.hints.map((h, i) => pick(tr.hints?.[i], h)),
    solution: item.solution === undefined && !tr.solution ? undefined : pick(tr.solution, item.solution ?? ''),
    feedback: {
      ...(item.feedback.correct !== undefined || tr.feedback?.correct ? { correct: pick(tr.feedback?.correct, item.feedback.correct ?? '') } : {}),
      ...(item.feedback.incorrect !== undefined || tr.feedback?.incorrect ? { incorrect: pick(tr.feedback?.incorrect, item.feedback.incorrect ?? '') } : {}),
    },
    media: item.media.map((m) => ({ ...m, alt: pick(tr.media?.[m.id], m.alt) })),
  };
  const out = { ...item, ...base } as Item;
  if (out.solution === undefined) delete (out as { solution?: string }).solution;
  switch (out.type) {
    case 'single_choice':
    case 'multiple_choice':
      out.choices = out.choices.map((c) => {
        const t = tr.choices?.[c.id];
        if (t === undefined) return c;
        const text = typeof t === 'string' ? t : t.text;
        const feedback = typeof t === 'string' ? undefined : t.feedback;
        return { ...c, text: pick(text, c.text), ...(c.feedback !== undefined || feedback ? { feedback: pick(feedback, c.feedback ?? '') } : {}) };
      });
      break;
    case 'ordering':
      out.entries = out.entries.map((e) => ({ ...e, text: pick(tr.entries?.[e.id], e.text) }));
      break;
    case 'numeric':
    case 'short_text':
    case 'math_expression':
      out.wrongAnswers = out.wrongAnswers.map((w, i) => ({ ...w, feedback: pick(tr.wrongAnswers?.[i], w.feedback) }));
      break;
  }
  return out;
}

/**
 * The feedback a grade returned (in the pack's language, as stored with the answer) in the locale's
 * language: the translated counterpart of the item field it came from, or the text unchanged.
 */
export function translateFeedback(item: Item, feedback: string, locale: string | undefined, packLocale = 'en'): string {
  if (!feedback) return feedback;
  const shown = localizeItem(item, locale, packLocale);
  if (shown === item) return feedback;
  const pairs: [string | undefined, string | undefined][] = [
    [item.feedback.correct, shown.feedback.correct],
    [item.feedback.incorrect, shown.feedback.incorrect],
  ];
  if ((item.type === 'single_choice' || item.type === 'multiple_choice') && (shown.type === 'single_choice' || shown.type === 'multiple_choice')) {
    item.choices.forEach((c, i) => pairs.push([c.feedback, shown.choices[i]?.feedback]));
  }
  if ((item.type === 'numeric' || item.type === 'short_text' || item.type === 'math_expression') && 'wrongAnswers' in shown) {
    item.wrongAnswers.forEach((w, i) => pairs.push([w.feedback, shown.wrongAnswers[i]?.feedback]));
  }
  return pairs.find(([orig, tr]) => orig === feedback && tr)?.[1] ?? feedback;
}

/** A skill's name in the locale's language (or as written). */
export function skillName(skill: Skill, locale: string | undefined, packLocale = 'en'): string {
  const key = translationKey(skill.translations, locale, packLocale);
  return (key && skill.translations![key]!.name) || skill.name;
}

/** A skill with its name and description in the locale's language. */
export function localizeSkill(skill: Skill, locale: string | undefined, packLocale = 'en'): Skill {
  const key = translationKey(skill.translations, locale, packLocale);
  if (!key) return skill;
  const tr = skill.translations![key]!;
  return { ...skill, name: tr.name || skill.name, ...(tr.description || skill.description ? { description: tr.description || skill.description } : {}) };
}

/** The pack's title in the locale's language (or as written). */
export function packTitle(meta: PackMeta, locale: string | undefined): string {
  const key = translationKey(meta.translations, locale, meta.locale);
  return (key && meta.translations![key]!.title) || meta.title;
}

/** Every translatable text of an item as [path, text] in the pack's own language (for completeness checks). */
export function missingTranslations(item: Item, language: string): string[] {
  const tr = item.translations?.[language];
  if (!tr) return ['(all)'];
  const missing: string[] = [];
  if (!tr.stem) missing.push('stem');
  item.hints.forEach((_, i) => !tr.hints?.[i] && missing.push(`hints[${i}]`));
  if (item.solution && !tr.solution) missing.push('solution');
  if (item.feedback.correct && !tr.feedback?.correct) missing.push('feedback.correct');
  if (item.feedback.incorrect && !tr.feedback?.incorrect) missing.push('feedback.incorrect');
  if (item.type === 'single_choice' || item.type === 'multiple_choice') {
    item.choices.forEach((c) => {
      const t = tr.choices?.[c.id];
      const text = typeof t === 'string' ? t : t?.text;
      const feedback = typeof t === 'string' ? undefined : t?.feedback;
      // Choices that are only math or numbers read the same in every language.
      if (!text && /[A-Za-z]{2,}/.test(c.text.replace(/\$[^$]*\$/g, '').replace(/\\[a-z]+/g, ''))) missing.push(`choices.${c.id}.text`);
      if (c.feedback && !feedback) missing.push(`choices.${c.id}.feedback`);
    });
  }
  if (item.type === 'ordering') {
    item.entries.forEach((e) => {
      if (!tr.entries?.[e.id] && /[A-Za-z]{2,}/.test(e.text.replace(/\$[^$]*\$/g, ''))) missing.push(`entries.${e.id}`);
    });
  }
  if (item.type === 'numeric' || item.type === 'short_text' || item.type === 'math_expression') {
    item.wrongAnswers.forEach((_, i) => !tr.wrongAnswers?.[i] && missing.push(`wrongAnswers[${i}]`));
  }
  if (item.type === 'short_text' && !tr.answers?.length) missing.push('answers');
  return missing;
}
