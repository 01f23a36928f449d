#!/usr/bin/env python3
"""PyTorch 1.13 twin of examples/conv1d: the same sentences, vocabulary (count order, ties in first
appearance, '<pad>' at 0), model (Embedding(V, 8, padding_idx=0), zero padding of 1 per side,
Conv1d(8, 6, 3), ReLU, max over time, Linear(6, 2)) and training (full batch, Adam lr 0.01,
cross-entropy, 60 epochs). It prints the same shape lines and the loss and accuracy every 10 epochs.
The seed does not give webtorch's initial weights (the generators differ).

    /usr/bin/python3 scripts/conv1d_pytorch.py [--epochs N] [--seed N]
"""
import argparse
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

SENTENCES = [
    ('the film was good', 1),
    ('a really good film', 1),
    ('the plot was not bad', 1),
    ('good acting and a good plot', 1),
    ('not bad at all', 1),
    ('the film was not good', 0),
    ('a really bad film', 0),
    ('the plot was bad', 0),
    ('bad acting and a bad plot', 0),
    ('not good at all', 0),
]


class SentenceCNN(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 8, padding_idx=0)
        self.conv = nn.Conv1d(8, 6, 3)
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        words = self.embedding(x)
        channels = words.transpose(1, 2)
        features = self.conv(F.pad(channels, (1, 1), 'constant', 0))
        return self.fc(torch.max(features.relu(), dim=2).values), words, channels, features


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=int, default=60)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    tokens = [text.split(' ') for text, _ in SENTENCES]
    counts = Counter(token for sentence in tokens for token in sentence)
    itos = ['<pad>'] + [token for token, _ in sorted(counts.items(), key=lambda item: -item[1])]
    stoi = {token: i for i, token in enumerate(itos)}
    length = max(len(sentence) for sentence in tokens)
    x = torch.tensor([[stoi[t] for t in sentence] + [0] * (length - len(sentence)) for sentence in tokens])
    y = torch.tensor([label for _, label in SENTENCES])

    torch.manual_seed(args.seed)
    model = SentenceCNN(len(itos))
    print(model)
    _, words, channels, features = model(x)
    print(f'word vectors (batch, seq len, embedding dim):    {words.shape}')
    print(f'conv input (batch, in channel, seq len):        {channels.shape}')
    print(f'conv output (batch, out channel, seq len):      {features.shape}')
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, args.epochs + 1):
        optimizer.zero_grad()
        logits = model(x)[0]
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        accuracy = (logits.argmax(1) == y).float().mean().item()
        if epoch == 1 or epoch % 10 == 0:
            print(f'epoch {epoch}: loss {loss.item():.4f}, accuracy {accuracy * 100:.0f}%')


if __name__ == '__main__':
    main()
