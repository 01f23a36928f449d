"""The Transformer encoder classifier of examples/transformer in PyTorch: the same surnames and split
(examples/names/data), model (Embedding(128, d_model, padding_idx=0) scaled by sqrt(d_model), the
tutorial's sinusoidal PositionalEncoding as a buffer, TransformerEncoder(batch_first) with the
padding as src_key_padding_mask, the mean over each name's real positions, Linear to 18), the
tutorial's initialisation, Adam with the learning rate annealed by a cosine over the epochs,
cross-entropy, gradients clipped, batches shuffled from the seed. The data, batching and evaluation
are scripts/names_pytorch.py's. The initial weights, the dropout draws and the order of the shuffled
names differ: each side draws them from its own generator, seeded alike.

    python3 scripts/transformer_pytorch.py [--epochs N] [--batch-size N] [--seed N] ...

In eval mode under no_grad the encoder takes 1.13's nested-tensor fast path, which zeroes the
outputs at padded positions (and drops a padding column every name shares, which a batch padded to
its longest name never has); the masked mean reads only real positions either way.
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS; torch.set_num_threads(1) covers its own pool
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from names_pytorch import DATA, NATIONALITIES, VOCABULARY_SIZE, evaluate, names_loader, read_names, train_epoch  # noqa: E402

# examples/transformer/train.mjs's SETTINGS
D_MODEL, NHEAD, NUM_LAYERS, DIM_FEEDFORWARD, DROPOUT = 64, 4, 2, 256, 0.1
EPOCHS, BATCH_SIZE, LEARNING_RATE, CLIP_NORM, MAX_LEN = 25, 64, 3e-3, 1.0, 64


class PositionalEncoding(nn.Module):
    """The tutorial's, batch first: pe [max_len, d_model] added to x [N, L, d_model], then dropout."""

    def __init__(self, d_model, dropout, max_len=MAX_LEN):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(1)])


class TransformerClassifier(nn.Module):
    def __init__(self, d_model, nhead, num_layers, dim_feedforward, dropout):
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(VOCABULARY_SIZE, d_model, padding_idx=0)
        self.position = PositionalEncoding(d_model, dropout)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.fc = nn.Linear(d_model, len(NATIONALITIES))
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.uniform_(self.fc.weight, -0.1, 0.1)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x, lengths):
        padding = torch.arange(x.size(1)).unsqueeze(0) >= lengths.unsqueeze(1)
        src = self.position(self.embedding(x) * math.sqrt(self.d_model))
        encoded = self.encoder(src, src_key_padding_mask=padding)
        real = (~padding).unsqueeze(2).float()[:, :encoded.size(1)]
        return self.fc((encoded * real).sum(1) / real.sum(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--d-model", type=int, default=D_MODEL)
    parser.add_argument("--nhead", type=int, default=NHEAD)
    parser.add_argument("--layers", type=int, default=NUM_LAYERS)
    parser.add_argument("--dim-feedforward", type=int, default=DIM_FEEDFORWARD)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    train_loader = names_loader(read_names(DATA / "names_train.csv.gz"), args.batch_size, args.seed)
    test_loader = names_loader(read_names(DATA / "names_test.csv.gz"), 512)
    model = TransformerClassifier(args.d_model, args.nhead, args.layers, args.dim_feedforward, args.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s); batch {args.batch_size}, Adam lr {args.lr:g} "
          f"with cosine annealing over {args.epochs} epochs, gradients clipped to norm {CLIP_NORM}")
    print(model)
    start = time.perf_counter()
    training = 0.0
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        loss, names = train_epoch(model, train_loader, optimizer, CLIP_NORM)
        scheduler.step()
        seconds = time.perf_counter() - epoch_start
        training += seconds
        accuracy, balanced = evaluate(model, test_loader)
        print(f"epoch {epoch}/{args.epochs}  train loss {loss:.4f}  test accuracy {100 * accuracy:.1f}%  "
              f"balanced accuracy {100 * balanced:.1f}%  {names / seconds:.0f} names/s  ({seconds:.1f} s)", flush=True)
    print(f"\ntrained {args.epochs} epochs in {training:.1f} s ({time.perf_counter() - start:.1f} s with the evaluations); "
          f"test accuracy {100 * accuracy:.2f}%, balanced accuracy {100 * balanced:.2f}%")


if __name__ == "__main__":
    main()
