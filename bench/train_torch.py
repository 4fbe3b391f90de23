"""The training benchmarks of bench/models.ts in PyTorch, on one fixed synthetic batch; its inference; its GEMM peak.

    /usr/bin/python3 bench/train_torch.py MODEL SECONDS ROUNDS [--threads N] [--foreach] [--infer N]
    /usr/bin/python3 bench/train_torch.py gemm SECONDS ROUNDS [--threads N]

--threads sets torch's intra-op thread count (its default otherwise: here 1, on 2 cores); --foreach makes
Adam update all parameters with its multi-tensor (foreach) kernels instead of one parameter at a time (the
default on CPU in torch 1.13). --infer N times inference instead: the model in eval mode under no_grad, N rows
in batches of INFER_BATCH (as `nnc predict` batches them), with the softmax/sigmoid applied, as `nnc predict`
computes its outputs.
`gemm` times a 2048x2048 float32 matrix product (GFLOP/s): the BLAS's peak, against which the bench states the
fraction of it each training run reaches. Warm-up steps are excluded; each round lasts about SECONDS. Prints
one JSON line: the rate per round (samples/s, or GFLOP/s for gemm).
The softmax/sigmoid of the nnc models is inside the loss here (CrossEntropyLoss, BCEWithLogitsLoss): the
same arithmetic, as a PyTorch user writes it.
"""
import argparse
import json
import time

import torch
from torch import nn

SEQUENCE = 80
INFER_BATCH = 256
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


def build(name, rows):
    """(model, batch, inputs of `rows` rows, targets, loss, output activation) for one benchmark."""
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        x = torch.rand(rows or 128, 784)
        return model, 128, x, torch.randint(0, 10, (len(x),)), nn.CrossEntropyLoss(), nn.Softmax(-1)
    if name == "convnet":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
        )
        x = torch.rand(rows or 64, 1, 28, 28)
        return model, 64, x, torch.randint(0, 10, (len(x),)), nn.CrossEntropyLoss(), nn.Softmax(-1)
    n = rows or 64
    targets = torch.randint(0, 2, (n, 1)).float()
    if name == "lstm":
        return Lstm(False), 64, torch.rand(n, SEQUENCE, 32), targets, nn.BCEWithLogitsLoss(), nn.Sigmoid()
    if name == "text":
        x = torch.randint(0, VOCABULARY, (n, SEQUENCE))
        return Lstm(True), 64, x, targets, nn.BCEWithLogitsLoss(), nn.Sigmoid()
    raise SystemExit(f"unknown model {name}")


def rounds_of(step, seconds, rounds, amount):
    """`amount` per second of `step`, in `rounds` rounds of about `seconds` each, after warm-up."""
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
        rates.append(steps * amount / (time.perf_counter() - t))
    return rates


def gemm(seconds, rounds):
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    return rounds_of(lambda: a @ b, seconds, rounds, 2 * n**3 / 1e9)


def train(name, seconds, rounds, foreach):
    model, batch, x, y, loss_fn, _ = build(name, 0)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=foreach)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    return rounds_of(step, seconds, rounds, batch)


def infer(name, seconds, rounds, rows):
    model, _, x, _, _, activation = build(name, rows)
    batch = INFER_BATCH
    model.eval()

    def predict():
        with torch.no_grad():
            for start in range(0, len(x), batch):
                activation(model(x[start : start + batch])).numpy()

    return rounds_of(predict, seconds, rounds, len(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("seconds", type=float)
    parser.add_argument("rounds", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--foreach", action="store_true")
    parser.add_argument("--infer", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model == "gemm":
        rates = gemm(args.seconds, args.rounds)
    elif args.infer:
        rates = infer(args.model, args.seconds, args.rounds, args.infer)
    else:
        rates = train(args.model, args.seconds, args.rounds, args.foreach)
    adam = "" if args.infer or args.model == "gemm" else f", Adam{'(foreach)' if args.foreach else ''}"
    threads = torch.get_num_threads()
    info = f"torch {torch.__version__}, {threads} thread{'' if threads == 1 else 's'}{adam}"
    print(json.dumps({"rates": rates, "backend": info}))


if __name__ == "__main__":
    main()
