// The page of examples/web: trains the names example's classifier (its own model, data and training
// modules) on the device picked, draws the loss and the test accuracy as it goes, then classifies
// the names typed. main.mjs bundles this file and serves it.
//
// The address may preset a run: ?device=cpu|webgpu&epochs=N&batch=N, and ?train=N&test=N keep
// every k-th name of the training and test sets down to N (a short run, as the test makes).
// <body data-state="idle|training|done|failed" data-points data-accuracy data-first-loss
// data-last-loss> tells a test where training is without reading pixels.
import * as torch from '../../dist/browser.js';
import { namesLoader, parseNames } from '../names/dataset.mjs';
import { classify, moveToCpu, NameClassifier } from '../names/model.mjs';
import { evaluate, learningRate, SETTINGS, trainEpoch } from '../names/train.mjs';

const $ = (id) => document.getElementById(id);
const app = document.body;
const params = new URL(location.href).searchParams;
const percent = (fraction) => `${(100 * fraction).toFixed(1)}%`;

/** The training names (`limit` of them at most) of one of the example's gzipped CSV files. */
async function fetchNames(file, limit) {
  const response = await fetch(`data/${file}`);
  if (!response.ok) throw new Error(`fetching data/${file}: HTTP ${response.status}`);
  const text = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).text();
  return parseNames(text, { limit, source: file });
}

const limitParam = (name) => (params.has(name) ? Number(params.get(name)) : Infinity);
const dataset = Promise.all([fetchNames('names_train.csv.gz', limitParam('train')), fetchNames('names_test.csv.gz', limitParam('test'))]);

/** What the chart shows: the smoothed training loss per step, and the test accuracy after each epoch. */
const chart = { losses: [], accuracies: [], totalSteps: 1 };
let drawPending = false;

function draw() {
  drawPending = false;
  const canvas = $('curve');
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  const pad = { left: 70, right: 70, top: 24, bottom: 44 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const maxLoss = Math.max(1, ...chart.losses.map((loss) => Math.ceil(loss)));
  const x = (step) => pad.left + (plotWidth * step) / chart.totalSteps;
  const yLoss = (loss) => pad.top + plotHeight * (1 - loss / maxLoss);
  const yAccuracy = (accuracy) => pad.top + plotHeight * (1 - accuracy);
  context.clearRect(0, 0, width, height);
  context.font = '22px system-ui, sans-serif';
  context.strokeStyle = '#ddd';
  context.lineWidth = 1;
  context.fillStyle = '#666';
  for (let tick = 0; tick <= 4; tick++) {
    const y = pad.top + (plotHeight * tick) / 4;
    context.beginPath();
    context.moveTo(pad.left, y);
    context.lineTo(width - pad.right, y);
    context.stroke();
    context.textAlign = 'right';
    context.fillText(((maxLoss * (4 - tick)) / 4).toFixed(1), pad.left - 10, y + 7);
    context.textAlign = 'left';
    context.fillText(`${25 * (4 - tick)}%`, width - pad.right + 10, y + 7);
  }
  context.textAlign = 'center';
  context.fillText(`step (of ${chart.totalSteps})`, pad.left + plotWidth / 2, height - 10);
  context.textAlign = 'right';
  context.fillStyle = '#1f6fd1';
  context.fillText('training loss (left)', width - pad.right - 10, pad.top + 26);
  context.fillStyle = '#d1701f';
  context.fillText('test accuracy (right)', width - pad.right - 10, pad.top + 54);
  context.textAlign = 'left';

  context.lineWidth = 3;
  context.strokeStyle = '#1f6fd1';
  context.beginPath();
  chart.losses.forEach((loss, step) => context.lineTo(x(step + 1), yLoss(loss)));
  context.stroke();
  context.strokeStyle = '#d1701f';
  context.fillStyle = '#d1701f';
  context.beginPath();
  for (const { step, accuracy } of chart.accuracies) context.lineTo(x(step), yAccuracy(accuracy));
  context.stroke();
  for (const { step, accuracy } of chart.accuracies) {
    context.beginPath();
    context.arc(x(step), yAccuracy(accuracy), 6, 0, 2 * Math.PI);
    context.fill();
    context.fillText(percent(accuracy), x(step) - 70, yAccuracy(accuracy) - 14);
  }
}

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(draw);
}

/**
 * Lets the page draw and take input: on the CPU each step's loss is ready at once, so training
 * would otherwise hold the event loop for the whole epoch. Yielding every step would cost a timer's
 * minimum delay per step, so it yields every 50 ms.
 */
let lastYield = performance.now();
function yieldToPage() {
  if (performance.now() - lastYield < 50) return undefined;
  return new Promise((resolve) =>
    setTimeout(() => {
      lastYield = performance.now();
      resolve();
    }, 0),
  );
}

const controls = () => [...document.querySelectorAll('fieldset input, #train')];
let model = null;

async function train() {
  const device = document.querySelector('input[name=device]:checked').value;
  const epochs = Number($('epochs').value);
  const batchSize = Number($('batch').value);
  if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`epochs and batch must be integers >= 1, got ${$('epochs').value} and ${$('batch').value}`);
  for (const control of controls()) control.disabled = true;
  $('name').disabled = true;
  Object.assign(app.dataset, { state: 'training', points: 0, accuracy: '', firstLoss: '', lastLoss: '' });

  const [trainSet, testSet] = await dataset;
  if (device === 'webgpu') await torch.webgpu.init();
  torch.manualSeed(SETTINGS.seed);
  const trainLoader = namesLoader(trainSet, { batchSize, seed: SETTINGS.seed });
  const testLoader = namesLoader(testSet, { batchSize: 512 });
  const classifier = new NameClassifier({ embeddingSize: SETTINGS.embeddingSize, hiddenSize: SETTINGS.hiddenSize });
  // nn.DataParallel over the one device moves each batch there, as main.mjs's --devices does.
  const net = device === 'cpu' ? classifier : new torch.nn.DataParallel(classifier.to(device), { deviceIds: [device] });
  const optimizer = new torch.optim.Adam(classifier.parameters(), { lr: learningRate(batchSize) });
  const scheduler = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, epochs);
  Object.assign(chart, { losses: [], accuracies: [], totalSteps: epochs * trainLoader.length });
  scheduleDraw();

  let smoothed = null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let seen = { names: 0, lossSum: 0 };
    await trainEpoch(net, trainLoader, optimizer, {
      clip: SETTINGS.clip,
      onBatch: ({ batch, batches, names, loss, seconds }) => {
        // onBatch gets the epoch's running mean; the chart wants each step's loss, smoothed.
        const stepLoss = (loss * names - seen.lossSum) / (names - seen.names);
        seen = { names, lossSum: loss * names };
        smoothed = smoothed === null ? stepLoss : 0.95 * smoothed + 0.05 * stepLoss;
        chart.losses.push(smoothed);
        if (chart.losses.length === 1) app.dataset.firstLoss = stepLoss.toFixed(4);
        Object.assign(app.dataset, { points: chart.losses.length, lastLoss: smoothed.toFixed(4) });
        $('status').textContent =
          `${device}: epoch ${epoch}/${epochs}  step ${batch}/${batches}  loss ${smoothed.toFixed(3)}  ${Math.round(names / seconds)} names/s`;
        scheduleDraw();
        return yieldToPage();
      },
    });
    scheduler.step();
    $('status').textContent = `${device}: epoch ${epoch}/${epochs}: evaluating on ${testSet.length} test names`;
    await yieldToPage();
    const { accuracy } = await evaluate(net, testLoader);
    chart.accuracies.push({ step: chart.losses.length, accuracy });
    app.dataset.accuracy = accuracy.toFixed(4);
    scheduleDraw();
  }
  await moveToCpu(classifier);
  model = classifier;
  const last = chart.accuracies.at(-1).accuracy;
  $('status').textContent =
    `${device}: trained ${epochs} epoch${epochs === 1 ? '' : 's'} on ${trainSet.length} names: test accuracy ${percent(last)}. Type a name.`;
  app.dataset.state = 'done';
  for (const control of controls()) control.disabled = control.dataset.unavailable === 'true';
  $('name').disabled = false;
  $('name').focus();
}

/** Classifies what the name box holds, the answers in order; a newer keystroke's answer wins. */
let typed = 0;
async function classifyTyped() {
  const name = $('name').value.trim();
  const ticket = ++typed;
  if (!model || name.length === 0) return void $('answer').replaceChildren();
  const [{ top }] = await classify(model, [name]);
  if (ticket !== typed) return;
  $('answer').replaceChildren(
    ...top.map(({ nationality, probability }) => {
      const item = document.createElement('li');
      item.textContent = `${nationality} ${percent(probability)}`;
      return item;
    }),
  );
  $('answer').dataset.name = name;
}

function fail(error) {
  app.dataset.state = 'failed';
  $('status').textContent = `failed: ${error?.message ?? error}`;
  console.error(error);
}

/** Disables the webgpu switch where the browser offers no adapter, showing why. */
async function checkWebGpu() {
  if (await torch.webgpu.isAvailable()) return;
  const webgpu = document.querySelector('input[value=webgpu]');
  webgpu.disabled = true;
  webgpu.dataset.unavailable = 'true';
  $('reason').textContent = await torch.webgpu.init().then(
    () => '',
    (error) => error.message.replace(/^webgpu\.init: /, ''),
  );
}

for (const key of ['epochs', 'batch']) if (params.has(key)) $(key).value = params.get(key);
$('train').addEventListener('click', () => train().catch(fail));
$('name').addEventListener('input', () => classifyTyped().catch(fail));
await checkWebGpu();
if (params.has('device')) document.querySelector(`input[value=${params.get('device')}]`).checked = true;
const { threads } = torch.cpu.parallelInfo();
$('status').textContent =
  `ready: cpu on ${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (not cross-origin isolated)'}`;
