// Sorting along one dim: a bitonic sort of (key, position) pairs. The key is a u32 whose unsigned
// order is the value order (NaN above +inf, -0 equal to +0, as PyTorch sorts; XOR `flip` makes it
// descending), and ties are broken by the position along the row, so the order is the stable one
// the CPU's radix sort gives, whatever order the network compares in. The values written are x's
// own bits, read back at each sorted position.
//
// Row r (the walk covers the rows; its one operand is x, whose row elements are `stride` apart) is
// padded to `padded` (P, a power of two) with pairs (0xffffffff, position >= size), which sort
// after every element. The padded rows form one virtual array of count * P pairs: pair G is
// position G % P of row G / P, and bitonic stage `stage` sorts pair G's block ascending when bit
// `stage` of G % P is clear, so every row ends ascending and no comparison crosses rows.
//
// TILE pairs fit in workgroup memory. `sortTiles` loads a tile of the virtual array from x and runs
// every stage up to min(P, TILE) in it: rows no longer than TILE (several to a tile) are then
// sorted. Longer rows go through `pairs` (count * P interleaved key, position words): each later
// stage compares pairs `distance` >= TILE apart in `mergeAcross` passes, one per distance, then
// finishes its distances below TILE in `mergeTiles`. The last tile pass of a row (`emit` = 1)
// writes the row's first k pairs as values and indices, contiguous [outer, k, inner].

const PADDING = 0xffffffffu;

var<workgroup> tileKeys: array<u32, TILE>;
var<workgroup> tilePositions: array<u32, TILE>;

/** A u32 whose unsigned order is the value order: NaN above +inf, -0 equal to +0. */
fn sortableKey(bits: u32) -> u32 {
  if (DTYPE != FLOAT32) {
    return bits ^ 0x80000000u;
  }
  let magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) { return 0xffffffffu; }
  if (magnitude == 0u) { return 0x80000000u; }
  return select(bits | 0x80000000u, ~bits, (bits >> 31u) == 1u);
}

/** Whether pair (keyA, positionA) sorts after (keyB, positionB). */
fn sortsAfter(keyA: u32, positionA: u32, keyB: u32, positionB: u32) -> bool {
  return keyA > keyB || (keyA == keyB && positionA > positionB);
}

/** Whether bitonic stage `stage` orders the block holding pair `i` of the virtual array ascending. */
fn ascending(i: u32, stage: u32) -> bool {
  return (i & (params.padded - 1u) & stage) == 0u;
}

/** Pair `comparison` of a step: the first of two pairs `distance` apart, in blocks of 2 * distance. */
fn firstOfPair(comparison: u32, distance: u32) -> u32 {
  return (comparison / distance) * 2u * distance + comparison % distance;
}

fn xStart(row: u32) -> i32 {
  return stridedOffsets(row)[0];
}

/** Pair G of the virtual array, from x. */
fn loadFromX(pair: u32) -> vec2u {
  let row = pair / params.padded;
  let position = pair % params.padded;
  if (row >= params.count || position >= params.size) {
    return vec2u(PADDING, position);
  }
  return vec2u(sortableKey(x[xStart(row) + i32(position) * params.stride]) ^ params.flip, position);
}

// ---- a tile in workgroup memory ------------------------------------------------------------------

/** The steps of bitonic stage `stage` from `firstDistance` down to 1, in the tile starting at pair `base`. */
fn tileSteps(base: u32, lane: u32, stage: u32, firstDistance: u32) {
  for (var distance = firstDistance; distance > 0u; distance /= 2u) {
    for (var comparison = lane; comparison < TILE / 2u; comparison += WORKGROUP_SIZE) {
      let i = firstOfPair(comparison, distance);
      let j = i + distance;
      let keyI = tileKeys[i];
      let keyJ = tileKeys[j];
      let positionI = tilePositions[i];
      let positionJ = tilePositions[j];
      if (sortsAfter(keyI, positionI, keyJ, positionJ) == ascending(base + i, stage)) {
        tileKeys[i] = keyJ;
        tileKeys[j] = keyI;
        tilePositions[i] = positionJ;
        tilePositions[j] = positionI;
      }
    }
    workgroupBarrier();
  }
}

/** Stores the tile to `pairs`, or with `emit` writes the first k pairs of its rows as values and indices. */
fn finishTile(base: u32, lane: u32) {
  for (var t = lane; t < TILE; t += WORKGROUP_SIZE) {
    let pair = base + t;
    if (params.emit == 0u) {
      pairs[2u * pair] = tileKeys[t];
      pairs[2u * pair + 1u] = tilePositions[t];
      continue;
    }
    let row = pair / params.padded;
    let rank = pair % params.padded;
    if (row >= params.count || rank >= params.k) {
      continue;
    }
    let position = tilePositions[t];
    let at = (row / params.inner) * params.k * params.inner + row % params.inner + rank * params.inner;
    values[params.valuesOffset + at] = x[xStart(row) + i32(position) * params.stride];
    indices[params.indicesOffset + at] = position;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sortTiles(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let tile = workgroupIndex(group, groups);
  if (tile >= params.tiles) {
    return;
  }
  let base = tile * TILE;
  for (var t = lane; t < TILE; t += WORKGROUP_SIZE) {
    let loaded = loadFromX(base + t);
    tileKeys[t] = loaded.x;
    tilePositions[t] = loaded.y;
  }
  workgroupBarrier();
  let lastStage = min(params.padded, TILE);
  for (var stage = 2u; stage <= lastStage; stage *= 2u) {
    tileSteps(base, lane, stage, stage / 2u);
  }
  finishTile(base, lane);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn mergeTiles(@builtin(workgroup_id) group: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let tile = workgroupIndex(group, groups);
  if (tile >= params.tiles) {
    return;
  }
  let base = tile * TILE;
  for (var t = lane; t < TILE; t += WORKGROUP_SIZE) {
    tileKeys[t] = pairs[2u * (base + t)];
    tilePositions[t] = pairs[2u * (base + t) + 1u];
  }
  workgroupBarrier();
  tileSteps(base, lane, params.stage, TILE / 2u);
  finishTile(base, lane);
}

// ---- a step across tiles, in global memory --------------------------------------------------------

@compute @workgroup_size(WORKGROUP_SIZE)
fn mergeAcross(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let comparison = threadIndex(id, groups);
  if (comparison >= params.comparisons) {
    return;
  }
  let i = firstOfPair(comparison, params.distance);
  let j = i + params.distance;
  let keyI = pairs[2u * i];
  let positionI = pairs[2u * i + 1u];
  let keyJ = pairs[2u * j];
  let positionJ = pairs[2u * j + 1u];
  if (sortsAfter(keyI, positionI, keyJ, positionJ) == ascending(i, params.stage)) {
    pairs[2u * i] = keyJ;
    pairs[2u * i + 1u] = positionJ;
    pairs[2u * j] = keyI;
    pairs[2u * j + 1u] = positionI;
  }
}
