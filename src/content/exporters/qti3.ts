/**
 * Export of a pack as a 1EdTech QTI 3.0 package (zip): `imsmanifest.xml`, one assessment test whose
 * sections are the pack's skills, and one item per question. Choice, number, text and ordering
 * questions are exported with the match_correct or map_response template (a number with a tolerance
 * with `qti-equal`); templates, math expressions and regex answers have no QTI form and are listed
 * as not exported, never written wrongly. Markdown becomes XHTML, math `\(..\)` / `\[..\]`.
 */
import { zipSync, strToU8 } from 'fflate';
import MarkdownIt from 'markdown-it';
import type { Item, ItemOf, Pack } from '../content.schema.js';
import { numericAnswerValue } from '../grading.js';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, xhtmlOut: true });

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What was not exported, per item. */
export interface ExportNote {
  itemId?: string;
  message: string;
}

/** Markdown with math to XHTML (math kept as `\(..\)` text, which the importers read back). */
export function markdownToXhtml(text: string, item: Item, inline = false): string {
  const urls = new Map(item.media.map((m) => [m.id, m.url]));
  const source = text.replace(/\]\(<?media:([A-Za-z0-9._-]+)>?/g, (whole, id: string) => (urls.has(id) ? `](${urls.get(id)}` : whole));
  const math: string[] = [];
  const cut = source.replace(/\\\$|\$\$([\s\S]+?)\$\$|\$([^\s$](?:[^$]*[^\s$])?)\$/g, (whole, display?: string, inl?: string) => {
    if (whole === '\\$') return whole;
    math.push(display !== undefined ? `\\[${display}\\]` : `\\(${inl}\\)`);
    return `\uE030${math.length - 1}\uE031`;
  });
  const html = (inline ? md.renderInline(cut) : md.render(cut)).trim();
  return html.replace(/\uE030(\d+)\uE031/g, (_, n: string) => esc(math[Number(n)]!));
}

function choiceXml(item: ItemOf<'single_choice'> | ItemOf<'multiple_choice'>): { decl: string; body: string; template: string } {
  const single = item.type === 'single_choice';
  const right = item.choices.filter((c) => c.correct);
  let mapping = '';
  let template = 'match_correct';
  const credits = item.choices.map((c) => {
    if (single) return c.correct ? 1 : Math.max(0, c.credit ?? 0);
    if (item.scoring === 'weighted') return c.credit ?? (c.correct ? 1 : -1) / right.length;
    return (c.correct ? 1 : -1) / right.length;
  });
  if ((single && item.choices.some((c) => !c.correct && (c.credit ?? 0) > 0)) || (!single && item.scoring !== 'all_or_nothing')) {
    template = 'map_response';
    mapping = `\n    <qti-mapping default-value="0" lower-bound="0" upper-bound="1">${item.choices.map((c, k) => `\n      <qti-map-entry map-key="${esc(c.id)}" mapped-value="${credits[k]}"/>`).join('')}\n    </qti-mapping>`;
  }
  const decl = `  <qti-response-declaration identifier="RESPONSE" cardinality="${single ? 'single' : 'multiple'}" base-type="identifier">
    <qti-correct-response>${right.map((c) => `<qti-value>${esc(c.id)}</qti-value>`).join('')}</qti-correct-response>${mapping}
  </qti-response-declaration>`;
  const choices = item.choices
    .map((c) => `      <qti-simple-choice identifier="${esc(c.id)}">${markdownToXhtml(c.text, item, true)}${c.feedback ? `<qti-feedback-inline outcome-identifier="FEEDBACK" identifier="${esc(c.id)}" show-hide="show">${markdownToXhtml(c.feedback, item, true)}</qti-feedback-inline>` : ''}</qti-simple-choice>`)
    .join('\n');
  const body = `    <qti-choice-interaction response-identifier="RESPONSE" shuffle="${item.shuffle}" max-choices="${single ? 1 : 0}">\n${choices}\n    </qti-choice-interaction>`;
  return { decl, body, template };
}

/** One item as QTI 3.0 XML, or the reason it cannot be exported. */
export function itemToQti3(item: Item): { xml: string } | { reason: string } {
  if (item.template) return { reason: 'templates (questions generated from variables) have no QTI 3.0 form' };
  const stem = markdownToXhtml(item.stem, item);
  let decl: string;
  let body: string;
  let processing: string;
  const templateRp = (name: string) => `  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/${name}.xml"/>`;
  switch (item.type) {
    case 'single_choice':
    case 'multiple_choice': {
      const c = choiceXml(item);
      decl = c.decl;
      body = `${stem}\n${c.body}`;
      processing = templateRp(c.template);
      break;
    }
    case 'numeric': {
      if (item.tolerance?.relative !== undefined && item.tolerance.relative > 0) return { reason: 'a relative tolerance is not exported (absolute tolerances are)' };
      if (item.units.length) return { reason: 'answers with units have no QTI 3.0 form' };
      const value = numericAnswerValue(item.answer);
      const tol = item.tolerance?.absolute ?? 0;
      decl = `  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="float">\n    <qti-correct-response><qti-value>${value}</qti-value></qti-correct-response>\n  </qti-response-declaration>`;
      body = `${stem}\n    <p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>`;
      processing = `  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-equal tolerance-mode="absolute" tolerance="${tol} ${tol}"><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/></qti-equal>
        <qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value>
      </qti-response-if>
      <qti-response-else>
        <qti-set-outcome-value identifier="SCORE"><qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>`;
      break;
    }
    case 'short_text': {
      if (item.regex) return { reason: 'answers given as a regular expression have no QTI 3.0 form' };
      if (item.whitespace !== 'collapse') return { reason: `whitespace "${item.whitespace}" has no QTI 3.0 form` };
      const entries = [...item.answers.map((a) => [a, 1] as const), ...item.wrongAnswers.filter((w) => w.credit).map((w) => [String(w.answer), w.credit!] as const)];
      decl = `  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>${esc(item.answers[0]!)}</qti-value></qti-correct-response>
    <qti-mapping default-value="0" upper-bound="1">${entries.map(([k, v]) => `\n      <qti-map-entry map-key="${esc(k)}" mapped-value="${v}" case-sensitive="${item.caseSensitive}"/>`).join('')}
    </qti-mapping>
  </qti-response-declaration>`;
      body = `${stem}\n    <p><qti-text-entry-interaction response-identifier="RESPONSE"/></p>`;
      processing = templateRp('map_response');
      break;
    }
    case 'ordering':
      if (item.scoring === 'partial') return { reason: 'partial credit for ordering has no QTI 3.0 response template' };
      decl = `  <qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">\n    <qti-correct-response>${item.entries.map((e) => `<qti-value>${esc(e.id)}</qti-value>`).join('')}</qti-correct-response>\n  </qti-response-declaration>`;
      body = `${stem}\n    <qti-order-interaction response-identifier="RESPONSE" shuffle="true">\n${item.entries.map((e) => `      <qti-simple-choice identifier="${esc(e.id)}">${markdownToXhtml(e.text, item, true)}</qti-simple-choice>`).join('\n')}\n    </qti-order-interaction>`;
      processing = templateRp('match_correct');
      break;
    case 'math_expression':
      return { reason: 'math expression answers (any equivalent expression) have no QTI 3.0 form' };
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="${esc(item.id)}" title="${esc(item.id)}" adaptive="false" time-dependent="false">
${decl}
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
${body}
  </qti-item-body>
${processing}
</qti-assessment-item>
`;
  return { xml };
}

/** The pack as a QTI 3.0 package (zip bytes) and what could not be exported. */
export function exportQti3(pack: Pack): { zip: Uint8Array; exported: number; notes: ExportNote[] } {
  const files: Record<string, Uint8Array> = {};
  const notes: ExportNote[] = [];
  const done: Item[] = [];
  for (const item of pack.items) {
    const r = itemToQti3(item);
    if ('reason' in r) {
      notes.push({ itemId: item.id, message: `not exported: ${r.reason}` });
      continue;
    }
    files[`items/${item.id}.xml`] = strToU8(r.xml);
    if (item.type === 'numeric' && item.wrongAnswers.some((w) => w.credit)) notes.push({ itemId: item.id, message: 'exported without its partial credit for other numbers (QTI templates give credit for one value)' });
    done.push(item);
  }
  if (done.some((i) => i.hints.length || i.solution || i.feedback.correct || i.feedback.incorrect || (i.type !== 'single_choice' && i.type !== 'multiple_choice' && 'wrongAnswers' in i && i.wrongAnswers.some((w) => !w.credit)))) {
    notes.push({ message: 'hints, worked solutions, general feedback and feedback on typed wrong answers are not exported to QTI (choice feedback is); skill standards and prerequisites neither (use the YAML export to keep everything)' });
  }
  const sections = pack.skills
    .map((s) => {
      const refs = done.filter((i) => i.skills.includes(s.id));
      if (!refs.length) return '';
      return `      <qti-assessment-section identifier="${esc(s.id)}" title="${esc(s.name)}" visible="true">\n${refs.map((i) => `        <qti-assessment-item-ref identifier="${esc(i.id)}" href="items/${esc(i.id)}.xml"/>`).join('\n')}\n      </qti-assessment-section>`;
    })
    .filter(Boolean)
    .join('\n');
  files['test.xml'] = strToU8(`<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-test xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="${esc(pack.pack.id)}" title="${esc(pack.pack.title)}">
  <qti-test-part identifier="part1" navigation-mode="nonlinear" submission-mode="individual">
${sections}
  </qti-test-part>
</qti-assessment-test>
`);
  files['imsmanifest.xml'] = strToU8(`<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="${esc(pack.pack.id)}-manifest">
  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>
  <organizations/>
  <resources>
    <resource identifier="test" type="imsqti_test_xmlv3p0" href="test.xml"><file href="test.xml"/></resource>
${done.map((i) => `    <resource identifier="item-${esc(i.id)}" type="imsqti_item_xmlv3p0" href="items/${esc(i.id)}.xml"><file href="items/${esc(i.id)}.xml"/></resource>`).join('\n')}
  </resources>
</manifest>
`);
  return { zip: zipSync(files, { level: 6 }), exported: done.length, notes };
}
