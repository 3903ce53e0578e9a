import { expect } from 'chai';
import { renderMarkdown } from '../../src/content/markdown.js';
import { labelMath, plainText, texSpeech } from '../../src/practice/math-labels.js';

describe('accessible names for math in labels', () => {
  it('reads TeX the way a student would say it', () => {
    expect(texSpeech('\\frac{3}{4}')).to.equal('3/4');
    expect(texSpeech('1\\frac{1}{2}')).to.equal('1 1/2');
    expect(texSpeech('2 \\times 5')).to.equal('2 × 5');
    expect(texSpeech('\\frac{a+1}{\\sqrt{b}}')).to.equal('(a+1)/(√(b))');
    expect(texSpeech('\\text{cm} \\le 3')).to.equal('cm ≤ 3');
  });

  it('names every <math> of a KaTeX label and keeps an author-given name', () => {
    const html = renderMarkdown('$\\frac{3}{4}$', { inline: true });
    const labelled = labelMath(html);
    expect(labelled).to.match(/<math[^>]* aria-label="3\/4"/);
    expect(labelMath(labelled)).to.equal(labelled);
    expect(labelMath('<math aria-label="x">y</math>')).to.equal('<math aria-label="x">y</math>');
  });

  it('gives the plain reading of a fragment without KaTeX\'s hidden visual copy', () => {
    const html = renderMarkdown('Shade $\\frac{1}{3}$ of it', { inline: true });
    expect(plainText(html)).to.equal('Shade 1/3 of it');
    expect(plainText('<b>a &amp; b</b>')).to.equal('a & b');
  });
});
