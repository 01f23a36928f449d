// examples/edge's classifier on TensorFlow.js's wasm backend (one thread), with the weights of
// names.safetensors: the same routing (classifier-handler.mjs). tfjs-layers' GRU cannot hold these
// weights (it refuses reset_after, the form PyTorch's GRU computes), so the forward is written in
// tfjs-core ops, one step at a time, as tfjs-layers runs its own recurrent layers.
//   env.WEIGHTS  names.safetensors, as bytes

import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { classifierHandler } from '../../examples/edge/classifier-handler.mjs';
import { encodeName, NATIONALITIES } from '../../examples/names/vocabulary.mjs';

const TOP = 3;
const LAYERS = 2;

/** name -> tf.Tensor of a safetensors file of float32 tensors (TensorFlow.js reads no safetensors). */
function readSafetensors(bytes) {
  const data = new Uint8Array(bytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerSize = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(data.subarray(8, 8 + headerSize)));
  const tensors = {};
  for (const [
    name,
    {
      dtype,
      shape,
      data_offsets: [start, end],
    },
  ] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (dtype !== 'F32') throw new Error(`tfjs-handler: ${name} is ${dtype}; only F32 weights are read`);
    const values = new Float32Array(data.slice(8 + headerSize + start, 8 + headerSize + end).buffer);
    tensors[name] = tf.tensor(values, shape);
  }
  return tensors;
}

async function load(env) {
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const w = readSafetensors(env.WEIGHTS);
  // Transposed once here, so that each step is x @ W^T as one matMul without a transpose.
  const direction = (suffix) => ({
    inputWeights: tf.transpose(w[`gru.weight_ih_${suffix}`]),
    inputBias: w[`gru.bias_ih_${suffix}`],
    hiddenWeights: tf.transpose(w[`gru.weight_hh_${suffix}`]),
    hiddenBias: w[`gru.bias_hh_${suffix}`],
  });
  return {
    embedding: w['embedding.weight'],
    layers: Array.from({ length: LAYERS }, (_, l) => [direction(`l${l}`), direction(`l${l}_reverse`)]),
    fcWeights: tf.transpose(w['fc.weight']),
    fcBias: w['fc.bias'],
  };
}

/** One direction of one GRU layer over x [L, in] (PyTorch's gates r, z, n): its outputs [L, H] in step order, and its last state. */
function gruDirection(x, { inputWeights, inputBias, hiddenWeights, hiddenBias }, reverse) {
  const steps = x.shape[0];
  const hidden = hiddenWeights.shape[0];
  const gatesFromInput = tf.add(tf.matMul(x, inputWeights), inputBias);
  let h = tf.zeros([1, hidden]);
  const outputs = new Array(steps);
  for (let i = 0; i < steps; i++) {
    const t = reverse ? steps - 1 - i : i;
    const [ir, iz, inew] = tf.split(tf.slice(gatesFromInput, [t, 0], [1, 3 * hidden]), 3, 1);
    const [hr, hz, hnew] = tf.split(tf.add(tf.matMul(h, hiddenWeights), hiddenBias), 3, 1);
    const r = tf.sigmoid(tf.add(ir, hr));
    const z = tf.sigmoid(tf.add(iz, hz));
    const n = tf.tanh(tf.add(inew, tf.mul(r, hnew)));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    outputs[t] = h;
  }
  return { outputs: tf.concat(outputs, 0), last: h };
}

function classify(model, name) {
  const codes = encodeName(name);
  const probabilities = tf.tidy(() => {
    let x = tf.gather(model.embedding, tf.tensor1d(codes, 'int32'));
    let last = null;
    for (const [forward, backward] of model.layers) {
      const f = gruDirection(x, forward, false);
      const b = gruDirection(x, backward, true);
      x = tf.concat([f.outputs, b.outputs], 1);
      last = tf.concat([f.last, b.last], 1);
    }
    return tf.softmax(tf.add(tf.matMul(last, model.fcWeights), model.fcBias));
  });
  const { values, indices } = tf.topk(probabilities, TOP);
  const p = values.dataSync();
  const top = [...indices.dataSync()].map((c, j) => ({ nationality: NATIONALITIES[c], probability: p[j] }));
  tf.dispose([probabilities, values, indices]);
  return top;
}

export default classifierHandler({ load, classify });
