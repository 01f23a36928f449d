// f32 matrix multiply: C[M,N] = beta*C + A[M,K] @ B[K,N], blocked and packed in the GotoBLAS way.
//
// B is packed into panels of TILE_COLS columns and A into panels of TILE_ROWS rows, both laid out
// depth-major, so the inner kernel reads its operands sequentially whatever the caller's strides
// are: transposed and strided views cost nothing beyond the packing itself.
import { madd } from './fma';

/** Rows of C per inner-kernel call. A 4x8 tile holds 8 accumulators + 2 B vectors + 4 A vectors
 *  + 1 temporary: exactly the 15 SIMD registers V8 gives wasm on x86-64. Larger tiles spill
 *  accumulators inside the loop. A fused multiply-add needs no temporary, so the relaxed-SIMD
 *  build takes 6 rows: 12 accumulators + 2 B vectors + 1 A vector. */
const TILE_ROWS = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
/** Columns of C per inner-kernel call: two f32x4 vectors. */
const TILE_COLS = 8;
/** Depth of one packed block. One A panel of this depth (16 KiB) stays in L1 while B panels stream
 *  past it from L2. */
const DEPTH_BLOCK = 256;
/** Columns of B packed at once (a multiple of TILE_COLS); the packed block (512 KiB) lives in L2. */
const COL_BLOCK = 512;

/** A panel values are stored pre-broadcast, one f32x4 per value: the kernel then loads them like
 *  B, with no shuffle, which leaves the four SIMD ports to the 16 multiplies and adds per step
 *  (about 12% faster than broadcasting in the loop). */
const A_PANEL_BYTES = DEPTH_BLOCK * TILE_ROWS * 16;
const PACKED_B_BYTES = DEPTH_BLOCK * COL_BLOCK * 4;
const EDGE_TILE_BYTES = TILE_ROWS * TILE_COLS * 4;
/** Packed panels start on a cache line, so no vector load of the inner kernel straddles two. */
const CACHE_LINE = 64;
/**
 * A product with fewer columns than this may run transposed (see gemmF32), and rows of C^T
 * (columns of C) run that way this many at a time, in TRANSPOSED_BYTES of scratch.
 */
const TRANSPOSED_MAX_COLS = 2 * TILE_COLS;
const TRANSPOSED_CHUNK = COL_BLOCK;
const TRANSPOSED_BYTES = TRANSPOSED_MAX_COLS * TRANSPOSED_CHUNK * 4;

/** Bytes of scratch memory gemmF32 needs at `work` (which must be 16-byte aligned). */
export function gemmWorkspaceBytes(): i32 {
  return CACHE_LINE - 16 + PACKED_B_BYTES + A_PANEL_BYTES + EDGE_TILE_BYTES + TRANSPOSED_BYTES;
}

/** Inner-kernel calls (tiles times depth steps, per unit of depth) of an M x N product. */
@inline function tileCount(M: i32, N: i32): i32 {
  return ((M + TILE_ROWS - 1) / TILE_ROWS) * ((N + TILE_COLS - 1) / TILE_COLS);
}

/**
 * C[M,N] = beta*C + A[M,K] @ B[K,N]. Pointers are byte addresses; strides count f32 elements and
 * may be anything non-negative (aRowStride=1, aColStride=M reads A transposed). C is row-major
 * with row stride ldc. beta 0 overwrites C without reading it (garbage or NaN in C cannot leak);
 * beta 1 accumulates, and any other beta scales C first.
 * `work` is scratch of gemmWorkspaceBytes() bytes, 16-byte aligned; nothing is allocated.
 */
export function gemmF32(M: i32, N: i32, K: i32,
  a: usize, aRowStride: i32, aColStride: i32,
  b: usize, bRowStride: i32, bColStride: i32,
  c: usize, ldc: i32, beta: f32, work: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scaleMatrix(M, N, c, ldc, beta);
    return;
  }
  // A narrow C (a Linear to 10 classes: N = 10) wastes most of its second 8-column tile and packs
  // all of A to serve two tiles; C^T = B^T A^T takes fewer tiles and packs the small operand as
  // A. Every element is the same sum in the same order of the same products, so the bits do not
  // change; with beta != 0 the sum would meet C at another point, so that case keeps its order.
  if (beta == 0 && N < TRANSPOSED_MAX_COLS && tileCount(N, M) < tileCount(M, N)) {
    gemmTransposed(M, N, K, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, work);
    return;
  }
  const packedB = (work + CACHE_LINE - 1) & ~(CACHE_LINE - 1);
  const aPanel = packedB + PACKED_B_BYTES;
  const edgeTile = aPanel + A_PANEL_BYTES;
  const rowBytes = <usize>ldc << 2;
  const bRowBytes = <usize>bRowStride << 2;
  // Row-major B is packed by the first row of tiles as a side effect of multiplying: a separate
  // pass re-reads and re-writes all of B and cost up to 20% when M is small (LSTM steps). With a
  // single row of tiles nothing would reuse the packed copy, so B is then only read in place.
  const bInKernel = bColStride == 1;
  const packBInKernel = bInKernel && M > TILE_ROWS;

  for (let col0 = 0; col0 < N; col0 += COL_BLOCK) {
    const cols = min(COL_BLOCK, N - col0);
    const fullCols = cols & ~(TILE_COLS - 1);
    for (let depth0 = 0; depth0 < K; depth0 += DEPTH_BLOCK) {
      const depth = min(DEPTH_BLOCK, K - depth0);
      // Only the first depth block applies the caller's beta; later ones add to what it wrote.
      const scale: f32 = depth0 == 0 ? beta : 1;
      const bBlock = b + ((<usize>depth0 * bRowStride + <usize>col0 * bColStride) << 2);
      packB(bBlock, bRowStride, bColStride, depth, bInKernel ? fullCols : 0, cols, packedB);
      const bPanelBytes = <usize>(depth * TILE_COLS) << 2;
      for (let row0 = 0; row0 < M; row0 += TILE_ROWS) {
        const tileRows = min(TILE_ROWS, M - row0);
        packAPanel(a + ((<usize>row0 * aRowStride + <usize>depth0 * aColStride) << 2),
          aRowStride, aColStride, tileRows, depth, aPanel);
        let bPanel = packedB;
        let cTile = c + ((<usize>row0 * ldc + <usize>col0) << 2);
        for (let panelCol = 0; panelCol < cols; panelCol += TILE_COLS) {
          const tileCols = min(TILE_COLS, cols - panelCol);
          // Edge tiles run the same full kernel into scratch, then copy only the valid part.
          const fullTile = tileRows == TILE_ROWS && tileCols == TILE_COLS;
          const out = fullTile ? cTile : edgeTile;
          const outRowBytes: usize = fullTile ? rowBytes : TILE_COLS << 2;
          const outScale: f32 = fullTile ? scale : 0;
          if (bInKernel && row0 == 0 && panelCol < fullCols) {
            const bInPlace = bBlock + (<usize>panelCol << 2);
            if (packBInKernel) {
              multiplyTilePackingB(depth, aPanel, bInPlace, bRowBytes, bPanel, out, outRowBytes, outScale);
            } else {
              multiplyTile(depth, aPanel, bInPlace, bRowBytes, out, outRowBytes, outScale);
            }
          } else {
            multiplyTile(depth, aPanel, bPanel, TILE_COLS << 2, out, outRowBytes, outScale);
          }
          if (!fullTile) mergeEdgeTile(edgeTile, tileRows, tileCols, cTile, ldc, scale);
          bPanel += bPanelBytes;
          cTile += TILE_COLS << 2;
        }
      }
    }
  }
}

/** out[4,8] = scale*out + aPanel[depth,4]^T @ b[depth,8] (rows bRowBytes apart); scale 0 does
 *  not read out. */
function multiplyTile(depth: i32, aPanel: usize, b: usize, bRowBytes: usize, out: usize, outRowBytes: usize, scale: f32): void {
  tileKernel(depth, aPanel, b, bRowBytes, 0, out, outRowBytes, scale, false);
}

/** gemmF32 with beta 0 through C^T = B^T A^T, TRANSPOSED_CHUNK rows of C at a time. */
function gemmTransposed(M: i32, N: i32, K: i32,
  a: usize, aRowStride: i32, aColStride: i32,
  b: usize, bRowStride: i32, bColStride: i32,
  c: usize, ldc: i32, work: usize): void {
  const transposed = ((work + CACHE_LINE - 1) & ~(CACHE_LINE - 1)) + PACKED_B_BYTES + A_PANEL_BYTES + EDGE_TILE_BYTES;
  for (let row0 = 0; row0 < M; row0 += TRANSPOSED_CHUNK) {
    const rows = min(TRANSPOSED_CHUNK, M - row0);
    gemmF32(N, rows, K, b, bColStride, bRowStride, a + (<usize>row0 * aRowStride << 2), aColStride, aRowStride,
      transposed, rows, 0, work);
    for (let row = 0; row < rows; row++) {
      const outRow = c + (<usize>(row0 + row) * ldc << 2);
      for (let col = 0; col < N; col++) {
        store<f32>(outRow + (<usize>col << 2), load<f32>(transposed + (<usize>(col * rows + row) << 2)));
      }
    }
  }
}

/** multiplyTile that also copies the B rows it reads into bPanel, packed. */
function multiplyTilePackingB(depth: i32, aPanel: usize, b: usize, bRowBytes: usize, bPanel: usize,
  out: usize, outRowBytes: usize, scale: f32): void {
  tileKernel(depth, aPanel, b, bRowBytes, bPanel, out, outRowBytes, scale, true);
}

/**
 * The inner kernel of both tile functions; inlined with a constant `packsB`, so each gets a loop
 * without the other's work. One k step per iteration on purpose: unrolling lets V8 hoist the loads
 * and spill accumulators.
 */
@inline function tileKernel(depth: i32, aPanel: usize, b: usize, bRowBytes: usize, bPanel: usize,
  out: usize, outRowBytes: usize, scale: f32, packsB: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const aEnd = aPanel + <usize>depth * (TILE_ROWS << 4);
  while (aPanel < aEnd) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    if (packsB) {
      v128.store(bPanel, b0);
      v128.store(bPanel, b1, 16);
      bPanel += TILE_COLS << 2;
    }
    const a0 = v128.load(aPanel);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load(aPanel, 16);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load(aPanel, 32);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load(aPanel, 48);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    if (TILE_ROWS == 6) {
      const a4 = v128.load(aPanel, 64);
      c40 = madd(a4, b0, c40);
      c41 = madd(a4, b1, c41);
      const a5 = v128.load(aPanel, 80);
      c50 = madd(a5, b0, c50);
      c51 = madd(a5, b1, c51);
    }
    aPanel += TILE_ROWS << 4;
    b += bRowBytes;
  }
  storeTileRow(out, c00, c01, scale);
  storeTileRow(out + outRowBytes, c10, c11, scale);
  storeTileRow(out + 2 * outRowBytes, c20, c21, scale);
  storeTileRow(out + 3 * outRowBytes, c30, c31, scale);
  if (TILE_ROWS == 6) {
    storeTileRow(out + 4 * outRowBytes, c40, c41, scale);
    storeTileRow(out + 5 * outRowBytes, c50, c51, scale);
  }
}

@inline function storeTileRow(out: usize, left: v128, right: v128, scale: f32): void {
  if (scale == 0) {
    v128.store(out, left);
    v128.store(out, right, 16);
  } else {
    const scaleVector = f32x4.splat(scale);
    v128.store(out, f32x4.add(left, f32x4.mul(scaleVector, v128.load(out))));
    v128.store(out, f32x4.add(right, f32x4.mul(scaleVector, v128.load(out, 16))), 16);
  }
}

function mergeEdgeTile(tile: usize, rows: i32, cols: i32, out: usize, ldc: i32, scale: f32): void {
  for (let row = 0; row < rows; row++) {
    const tileRow = tile + (<usize>(row * TILE_COLS) << 2);
    const outRow = out + (<usize>row * ldc << 2);
    for (let col = 0; col < cols; col++) {
      const offset = <usize>col << 2;
      const value = load<f32>(tileRow + offset);
      store<f32>(outRow + offset, scale == 0 ? value : value + scale * load<f32>(outRow + offset));
    }
  }
}

/** C = beta*C, for K = 0; beta 0 writes zeros without reading C. */
function scaleMatrix(M: i32, N: i32, c: usize, ldc: i32, beta: f32): void {
  for (let row = 0; row < M; row++) {
    const outRow = c + (<usize>row * ldc << 2);
    for (let col = 0; col < N; col++) {
      const offset = <usize>col << 2;
      store<f32>(outRow + offset, beta == 0 ? 0 : beta * load<f32>(outRow + offset));
    }
  }
}

/**
 * Packs rows x depth of A (element (r, k) at src + 4*(r*rowStride + k*colStride)) into one panel:
 * per k, TILE_ROWS f32x4 vectors each holding one value four times. Rows past `rows` are zero:
 * the kernel computes them and discards them, and stale scratch could hold slow denormals.
 */
function packAPanel(src: usize, rowStride: i32, colStride: i32, rows: i32, depth: i32, dst: usize): void {
  const rowBytes = <usize>rowStride << 2;
  const colBytes = <usize>colStride << 2;
  const stepBytes: usize = TILE_ROWS << 4;
  if (rows == TILE_ROWS && colStride == 1) {
    // Row-major A: four depth values per load, broadcast in registers.
    const depthInFours = depth & ~3;
    for (let row = 0; row < TILE_ROWS; row++) {
      const from = src + <usize>row * rowBytes;
      let to = dst + (<usize>row << 4);
      for (let k = 0; k < depthInFours; k += 4) {
        const values = v128.load(from + (<usize>k << 2));
        v128.store(to, f32x4.shuffle(values, values, 0, 0, 0, 0));
        v128.store(to + stepBytes, f32x4.shuffle(values, values, 1, 1, 1, 1));
        v128.store(to + 2 * stepBytes, f32x4.shuffle(values, values, 2, 2, 2, 2));
        v128.store(to + 3 * stepBytes, f32x4.shuffle(values, values, 3, 3, 3, 3));
        to += 4 * stepBytes;
      }
      for (let k = depthInFours; k < depth; k++) {
        v128.store(to, v128.load32_splat(from + (<usize>k << 2)));
        to += stepBytes;
      }
    }
  } else if (TILE_ROWS == 4 && rows == TILE_ROWS && rowStride == 1) {
    // Transposed A: the four rows of one k are adjacent.
    let from = src;
    let to = dst;
    for (let k = 0; k < depth; k++) {
      const values = v128.load(from);
      v128.store(to, f32x4.shuffle(values, values, 0, 0, 0, 0));
      v128.store(to, f32x4.shuffle(values, values, 1, 1, 1, 1), 16);
      v128.store(to, f32x4.shuffle(values, values, 2, 2, 2, 2), 32);
      v128.store(to, f32x4.shuffle(values, values, 3, 3, 3, 3), 48);
      from += colBytes;
      to += stepBytes;
    }
  } else {
    for (let k = 0; k < depth; k++) {
      const from = src + <usize>k * colBytes;
      const to = dst + <usize>k * stepBytes;
      for (let row = 0; row < rows; row++) {
        v128.store(to + (<usize>row << 4), v128.load32_splat(from + <usize>row * rowBytes));
      }
      for (let row = rows; row < TILE_ROWS; row++) {
        v128.store(to + (<usize>row << 4), f32x4.splat(0));
      }
    }
  }
}

/**
 * Packs depth x cols of B (element (k, j) at src + 4*(k*rowStride + j*colStride)) into panels of
 * TILE_COLS columns, each depth-major: TILE_COLS consecutive floats per k. Columns before firstCol
 * (a multiple of TILE_COLS) are left to the kernel. The last panel is zero-padded.
 */
function packB(src: usize, rowStride: i32, colStride: i32, depth: i32, firstCol: i32, cols: i32, dst: usize): void {
  const panelBytes = <usize>(depth * TILE_COLS) << 2;
  const fullCols = cols & ~(TILE_COLS - 1);
  for (let col = firstCol; col < cols; col += TILE_COLS) {
    const from = src + (<usize>col * colStride << 2);
    const to = dst + <usize>(col / TILE_COLS) * panelBytes;
    if (col == fullCols) {
      packBPanelScalar(from, rowStride, colStride, depth, cols - col, to);
    } else if (rowStride == 1) {
      packTransposedBPanel(from, colStride, depth, to);
    } else {
      packBPanelScalar(from, rowStride, colStride, depth, TILE_COLS, to);
    }
  }
}

/** Transposed B (each column contiguous in k): read four columns four k at a time and transpose
 *  the 4x4 block in registers. */
function packTransposedBPanel(src: usize, colStride: i32, depth: i32, dst: usize): void {
  const colBytes = <usize>colStride << 2;
  const stepBytes: usize = TILE_COLS << 2;
  const depthInFours = depth & ~3;
  for (let group = 0; group < TILE_COLS; group += 4) {
    const col0 = src + <usize>group * colBytes;
    const col1 = col0 + colBytes;
    const col2 = col1 + colBytes;
    const col3 = col2 + colBytes;
    let to = dst + (<usize>group << 2);
    for (let k = 0; k < depthInFours; k += 4) {
      const offset = <usize>k << 2;
      const r0 = v128.load(col0 + offset);
      const r1 = v128.load(col1 + offset);
      const r2 = v128.load(col2 + offset);
      const r3 = v128.load(col3 + offset);
      const low01 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const low23 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const high01 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const high23 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(to, f32x4.shuffle(low01, low23, 0, 1, 4, 5));
      v128.store(to + stepBytes, f32x4.shuffle(low01, low23, 2, 3, 6, 7));
      v128.store(to + 2 * stepBytes, f32x4.shuffle(high01, high23, 0, 1, 4, 5));
      v128.store(to + 3 * stepBytes, f32x4.shuffle(high01, high23, 2, 3, 6, 7));
      to += 4 * stepBytes;
    }
    for (let k = depthInFours; k < depth; k++) {
      const offset = <usize>k << 2;
      store<f32>(to, load<f32>(col0 + offset));
      store<f32>(to, load<f32>(col1 + offset), 4);
      store<f32>(to, load<f32>(col2 + offset), 8);
      store<f32>(to, load<f32>(col3 + offset), 12);
      to += stepBytes;
    }
  }
}

/** Any strides, cols <= TILE_COLS; columns past `cols` are zero, as packAPanel pads its rows. */
function packBPanelScalar(src: usize, rowStride: i32, colStride: i32, depth: i32, cols: i32, dst: usize): void {
  const rowBytes = <usize>rowStride << 2;
  const colBytes = <usize>colStride << 2;
  for (let k = 0; k < depth; k++) {
    const from = src + <usize>k * rowBytes;
    const to = dst + (<usize>(k * TILE_COLS) << 2);
    for (let col = 0; col < cols; col++) {
      store<f32>(to + (<usize>col << 2), load<f32>(from + <usize>col * colBytes));
    }
    for (let col = cols; col < TILE_COLS; col++) {
      store<f32>(to + (<usize>col << 2), 0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pre-packed B: a constant B (a weight used at every step of a recurrent layer) is packed once and
// multiplied many times, so the per-call packing of gemmF32 disappears from the loop.

/** Bytes gemmPackBF32 writes for a [K, N] matrix: ceil(N / 8) panels of K x 8 floats. */
export function gemmPackedBBytes(K: i32, N: i32): i32 {
  return ((N + TILE_COLS - 1) / TILE_COLS) * K * TILE_COLS * 4;
}

/**
 * Packs B[K, N] (element (k, j) at b + 4*(k*bRowStride + j*bColStride)) into `packed`
 * (gemmPackedBBytes(K, N) bytes, 16-byte aligned) for gemmPackedF32: panels of 8 columns, each
 * depth-major over all K, the last one zero-padded.
 */
export function gemmPackBF32(K: i32, N: i32, b: usize, bRowStride: i32, bColStride: i32, packed: usize): void {
  if (K <= 0 || N <= 0) return;
  packB(b, bRowStride, bColStride, K, 0, N, packed);
}

/**
 * C[M,N] = beta*C + A[M,K] @ B[K,N] with B packed by gemmPackBF32; otherwise gemmF32's contract
 * (A any strides, C row-major with row stride ldc, beta 0 never reads C, `work` of
 * gemmWorkspaceBytes() bytes).
 */
export function gemmPackedF32(M: i32, N: i32, K: i32,
  a: usize, aRowStride: i32, aColStride: i32,
  packedB: usize, c: usize, ldc: i32, beta: f32, work: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scaleMatrix(M, N, c, ldc, beta);
    return;
  }
  const aPanel = (work + CACHE_LINE - 1) & ~(CACHE_LINE - 1);
  const edgeTile = aPanel + A_PANEL_BYTES;
  const rowBytes = <usize>ldc << 2;
  const panelBytes = <usize>(K * TILE_COLS) << 2;
  // Same blocking as gemmF32: a block of B panels stays in L2 while every A panel passes over it.
  for (let col0 = 0; col0 < N; col0 += COL_BLOCK) {
    const cols = min(COL_BLOCK, N - col0);
    for (let depth0 = 0; depth0 < K; depth0 += DEPTH_BLOCK) {
      const depth = min(DEPTH_BLOCK, K - depth0);
      const scale: f32 = depth0 == 0 ? beta : 1;
      const bBlock = packedB + <usize>(col0 / TILE_COLS) * panelBytes + (<usize>(depth0 * TILE_COLS) << 2);
      for (let row0 = 0; row0 < M; row0 += TILE_ROWS) {
        const tileRows = min(TILE_ROWS, M - row0);
        packAPanel(a + ((<usize>row0 * aRowStride + <usize>depth0 * aColStride) << 2),
          aRowStride, aColStride, tileRows, depth, aPanel);
        let bPanel = bBlock;
        let cTile = c + ((<usize>row0 * ldc + <usize>col0) << 2);
        for (let panelCol = 0; panelCol < cols; panelCol += TILE_COLS) {
          const tileCols = min(TILE_COLS, cols - panelCol);
          const fullTile = tileRows == TILE_ROWS && tileCols == TILE_COLS;
          multiplyTile(depth, aPanel, bPanel, TILE_COLS << 2,
            fullTile ? cTile : edgeTile, fullTile ? rowBytes : TILE_COLS << 2, fullTile ? scale : 0);
          if (!fullTile) mergeEdgeTile(edgeTile, tileRows, tileCols, cTile, ldc, scale);
          bPanel += panelBytes;
          cTile += TILE_COLS << 2;
        }
      }
    }
  }
}
