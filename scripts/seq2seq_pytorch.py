"""The date translator of examples/seq2seq in PyTorch: the same pairs (written by
examples/seq2seq/dates.mjs), character vocabularies, network (bidirectional GRU encoder over packed
sources, tanh(Linear) bridge, additive attention with the padding masked, GRUCell decoder fed
[embedded previous token; context], Linear), batches and teacher-forcing choices (mulberry32 from
seed + 1), Adam with the learning rate annealed by a cosine over the steps, cross-entropy ignoring
<pad>, gradients clipped; greedy and beam-search decoding, exact-match accuracy and NLTK's corpus
BLEU over characters. Only the initial weights differ: they come from PyTorch's own generator.

    python3 scripts/seq2seq_pytorch.py [--steps 1500] [--batch-size 64] [--beam 5] [--seed 0]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch loads OpenBLAS; torch.set_num_threads(1) covers its own pool
import torch  # noqa: E402
from nltk.translate.bleu_score import corpus_bleu  # noqa: E402
from torch import nn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPECIALS = ["<pad>", "<sos>", "<eos>", "<unk>"]
PAD, SOS, EOS, UNK = 0, 1, 2, 3
EMBEDDING_SIZE, HIDDEN_SIZE, DECODER_SIZE, ATTENTION_SIZE = 32, 64, 128, 64
LEARNING_RATE = 3e-3
CLIP_NORM = 1.0
TEACHER_FORCING = 0.5
MAX_OUTPUT_LENGTH = 12


def mulberry32(seed):
    """The uniforms of mulberry32 in examples/seq2seq/dates.mjs, bit for bit."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def random():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), state | 1)
        t = ((t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF) ^ t
        return (t ^ (t >> 14)) / 2 ** 32

    return random


def shuffle(items, random):
    for i in range(len(items) - 1, 0, -1):
        j = int(random() * (i + 1))
        items[i], items[j] = items[j], items[i]
    return items


def read_dates(seed):
    """{train, test, unseen} as dates.mjs writes them for this seed."""
    with tempfile.TemporaryDirectory() as directory:
        file = Path(directory) / "dates.json"
        subprocess.run(["node", str(ROOT / "examples" / "seq2seq" / "dates.mjs"), "--write", str(file), "--seed", str(seed)], check=True)
        return json.loads(file.read_text())


def build_vocabulary(texts):
    """itos as torch.text.buildVocabFromIterator builds it: specials, then by count, ties in first-seen order."""
    counts = Counter(c for text in texts for c in text)
    return SPECIALS + [c for c, _ in sorted(counts.items(), key=lambda item: -item[1]) if c not in SPECIALS]


class Encoder(nn.Module):
    def __init__(self, vocab_size, embedding_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.gru = nn.GRU(embedding_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths, batch_first=True, enforce_sorted=False)
        output, h_n = self.gru(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
        return outputs, torch.cat([h_n[0], h_n[1]], 1)


class AdditiveAttention(nn.Module):
    def __init__(self, key_size, query_size, attention_size):
        super().__init__()
        self.W_h = nn.Linear(key_size, attention_size, bias=False)
        self.W_s = nn.Linear(query_size, attention_size)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def forward(self, query, keys, projected_keys, padding):
        scores = self.v(torch.tanh(projected_keys + self.W_s(query).unsqueeze(1))).squeeze(2)
        weights = scores.masked_fill(padding, float("-inf")).softmax(1)
        return torch.bmm(weights.unsqueeze(1), keys).squeeze(1), weights


class Decoder(nn.Module):
    def __init__(self, vocab_size, embedding_size, encoder_size, hidden_size, attention_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.attention = AdditiveAttention(encoder_size, hidden_size, attention_size)
        self.cell = nn.GRUCell(embedding_size + encoder_size, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, token, hidden, memory):
        context, weights = self.attention(hidden, memory["keys"], memory["projected_keys"], memory["padding"])
        hidden = self.cell(torch.cat([self.embedding(token), context], 1), hidden)
        return self.out(hidden), hidden, weights


class Seq2Seq(nn.Module):
    def __init__(self, source_vocab_size, target_vocab_size):
        super().__init__()
        self.encoder = Encoder(source_vocab_size, EMBEDDING_SIZE, HIDDEN_SIZE)
        self.bridge = nn.Linear(2 * HIDDEN_SIZE, DECODER_SIZE)
        self.decoder = Decoder(target_vocab_size, EMBEDDING_SIZE, 2 * HIDDEN_SIZE, DECODER_SIZE, ATTENTION_SIZE)

    def encode(self, x, lengths):
        keys, final = self.encoder(x, lengths)
        return {"keys": keys, "projected_keys": self.decoder.attention.W_h(keys), "padding": x == PAD,
                "hidden": torch.tanh(self.bridge(final))}

    def forward(self, x, lengths, target, teacher_forcing):
        memory = self.encode(x, lengths)
        hidden = memory["hidden"]
        token = torch.full((x.shape[0],), SOS, dtype=torch.long)
        logits = []
        for t in range(target.shape[1]):
            output, hidden, _ = self.decoder(token, hidden, memory)
            logits.append(output)
            token = target[:, t] if teacher_forcing else output.argmax(1)
        return torch.stack(logits, 1)

    @torch.no_grad()
    def greedy(self, x, lengths):
        memory = self.encode(x, lengths)
        hidden = memory["hidden"]
        token = torch.full((x.shape[0],), SOS, dtype=torch.long)
        steps = []
        for _ in range(MAX_OUTPUT_LENGTH):
            output, hidden, _ = self.decoder(token, hidden, memory)
            token = output.argmax(1)
            steps.append(token)
        rows = torch.stack(steps, 1).tolist()
        return [row[:row.index(EOS)] if EOS in row else row for row in rows]

    @torch.no_grad()
    def beam_search(self, x, lengths, beam_size):
        """Model.beamSearch of model.mjs: summed log-probabilities, not length-normalised."""
        memory = self.encode(x, lengths)
        beams = [([], 0.0)]
        hidden = memory["hidden"]
        finished = []
        for _ in range(MAX_OUTPUT_LENGTH):
            if len(finished) >= beam_size:
                break
            rows = torch.zeros(len(beams), dtype=torch.long)
            expanded = {key: memory[key][rows] for key in ("keys", "projected_keys", "padding")}
            previous = torch.tensor([tokens[-1] if tokens else SOS for tokens, _ in beams])
            output, hidden_next, _ = self.decoder(previous, hidden, expanded)
            log_probabilities = output.log_softmax(1).tolist()
            candidates = sorted(((score + lp, i, token) for i, (_, score) in enumerate(beams) for token, lp in enumerate(log_probabilities[i])),
                                key=lambda c: -c[0])[:beam_size - len(finished)]
            kept = []
            for score, i, token in candidates:
                tokens = beams[i][0] + [token]
                if token == EOS:
                    finished.append((tokens[:-1], score))
                else:
                    kept.append((tokens, score, i))
            if not kept:
                break
            hidden = hidden_next[torch.tensor([i for _, _, i in kept])]
            beams = [(tokens, score) for tokens, score, _ in kept]
        return max(finished + beams, key=lambda beam: beam[1])[0]


def padded(sequences):
    x = torch.full((len(sequences), max(len(s) for s in sequences)), PAD, dtype=torch.long)
    for b, sequence in enumerate(sequences):
        x[b, :len(sequence)] = torch.tensor(sequence)
    return x


def schedule(count, steps, batch_size, seed):
    """The batches and teacher-forcing choices of schedule() in train.mjs."""
    random = mulberry32(seed + 1)
    order = []
    for _ in range(steps):
        if len(order) < batch_size:
            order = shuffle(list(range(count)), random)
        indices, order = order[:batch_size], order[batch_size:]
        yield indices, random() < TEACHER_FORCING


def train(model, encoded, steps, batch_size, seed, every=100):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    start = time.perf_counter()
    losses = []
    for step, (indices, teacher_forcing) in enumerate(schedule(len(encoded), steps, batch_size, seed), 1):
        batch = [encoded[i] for i in indices]
        x, lengths, y = padded([s for s, _ in batch]), [len(s) for s, _ in batch], padded([t for _, t in batch])
        optimizer.zero_grad()
        logits = model(x, lengths, y, teacher_forcing)
        loss = loss_fn(logits.reshape(-1, logits.shape[2]), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if step % every == 0 or step == steps:
            seconds = time.perf_counter() - start
            print(f"step {step}/{steps}  loss {sum(losses[-every:]) / len(losses[-every:]):.4f}  "
                  f"{round(step * batch_size / seconds)} pairs/s  {seconds:.1f} s", flush=True)
    return time.perf_counter() - start


def evaluate(model, pairs, source_index, target_itos, beam=1):
    model.eval()
    sources = [[source_index.get(c, UNK) for c in source] for source, _ in pairs]
    if beam > 1:
        outputs = [model.beam_search(padded([s]), [len(s)], beam) for s in sources]
    else:
        outputs = [row for start in range(0, len(sources), 500)
                   for row in model.greedy(padded(sources[start:start + 500]), [len(s) for s in sources[start:start + 500]])]
    model.train()
    strings = ["".join(target_itos[t] for t in output) for output in outputs]
    accuracy = sum(output == target for output, (_, target) in zip(strings, pairs)) / len(pairs)
    bleu = corpus_bleu([[list(target)] for _, target in pairs], [list(output) for output in strings])
    return accuracy, bleu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = read_dates(args.seed)
    source_itos, target_itos = build_vocabulary(s for s, _ in data["train"]), build_vocabulary(t for _, t in data["train"])
    source_index, target_index = {c: i for i, c in enumerate(source_itos)}, {c: i for i, c in enumerate(target_itos)}
    encoded = [([source_index[c] for c in s], [target_index[c] for c in t] + [EOS]) for s, t in data["train"]]
    torch.manual_seed(args.seed)
    model = Seq2Seq(len(source_itos), len(target_itos))
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread; {len(data['train'])} training pairs, "
          f"{len(data['test'])} test, {len(data['unseen'])} in unseen forms; batch {args.batch_size}, {args.steps} steps")
    seconds = train(model, encoded, args.steps, args.batch_size, args.seed)
    print(f"trained {args.steps} steps in {seconds:.1f} s")
    for label, pairs, beam in [("test, greedy", data["test"], 1), (f"test, beam {args.beam}", data["test"], args.beam),
                               ("unseen forms, greedy", data["unseen"], 1), (f"unseen forms, beam {args.beam}", data["unseen"], args.beam)]:
        start = time.perf_counter()
        accuracy, bleu = evaluate(model, pairs, source_index, target_itos, beam)
        correct = f"({round(accuracy * len(pairs))}/{len(pairs)})"
        print(f"{label:<22} exact match {100 * accuracy:6.2f}% {correct:>11}  BLEU {100 * bleu:.2f}  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
