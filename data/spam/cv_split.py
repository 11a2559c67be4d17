#!/usr/bin/env python3
"""Split the development corpus in two halves for tuning the learner.

English on dev.jsonl is in-sample for the shipped prior (it learnt from
prior.jsonl, which is part of dev.jsonl), so the learner and the rules are
tuned on a split of the development data instead: a prior trained on one
half of prior.jsonl judges the development items of the other half.

    python3 data/spam/cv_split.py target/spam-corpus target/spam-cv
    python3 data/spam/cv_split.py --mirror target/spam-corpus target/spam-cv2

writes OUT/prior_a.jsonl and OUT/dev_b.jsonl (or, with --mirror,
OUT/prior_b.jsonl and OUT/dev_a.jsonl). Items go to a half by a hash of the
same template key the build splits by (the first words of the normalized
text, digits removed), salted so that the halves do not follow the build's
own dev/test buckets: variants of one spam template stay on one side.
Then train the prior and judge:

    cargo run --release --example train_prior -- OUT/prior_a.jsonl OUT/prior_a.bin
    majlis spam-eval OUT/dev_b.jsonl --prior OUT/prior_a.bin

Standard library only; reads build.py beside it for the keys.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import normalize_key, template_key  # noqa: E402

SALT = b"majlis-cv-halves:"


def side(body: str) -> str:
    """'a' or 'b': the half an item belongs to."""
    group = template_key(normalize_key(body))
    digest = hashlib.sha256(SALT + group.encode()).digest()
    return "a" if digest[0] % 2 == 0 else "b"


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path: Path, items: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False))
            f.write("\n")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="directory with dev.jsonl and prior.jsonl")
    ap.add_argument("out", type=Path, help="output directory")
    ap.add_argument("--mirror", action="store_true",
                    help="train on half b and judge half a instead")
    args = ap.parse_args(argv)
    train, judge = ("b", "a") if args.mirror else ("a", "b")
    prior = [x for x in read(args.corpus / "prior.jsonl") if side(x["body"]) == train]
    dev = [x for x in read(args.corpus / "dev.jsonl") if side(x["body"]) == judge]
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / f"prior_{train}.jsonl", prior)
    write(args.out / f"dev_{judge}.jsonl", dev)
    for name, items in ((f"prior_{train}", prior), (f"dev_{judge}", dev)):
        counts: dict[str, int] = {}
        for x in items:
            key = f"{x['lang']}/{x['label']}"
            counts[key] = counts.get(key, 0) + 1
        print(name, len(items), dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
