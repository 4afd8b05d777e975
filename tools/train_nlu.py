"""Train the on-device intent model and write edge/data/nlu_intents.tnlu.

    .venv/bin/python -m tools.train_nlu [--out PATH] [--seed 7] [--epochs 10]

Deterministic for a seed on one machine (numpy only, single-threaded BLAS advised:
OPENBLAS_NUM_THREADS=1). Steps: build labelled utterances (tools/nlu_data.py), replace
inventory names and numbers by placeholders exactly as at run time, hash features with
the same kernel as the device, train a one-hidden-layer network with Adam, quantise both
layers to int8 per output unit, fit the softmax temperature on a held-out split, and
check the quantised model on it. Prints the artefact's sha256 for models/manifest.toml.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from edge.nlu.gazetteer import Gazetteer
from edge.nlu.model import IntentModel, load_model
from models.store import sha256_of
from native.nlu import IntentNet, feature_ids
from tools.nlu_data import CLOUD, build

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "edge" / "data" / "nlu_intents.tnlu"
MODEL_VERSION = "1.0.0"


def featurize(texts: list[str], gazetteer: Gazetteer, dim: int) -> sp.csr_matrix:
    indptr, indices = [0], []
    values: list[np.ndarray] = []
    for text in texts:
        ids = feature_ids(gazetteer.tag(text).features, dim)
        indices.append(ids)
        values.append(np.full(len(ids), 1.0 / np.sqrt(len(ids)), dtype=np.float32))
        indptr.append(indptr[-1] + len(ids))
    x = sp.csr_matrix((np.concatenate(values), np.concatenate(indices), np.array(indptr)),
                      shape=(len(texts), dim))
    x.sum_duplicates()
    return x


def train(x: sp.csr_matrix, y: np.ndarray, n_classes: int, hidden: int, epochs: int,
          seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    dim = x.shape[1]
    params = [rng.normal(0, 0.5, (dim, hidden)).astype(np.float32),
              np.zeros(hidden, np.float32),
              rng.normal(0, np.sqrt(2 / hidden), (hidden, n_classes)).astype(np.float32),
              np.zeros(n_classes, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2, eps, smooth, decay, batch = 3e-3, 0.9, 0.999, 1e-8, 0.05, 1e-5, 256
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(x.shape[0])
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            xb, yb = x[idx], y[idx]
            w1, c1, w2, c2 = params
            z1 = np.asarray(xb @ w1) + c1
            h = np.maximum(z1, 0)
            mask = (rng.random(h.shape) > 0.1).astype(np.float32) / 0.9
            hd = h * mask
            logits = hd @ w2 + c2
            logits -= logits.max(1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(1, keepdims=True)
            target = np.full_like(p, smooth / n_classes)
            target[np.arange(len(yb)), yb] += 1 - smooth
            total += float(-(target * np.log(p + 1e-9)).sum())
            g = (p - target) / len(yb)
            gw2 = hd.T @ g + decay * w2
            gc2 = g.sum(0)
            gh = (g @ w2.T) * mask * (z1 > 0)
            gw1 = np.asarray(xb.T @ gh) + decay * w1
            gc1 = gh.sum(0)
            step += 1
            rate = lr * min(1.0, 1.0 - 0.9 * (epoch * len(order) + start) / (epochs * len(order)))
            for i, grad in enumerate((gw1, gc1, gw2, gc2)):
                m[i] = b1 * m[i] + (1 - b1) * grad
                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                mh = m[i] / (1 - b1**step)
                vh = v[i] / (1 - b2**step)
                params[i] -= (rate * mh / (np.sqrt(vh) + eps)).astype(np.float32)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / x.shape[0]:.4f}", flush=True)
    return params


def quantize(w: np.ndarray, clip_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output column; the scale clips rare outliers."""
    top = np.percentile(np.abs(w), clip_pct, axis=0)
    scale = np.maximum(top, 1e-8) / 127.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def fit_temperature(log_p: np.ndarray, y: np.ndarray) -> float:
    best, best_nll = 1.0, np.inf
    for t in np.arange(0.3, 4.01, 0.05):
        z = log_p / t
        z -= z.max(1, keepdims=True)
        nll = float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return round(best, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--per-intent", type=int, default=1200)
    ap.add_argument("--dim", type=int, default=1 << 14)
    ap.add_argument("--hidden", type=int, default=96)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    samples, inventory, command_words = build(args.seed, args.per_intent)
    labels = sorted({label for _, label in samples} - {CLOUD}) + [CLOUD]
    index = {label: i for i, label in enumerate(labels)}
    random.Random(args.seed).shuffle(samples)
    n_val = len(samples) // 10
    gazetteer = Gazetteer(inventory, command_words)
    texts = [t for t, _ in samples]
    y = np.array([index[label] for _, label in samples])
    x = featurize(texts, gazetteer, args.dim)
    print(f"{len(samples)} utterances, {len(labels)} labels, {x.nnz / x.shape[0]:.1f} "
          f"features each ({time.perf_counter() - t0:.1f} s)", flush=True)
    w1, c1, w2, c2 = train(x[n_val:], y[n_val:], len(labels), args.hidden, args.epochs,
                           args.seed)
    q1, s1 = quantize(w1, 99.99)
    q2, s2 = quantize(w2, 100.0)
    plain = IntentNet(q1, s1, c1, q2, s2, c2, 1.0)
    val_feats = [gazetteer.tag(t).features for t in texts[:n_val]]
    log_p = np.log(np.stack([plain.probabilities(f) for f in val_feats]) + 1e-12)
    temperature = fit_temperature(log_p, y[:n_val])
    z = np.asarray(x[:n_val] @ w1) + c1
    float_acc = float((np.argmax(np.maximum(z, 0) @ w2 + c2, 1) == y[:n_val]).mean())
    quant_acc = float((log_p.argmax(1) == y[:n_val]).mean())
    model = IntentModel(
        tuple(labels), q1, s1, c1, q2, s2, c2, temperature, MODEL_VERSION,
        frozenset(command_words),
        info={"seed": args.seed, "utterances": len(samples), "epochs": args.epochs,
              "heldout_accuracy_float": round(float_acc, 4),
              "heldout_accuracy_int8": round(quant_acc, 4)},
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    load_model(args.out)  # the loader accepts what was written
    print(f"held-out accuracy: float {float_acc:.4f}, int8 {quant_acc:.4f}; temperature "
          f"{temperature}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in "
          f"{time.perf_counter() - t0:.0f} s; sha256 {sha256_of(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
