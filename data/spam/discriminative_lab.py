#!/usr/bin/env python3
"""Tries discriminative models beside the learner, on a development half only.

    cargo run --release --example learner_lab -- DEV.jsonl PRIOR.bin \
        --dump DIR --prior-texts PRIOR.jsonl
    python3 data/spam/discriminative_lab.py DIR [--lang en] [--site-weight 10] [--c 1]

Needs numpy, scipy and scikit-learn (`pip install numpy scipy scikit-learn`);
majlis itself does not. It reads what `learner_lab --dump` wrote: every
comment's hashed features (the learner's own, `src/spam/features.rs`), the
rules' score, and the shipped learner's log-odds of each judged comment
after 0, 100, 200, 400, 800 and 1,600 decisions of the pool. For each
stage it prints, for the judged comments of one language, the recall at 2%
and 3% of ham of:

- `learner`: the shipped learner's calibrated log-odds;
- `lr prior`: a logistic regression over the same features, trained once on
  the prior's texts (what a prior of weights instead of counts would say),
  alone and blended into the learner's log-odds (`learner + b lr prior`);
- `nbsvm`: a logistic regression over the features weighted by their naive
  Bayes log-count ratios (Wang and Manning, ACL 2012), trained on the prior's
  texts plus the site's decisions so far (each decision counting
  `--site-weight` times), alone and blended the same way;

and beside each, the best recall the rules' score plus a weight times it
reaches at 2% and 3% of ham (the weight picked on the judged comments
themselves: a ceiling, as `learner_lab` prints). The README's spam section
("What the learner's models were measured against") quotes its output.
"""

import argparse
import sys

try:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
except ImportError:
    sys.exit("needs numpy, scipy and scikit-learn: pip install numpy scipy scikit-learn")

BUCKETS = 1 << 20
BLENDS = (0.25, 0.5)


def read_items(path, lang):
    """(tag, index, label, rules score, features) of one language's lines."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            tag, idx, lg, label, _source, rules, feats = line.rstrip("\n").split("\t")
            if lg == lang:
                rows.append((tag, int(idx), int(label), float(rules),
                             [int(x) for x in feats.split()]))
    return rows


def matrix(rows):
    indices, indptr = [], [0]
    for r in rows:
        indices.extend(r[4])
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), BUCKETS))


def recall_at(scores, labels, limits=(0.02, 0.03)):
    """Recall at each share of ham held, ties broken against the spam."""
    order = np.lexsort((labels, -scores))
    y = labels[order]
    tp, fp = np.cumsum(y), np.cumsum(1 - y)
    ham = max(len(y) - y.sum(), 1)
    spam = max(y.sum(), 1)
    out = []
    for limit in limits:
        ok = fp / ham <= limit
        out.append(tp[ok].max() / spam if ok.any() else 0.0)
    return out


def ceiling(rules, score, labels):
    best = [0.0, 0.0]
    for w in np.linspace(0.0, 8.0, 33):
        for k, r in enumerate(recall_at(rules + w * score, labels)):
            best[k] = max(best[k], r)
    return best


def fit(x, y, weights, c):
    model = LogisticRegression(C=c, max_iter=3000, solver="liblinear", random_state=0)
    model.fit(x, y, sample_weight=weights)
    return model


def nb_ratios(x, y, weights):
    xw = sp.diags(weights) @ x
    p = 1.0 + np.asarray(xw[y == 1].sum(0)).ravel()
    q = 1.0 + np.asarray(xw[y == 0].sum(0)).ravel()
    return sp.diags(np.log((p / p.sum()) / (q / q.sum())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--site-weight", type=float, default=10.0)
    ap.add_argument("--c", type=float, default=1.0)
    args = ap.parse_args()

    rows = read_items(f"{args.dir}/items.tsv", args.lang)
    prior = [r for r in rows if r[0] == "prior"]
    pool = sorted((r for r in rows if r[0] == "pool"), key=lambda r: r[1])
    judged = [r for r in rows if r[0] == "judged"]
    logits = {}
    with open(f"{args.dir}/learner.tsv", encoding="utf-8") as f:
        for line in f:
            n, idx, lg, value = line.rstrip("\n").split("\t")
            if lg == args.lang:
                logits.setdefault(int(n), {})[int(idx)] = float(value)

    xj = matrix(judged)
    yj = np.array([r[2] for r in judged])
    rules = np.array([r[3] for r in judged])
    xp, yp = matrix(prior), np.array([r[2] for r in prior])
    lr_prior = fit(xp, yp, np.ones(len(prior)), args.c).decision_function(xj)

    def line(name, score):
        alone = recall_at(score, yj)
        ceil = ceiling(rules, score, yj)
        return (f"{name:24s} @2% {alone[0]:.3f} @3% {alone[1]:.3f}"
                f"  ceiling @2% {ceil[0]:.3f} @3% {ceil[1]:.3f}")

    for n in sorted(logits):
        learner = np.array([logits[n][r[1]] for r in judged])
        # A pool line's index is its place among the site's decisions, in
        # both languages.
        taught = [r for r in pool if r[1] < n]
        train = prior + taught
        x, y = matrix(train), np.array([r[2] for r in train])
        w = np.array([1.0] * len(prior) + [args.site_weight] * len(taught))
        ratios = nb_ratios(x, y, w)
        nbsvm = fit(x @ ratios, y, w, args.c).decision_function(xj @ ratios)
        print(f"n={n} ({args.lang}, {len(taught)} of its decisions in this language)")
        print("  " + line("learner", learner))
        print("  " + line("lr prior", lr_prior))
        for b in BLENDS:
            print("  " + line(f"learner + {b} lr prior", learner + b * lr_prior))
        print("  " + line("nbsvm", nbsvm))
        for b in BLENDS:
            print("  " + line(f"learner + {b} nbsvm", learner + b * nbsvm))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
