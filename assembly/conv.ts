// 2-D convolution (1-D runs as height 1) lowered to the packed GEMM of gemm.ts. Per image and
// group, the output pixels are taken in chunks: im2col writes the chunk's receptive fields as a
// [Cin/groups * kh * kw, chunk] matrix into scratch, and one GEMM multiplies the group's weights
// by it straight into the output. Chunking keeps the column matrix near the cache instead of
// materialising all of it (576 x 3136 floats, 7 MiB, for a 64-channel 3x3 layer at 56x56).
// Backward runs the same walk the other way: GEMMs into column chunks that col2im adds back into
// the input gradient, and GEMMs against the columns transposed for the weight gradient.
// A 1x1, stride-1, unpadded convolution needs no columns: the input already is that matrix, and a
// depthwise one (one input channel per group) runs direct kernels (see below).
import { gemmF32 } from './gemm';

// The geometry block, an i32 array written by src/devices/cpu/kernels/conv.ts.
const BATCH = 0, IN_CHANNELS = 1, IN_HEIGHT = 2, IN_WIDTH = 3;
const OUT_CHANNELS = 4, OUT_HEIGHT = 5, OUT_WIDTH = 6;
const KERNEL_H = 7, KERNEL_W = 8, STRIDE_H = 9, STRIDE_W = 10, PAD_H = 11, PAD_W = 12;
const DILATION_H = 13, DILATION_W = 14, GROUPS = 15;
const INPUT_STRIDE_N = 16, INPUT_STRIDE_C = 17, INPUT_STRIDE_H = 18, INPUT_STRIDE_W = 19;

/** Column-matrix floats per chunk: with a deep receptive field (Cin*kh*kw) the chunk narrows, but
 *  never below MIN_CHUNK pixels, where repacking the weights for every chunk would start to cost. */
const CHUNK_FLOATS = 1 << 17;
const MIN_CHUNK = 256;

@inline function geo(geometry: usize, field: i32): i32 {
  return load<i32>(geometry + (<usize>field << 2));
}

/** Rows of the column matrix: one per (input channel of a group, kernel row, kernel column). */
@inline function columnRows(geometry: usize): i32 {
  return geo(geometry, IN_CHANNELS) / geo(geometry, GROUPS) * geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
}

/** Output pixels per chunk. */
function chunkPixels(geometry: usize): i32 {
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const fit = max(MIN_CHUNK, (CHUNK_FLOATS / columnRows(geometry)) & ~7);
  return min(pixels, fit);
}

/** True when the input of one group is already the column matrix: a 1x1 kernel, stride 1, no
 *  padding, rows of the image packed back to back, and as many output pixels as input pixels
 *  (a transposed convolution with output padding has more input pixels, which no pixel reads). */
function inputIsColumns(geometry: usize): bool {
  return geo(geometry, KERNEL_H) == 1 && geo(geometry, KERNEL_W) == 1
    && geo(geometry, STRIDE_H) == 1 && geo(geometry, STRIDE_W) == 1
    && geo(geometry, PAD_H) == 0 && geo(geometry, PAD_W) == 0
    && geo(geometry, OUT_HEIGHT) == geo(geometry, IN_HEIGHT) && geo(geometry, OUT_WIDTH) == geo(geometry, IN_WIDTH)
    && geo(geometry, INPUT_STRIDE_W) == 1 && geo(geometry, INPUT_STRIDE_H) == geo(geometry, IN_WIDTH);
}

/** Bytes of one chunk of columns (0 when the input serves as columns). */
function columnBytes(geometry: usize): i32 {
  if (inputIsColumns(geometry)) return 0;
  return columnRows(geometry) * chunkPixels(geometry) * 4;
}

/** Bytes of the `columns` scratch the three entry points need: a chunk of columns and, for the
 *  weight gradient, one group's gradient transposed. */
export function convColumnsBytes(geometry: usize): i32 {
  return columnBytes(geometry) + columnRows(geometry) * (geo(geometry, OUT_CHANNELS) / geo(geometry, GROUPS)) * 4;
}

// ---- im2col / col2im ------------------------------------------------------------------------------

/** The first output index o (at most outSize) whose input position o*stride + offset is >= 0. */
@inline function firstInside(offset: i32, stride: i32, outSize: i32): i32 {
  return offset >= 0 ? 0 : min(outSize, (-offset + stride - 1) / stride);
}

/** One past the last output index whose input position o*stride + offset is < size (at least firstInside). */
@inline function endInside(offset: i32, stride: i32, outSize: i32, size: i32): i32 {
  const end = size - offset <= 0 ? 0 : min(outSize, (size - offset + stride - 1) / stride);
  return max(firstInside(offset, stride, outSize), end);
}

/** Moves one run of `count` pixels between a column row and the image; `image` steps by imageStep
 *  bytes. Runs are short (one output row at most), so they are copied with loops: memory.copy
 *  and memory.fill are calls out of wasm in V8, and their fixed cost dominated small images. */
class Gather {
  /** Column entries that fall in the padding read as zero. */
  @inline gap(column: usize, count: i32): void {
    let i = 0;
    for (; i + 4 <= count; i += 4) v128.store(column + (<usize>i << 2), f32x4.splat(0));
    for (; i < count; i++) store<f32>(column + (<usize>i << 2), 0);
  }
  @inline span(column: usize, image: usize, imageStep: usize, count: i32): void {
    let i = 0;
    if (imageStep == 4) {
      for (; i + 4 <= count; i += 4) v128.store(column + (<usize>i << 2), v128.load(image + (<usize>i << 2)));
    }
    for (; i < count; i++) store<f32>(column + (<usize>i << 2), load<f32>(image + <usize>i * imageStep));
  }
}

/** col2im: column entries add into the image; those in the padding have nowhere to go. */
class ScatterAdd {
  @inline gap(column: usize, count: i32): void {}
  @inline span(column: usize, image: usize, imageStep: usize, count: i32): void {
    let i = 0;
    if (imageStep == 4) {
      for (; i + 4 <= count; i += 4) {
        const offset = <usize>i << 2;
        v128.store(image + offset, f32x4.add(v128.load(image + offset), v128.load(column + offset)));
      }
    }
    for (; i < count; i++) {
      const at = image + <usize>i * imageStep;
      store<f32>(at, load<f32>(at) + load<f32>(column + (<usize>i << 2)));
    }
  }
}

/**
 * Walks the column matrix of one group's channels for output pixels [first, first + count): row
 * (c, ki, kj), column p reads image[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw] for p = oh*Wo + ow.
 * `image` is the group's first channel, with element strides channelStride, rowStride, colStride.
 */
@inline function walkColumns<Direction>(geometry: usize, columns: usize, image: usize,
  channelStride: i32, rowStride: i32, colStride: i32, first: i32, count: i32): void {
  const channels = geo(geometry, IN_CHANNELS) / geo(geometry, GROUPS);
  const height = geo(geometry, IN_HEIGHT), width = geo(geometry, IN_WIDTH);
  const outWidth = geo(geometry, OUT_WIDTH);
  const kernelH = geo(geometry, KERNEL_H), kernelW = geo(geometry, KERNEL_W);
  const strideH = geo(geometry, STRIDE_H), strideW = geo(geometry, STRIDE_W);
  const padH = geo(geometry, PAD_H), padW = geo(geometry, PAD_W);
  const dilationH = geo(geometry, DILATION_H), dilationW = geo(geometry, DILATION_W);
  const direction = changetype<Direction>(0);
  const imageStep = <usize>colStride << 2;
  const firstRow = first / outWidth, firstCol = first - firstRow * outWidth;
  let column = columns;
  for (let c = 0; c < channels; c++) {
    const channel = image + (<usize>c * channelStride << 2);
    for (let ki = 0; ki < kernelH; ki++) {
      const rowOffset = ki * dilationH - padH;
      for (let kj = 0; kj < kernelW; kj++) {
        const colOffset = kj * dilationW - padW;
        const owLow = firstInside(colOffset, strideW, outWidth);
        const owHigh = endInside(colOffset, strideW, outWidth, width);
        // Output row by output row: the chunk starts at (firstRow, firstCol), later rows at column 0.
        let p = first;
        let oh = firstRow;
        let owStart = firstCol;
        const end = first + count;
        while (p < end) {
          const owEnd = min(outWidth, owStart + end - p);
          const run = owEnd - owStart;
          const ih = oh * strideH + rowOffset;
          if (ih < 0 || ih >= height) {
            direction.gap(column, run);
          } else {
            const low = max(owStart, owLow), high = min(owEnd, owHigh);
            if (low >= high) {
              direction.gap(column, run);
            } else {
              direction.gap(column, low - owStart);
              const source = channel + ((<usize>ih * rowStride + <usize>(low * strideW + colOffset) * colStride) << 2);
              direction.span(column + (<usize>(low - owStart) << 2), source, <usize>strideW * imageStep, high - low);
              direction.gap(column + (<usize>(high - owStart) << 2), owEnd - high);
            }
          }
          column += <usize>run << 2;
          p += run;
          oh++;
          owStart = 0;
        }
      }
    }
  }
}

// ---- one input channel per output channel (depthwise) -------------------------------------------
//
// With one input channel per group the column matrix has only kh*kw rows and each GEMM a single
// output row: the GEMM would mostly pack and store. These kernels instead run each kernel tap over
// the output plane directly, f32x4 along output rows when the input row is contiguous (stride 1).

/**
 * dst[j] += w * src[j] for j < count, dst and src `dstStep` and `srcStep` bytes apart: f32x4 when
 * both are contiguous (the stride-1 rows every tap loop meets).
 */
@inline function axpy(dst: usize, dstStep: usize, src: usize, srcStep: usize, count: i32, w: f32): void {
  let j = 0;
  if (dstStep == 4 && srcStep == 4) {
    const wv = f32x4.splat(w);
    for (; j + 4 <= count; j += 4) {
      const at = <usize>j << 2;
      v128.store(dst + at, f32x4.add(v128.load(dst + at), f32x4.mul(wv, v128.load(src + at))));
    }
  }
  for (; j < count; j++) {
    const at = dst + <usize>j * dstStep;
    store<f32>(at, load<f32>(at) + w * load<f32>(src + <usize>j * srcStep));
  }
}

/** out[j] += w * image[j] over a run of output pixels (image `step` bytes apart). */
class TapForward {
  @inline span(out: usize, image: usize, step: usize, count: i32, weight: usize): void {
    axpy(out, 4, image, step, count, load<f32>(weight));
  }
}

/** image[j] += w * grad[j]: the input gradient of TapForward. */
class TapInputGrad {
  @inline span(grad: usize, image: usize, step: usize, count: i32, weight: usize): void {
    axpy(image, step, grad, 4, count, load<f32>(weight));
  }
}

/** w += sum of grad[j] * image[j]: the weight gradient of TapForward. */
class TapWeightGrad {
  @inline span(grad: usize, image: usize, step: usize, count: i32, weight: usize): void {
    let sum: f32 = 0;
    let j = 0;
    if (step == 4) {
      let sums = f32x4.splat(0);
      for (; j + 4 <= count; j += 4) {
        const at = <usize>j << 2;
        sums = f32x4.add(sums, f32x4.mul(v128.load(grad + at), v128.load(image + at)));
      }
      sum = (f32x4.extract_lane(sums, 0) + f32x4.extract_lane(sums, 1)) + (f32x4.extract_lane(sums, 2) + f32x4.extract_lane(sums, 3));
    }
    for (; j < count; j++) sum += load<f32>(grad + (<usize>j << 2)) * load<f32>(image + <usize>j * step);
    store<f32>(weight, load<f32>(weight) + sum);
  }
}

/**
 * Runs every kernel tap over one output plane (contiguous [Ho, Wo]) and the input plane it reads
 * (`image`, element strides rowStride and colStride): for tap (ki, kj) with weight at
 * weights[ki*kw + kj], output pixel (i, j) pairs with image[i*sh - ph + ki*dh, j*sw - pw + kj*dw]
 * wherever that lies inside the image.
 */
@inline function walkTaps<Tap>(geometry: usize, plane: usize, image: usize, rowStride: i32, colStride: i32, weights: usize): void {
  const tap = changetype<Tap>(0);
  const height = geo(geometry, IN_HEIGHT), width = geo(geometry, IN_WIDTH);
  const outHeight = geo(geometry, OUT_HEIGHT), outWidth = geo(geometry, OUT_WIDTH);
  const kernelH = geo(geometry, KERNEL_H), kernelW = geo(geometry, KERNEL_W);
  const strideH = geo(geometry, STRIDE_H), strideW = geo(geometry, STRIDE_W);
  const step = <usize>(strideW * colStride) << 2;
  for (let ki = 0; ki < kernelH; ki++) {
    const rowOffset = ki * geo(geometry, DILATION_H) - geo(geometry, PAD_H);
    const ohLow = firstInside(rowOffset, strideH, outHeight), ohHigh = endInside(rowOffset, strideH, outHeight, height);
    for (let kj = 0; kj < kernelW; kj++) {
      const colOffset = kj * geo(geometry, DILATION_W) - geo(geometry, PAD_W);
      const owLow = firstInside(colOffset, strideW, outWidth);
      const count = endInside(colOffset, strideW, outWidth, width) - owLow;
      if (count <= 0) continue;
      const weight = weights + (<usize>(ki * kernelW + kj) << 2);
      for (let oh = ohLow; oh < ohHigh; oh++) {
        const ih = oh * strideH + rowOffset;
        const source = image + ((<usize>ih * rowStride + <usize>(owLow * strideW + colOffset) * colStride) << 2);
        tap.span(plane + (<usize>(oh * outWidth + owLow) << 2), source, step, count, weight);
      }
    }
  }
}

function depthwiseForward(geometry: usize, out: usize, input: usize, weight: usize, bias: usize): void {
  const outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  for (let n = 0; n < geo(geometry, BATCH); n++) {
    for (let co = 0; co < outChannels; co++) {
      const plane = out + (<usize>(n * outChannels + co) * pixels << 2);
      const start = bias != 0 ? load<f32>(bias + (<usize>co << 2)) : 0;
      for (let p = 0; p < pixels; p++) store<f32>(plane + (<usize>p << 2), start);
      const image = input + ((<usize>n * geo(geometry, INPUT_STRIDE_N) + <usize>(co / perGroup) * geo(geometry, INPUT_STRIDE_C)) << 2);
      walkTaps<TapForward>(geometry, plane, image, geo(geometry, INPUT_STRIDE_H), geo(geometry, INPUT_STRIDE_W), weight + (<usize>(co * taps) << 2));
    }
  }
}

function depthwiseBackwardInput(geometry: usize, gradInput: usize, gradOut: usize, weight: usize): void {
  const inChannels = geo(geometry, IN_CHANNELS), outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const width = geo(geometry, IN_WIDTH);
  const imagePixels = geo(geometry, IN_HEIGHT) * width;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  memory.fill(gradInput, 0, <usize>(geo(geometry, BATCH) * inChannels * imagePixels) << 2);
  for (let n = 0; n < geo(geometry, BATCH); n++) {
    for (let co = 0; co < outChannels; co++) {
      const image = gradInput + (<usize>(n * inChannels + co / perGroup) * imagePixels << 2);
      const plane = gradOut + (<usize>(n * outChannels + co) * pixels << 2);
      walkTaps<TapInputGrad>(geometry, plane, image, width, 1, weight + (<usize>(co * taps) << 2));
    }
  }
}

function depthwiseBackwardWeight(geometry: usize, gradWeight: usize, input: usize, gradOut: usize): void {
  const outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  memory.fill(gradWeight, 0, <usize>(outChannels * taps) << 2);
  for (let n = 0; n < geo(geometry, BATCH); n++) {
    for (let co = 0; co < outChannels; co++) {
      const plane = gradOut + (<usize>(n * outChannels + co) * pixels << 2);
      const image = input + ((<usize>n * geo(geometry, INPUT_STRIDE_N) + <usize>(co / perGroup) * geo(geometry, INPUT_STRIDE_C)) << 2);
      walkTaps<TapWeightGrad>(geometry, plane, image, geo(geometry, INPUT_STRIDE_H), geo(geometry, INPUT_STRIDE_W), gradWeight + (<usize>(co * taps) << 2));
    }
  }
}

/** True when each output channel reads a single input channel: the depthwise kernels apply. */
function oneChannelPerGroup(geometry: usize): bool {
  return geo(geometry, IN_CHANNELS) == geo(geometry, GROUPS) && geo(geometry, GROUPS) > 1;
}

// ---- entry points ---------------------------------------------------------------------------------

/**
 * out[N, Cout, Ho, Wo] (contiguous) = conv(input, weight) + bias. input is strided as the geometry
 * says; weight is contiguous [Cout, Cin/groups, kh, kw]; bias is Cout floats or 0 for none.
 * `columns` holds convColumnsBytes(geometry); `work` is gemmF32's workspace.
 */
export function conv2dF32(geometry: usize, out: usize, input: usize, weight: usize, bias: usize, columns: usize, work: usize): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseForward(geometry, out, input, weight, bias);
    return;
  }
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const inChannels = geo(geometry, IN_CHANNELS) / groups;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const depth = columnRows(geometry);
  const chunk = chunkPixels(geometry);
  const direct = inputIsColumns(geometry);
  const strideN = geo(geometry, INPUT_STRIDE_N), strideC = geo(geometry, INPUT_STRIDE_C);
  const strideH = geo(geometry, INPUT_STRIDE_H), strideW = geo(geometry, INPUT_STRIDE_W);
  for (let n = 0; n < geo(geometry, BATCH); n++) {
    for (let g = 0; g < groups; g++) {
      const image = input + ((<usize>n * strideN + <usize>(g * inChannels) * strideC) << 2);
      const weights = weight + (<usize>(g * outChannels * depth) << 2);
      const target = out + (<usize>(n * groups + g) * outChannels * pixels << 2);
      for (let first = 0; first < pixels; first += chunk) {
        const count = min(chunk, pixels - first);
        const result = target + (<usize>first << 2);
        if (direct) {
          gemmF32(outChannels, count, depth, weights, depth, 1, image + (<usize>first << 2), strideC, 1, result, pixels, 0, work);
        } else {
          walkColumns<Gather>(geometry, columns, image, strideC, strideH, strideW, first, count);
          gemmF32(outChannels, count, depth, weights, depth, 1, columns, count, 1, result, pixels, 0, work);
        }
        if (bias != 0) addBias(result, bias + (<usize>(g * outChannels) << 2), outChannels, count, pixels);
      }
    }
  }
}

/** rows x count block of out (rows `pitch` floats apart) += bias[row]. */
function addBias(out: usize, bias: usize, rows: i32, count: i32, pitch: i32): void {
  for (let row = 0; row < rows; row++) {
    const value = load<f32>(bias + (<usize>row << 2));
    const splat = f32x4.splat(value);
    const at = out + (<usize>row * pitch << 2);
    let i = 0;
    for (; i + 4 <= count; i += 4) v128.store(at + (<usize>i << 2), f32x4.add(v128.load(at + (<usize>i << 2)), splat));
    for (; i < count; i++) store<f32>(at + (<usize>i << 2), load<f32>(at + (<usize>i << 2)) + value);
  }
}

/**
 * gradInput[N, Cin, H, W] (contiguous, overwritten) = the input gradient of conv2dF32 given
 * gradOut [N, Cout, Ho, Wo] and weight, both contiguous. The geometry's input strides are ignored:
 * gradInput is contiguous.
 */
export function conv2dBackwardInputF32(geometry: usize, gradInput: usize, gradOut: usize, weight: usize, columns: usize, work: usize): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseBackwardInput(geometry, gradInput, gradOut, weight);
    return;
  }
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const inChannels = geo(geometry, IN_CHANNELS) / groups;
  const height = geo(geometry, IN_HEIGHT), width = geo(geometry, IN_WIDTH);
  const imagePixels = height * width;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const depth = columnRows(geometry);
  const chunk = chunkPixels(geometry);
  const direct = inputIsColumns(geometry);
  const total = geo(geometry, BATCH) * geo(geometry, IN_CHANNELS) * imagePixels;
  if (!direct) memory.fill(gradInput, 0, <usize>total << 2);
  for (let n = 0; n < geo(geometry, BATCH); n++) {
    for (let g = 0; g < groups; g++) {
      const image = gradInput + (<usize>(n * groups + g) * inChannels * imagePixels << 2);
      const weights = weight + (<usize>(g * outChannels * depth) << 2);
      const grads = gradOut + (<usize>(n * groups + g) * outChannels * pixels << 2);
      for (let first = 0; first < pixels; first += chunk) {
        const count = min(chunk, pixels - first);
        // The weights read transposed: [depth, outChannels].
        if (direct) {
          gemmF32(depth, count, outChannels, weights, 1, depth, grads + (<usize>first << 2), pixels, 1, image + (<usize>first << 2), imagePixels, 0, work);
        } else {
          gemmF32(depth, count, outChannels, weights, 1, depth, grads + (<usize>first << 2), pixels, 1, columns, count, 0, work);
          walkColumns<ScatterAdd>(geometry, columns, image, imagePixels, width, 1, first, count);
        }
      }
    }
  }
}

/**
 * gradWeight [Cout, Cin/groups, kh, kw] (contiguous, overwritten) = the weight gradient of
 * conv2dF32 given its input (strided as the geometry says) and gradOut (contiguous).
 *
 * Per group it is gradOut[Cout/groups, pixels] @ columns^T summed over images. With a shallow
 * receptive field (a 3x3 kernel over one channel: 9 rows) that product is only 9 columns wide,
 * and the GEMM would spend its time packing gradOut for two mostly empty 8-column panels; then
 * the transposed product columns @ gradOut^T (9 short rows, full panels) is accumulated in
 * scratch and transposed once at the end.
 */
export function conv2dBackwardWeightF32(geometry: usize, gradWeight: usize, input: usize, gradOut: usize, columns: usize, work: usize): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseBackwardWeight(geometry, gradWeight, input, gradOut);
    return;
  }
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const inChannels = geo(geometry, IN_CHANNELS) / groups;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const depth = columnRows(geometry);
  const chunk = chunkPixels(geometry);
  const direct = inputIsColumns(geometry);
  const transposed = depth < outChannels;
  const transposedSum = columns + <usize>columnBytes(geometry);
  const strideN = geo(geometry, INPUT_STRIDE_N), strideC = geo(geometry, INPUT_STRIDE_C);
  const strideH = geo(geometry, INPUT_STRIDE_H), strideW = geo(geometry, INPUT_STRIDE_W);
  for (let g = 0; g < groups; g++) {
    const weights = gradWeight + (<usize>(g * outChannels * depth) << 2);
    for (let n = 0; n < geo(geometry, BATCH); n++) {
      const image = input + ((<usize>n * strideN + <usize>(g * inChannels) * strideC) << 2);
      const grads = gradOut + (<usize>(n * groups + g) * outChannels * pixels << 2);
      for (let first = 0; first < pixels; first += chunk) {
        const count = min(chunk, pixels - first);
        const beta: f32 = n == 0 && first == 0 ? 0 : 1;
        // The columns [depth, count]: the input itself, or gathered into scratch.
        let source = image + (<usize>first << 2);
        let sourceRowStride = strideC;
        if (!direct) {
          walkColumns<Gather>(geometry, columns, image, strideC, strideH, strideW, first, count);
          source = columns;
          sourceRowStride = count;
        }
        const chunkGrads = grads + (<usize>first << 2);
        if (transposed) {
          gemmF32(depth, outChannels, count, source, sourceRowStride, 1, chunkGrads, 1, pixels, transposedSum, outChannels, beta, work);
        } else {
          gemmF32(outChannels, depth, count, chunkGrads, pixels, 1, source, 1, sourceRowStride, weights, depth, beta, work);
        }
      }
    }
    if (transposed) {
      for (let k = 0; k < depth; k++) {
        for (let co = 0; co < outChannels; co++) {
          store<f32>(weights + (<usize>(co * depth + k) << 2), load<f32>(transposedSum + (<usize>(k * outChannels + co) << 2)));
        }
      }
    }
  }
}
