/**
 * 1EdTech QTI 2.1 and 3.0 items (alone or in a package zip with imsmanifest.xml). Interactions:
 * choice (one or several answers), text entry (text or number), inline choice, order, match (as one
 * part per pair) and extended text (reported: not auto-graded). Response processing: the
 * match_correct and map_response templates, by URI or written out inline, and a number compared with
 * a tolerance (`equal` with `tolerance`, as our exporter writes). Anything else is refused per item.
 * An item with several interactions is imported as parts, one per interaction.
 */
import { Assets, QuestionMedia } from './assets.js';
import { draft, report, type Draft } from './build.js';
import { choiceId, choiceItem, matchingParts, numericItem, shortAnswerItem, type Answer } from './common.js';
import { htmlToMarkdown, type HtmlOptions } from './html.js';
import { elements, find, findAll, text, toHtml, type XNode } from './qtitree.js';

/** A response declaration. */
interface Declaration {
  identifier: string;
  cardinality: string;
  baseType: string;
  correct: string[];
  mapping?: { defaultValue: number; lowerBound?: number; upperBound?: number; entries: { key: string; value: number; caseSensitive: boolean }[] };
}

function declarations(item: XNode): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  for (const rd of elements(item, 'responseDeclaration')) {
    const mapping = find(rd, 'mapping');
    out.set(rd.attrs.identifier ?? '', {
      identifier: rd.attrs.identifier ?? '',
      cardinality: rd.attrs.cardinality ?? 'single',
      baseType: rd.attrs.baseType ?? 'identifier',
      correct: findAll(find(rd, 'correctResponse'), 'value').map((v) => text(v).trim()),
      ...(mapping
        ? {
            mapping: {
              defaultValue: Number(mapping.attrs.defaultValue ?? '0'),
              ...(mapping.attrs.lowerBound !== undefined ? { lowerBound: Number(mapping.attrs.lowerBound) } : {}),
              ...(mapping.attrs.upperBound !== undefined ? { upperBound: Number(mapping.attrs.upperBound) } : {}),
              entries: elements(mapping, 'mapEntry').map((e) => ({ key: (e.attrs.mapKey ?? '').trim(), value: Number(e.attrs.mappedValue ?? '0'), caseSensitive: /^true$/i.test(e.attrs.caseSensitive ?? 'false') })),
            },
          }
        : {}),
    });
  }
  return out;
}

type Processing = { kind: 'match_correct' } | { kind: 'map_response' } | { kind: 'tolerance'; tolerance: number } | { kind: 'none' } | { kind: 'other'; what: string };

/** Which response processing an item uses (per response identifier for inline rules). */
function processing(item: XNode): Processing {
  const rp = find(item, 'responseProcessing');
  if (!rp) return { kind: 'none' };
  const template = rp.attrs.template ?? rp.attrs.templateLocation ?? '';
  if (template) {
    if (/match_correct(\.xml)?$/i.test(template)) return { kind: 'match_correct' };
    if (/map_response(\.xml)?$/i.test(template)) return { kind: 'map_response' };
    return { kind: 'other', what: `the response processing template "${template.replace(/^.*\//, '')}"` };
  }
  if (findAll(rp, 'mapResponsePoint').length || findAll(rp, 'inside').length) return { kind: 'other', what: 'area (point) response processing' };
  if (findAll(rp, 'mapResponse').length) return { kind: 'map_response' };
  const equal = findAll(rp, 'equal')[0];
  if (equal && equal.attrs.tolerance !== undefined && findAll(equal, 'correct').length) {
    const [t] = equal.attrs.tolerance.trim().split(/\s+/);
    if ((equal.attrs.toleranceMode ?? 'exact') === 'absolute') return { kind: 'tolerance', tolerance: Number(t) };
    return { kind: 'other', what: `a ${equal.attrs.toleranceMode} tolerance` };
  }
  if (findAll(rp, 'match').some((m) => findAll(m, 'correct').length)) return { kind: 'match_correct' };
  return { kind: 'other', what: 'custom response processing (only the match_correct and map_response templates are supported)' };
}

const BLOCK_INTERACTIONS = new Set(['choiceInteraction', 'orderInteraction', 'matchInteraction', 'extendedTextInteraction', 'associateInteraction', 'gapMatchInteraction', 'hotspotInteraction', 'graphicOrderInteraction', 'graphicAssociateInteraction', 'graphicGapMatchInteraction', 'hottextInteraction', 'positionObjectInteraction', 'selectPointInteraction', 'sliderInteraction', 'uploadInteraction', 'drawingInteraction', 'mediaInteraction', 'customInteraction', 'portableCustomInteraction']);
const INLINE_INTERACTIONS = new Set(['textEntryInteraction', 'inlineChoiceInteraction', 'endAttemptInteraction']);
const SUPPORTED = new Set(['choiceInteraction', 'orderInteraction', 'matchInteraction', 'textEntryInteraction', 'inlineChoiceInteraction', 'extendedTextInteraction']);
const FEEDBACK = new Set(['feedbackInline', 'feedbackBlock', 'modalFeedback', 'rubricBlock', 'templateBlock', 'templateInline', 'printedVariable', 'stylesheet']);

const OPEN = '\uE020';
const CLOSE = '\uE021';

/** Context of an item in a package. */
export interface QtiContext {
  file: string;
  /** Files of the package, by path relative to the item's folder. */
  files: (path: string) => Uint8Array | undefined;
  assets: Assets;
  category: string[];
  tags: string[];
}

/** Reads one QTI 2.1/3.0 assessment item into a draft. */
export function readQtiItem(item: XNode, ctx: QtiContext): Draft {
  const d = draft(ctx.file, item.line, item.attrs.title || item.attrs.identifier, ctx.category);
  d.ident = item.attrs.identifier;
  d.tags = ctx.tags;
  try {
    readItem(d, item, ctx);
  } catch (err) {
    report(d, 'error', `could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  return d;
}

function readItem(d: Draft, item: XNode, ctx: QtiContext): void {
  const media = new QuestionMedia(ctx.assets, ctx.files, (m) => report(d, 'warning', m));
  const html: HtmlOptions = { image: media.image, warn: (m) => report(d, 'warning', m) };
  const md = (nodes: (XNode | string)[]) => htmlToMarkdown(toHtml(nodes, (n) => (FEEDBACK.has(n.name) ? '' : undefined)), html);
  const body = find(item, 'itemBody');
  if (!body) {
    report(d, 'error', 'no itemBody');
    return;
  }
  const decls = declarations(item);
  const rp = processing(item);
  const interactions: XNode[] = [];
  const collect = (n: XNode) => {
    if (BLOCK_INTERACTIONS.has(n.name) || INLINE_INTERACTIONS.has(n.name)) interactions.push(n);
    else elements(n).forEach(collect);
  };
  collect(body);
  if (!interactions.length) {
    report(d, 'skipped', 'no interaction (text only, nothing to answer): not imported');
    return;
  }
  const unsupported = interactions.filter((i) => !SUPPORTED.has(i.name));
  if (unsupported.length) {
    report(d, 'error', `${[...new Set(unsupported.map((i) => i.name))].join(', ')} ${unsupported.length > 1 ? 'are' : 'is'} not supported (choice, text entry, inline choice, order, match and extended text are)`);
    return;
  }
  const gradable = interactions.filter((i) => i.name !== 'extendedTextInteraction');
  if (!gradable.length) {
    report(d, 'skipped', 'extended text (essay): written answers are stored by the LMS, not auto-graded, and Mastery practises only auto-graded questions: not imported');
    return;
  }
  if (gradable.length < interactions.length) report(d, 'warning', 'its extended-text (essay) part is not imported: not auto-graded');
  if (rp.kind === 'none') {
    report(d, 'error', 'no response processing: the item says nothing about which answers are right');
    return;
  }
  if (rp.kind === 'other') {
    report(d, 'error', `${rp.what} is not supported`);
    return;
  }
  if (find(item, 'modalFeedback') || find(body, 'feedbackBlock')) report(d, 'warning', 'modal and block feedback are not imported (they depend on outcome rules)');
  if (find(item, 'templateDeclaration')) {
    report(d, 'error', 'template (cloned) items with templateDeclaration are not supported');
    return;
  }

  // The stem: block interactions leave their prompt, inline ones a numbered blank.
  let k = 0;
  const index = new Map<XNode, number>();
  const stemHtml = toHtml(body.children, (n) => {
    if (FEEDBACK.has(n.name)) return '';
    if (BLOCK_INTERACTIONS.has(n.name)) {
      const prompt = find(n, 'prompt');
      return prompt ? `<p>${toHtml(prompt.children)}</p>` : '';
    }
    if (INLINE_INTERACTIONS.has(n.name)) {
      index.set(n, ++k);
      return `${OPEN}${k}${CLOSE}`;
    }
    return undefined;
  });
  let stemMd = htmlToMarkdown(stemHtml, html);
  // A lone answer box in its own paragraph at the end (as our exporter writes it) is not a blank in the text.
  if (gradable.length === 1 && k === 1) stemMd = stemMd.replace(new RegExp(`(^|\\n\\n)${OPEN}1${CLOSE}$`), '').trim() || stemMd;
  const several = gradable.length > 1;
  const inlineCount = k;
  const items: Record<string, unknown>[] = [];
  gradable.forEach((interaction, p) => {
    const n = index.get(interaction);
    const stem = stemMd.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_, j: string) => (Number(j) === n || (!several && inlineCount === 1) ? (several ? `**(${j}) \\_\\_\\_\\_\\_**` : '\\_\\_\\_\\_\\_') : `(${j}) \\_\\_\\_\\_\\_`));
    const base: Record<string, unknown> = { stem: several ? `${stem}\n\n*Answer ${n !== undefined ? `blank (${n})` : `part ${p + 1}`}.*` : stem, hints: [], feedback: {}, ...(several ? { idSuffix: `part${p + 1}` } : {}) };
    const decl = decls.get(interaction.attrs.responseIdentifier ?? '');
    const sub: Draft = { ...d, issues: [] };
    if (!decl) report(sub, 'error', `no responseDeclaration "${interaction.attrs.responseIdentifier}"`);
    else items.push(...interactionItems(sub, interaction, decl, rp, base, md));
    for (const i of sub.issues) report(d, i.severity, several ? `part ${p + 1}: ${i.message}` : i.message);
  });
  if (d.issues.some((i) => i.severity === 'error')) return;
  if (several) report(d, 'warning', `item with ${gradable.length} interactions imported as ${gradable.length} parts, one per interaction`);
  if (media.media.length) for (const i of items) i.media = media.media;
  d.items = items;
}

/** Credit (percent) of a key under the declaration's mapping, or null without one. */
function mapped(decl: Declaration, key: string): number | null {
  const m = decl.mapping;
  if (!m) return null;
  const e = m.entries.find((x) => x.key === key);
  return (e ? e.value : m.defaultValue) * 100;
}

function interactionItems(d: Draft, n: XNode, decl: Declaration, rp: Processing, base: Record<string, unknown>, md: (nodes: (XNode | string)[]) => string): Record<string, unknown>[] {
  const useMap = rp.kind === 'map_response';
  if (useMap && !decl.mapping) {
    report(d, 'error', `map_response without a mapping for "${decl.identifier}"`);
    return [];
  }
  if (!useMap && rp.kind !== 'tolerance' && decl.correct.length === 0) {
    report(d, 'error', `no correctResponse for "${decl.identifier}"`);
    return [];
  }
  const upper = decl.mapping?.upperBound ?? 1;
  switch (n.name) {
    case 'choiceInteraction':
    case 'inlineChoiceInteraction': {
      const choices = elements(n, n.name === 'choiceInteraction' ? 'simpleChoice' : 'inlineChoice');
      const single = n.name === 'inlineChoiceInteraction' || n.attrs.maxChoices === '1' || decl.cardinality === 'single';
      const answers: Answer[] = choices.map((c) => {
        const fb = elements(c, 'feedbackInline').map((f) => md(f.children)).filter(Boolean).join('\n\n');
        const id = c.attrs.identifier ?? '';
        let fraction: number;
        if (useMap) fraction = (mapped(decl, id) ?? 0) / (single ? upper || 1 : 1);
        else fraction = decl.correct.includes(id) ? (single ? 100 : 100 / decl.correct.length) : single ? 0 : -100 / Math.max(1, decl.correct.length);
        return { text: md(c.children) || '(empty)', fraction, ...(fb ? { feedback: fb } : {}) };
      });
      const item = choiceItem(d, base, answers, { single, shuffle: /^true$/i.test(n.attrs.shuffle ?? 'false') });
      if (!item) return [];
      // Match_correct with several answers is all or nothing; keep that instead of weighted credit.
      if (!single && !useMap && item.type === 'multiple_choice') {
        item.scoring = 'all_or_nothing';
        for (const c of item.choices as Record<string, unknown>[]) delete c.credit;
      }
      item.choices = (item.choices as Record<string, unknown>[]).map((c, k) => ({ ...c, id: safeId(choices[k]!.attrs.identifier) ?? choiceId(k) }));
      return [item];
    }
    case 'textEntryInteraction': {
      const numeric = decl.baseType === 'float' || decl.baseType === 'integer';
      let answers: Answer[];
      if (useMap) answers = decl.mapping!.entries.map((e) => ({ text: e.key, fraction: (e.value / (upper || 1)) * 100 }));
      else answers = decl.correct.map((c) => ({ text: c, fraction: 100, ...(rp.kind === 'tolerance' ? { tolerance: rp.tolerance } : {}) }));
      if (numeric) {
        const item = numericItem(d, base, answers);
        return item ? [item] : [];
      }
      const caseSensitive = useMap ? decl.mapping!.entries.some((e) => e.caseSensitive) : true;
      const item = shortAnswerItem(d, base, answers.map((a) => ({ ...a, text: a.text.replace(/\*/g, '\\*') })), caseSensitive);
      return item ? [item] : [];
    }
    case 'orderInteraction': {
      if (useMap) {
        report(d, 'error', 'an order interaction graded with map_response is not supported (use match_correct)');
        return [];
      }
      const choices = new Map(elements(n, 'simpleChoice').map((c) => [c.attrs.identifier ?? '', c]));
      if (decl.correct.length !== choices.size || decl.correct.some((id) => !choices.has(id))) {
        report(d, 'error', 'the correct order must list every choice exactly once');
        return [];
      }
      return [{ ...base, type: 'ordering', scoring: 'all_or_nothing', entries: decl.correct.map((id, k) => ({ id: safeId(id) ?? `e${k + 1}`, text: md(choices.get(id)!.children) || '(empty)' })) }];
    }
    case 'matchInteraction': {
      const [sources, targets] = elements(n, 'simpleMatchSet');
      const label = (set: XNode | undefined) => new Map(elements(set, 'simpleAssociableChoice').map((c) => [c.attrs.identifier ?? '', text(c).trim()]));
      const src = label(sources);
      const tgt = label(targets);
      const pairs = useMap ? decl.mapping!.entries.filter((e) => e.value > 0).map((e) => e.key) : decl.correct;
      const right = new Map<string, string>();
      for (const p of pairs) {
        const [a, b] = p.split(/\s+/);
        if (!a || !b || !src.has(a) || !tgt.has(b)) {
          report(d, 'error', `the pair "${p}" does not name a source and a target choice`);
          return [];
        }
        if (right.has(a)) {
          report(d, 'error', `"${src.get(a)}" has more than one right match; only one match per entry is supported`);
          return [];
        }
        right.set(a, b);
      }
      const list = [...src.keys()].filter((a) => right.has(a)).map((a) => ({ question: src.get(a)!, answer: tgt.get(right.get(a)!)! }));
      for (const [id, t] of tgt) if (![...right.values()].includes(id)) list.push({ question: '', answer: t });
      return matchingParts(d, { ...base, stem: String(base.stem) }, list);
    }
  }
  report(d, 'error', `${n.name} is not supported`);
  return [];
}

function safeId(id: string | undefined): string | undefined {
  return id && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) ? id : undefined;
}
