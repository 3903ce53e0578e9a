/**
 * Reading numeric answers the way students type them: integers, decimals (with a decimal comma or
 * thousands separators), fractions `3/4`, mixed numbers `1 1/2`, vulgar fractions `1½`, optionally
 * followed by a unit. Pure; returns a reason instead of throwing.
 */

/** A number read from text. */
export interface ParsedNumber {
  value: number;
  /** How it was written; `fraction` and `mixed` carry their parts. */
  kind: 'integer' | 'decimal' | 'fraction' | 'mixed';
  /** Whole part of a mixed number (unsigned). */
  whole?: number;
  /** Numerator and denominator of the fractional part (unsigned). */
  numerator?: number;
  denominator?: number;
  /** The unit written after the number, as typed (trimmed), if any. */
  unit?: string;
}

/** Why a text is not a number, in words a student can act on. */
export type ParseNumberResult = { ok: true; number: ParsedNumber } | { ok: false; message: string };

const VULGAR: Record<string, string> = {
  '½': ' 1/2', '⅓': ' 1/3', '⅔': ' 2/3', '¼': ' 1/4', '¾': ' 3/4', '⅕': ' 1/5', '⅖': ' 2/5', '⅗': ' 3/5',
  '⅘': ' 4/5', '⅙': ' 1/6', '⅚': ' 5/6', '⅛': ' 1/8', '⅜': ' 3/8', '⅝': ' 5/8', '⅞': ' 7/8',
};

/** The hint shown for any answer that is not a number. */
export const NOT_A_NUMBER = 'Enter a number such as 3/4, 1 1/2 or 0.75.';

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Reads a numeric answer (with an optional trailing unit). */
export function parseNumber(raw: string): ParseNumberResult {
  let text = raw
    .replace(/[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞]/g, (c) => VULGAR[c]!)
    .normalize('NFKC')
    .replace(/[\u2212\u2012\u2013]/g, '-')
    .replace(/\u2044/g, '/')
    .trim();
  text = text.replace(/\s+/g, ' ').trim();
  if (text === '') return { ok: false, message: NOT_A_NUMBER };
  if (text.length > 100) return { ok: false, message: 'That answer is too long. ' + NOT_A_NUMBER };

  const m = /^(.*?[\d.])\s*([^\d\s.,/+-][^\d]*)?$/.exec(text);
  if (!m) return { ok: false, message: NOT_A_NUMBER };
  const numberText = m[1]!.trim();
  const unit = m[2]?.trim();
  const withUnit = (n: ParsedNumber): ParseNumberResult => ({ ok: true, number: unit ? { ...n, unit } : n });

  let f = /^([+-]?)(\d+) (\d+) ?\/ ?(\d+)$/.exec(numberText);
  if (f) {
    const [whole, num, den] = [Number(f[2]), Number(f[3]), Number(f[4])];
    if (den === 0) return { ok: false, message: "The denominator can't be 0." };
    const sign = f[1] === '-' ? -1 : 1;
    return withUnit({ value: sign * (whole + num / den), kind: 'mixed', whole, numerator: num, denominator: den });
  }
  f = /^([+-]?)(\d+) ?\/ ?(\d+)$/.exec(numberText);
  if (f) {
    const [num, den] = [Number(f[2]), Number(f[3])];
    if (den === 0) return { ok: false, message: "The denominator can't be 0." };
    const sign = f[1] === '-' ? -1 : 1;
    return withUnit({ value: (sign * num) / den, kind: 'fraction', numerator: num, denominator: den });
  }
  let decimal = numberText;
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(decimal)) decimal = decimal.replace(/,/g, '');
  else if (/^[+-]?\d*,\d+$/.test(decimal)) decimal = decimal.replace(',', '.');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(decimal)) {
    const value = Number(decimal);
    if (!Number.isFinite(value)) return { ok: false, message: NOT_A_NUMBER };
    return withUnit({ value, kind: /^[+-]?\d+$/.test(decimal) ? 'integer' : 'decimal' });
  }
  return { ok: false, message: NOT_A_NUMBER };
}

/** True when a fraction or mixed number is written in lowest terms (whole numbers and decimals are). */
export function isSimplified(n: ParsedNumber): boolean {
  if (n.kind !== 'fraction' && n.kind !== 'mixed') return true;
  const num = n.numerator!;
  const den = n.denominator!;
  if (n.kind === 'mixed' && num >= den) return false;
  if (num === 0) return n.kind === 'mixed' ? false : den === 1;
  return gcd(num, den) === 1 && den !== 1;
}
