"""The training benchmarks of bench/models.ts in PyTorch, with its defaults, on one fixed synthetic batch.

    /usr/bin/python3 bench/train_torch.py MODEL SECONDS ROUNDS [THREADS]

THREADS sets torch's intra-op thread count (its default otherwise: here 1, on 2 cores). Warm-up steps are excluded; each round lasts about SECONDS. Prints one JSON line: samples/s per round.
The softmax/sigmoid of the nnc models is inside the loss here (CrossEntropyLoss, BCEWithLogitsLoss): the
same arithmetic, as a PyTorch user writes it.
"""
import json
import sys
import time

import torch
from torch import nn

SEQUENCE = 80
VOCABULARY = 10_000


class Lstm(nn.Module):
    """lstm(64) -> dense(1) over feature sequences, or over word ids with an embedding in front."""

    def __init__(self, embedding):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY, 64) if embedding else nn.Identity()
        self.lstm = nn.LSTM(64 if embedding else 32, 64, batch_first=True)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return self.out(h[-1])


def build(name):
    """(model, batch, inputs, targets, loss) for one benchmark."""
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        return model, 128, torch.rand(128, 784), torch.randint(0, 10, (128,)), nn.CrossEntropyLoss()
    if name == "convnet":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
        )
        return model, 64, torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,)), nn.CrossEntropyLoss()
    targets = torch.randint(0, 2, (64, 1)).float()
    if name == "lstm":
        return Lstm(False), 64, torch.rand(64, SEQUENCE, 32), targets, nn.BCEWithLogitsLoss()
    if name == "text":
        return Lstm(True), 64, torch.randint(0, VOCABULARY, (64, SEQUENCE)), targets, nn.BCEWithLogitsLoss()
    raise SystemExit(f"unknown model {name}")


def main():
    name, seconds, rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    if len(sys.argv) > 4:
        torch.set_num_threads(int(sys.argv[4]))
    model, batch, x, y, loss_fn = build(name)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    for _ in range(3):
        step()
    t = time.perf_counter()
    step()
    steps = max(1, round(seconds / (time.perf_counter() - t)))
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps * batch / (time.perf_counter() - t))
    info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    print(json.dumps({"rates": rates, "backend": info}))


if __name__ == "__main__":
    main()
