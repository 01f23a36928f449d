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
 * Walks rows [rowFirst, rowEnd) of the column matrix of one group's channels for output pixels
 * [first, first + count): row (c, ki, kj), column p reads image[c, oh*sh - ph + ki*dh, ow*sw - pw
 * + kj*dw] for p = oh*Wo + ow; row rowFirst lands at `columns`. `image` is the group's first
 * channel, with element strides channelStride, rowStride, colStride.
 */
@inline function walkColumns<Direction>(geometry: usize, columns: usize, image: usize,
  channelStride: i32, rowStride: i32, colStride: i32, first: i32, count: i32, rowFirst: i32, rowEnd: i32): void {
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
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const channel = image + (<usize>c * channelStride << 2);
    for (let ki = 0; ki < kernelH; ki++) {
      const rowOffset = ki * dilationH - padH;
      for (let kj = 0; kj < kernelW; kj++, row++) {
        if (row < rowFirst || row >= rowEnd) continue;
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

// Each entry point computes a range [first, end) of its pass's work items (convWorkItems), so the
// glue can hand disjoint ranges to threads. An item is computed by the same code whichever range
// holds it, and items write disjoint outputs, so any split gives the same bits.

/** Forward items: (image, output channel) planes. */
function depthwiseForward(geometry: usize, out: usize, input: usize, weight: usize, bias: usize, first: i32, end: i32): void {
  const outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  for (let item = first; item < end; item++) {
    const n = item / outChannels, co = item - n * outChannels;
    const plane = out + (<usize>item * pixels << 2);
    const start = bias != 0 ? load<f32>(bias + (<usize>co << 2)) : 0;
    for (let p = 0; p < pixels; p++) store<f32>(plane + (<usize>p << 2), start);
    const image = input + ((<usize>n * geo(geometry, INPUT_STRIDE_N) + <usize>(co / perGroup) * geo(geometry, INPUT_STRIDE_C)) << 2);
    walkTaps<TapForward>(geometry, plane, image, geo(geometry, INPUT_STRIDE_H), geo(geometry, INPUT_STRIDE_W), weight + (<usize>(co * taps) << 2));
  }
}

/** Input-gradient items: (image, input channel) planes, each summing its group's output channels in order. */
function depthwiseBackwardInput(geometry: usize, gradInput: usize, gradOut: usize, weight: usize, first: i32, end: i32): void {
  const inChannels = geo(geometry, IN_CHANNELS), outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const width = geo(geometry, IN_WIDTH);
  const imagePixels = geo(geometry, IN_HEIGHT) * width;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  for (let item = first; item < end; item++) {
    const n = item / inChannels, ci = item - n * inChannels;
    const image = gradInput + (<usize>item * imagePixels << 2);
    memory.fill(image, 0, <usize>imagePixels << 2);
    for (let co = ci * perGroup; co < (ci + 1) * perGroup; co++) {
      const plane = gradOut + (<usize>(n * outChannels + co) * pixels << 2);
      walkTaps<TapInputGrad>(geometry, plane, image, width, 1, weight + (<usize>(co * taps) << 2));
    }
  }
}

/** Weight-gradient items: output channels, each summing over the images in order. */
function depthwiseBackwardWeight(geometry: usize, gradWeight: usize, input: usize, gradOut: usize, first: i32, end: i32): void {
  const outChannels = geo(geometry, OUT_CHANNELS);
  const perGroup = outChannels / geo(geometry, GROUPS);
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const taps = geo(geometry, KERNEL_H) * geo(geometry, KERNEL_W);
  for (let co = first; co < end; co++) {
    const weights = gradWeight + (<usize>(co * taps) << 2);
    memory.fill(weights, 0, <usize>taps << 2);
    for (let n = 0; n < geo(geometry, BATCH); n++) {
      const plane = gradOut + (<usize>(n * outChannels + co) * pixels << 2);
      const image = input + ((<usize>n * geo(geometry, INPUT_STRIDE_N) + <usize>(co / perGroup) * geo(geometry, INPUT_STRIDE_C)) << 2);
      walkTaps<TapWeightGrad>(geometry, plane, image, geo(geometry, INPUT_STRIDE_H), geo(geometry, INPUT_STRIDE_W), weights);
    }
  }
}

/** True when each output channel reads a single input channel: the depthwise kernels apply. */
function oneChannelPerGroup(geometry: usize): bool {
  return geo(geometry, IN_CHANNELS) == geo(geometry, GROUPS) && geo(geometry, GROUPS) > 1;
}

/** Output pixel chunks per (image, group). */
function chunksPerImage(geometry: usize): i32 {
  const chunk = chunkPixels(geometry);
  return (geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH) + chunk - 1) / chunk;
}

/** Columns of the weight gradient's GEMM per tile: ranges split at multiples of gemm.ts's
 *  TILE_COLS, so every column lies in the same tile of the same code at any split. */
const WEIGHT_TILE_COLS = 8;

/** True when the weight gradient is computed transposed ([depth, Cout/groups]; see conv2dBackwardWeightF32). */
@inline function weightGradTransposed(geometry: usize): bool {
  return columnRows(geometry) < geo(geometry, OUT_CHANNELS) / geo(geometry, GROUPS);
}

/** Images per weight-gradient item when the items are image ranges (see weightGradOverImages). */
const WEIGHT_GRAD_IMAGES = 4;
/** Floats of the image ranges' partial weight gradients, at most, for the items to be image ranges. */
const WEIGHT_PARTIALS_MAX_FLOATS = 1 << 18;

/** Ranges of WEIGHT_GRAD_IMAGES images in the batch. */
function imageRanges(geometry: usize): i32 {
  return (geo(geometry, BATCH) + WEIGHT_GRAD_IMAGES - 1) / WEIGHT_GRAD_IMAGES;
}

/**
 * True when the weight gradient's items are (group, range of WEIGHT_GRAD_IMAGES images), each
 * summing its images into a partial gradient, instead of (group, column tile) over all images:
 * when the partials are small. A thread then reads only its images' gradients, which it wrote
 * itself in the elementwise backward before, where a tile of columns reads every image's, and it
 * gathers the columns of its images only, where every column tile gathers them all again (the
 * CNN step of the conv bench at 2 threads). Decided by the geometry alone, so any thread count
 * gets the same items and the same bits.
 */
function weightGradOverImages(geometry: usize): bool {
  const ranges = imageRanges(geometry);
  return !oneChannelPerGroup(geometry) && ranges > 1 && ranges * geo(geometry, OUT_CHANNELS) * columnRows(geometry) <= WEIGHT_PARTIALS_MAX_FLOATS;
}

/** The partial weight gradients conv2dBackwardWeightF32 writes (one per image range), or 0 when it writes the gradient itself. */
export function convWeightPartials(geometry: usize): i32 {
  return weightGradOverImages(geometry) ? imageRanges(geometry) : 0;
}

/** Column tiles of one group's weight-gradient GEMM. */
function weightTiles(geometry: usize): i32 {
  const columns = weightGradTransposed(geometry) ? geo(geometry, OUT_CHANNELS) / geo(geometry, GROUPS) : columnRows(geometry);
  return (columns + WEIGHT_TILE_COLS - 1) / WEIGHT_TILE_COLS;
}

/** Passes of convWorkItems. */
const PASS_FORWARD = 0, PASS_INPUT_GRAD = 1;

/**
 * Work items of a pass (0 forward, 1 input gradient, 2 weight gradient). Forward: (image, group,
 * pixel chunk), or (image, channel) when depthwise. Input gradient: (image, group), since col2im
 * adds the chunks of one image into overlapping pixels, or (image, channel) when depthwise.
 * Weight gradient: (group, range of images) or (group, column tile of its GEMM) (see
 * weightGradOverImages), or output channels when depthwise; these sum over images and pixels
 * inside the item.
 */
export function convWorkItems(geometry: usize, pass: i32): i32 {
  const batch = geo(geometry, BATCH), groups = geo(geometry, GROUPS);
  const depthwise = oneChannelPerGroup(geometry);
  if (pass == PASS_FORWARD) return depthwise ? batch * geo(geometry, OUT_CHANNELS) : batch * groups * chunksPerImage(geometry);
  if (pass == PASS_INPUT_GRAD) return batch * groups;
  if (depthwise) return geo(geometry, OUT_CHANNELS);
  return groups * (weightGradOverImages(geometry) ? imageRanges(geometry) : weightTiles(geometry));
}

// ---- entry points ---------------------------------------------------------------------------------

/**
 * out[N, Cout, Ho, Wo] (contiguous) = conv(input, weight) + bias, for work items [first, end) of
 * convWorkItems(geometry, 0). input is strided as the geometry says; weight is contiguous
 * [Cout, Cin/groups, kh, kw]; bias is Cout floats or 0 for none. `columns` holds
 * convColumnsBytes(geometry); `work` is gemmF32's workspace.
 */
export function conv2dF32(geometry: usize, out: usize, input: usize, weight: usize, bias: usize, columns: usize, work: usize, first: i32, end: i32): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseForward(geometry, out, input, weight, bias, first, end);
    return;
  }
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const inChannels = geo(geometry, IN_CHANNELS) / groups;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const depth = columnRows(geometry);
  const chunk = chunkPixels(geometry);
  const chunks = chunksPerImage(geometry);
  const direct = inputIsColumns(geometry);
  const strideN = geo(geometry, INPUT_STRIDE_N), strideC = geo(geometry, INPUT_STRIDE_C);
  const strideH = geo(geometry, INPUT_STRIDE_H), strideW = geo(geometry, INPUT_STRIDE_W);
  for (let item = first; item < end; item++) {
    const imageGroup = item / chunks;
    const n = imageGroup / groups, g = imageGroup - n * groups;
    const start = (item - imageGroup * chunks) * chunk;
    const count = min(chunk, pixels - start);
    const image = input + ((<usize>n * strideN + <usize>(g * inChannels) * strideC) << 2);
    const weights = weight + (<usize>(g * outChannels * depth) << 2);
    const result = out + ((<usize>imageGroup * outChannels * pixels + <usize>start) << 2);
    if (direct) {
      gemmF32(outChannels, count, depth, weights, depth, 1, image + (<usize>start << 2), strideC, 1, result, pixels, 0, work);
    } else {
      walkColumns<Gather>(geometry, columns, image, strideC, strideH, strideW, start, count, 0, depth);
      gemmF32(outChannels, count, depth, weights, depth, 1, columns, count, 1, result, pixels, 0, work);
    }
    if (bias != 0) addBias(result, bias + (<usize>(g * outChannels) << 2), outChannels, count, pixels);
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
 * gradOut [N, Cout, Ho, Wo] and weight, both contiguous, for work items [first, end) of
 * convWorkItems(geometry, 1). The geometry's input strides are ignored: gradInput is contiguous.
 */
export function conv2dBackwardInputF32(geometry: usize, gradInput: usize, gradOut: usize, weight: usize, columns: usize, work: usize, first: i32, end: i32): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseBackwardInput(geometry, gradInput, gradOut, weight, first, end);
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
  for (let item = first; item < end; item++) {
    const g = item % groups;
    const image = gradInput + (<usize>item * inChannels * imagePixels << 2);
    const weights = weight + (<usize>(g * outChannels * depth) << 2);
    const grads = gradOut + (<usize>item * outChannels * pixels << 2);
    if (!direct) memory.fill(image, 0, <usize>(inChannels * imagePixels) << 2);
    for (let start = 0; start < pixels; start += chunk) {
      const count = min(chunk, pixels - start);
      // The weights read transposed: [depth, outChannels].
      if (direct) {
        gemmF32(depth, count, outChannels, weights, 1, depth, grads + (<usize>start << 2), pixels, 1, image + (<usize>start << 2), imagePixels, 0, work);
      } else {
        gemmF32(depth, count, outChannels, weights, 1, depth, grads + (<usize>start << 2), pixels, 1, columns, count, 0, work);
        walkColumns<ScatterAdd>(geometry, columns, image, imagePixels, width, 1, start, count, 0, depth);
      }
    }
  }
}

/**
 * gradWeight [Cout, Cin/groups, kh, kw] (contiguous, overwritten) = the weight gradient of
 * conv2dF32 given its input (strided as the geometry says) and gradOut (contiguous), for work
 * items [first, end) of convWorkItems(geometry, 2); when the items are image ranges
 * (weightGradOverImages), each item writes instead its range's partial gradient, range r of
 * group g at gradWeight + (r * Cout + g * Cout/groups) * depth floats, for the caller to sum over
 * the ranges in order.
 *
 * Per group it is gradOut[Cout/groups, pixels] @ columns^T summed over images. With a shallow
 * receptive field (a 3x3 kernel over one channel: 9 rows) that product is only 9 columns wide,
 * and the GEMM would spend its time packing gradOut for two mostly empty 8-column panels; then
 * the transposed product columns @ gradOut^T (9 short rows, full panels) is accumulated in
 * scratch and transposed once at the end. An item over all images is a tile of the product's
 * columns: column rows of the column matrix (gathering only those), or output channels when
 * transposed.
 */
export function conv2dBackwardWeightF32(geometry: usize, gradWeight: usize, input: usize, gradOut: usize, columns: usize, work: usize, first: i32, end: i32): void {
  if (oneChannelPerGroup(geometry)) {
    depthwiseBackwardWeight(geometry, gradWeight, input, gradOut, first, end);
    return;
  }
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const depth = columnRows(geometry);
  const width = weightGradTransposed(geometry) ? outChannels : depth;
  if (weightGradOverImages(geometry)) {
    const ranges = imageRanges(geometry);
    for (let item = first; item < end; item++) {
      const g = item / ranges, range = item - g * ranges;
      const partial = gradWeight + (<usize>(range * geo(geometry, OUT_CHANNELS) + g * outChannels) * depth << 2);
      const firstImage = range * WEIGHT_GRAD_IMAGES;
      accumulateWeightGrad(geometry, partial, input, gradOut, columns, work, g, 0, width, firstImage, min(firstImage + WEIGHT_GRAD_IMAGES, geo(geometry, BATCH)));
    }
    return;
  }
  const tiles = weightTiles(geometry);
  for (let g = first / tiles; g * tiles < end; g++) {
    // This range's columns of the group's product: [low, high).
    const low = max(first - g * tiles, 0) * WEIGHT_TILE_COLS;
    const high = min(min(end - g * tiles, tiles) * WEIGHT_TILE_COLS, width);
    const weights = gradWeight + (<usize>(g * outChannels * depth) << 2);
    accumulateWeightGrad(geometry, weights, input, gradOut, columns, work, g, low, high, 0, geo(geometry, BATCH));
  }
}

/**
 * Columns [low, high) of group g's weight gradient (see conv2dBackwardWeightF32) summed over
 * images [firstImage, endImage), written to `weights` (the group's [Cout/groups, depth] block).
 */
function accumulateWeightGrad(
  geometry: usize, weights: usize, input: usize, gradOut: usize, columns: usize, work: usize,
  g: i32, low: i32, high: i32, firstImage: i32, endImage: i32,
): void {
  const groups = geo(geometry, GROUPS);
  const outChannels = geo(geometry, OUT_CHANNELS) / groups;
  const inChannels = geo(geometry, IN_CHANNELS) / groups;
  const pixels = geo(geometry, OUT_HEIGHT) * geo(geometry, OUT_WIDTH);
  const depth = columnRows(geometry);
  const chunk = chunkPixels(geometry);
  const direct = inputIsColumns(geometry);
  const transposed = weightGradTransposed(geometry);
  const transposedSum = columns + <usize>columnBytes(geometry);
  const strideN = geo(geometry, INPUT_STRIDE_N), strideC = geo(geometry, INPUT_STRIDE_C);
  const strideH = geo(geometry, INPUT_STRIDE_H), strideW = geo(geometry, INPUT_STRIDE_W);
  const rowFirst = transposed ? 0 : low, rowEnd = transposed ? depth : high;
  for (let n = firstImage; n < endImage; n++) {
    const image = input + ((<usize>n * strideN + <usize>(g * inChannels) * strideC) << 2);
    const grads = gradOut + (<usize>(n * groups + g) * outChannels * pixels << 2);
    for (let start = 0; start < pixels; start += chunk) {
      const count = min(chunk, pixels - start);
      const beta: f32 = n == firstImage && start == 0 ? 0 : 1;
      // Rows [rowFirst, rowEnd) of the columns [depth, count]: the input itself, or gathered into scratch.
      let source = image + ((<usize>start + <usize>rowFirst * strideC) << 2);
      let sourceRowStride = strideC;
      if (!direct) {
        walkColumns<Gather>(geometry, columns, image, strideC, strideH, strideW, start, count, rowFirst, rowEnd);
        source = columns;
        sourceRowStride = count;
      }
      const chunkGrads = grads + (<usize>start << 2);
      if (transposed) {
        gemmF32(depth, high - low, count, source, sourceRowStride, 1, chunkGrads + (<usize>low * pixels << 2), 1, pixels,
          transposedSum + (<usize>low << 2), outChannels, beta, work);
      } else {
        gemmF32(outChannels, high - low, count, chunkGrads, pixels, 1, source, 1, sourceRowStride, weights + (<usize>low << 2), depth, beta, work);
      }
    }
  }
  if (transposed) {
    for (let k = 0; k < depth; k++) {
      for (let co = low; co < high; co++) {
        store<f32>(weights + (<usize>(co * depth + k) << 2), load<f32>(transposedSum + (<usize>(k * outChannels + co) << 2)));
      }
    }
  }
}
