// Human-written dates -> ISO dates, the translation task of the seq2seq example: every day from
// 1950 to 2049 written in 14 training forms ("3rd of March 2014", "mar 3, 14", "03/03/2014",
// "Monday, March 3 2014", ...) and 5 forms kept out of training, all drawn from a seed.
// No imports, so scripts/seq2seq_pytorch.py reads the very same pairs:
//
//   node examples/seq2seq/dates.mjs --write FILE [--seed N]   writes { train, test, unseen } as JSON,
//                                                             each a list of [source, target] pairs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * mulberry32: a small 32-bit generator of uniforms in [0, 1), the same in JavaScript and Python
 * (scripts/seq2seq_pytorch.py), so both frameworks draw the same dates, batches and
 * teacher-forcing choices.
 */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Fisher-Yates with `random` (a mulberry32), in place; returns `items`. */
export function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad2 = (n) => String(n).padStart(2, '0');
const ordinal = (d) => `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;

/**
 * The parts a form writes a date with: year y (4 digits) and yy (2: 50-99 read as 19yy, 00-49 as
 * 20yy), month m and mm, day d and dd, the month's name (full, abbreviated) and the weekday's.
 */
function parts({ year, month, day }) {
  const name = MONTHS[month - 1];
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return {
    y: String(year),
    yy: pad2(year % 100),
    m: String(month),
    mm: pad2(month),
    d: String(day),
    dd: pad2(day),
    th: ordinal(day),
    month: name,
    mon: name.slice(0, 3),
    weekday,
    wkd: weekday.slice(0, 3),
  };
}

/** The forms the model trains on. Numeric forms are day first, except those that start with the year. */
export const TRAINING_FORMS = [
  (p) => `${p.th} of ${p.month} ${p.y}`,
  (p) => `${p.mon.toLowerCase()} ${p.d}, ${p.yy}`,
  (p) => `${p.dd}/${p.mm}/${p.y}`,
  (p) => `${p.weekday}, ${p.month} ${p.d} ${p.y}`,
  (p) => `${p.d} ${p.month} ${p.y}`,
  (p) => `${p.month.toUpperCase()} ${p.d}, ${p.y}`,
  (p) => `${p.d} ${p.mon} ${p.yy}`,
  (p) => `${p.d}.${p.m}.${p.y}`,
  (p) => `${p.month} ${p.th}, ${p.y}`,
  (p) => `${p.dd}-${p.mm}-${p.yy}`,
  (p) => `${p.wkd} ${p.d} ${p.mon} ${p.y}`,
  (p) => `${p.y}${p.mm}${p.dd}`,
  (p) => `the ${p.th} of ${p.month.toLowerCase()}, ${p.y}`,
  (p) => `${p.y}/${p.m}/${p.d}`,
];

/** Forms never seen in training: known parts (and only known characters) in new arrangements. */
export const UNSEEN_FORMS = [
  (p) => `${p.month} ${p.d}, ${p.yy}`,
  (p) => `${p.dd}.${p.mm}.${p.yy}`,
  (p) => `${p.weekday} ${p.d} ${p.month} ${p.y}`,
  (p) => `${p.mon.toUpperCase()} ${p.th} ${p.y}`,
  (p) => `${p.d} ${p.month.toLowerCase()} ${p.y}`,
];

/** A date in the form `form` (one of TRAINING_FORMS or UNSEEN_FORMS), and its ISO target. */
export function writeDate(date, form) {
  const p = parts(date);
  return [form(p), `${p.y}-${p.mm}-${p.dd}`];
}

/** Every day from 1950-01-01 to 2049-12-31 as { year, month, day }. */
function allDays() {
  const days = [];
  for (let time = Date.UTC(1950, 0, 1); time <= Date.UTC(2049, 11, 31); time += 86_400_000) {
    const date = new Date(time);
    days.push({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
  }
  return days;
}

/**
 * The data set of `seed`: [source, target] pairs. `test` and `unseen` dates are held out of
 * training (every form of them); `train` writes the other dates in random training forms, `test`
 * its dates in random training forms, `unseen` its dates in random unseen forms.
 */
export function makeDates({ seed = 0, train = 40000, test = 2000, unseen = 1000 } = {}) {
  const random = mulberry32(seed);
  const days = shuffle(allDays(), random);
  const pick = (forms) => forms[Math.floor(random() * forms.length)];
  const testDays = days.slice(0, test);
  const unseenDays = days.slice(test, test + unseen);
  const trainDays = days.slice(test + unseen);
  return {
    train: Array.from({ length: train }, () => writeDate(trainDays[Math.floor(random() * trainDays.length)], pick(TRAINING_FORMS))),
    test: testDays.map((date) => writeDate(date, pick(TRAINING_FORMS))),
    unseen: unseenDays.map((date) => writeDate(date, pick(UNSEEN_FORMS))),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { write: { type: 'string' }, seed: { type: 'string', default: '0' } } });
  if (values.write === undefined) {
    console.error('usage: node examples/seq2seq/dates.mjs --write FILE [--seed N]');
    process.exit(2);
  }
  writeFileSync(values.write, JSON.stringify(makeDates({ seed: Number(values.seed) })));
}
