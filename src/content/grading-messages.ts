/**
 * The grader's own words (grading.ts, numbers.ts: what to type instead of an unreadable answer, and the
 * "simplest form" feedback) in the student's language. Pure. The grader speaks English; this maps each of
 * its sentences (fixed or with values in them) to the reader's language, English being the fallback.
 */

type Rule = [RegExp, (m: RegExpExecArray) => string];

const ES_FIXED: Record<string, string> = {
  'Choose one of the options.': 'Elige una de las opciones.',
  'Select one or more of the options.': 'Selecciona una o más opciones.',
  'Select at least one option.': 'Selecciona al menos una opción.',
  'Select only the options shown.': 'Selecciona solo las opciones que se muestran.',
  'Enter a number such as 3/4, 1 1/2 or 0.75.': 'Escribe un número como 3/4, 1 1/2 o 0.75.',
  'That answer is too long. Enter a number such as 3/4, 1 1/2 or 0.75.': 'Esa respuesta es demasiado larga. Escribe un número como 3/4, 1 1/2 o 0.75.',
  "The denominator can't be 0.": 'El denominador no puede ser 0.',
  'Enter just the number, without a unit.': 'Escribe solo el número, sin unidad.',
  'That is equal to the answer, but write the fraction in simplest form.': 'Es igual a la respuesta, pero escribe la fracción en su forma más simple.',
  'Type your answer in the box.': 'Escribe tu respuesta en el recuadro.',
  'That expression is too long.': 'Esa expresión es demasiado larga.',
  'Put every entry in order, each exactly once.': 'Ordena todos los elementos, cada uno exactamente una vez.',
  'Enter an expression.': 'Escribe una expresión.',
};

const example = (s: string) => s.replace(/^such as /, 'como ');

const ES_RULES: Rule[] = [
  [/^Use one of these units: (.+)\.$/, (m) => `Usa una de estas unidades: ${m[1]}.`],
  [/^Include the unit \((.+)\)\.$/, (m) => `Incluye la unidad (${m[1]}).`],
  [/^Keep your answer under (\d+) characters\.$/, (m) => `Escribe menos de ${m[1]} caracteres.`],
  [/^That expression could not be read\. Enter an expression (.+)\.$/, (m) => `No se pudo leer esa expresión. Escribe una expresión ${example(m[1]!)}.`],
  [/^Enter an expression in (.+)\.$/, (m) => `Escribe una expresión en ${m[1]}.`],
  [/^Enter an expression (such as .+)\.$/, (m) => `Escribe una expresión ${example(m[1]!)}.`],
  [/^The function (.+) is not allowed here\.$/, (m) => `Aquí no se permite la función ${m[1] === '(unknown)' ? '(desconocida)' : m[1]}.`],
  [/^Use only the variables? (.+) \(not (.+)\)\.$/, (m) => `Usa solo ${m[1]!.includes(',') ? 'las variables' : 'la variable'} ${m[1]} (no ${m[2]}).`],
  [/^Unknown name (.+): enter a number or an expression of numbers\.$/, (m) => `Nombre desconocido ${m[1]}: escribe un número o una expresión con números.`],
];

const LANGUAGES: Record<string, { fixed: Record<string, string>; rules: Rule[] }> = { es: { fixed: ES_FIXED, rules: ES_RULES } };

/** The grader's sentence in the reader's language (`es`, `es-MX`...), or as it is when there is none. */
export function translateGradeMessage(message: string, locale: string | undefined): string {
  const lang = LANGUAGES[(locale ?? 'en').toLowerCase().split(/[-_]/)[0]!];
  if (!lang) return message;
  const fixed = lang.fixed[message];
  if (fixed !== undefined) return fixed;
  for (const [re, to] of lang.rules) {
    const m = re.exec(message);
    if (m) return to(m);
  }
  return message;
}
