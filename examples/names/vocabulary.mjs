// The classifier's alphabet and classes: names as character codes, and the nationalities in the
// order of its outputs. No imports, so the edge example (examples/edge) shares it too.

/** The 18 nationalities, in the order of the classifier's outputs (alphabetical, like the data's own sort). */
export const NATIONALITIES = Object.freeze([
  'Arabic',
  'Chinese',
  'Czech',
  'Dutch',
  'English',
  'French',
  'German',
  'Greek',
  'Irish',
  'Italian',
  'Japanese',
  'Korean',
  'Polish',
  'Portuguese',
  'Russian',
  'Scottish',
  'Spanish',
  'Vietnamese',
]);

/** Character codes run 1..127 (ASCII); 0 is the padding index. */
export const VOCABULARY_SIZE = 128;
const UNKNOWN = 127;

/**
 * A name as character codes: accents are removed first (Dvořák -> Dvorak), and any character still
 * outside ASCII becomes DEL (127), which the training data never contains.
 */
export function encodeName(name) {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError(`encodeName: expected a non-empty string, got ${JSON.stringify(name)}`);
  const plain = name.normalize('NFD').replace(/\p{Mn}/gu, '');
  return Int32Array.from(plain, (char) => {
    const code = char.codePointAt(0);
    return code >= 1 && code < VOCABULARY_SIZE ? code : UNKNOWN;
  });
}
