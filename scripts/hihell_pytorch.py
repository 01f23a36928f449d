#!/usr/bin/env python3
"""PyTorch 1.13 twin of examples/hihell: the course's 'hihell' -> 'ihello' RNN, trained with the same
settings (nn.RNN(5, 5), Adam lr 0.1, the cross-entropy summed over the six characters, 100 epochs)
for each of the seeds 0..N-1, reporting the final string and the first epoch that predicts "ihello".
The seeds do not give webtorch's initial weights (the generators differ), so the comparison is of
how often and how soon the string converges.

    /usr/bin/python3 scripts/hihell_pytorch.py [--seeds N] [--epochs N]
"""
import argparse

import torch
import torch.nn as nn

IDX2CHAR = ['h', 'i', 'e', 'l', 'o']
X_DATA = [0, 1, 0, 2, 3, 3]  # hihell
Y_DATA = [1, 0, 2, 3, 3, 4]  # ihello


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(input_size=5, hidden_size=5, batch_first=True)

    def forward(self, hidden, x):
        out, hidden = self.rnn(x.view(1, 1, 5), hidden)
        return hidden, out.view(-1, 5)


def train(seed, epochs):
    torch.manual_seed(seed)
    model = Model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    inputs = torch.eye(5)[X_DATA]
    labels = torch.tensor(Y_DATA)
    first = None
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        loss = 0
        hidden = torch.zeros(1, 1, 5)
        predicted = ''
        for i in range(len(X_DATA)):
            hidden, output = model(hidden, inputs[i])
            predicted += IDX2CHAR[output.argmax(1).item()]
            loss += criterion(output, labels[i:i + 1])
        loss.backward()
        optimizer.step()
        if first is None and predicted == 'ihello':
            first = epoch
    return predicted, loss.item(), first


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, default=12)
    parser.add_argument('--epochs', type=int, default=100)
    args = parser.parse_args()
    converged = 0
    for seed in range(args.seeds):
        predicted, loss, first = train(seed, args.epochs)
        converged += predicted == 'ihello'
        print(f'seed {seed}: {predicted}, loss {loss:.3f}, first "ihello" at epoch {first}')
    print(f'{converged} of {args.seeds} seeds end at "ihello"')


if __name__ == '__main__':
    main()
