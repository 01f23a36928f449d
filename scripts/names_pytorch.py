"""The surname classifier of examples/names in PyTorch: the same data, model and hyper-parameters
(Embedding(128, 64, padding_idx=0) -> GRU(64, hidden, num_layers=2, batch_first, bidirectional)
over packed batches -> Linear(2 * hidden, 18), Adam with the learning rate annealed by a cosine
over the epochs, cross-entropy, gradients clipped to norm 5),
to compare accuracy and speed with webtorch. The rnn benchmark suite imports it as a module.

    python3 scripts/names_pytorch.py [--epochs 6] [--hidden 100] [--batch-size 64] [--seed 0] [--threads N]

--threads 0 means one thread per core (os.cpu_count()); without --threads it runs twice, with 1
thread and with one per core. (PyTorch's own default is reported too: OpenMP may pick 1 here.)
On a machine whose cores are busy with other work, OpenMP threads that spin while waiting make the
multi-threaded run 5-20 times slower; OMP_WAIT_POLICY=PASSIVE avoids that.
"""
import argparse
import csv
import gzip
import os
import time
import unicodedata
from pathlib import Path

import torch
from torch import nn

DATA = Path(__file__).resolve().parent.parent / "examples" / "names" / "data"
NATIONALITIES = ["Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish",
                 "Italian", "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese"]
VOCABULARY_SIZE = 128
EMBEDDING_SIZE = 64
LEARNING_RATE = 3e-3  # at batch 64; scaled with the square root of the batch size, as main.mjs does
DEFAULT_BATCH_SIZE = 64
CLIP_NORM = 5.0


def encode_name(name):
    """Character codes as examples/names/data.mjs makes them: accents removed, other non-ASCII -> 127."""
    plain = "".join(c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn")
    return [ord(c) if 1 <= ord(c) < VOCABULARY_SIZE else 127 for c in plain]


def read_names(file, limit=None):
    """(codes, label) per row; with a limit, every k-th row as readNames in data.mjs picks them."""
    with gzip.open(file, "rt", encoding="utf8", newline="") as f:
        rows = list(csv.reader(f))
    stride = 1 if limit is None else max(1, len(rows) // limit)
    return [(encode_name(name), NATIONALITIES.index(nationality)) for name, nationality in rows[::stride][:limit]]


def collate(samples):
    """Pads a batch of (codes, label) into x [B, T] with 0; returns x, lengths, y."""
    lengths = [len(codes) for codes, _ in samples]
    x = torch.zeros(len(samples), max(lengths), dtype=torch.long)
    for b, (codes, _) in enumerate(samples):
        x[b, :len(codes)] = torch.tensor(codes)
    return x, torch.tensor(lengths), torch.tensor([label for _, label in samples])


class NameClassifier(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY_SIZE, EMBEDDING_SIZE, padding_idx=0)
        self.gru = nn.GRU(EMBEDDING_SIZE, hidden_size, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, len(NATIONALITIES))

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(packed)
        return self.fc(torch.cat([h_n[-2], h_n[-1]], 1))


def classify(model, names, k=3):
    """The k likeliest nationalities of each name as [(name, [(nationality, probability)])]."""
    model.eval()
    with torch.no_grad():
        x, lengths, _ = collate([(encode_name(name), 0) for name in names])
        values, indices = model(x, lengths).softmax(1).topk(k, 1)
    model.train()
    return [(name, [(NATIONALITIES[c], p) for c, p in zip(indices[n].tolist(), values[n].tolist())]) for n, name in enumerate(names)]


def train_epoch(model, loader, optimizer, clip=CLIP_NORM):
    """One pass, gradients clipped to norm `clip`; returns the mean loss over the names and their count."""
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    total, count = 0.0, 0
    for x, lengths, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count, count


def evaluate(model, loader):
    """Overall and balanced (mean per-class recall) accuracy."""
    model.eval()
    correct = torch.zeros(len(NATIONALITIES))
    total = torch.zeros(len(NATIONALITIES))
    with torch.no_grad():
        for x, lengths, y in loader:
            predicted = model(x, lengths).argmax(1)
            total += torch.bincount(y, minlength=len(NATIONALITIES))
            correct += torch.bincount(y[predicted == y], minlength=len(NATIONALITIES))
    present = total > 0
    return (correct.sum() / total.sum()).item(), (correct[present] / total[present]).mean().item()


def names_loader(samples, batch_size, seed=None):
    """A DataLoader with collate, shuffled from seed when one is given (namesLoader in data.mjs)."""
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(samples, batch_size=batch_size, shuffle=seed is not None, generator=generator, collate_fn=collate)


def learning_rate(batch_size):
    return LEARNING_RATE * (batch_size / DEFAULT_BATCH_SIZE) ** 0.5


def run(epochs, hidden, batch_size, seed):
    torch.manual_seed(seed)
    train_loader = names_loader(read_names(DATA / "names_train.csv.gz"), batch_size, seed)
    test_loader = names_loader(read_names(DATA / "names_test.csv.gz"), 512)
    model = NameClassifier(hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate(batch_size))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    training = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train_epoch(model, train_loader, optimizer)
        scheduler.step()
        seconds = time.perf_counter() - start
        training += seconds
        accuracy, balanced = evaluate(model, test_loader)
        print(f"epoch {epoch}/{epochs}  test accuracy {100 * accuracy:.1f}%  balanced accuracy {100 * balanced:.1f}%  "
              f"epoch {seconds:.1f} s  (training {training:.1f} s so far)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    for threads in [1, 0] if args.threads is None else [args.threads]:
        torch.set_num_threads(threads or os.cpu_count())
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s) (default {default_threads}); "
              f"batch {args.batch_size}, hidden {args.hidden}, Adam lr {learning_rate(args.batch_size):g}")
        run(args.epochs, args.hidden, args.batch_size, args.seed)


if __name__ == "__main__":
    main()
