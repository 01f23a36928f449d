#!/usr/bin/env python3
"""PyTorch 1.13 twin of examples/charlm: the character-level language model on Shakespeare with the
same data split, model and settings (Embedding(65, 64) -> 2-layer LSTM or GRU of 256, batch first ->
Linear(256, 65); 32 streams of the first 90% of the text walked in 64-character chunks, the hidden
state carried detached from chunk to chunk; Adam lr 3e-3 annealed by a cosine to 0 over the steps,
gradients clipped to norm 5), one thread, to compare validation perplexity with webtorch's. The
seed does not give webtorch's initial weights (the generators differ), so the comparison is of the
final perplexity.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/charlm_pytorch.py [--steps 800] [--cell lstm] [--hidden 256]
        [--batch-size 32] [--seq-len 64] [--seed 0] [--log-every 50] [--eval-every 0]
"""
import argparse
import gzip
import math
import time
from pathlib import Path

import torch
from torch import nn

TEXT_FILE = Path(__file__).resolve().parent.parent / "examples" / "charlm" / "data" / "shakespeare.txt.gz"
EMBEDDING_SIZE = 64
NUM_LAYERS = 2
LEARNING_RATE = 3e-3
CLIP_NORM = 5.0
VALIDATION = 0.1


class Streams:
    """The codes in `batch` contiguous streams walked in chunks of seq_len (Streams in data.mjs)."""

    def __init__(self, codes, batch, seq_len):
        self.codes, self.batch, self.seq_len = codes, batch, seq_len
        self.stream_length = (len(codes) - 1) // batch
        self.length = self.stream_length // seq_len

    def chunk(self, k):
        starts = torch.arange(self.batch) * self.stream_length + k * self.seq_len
        index = starts[:, None] + torch.arange(self.seq_len)[None, :]
        return self.codes[index], self.codes[index + 1].reshape(-1)


class CharLM(nn.Module):
    def __init__(self, vocabulary_size, hidden_size, cell):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, EMBEDDING_SIZE)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(EMBEDDING_SIZE, hidden_size, num_layers=NUM_LAYERS, batch_first=True)
        self.fc = nn.Linear(hidden_size, vocabulary_size)

    def forward(self, x, state=None):
        output, state = self.rnn(self.embedding(x), state)
        return self.fc(output.reshape(-1, self.rnn.hidden_size)), state


def detach(state):
    return tuple(t.detach() for t in state) if isinstance(state, tuple) else state.detach()


def evaluate(model, streams):
    """Mean cross-entropy and perplexity over every target, the state carried as in training."""
    model.eval()
    total, state = 0.0, None
    with torch.no_grad():
        for k in range(streams.length):
            x, y = streams.chunk(k)
            logits, state = model(x, state)
            total += nn.functional.cross_entropy(logits, y, reduction="sum").item()
    model.train()
    cross_entropy = total / (streams.length * streams.batch * streams.seq_len)
    return cross_entropy, math.exp(cross_entropy)


def unigram_perplexity(train, validation, vocabulary_size):
    """Add-one smoothed character frequencies of train, evaluated on validation (data.mjs)."""
    counts = torch.bincount(train, minlength=vocabulary_size).double() + 1
    log_p = (counts / counts.sum()).log()
    return math.exp(-log_p[validation].mean().item())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--eval-every", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    with gzip.open(TEXT_FILE, "rt", encoding="utf8") as f:
        text = f.read()
    charset = sorted(set(text))
    index = {char: i for i, char in enumerate(charset)}
    codes = torch.tensor([index[char] for char in text])
    cut = int(len(codes) * (1 - VALIDATION))
    train, validation = codes[:cut], codes[cut:]
    train_streams = Streams(train, args.batch_size, args.seq_len)
    validation_streams = Streams(validation, args.batch_size, args.seq_len)
    unigram = unigram_perplexity(train, validation, len(charset))

    torch.manual_seed(args.seed)
    model = CharLM(len(charset), args.hidden, args.cell)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)
    loss_fn = nn.CrossEntropyLoss()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread; {len(train)} training and {len(validation)} validation "
          f"characters, {len(charset)} distinct; {args.cell}, hidden {args.hidden}, batch {args.batch_size}, chunks of {args.seq_len}")
    print(f"unigram baseline: validation perplexity {unigram:.2f}")

    def validate(step):
        start = time.perf_counter()
        cross_entropy, perplexity = evaluate(model, validation_streams)
        print(f"step {step}/{args.steps}  validation loss {cross_entropy:.4f}  perplexity {perplexity:.3f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        return perplexity

    start = time.perf_counter()
    seconds, loss_sum, loss_count, state = 0.0, 0.0, 0, None
    for step in range(1, args.steps + 1):
        step_start = time.perf_counter()
        k = (step - 1) % train_streams.length
        if k == 0:
            state = None
        x, y = train_streams.chunk(k)
        optimizer.zero_grad()
        logits, state = model(x, state)
        loss = loss_fn(logits, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        optimizer.step()
        scheduler.step()
        state = detach(state)
        loss_sum += loss.item()
        loss_count += 1
        seconds += time.perf_counter() - step_start
        if step % args.log_every == 0 or step == args.steps:
            rate = round(step * args.batch_size * args.seq_len / seconds)
            print(f"step {step}/{args.steps}  loss {loss_sum / loss_count:.4f}  {rate} chars/s  {seconds:.1f} s", flush=True)
            loss_sum, loss_count = 0.0, 0
        if args.eval_every > 0 and step % args.eval_every == 0 and step != args.steps:
            validate(step)
    perplexity = validate(args.steps)
    print(f"\ntrained {args.steps} steps in {seconds:.1f} s ({time.perf_counter() - start:.1f} s with the evaluations); "
          f"validation perplexity {perplexity:.3f}, unigram baseline {unigram:.2f}")


if __name__ == "__main__":
    main()
