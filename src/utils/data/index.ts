/** `torch.utils.data`: datasets, batching and splitting, after PyTorch's. */

export type { Collated } from './collate.js';
export { defaultCollate } from './collate.js';
export type { DataLoaderOptions } from './dataloader.js';
export { DataLoader } from './dataloader.js';
export type { DatasetLike, RandomSplitOptions } from './dataset.js';
export { AsyncDataset, Dataset, randomSplit, Subset, TensorDataset } from './dataset.js';
