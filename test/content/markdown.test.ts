import { expect } from 'chai';
import fs from 'node:fs';
import { parseDocument, DomUtils } from 'htmlparser2';
import { katexDistPath, mathErrors, renderMarkdown } from '../../src/content/markdown.js';

/** Every element of an HTML fragment as a browser-like parser sees it: name and attributes. */
function elements(html: string): { name: string; attribs: Record<string, string> }[] {
  return DomUtils.findAll(() => true, parseDocument(html).children).map((e) => ({ name: e.name, attribs: e.attribs }));
}

describe('content markdown', () => {
  it('renders Markdown and inline/display math with KaTeX', () => {
    const html = renderMarkdown('**Add** $\\frac{1}{4}$ and\n\n$$\\frac{2}{4}$$');
    expect(html).to.contain('<strong>Add</strong>');
    expect(html).to.contain('class="katex"');
    expect(html).to.contain('katex-display');
    expect(html).to.contain('<annotation encoding="application/x-tex">\\frac{1}{4}</annotation>');
  });

  it('keeps Markdown from mangling math and leaves money alone', () => {
    expect(renderMarkdown('$a_1 * b_2 * c$')).to.not.contain('<em>');
    const money = renderMarkdown('It costs $5 and then $3 more, or \\$2.');
    expect(money).to.equal('<p>It costs $5 and then $3 more, or $2.</p>');
  });

  it('strips script tags, event handlers and javascript: links', () => {
    const attacks = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '[click](javascript:alert(1))',
      '[click](JAVASCRIPT:alert(1))',
      '![x](javascript:alert(1))',
      '<a href="javascript:alert(1)">x</a>',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '<svg onload=alert(1)>',
      '<iframe src="https://evil.example"></iframe>',
      '$\\href{javascript:alert(1)}{x}$',
      '$\\url{javascript:alert(1)}$',
      '$\\htmlData{onclick=alert(1)}{x}$',
      '\uE0000\uE001<script>alert(1)</script>',
    ];
    for (const a of attacks) {
      const html = renderMarkdown(a);
      expect(html, a).to.not.match(/<script|<iframe|<svg|<[^>]*\son\w+\s*=|<[^>]*(href|src)="?\s*(javascript|data):/i);
    }
  });

  it('allows https links and images, with rel=noopener', () => {
    const html = renderMarkdown('[site](https://example.org) ![pie](https://example.org/pie.png)');
    expect(html).to.contain('href="https://example.org"');
    expect(html).to.contain('rel="noopener noreferrer"');
    expect(html).to.contain('<img src="https://example.org/pie.png" alt="pie"');
    expect(renderMarkdown('![pie](http://example.org/pie.png)')).to.not.contain('src=');
  });

  it('renders math inside a link title or an image alt as plain text: no way out of the attribute', () => {
    const payloads = [
      '[read](https://example.org "$x$ \\" onmouseover=alert(1) x")',
      "[read](https://example.org 'see $\\text{\" onmouseover=alert(1) }$ here')",
      '![$\\frac{1}{2}$ <img src=x onerror=alert(1)>](https://example.org/pie.png)',
      '![a $x$ b" onerror="alert(1)](https://example.org/pie.png "$y$ <script>alert(1)</script>")',
    ];
    for (const src of payloads) {
      for (const html of [renderMarkdown(src), renderMarkdown(src, { inline: true })]) {
        const els = elements(html);
        const names = els.map((e) => e.name);
        expect(names.filter((n) => n !== 'p'), `${src} -> ${html}`).to.satisfy((ns: string[]) => ns.length === 1 && ['a', 'img'].includes(ns[0]));
        for (const e of els) {
          const allowed = e.name === 'a' ? ['href', 'title', 'rel', 'target'] : e.name === 'img' ? ['src', 'alt', 'title'] : [];
          expect(Object.keys(e.attribs).filter((k) => !allowed.includes(k)), `${src} -> ${html}`).to.deep.equal([]);
          for (const v of Object.values(e.attribs)) expect(v).not.to.match(/katex|<span|\uE000|\uE001/);
        }
        expect(html).not.to.match(/<script/i);
      }
    }
    const img = elements(renderMarkdown('![half: $\\frac{1}{2}$](https://example.org/pie.png)')).find((e) => e.name === 'img')!;
    expect(img.attribs.alt).to.equal('half: \\frac{1}{2}');
    const a = elements(renderMarkdown('[read](https://example.org "about $x^2$")')).find((e) => e.name === 'a')!;
    expect(a.attribs.title).to.equal('about x^2');
    // Math in the text of the same link still renders with KaTeX.
    expect(renderMarkdown('[$x^2$](https://example.org "about $x^2$")')).to.contain('class="katex"');
  });

  it('resolves media:ID references', () => {
    const html = renderMarkdown('![a pie cut in 4](media:pie)', { media: [{ id: 'pie', kind: 'image', url: '/media/pie.svg', alt: 'pie' }] });
    expect(html).to.contain('src="/media/pie.svg"');
  });

  it('renders inline text without a paragraph', () => {
    expect(renderMarkdown('*half*', { inline: true })).to.equal('<em>half</em>');
  });

  it('reports LaTeX errors for validation', () => {
    expect(mathErrors('$\\frac{1}{2}$')).to.deep.equal([]);
    expect(mathErrors('$\\frac{1}{$ and $\\nocommand$')).to.have.length(2);
  });

  it("exports katex's dist folder for the web layer", () => {
    expect(fs.existsSync(`${katexDistPath()}/katex.min.css`)).to.equal(true);
  });
});
