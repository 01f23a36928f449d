/** `torch.utils.data`: datasets, batching and splitting, after PyTorch's. */
export { Dataset, AsyncDataset, TensorDataset, Subset, randomSplit } from './dataset.js';
export type { DatasetLike, RandomSplitOptions } from './dataset.js';
export { DataLoader } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { defaultCollate } from './collate.js';
export type { Collated } from './collate.js';
