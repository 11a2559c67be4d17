//! Word-list matching on normalised text.
//!
//! Every list (the site's held and blocked words, the built-in commercial
//! vocabulary, contact words) is normalised once into one [`Lexicon`]; a
//! comment field is split once into a [`Haystack`] of tokens, and each token
//! is looked up with its Arabic clitics (`وال`, `بال`, `لل`, ... and pronoun
//! or plural suffixes) or English inflections (`-s`, `-ing`, ...) removed, so
//! `بالكازينو` and `casinos` match `كازينو` and `casino`. Matching is by
//! whole token, never by substring: `قمار` does not match `اقمار`
//! (satellites), `sex` does not match `Essex`.

use std::collections::HashMap;

use super::normalize::{is_arabic_letter, is_letter, is_word_char, normalize};

/// A fast hasher with a per-process random seed: list entries and the
/// words of a comment are short keys, and the seed keeps crafted text from
/// choosing collisions.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Which list an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ListKind {
    Held,
    Blocked,
    Vocabulary,
    /// Private channels and "write to me" requests (WhatsApp, سناب).
    Channel,
}

#[derive(Debug, Clone, Copy)]
struct Target {
    kind: ListKind,
    entry: u32,
    /// Index into `phrases` when the entry has more than one token.
    phrase: Option<u32>,
}

/// A hit: which list, which entry (index into that list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub kind: ListKind,
    pub entry: u32,
}

/// All lists, normalised and indexed by (first) token.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    map: FastMap<String, Vec<Target>>,
    phrases: Vec<Vec<String>>,
    /// Which (length, second byte, last byte) shapes the keys of `map` have
    /// ([`shape`]): most words and variants of a comment have a shape no
    /// key has, and are ruled out without hashing them.
    shapes: Shapes,
}

/// A set of [`shape`]s, one bit each (16 KiB).
#[derive(Debug, Clone)]
struct Shapes(Vec<u64>);

impl Default for Shapes {
    fn default() -> Shapes {
        Shapes(vec![0; SHAPES / 64])
    }
}

const SHAPES: usize = 1 << 17;

/// A key's shape: its length in bytes (modulo 32), the low six bits of its
/// second byte (of its only byte when it has one; for an Arabic word, the
/// byte that tells its first letter from its neighbours) and of its last
/// byte.
fn shape(key: &str) -> usize {
    let b = key.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return 0;
    };
    let second = b.get(1).copied().unwrap_or(first);
    ((b.len() & 31) << 12) | (usize::from(second & 63) << 6) | usize::from(last & 63)
}

impl Shapes {
    fn insert(&mut self, key: &str) {
        let k = shape(key);
        if let Some(w) = self.0.get_mut(k / 64) {
            *w |= 1 << (k % 64);
        }
    }

    fn may_hold(&self, key: &str) -> bool {
        let k = shape(key);
        self.0.get(k / 64).is_some_and(|w| (w >> (k % 64)) & 1 == 1)
    }
}

/// Split normalised text into match tokens: maximal alphanumeric runs.
pub(crate) fn split_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|t| !t.is_empty())
}

/// Collapse runs of the same letter to one (`مباششر` -> `مباشر`); digits kept.
fn squeeze(token: &str) -> Option<String> {
    let mut it = token.chars();
    let mut last = it.next()?;
    if !it.any(|c| {
        let repeat = c == last && is_letter(c);
        last = c;
        repeat
    }) {
        return None;
    }
    let mut prev = None;
    let mut changed = false;
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if Some(c) == prev && is_letter(c) {
            changed = true;
            continue;
        }
        prev = Some(c);
        out.push(c);
    }
    changed.then_some(out)
}

impl Lexicon {
    /// Add a list; entries are normalised here, once.
    pub fn add<S: AsRef<str>>(&mut self, kind: ListKind, entries: &[S]) {
        for (i, e) in entries.iter().enumerate() {
            let n = normalize(e.as_ref());
            let toks: Vec<String> = split_tokens(&n.text).map(str::to_owned).collect();
            let Some(first) = toks.first().cloned() else {
                continue;
            };
            let entry = u32::try_from(i).unwrap_or(u32::MAX);
            let phrase = if toks.len() > 1 {
                self.phrases.push(toks);
                Some(u32::try_from(self.phrases.len() - 1).unwrap_or(u32::MAX))
            } else {
                None
            };
            let target = Target {
                kind,
                entry,
                phrase,
            };
            // The squeezed key lets `caasino` find `casino`; a key squeezed
            // to one letter (`xxx` -> `x`) would match ordinary words.
            if let Some(sq) = squeeze(&first).filter(|sq| sq.chars().count() >= 2) {
                self.targets_of(sq).push(target);
            }
            self.targets_of(first).push(target);
        }
    }

    /// The targets of `key`, which is added (with its shape) if new: the
    /// one way a key enters the map.
    fn targets_of(&mut self, key: String) -> &mut Vec<Target> {
        self.shapes.insert(&key);
        self.map.entry(key).or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// One lexicon holding the entries of both, `self`'s first under each
    /// key: a text is looked up once for both, and [`find`](Self::find)
    /// gives each one's hits in the order it alone would (its kinds apart).
    pub fn merged(&self, other: &Lexicon) -> Lexicon {
        let mut out = self.clone();
        let shift = u32::try_from(out.phrases.len()).unwrap_or(u32::MAX);
        out.phrases.extend(other.phrases.iter().cloned());
        for (key, targets) in &other.map {
            out.targets_of(key.clone())
                .extend(targets.iter().map(|t| Target {
                    phrase: t.phrase.map(|p| p.saturating_add(shift)),
                    ..*t
                }));
        }
        out
    }

    /// Every entry found in `hay`, each at most once, in order of discovery:
    /// token by token, the entries of each of its variants in the order
    /// [`for_each_variant`] tries them.
    pub fn find(&self, hay: &Haystack, hits: &mut Vec<Hit>) {
        if self.map.is_empty() {
            return;
        }
        // What a token's variants find does not depend on where the token
        // is (only a phrase's next words do), so each distinct token is
        // looked up once: `found[range]` are its candidates, in order.
        let mut memo: FastMap<&str, (u32, u32)> =
            FastMap::with_capacity_and_hasher(hay.len().min(1024), Default::default());
        let mut found: Vec<Target> = Vec::new();
        for i in 0..hay.len() {
            let tok = hay.token(i);
            let (from, to) = *memo.entry(tok).or_insert_with(|| {
                let from = found.len();
                for_each_variant(tok, |v| {
                    if self.shapes.may_hold(v)
                        && let Some(targets) = self.map.get(v)
                    {
                        found.extend_from_slice(targets);
                    }
                    false
                });
                let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                (at(from), at(found.len()))
            });
            for t in &found[from as usize..to as usize] {
                let ok = match t.phrase {
                    None => true,
                    Some(p) => self.phrase_at(p as usize, hay, i),
                };
                let hit = Hit {
                    kind: t.kind,
                    entry: t.entry,
                };
                if ok && !hits.contains(&hit) {
                    hits.push(hit);
                }
            }
        }
    }

    fn phrase_at(&self, p: usize, hay: &Haystack, start: usize) -> bool {
        let Some(phrase) = self.phrases.get(p) else {
            return false;
        };
        if start + phrase.len() > hay.len() {
            return false;
        }
        phrase.iter().enumerate().skip(1).all(|(k, want)| {
            let tok = hay.token(start + k);
            // Every variant of a token that starts with an ASCII byte
            // starts with that byte (English inflections and repeats
            // come off the end; Arabic prefixes need Arabic letters):
            // most of a phrase's candidates are ruled out here, without
            // making a token's variants.
            let first = tok.as_bytes().first().copied();
            (!first.is_some_and(|b| b.is_ascii()) || first == want.as_bytes().first().copied())
                && for_each_variant(tok, |v| v == want)
        })
    }
}

/// The tokens of one field, ready for lookups (one allocation: the text).
#[derive(Debug, Clone, Default)]
pub(crate) struct Haystack {
    text: String,
    spans: Vec<(usize, usize)>,
}

impl Haystack {
    /// From already-normalised text.
    pub fn from_normalized(text: &str) -> Haystack {
        let text = text.to_owned();
        let mut spans = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (is_word_char(c), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    spans.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len()));
        }
        Haystack { text, spans }
    }

    /// From a raw field such as an email, URL, IP or user agent: lowercase
    /// and split on punctuation (`best-casino.com` -> best, casino, com).
    pub fn from_raw(field: &str) -> Haystack {
        Haystack::from_normalized(&field.to_lowercase())
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn token(&self, i: usize) -> &str {
        self.spans.get(i).map_or("", |&(s, e)| &self.text[s..e])
    }
}

const AR_PREFIXES: &[&str] = &[
    "وبال", "وكال", "وال", "بال", "كال", "فال", "ولل", "فلل", "لل", "ال", "وب", "ول", "وك", "فب",
    "فل", "وس", "و", "ف", "ب", "ل", "ك", "س",
];
const AR_SUFFIXES: &[&str] = &[
    "هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا", "ات", "ون", "ين", "ان", "يه", "ه", "ي", "ك",
];
const EN_SUFFIXES: &[&str] = &["ers", "ing", "es", "ed", "er", "s"];

/// Call `f` with the token, its squeezed form, and its forms with one clitic
/// prefix and/or one suffix removed (at least two letters left, three for
/// Latin). Stops early when `f` returns true; returns whether it did.
pub(crate) fn for_each_variant(tok: &str, mut f: impl FnMut(&str) -> bool) -> bool {
    if f(tok) {
        return true;
    }
    // The squeezed form is tried whole, never stripped: `better` must not
    // become `bet` through `beter`.
    if let Some(sq) = squeeze(tok)
        && f(&sq)
    {
        return true;
    }
    variants_of(tok, &mut f)
}

fn variants_of(tok: &str, f: &mut impl FnMut(&str) -> bool) -> bool {
    let Some(first) = tok.chars().next() else {
        return false;
    };
    let nchars = |s: &str| s.chars().count();
    if is_arabic_letter(first) {
        let mut starts: [usize; 4] = [0; 4];
        let mut ns = 1;
        // Every prefix starts with one of these letters (each two bytes in
        // UTF-8, as every letter of the prefixes and suffixes is): only the
        // affixes that share the token's first (last) letter are compared.
        let prefixed = matches!(first, 'و' | 'ف' | 'ب' | 'ك' | 'ل' | 'ا' | 'س');
        let b = tok.as_bytes();
        let head = (b.first().copied(), b.get(1).copied());
        for p in AR_PREFIXES.iter().filter(|p| {
            prefixed && (p.as_bytes().first().copied(), p.as_bytes().get(1).copied()) == head
        }) {
            if ns < starts.len() && tok.starts_with(p) && nchars(&tok[p.len()..]) >= 2 {
                starts[ns] = p.len();
                ns += 1;
            }
        }
        // Every suffix ends with one of these letters.
        let suffixed = tok
            .chars()
            .next_back()
            .is_some_and(|c| matches!(c, 'ا' | 'ه' | 'م' | 'ن' | 'ت' | 'ي' | 'ك'));
        let last2 = |s: &[u8]| (s.len() >= 2).then(|| (s[s.len() - 2], s[s.len() - 1]));
        let tail = last2(b);
        for &s in &starts[..ns] {
            let stem = &tok[s..];
            if s > 0 && f(stem) {
                return true;
            }
            for suf in AR_SUFFIXES
                .iter()
                .filter(|suf| suffixed && last2(suf.as_bytes()) == tail)
            {
                if let Some(core) = stem.strip_suffix(suf)
                    && nchars(core) >= 2
                    && f(core)
                {
                    return true;
                }
            }
        }
    } else if first.is_ascii_alphabetic() {
        for suf in EN_SUFFIXES {
            if tok.len() >= suf.len() + 3 && tok.ends_with(suf) {
                let stem = &tok[..tok.len() - suf.len()];
                if f(stem) {
                    return true;
                }
                // betting -> bett -> bet
                let b = stem.as_bytes();
                if *suf == "ing"
                    && b.len() >= 4
                    && b[b.len() - 1] == b[b.len() - 2]
                    && f(&stem[..stem.len() - 1])
                {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(lex: &Lexicon, text: &str) -> Vec<u32> {
        let mut h = Vec::new();
        lex.find(&Haystack::from_normalized(&normalize(text).text), &mut h);
        h.iter().map(|h| h.entry).collect()
    }

    fn lexicon(words: &[&str]) -> Lexicon {
        let mut l = Lexicon::default();
        l.add(ListKind::Held, words);
        l
    }

    #[test]
    fn every_key_has_its_shape_and_few_shapes_are_taken() {
        let site = lexicon(&["قمار", "casino", "لعبة الحظ", "viiiagra"]);
        let both = site.merged(&crate::spam::facts::BUILTIN);
        for lex in [&site, &*crate::spam::facts::BUILTIN, &both] {
            assert!(!lex.map.is_empty());
            for key in lex.map.keys() {
                assert!(lex.shapes.may_hold(key), "{key}");
            }
        }
        // The built-in vocabulary takes a small share of the shapes, so
        // most words are ruled out before a lookup.
        let taken: u32 = both.shapes.0.iter().map(|w| w.count_ones()).sum();
        assert!(taken as usize * 20 < SHAPES, "{taken}");
        assert!(both.shapes.may_hold("viagra") && both.shapes.may_hold("قمار"));
        assert_eq!(hits(&site, "VIIIAGRA and قمار"), [3, 0]);
    }

    #[test]
    fn arabic_affixes_are_made_of_two_byte_letters() {
        // `variants_of` compares an affix's first or last two bytes with
        // the token's first or last letter.
        for a in AR_PREFIXES.iter().chain(AR_SUFFIXES) {
            assert!(a.chars().all(|c| c.len_utf8() == 2), "{a}");
        }
        for c in ['و', 'ف', 'ب', 'ك', 'ل', 'ا', 'س', 'ه', 'م', 'ن', 'ت', 'ي'] {
            assert_eq!(c.len_utf8(), 2);
        }
    }

    #[test]
    fn arabic_clitics_and_suffixes_are_removed() {
        let l = lexicon(&["كازينو", "مراهنات", "تواصل"]);
        assert_eq!(hits(&l, "ادخل بالكازينو الان"), vec![0]);
        assert_eq!(hits(&l, "والمراهنات"), vec![1]);
        assert_eq!(hits(&l, "للتواصل"), vec![2]);
    }

    #[test]
    fn whole_tokens_only() {
        let l = lexicon(&["قمار", "sex"]);
        assert!(hits(&l, "اطلاق اقمار صناعية").is_empty());
        assert!(hits(&l, "a school in Essex").is_empty());
        assert_eq!(hits(&l, "لعب القمار حرام"), vec![0]);
    }

    #[test]
    fn english_inflections_match() {
        let l = lexicon(&["casino", "bet"]);
        assert_eq!(hits(&l, "Best CASINOS here"), vec![0]);
        assert_eq!(hits(&l, "sports betting"), vec![1]);
        assert!(hits(&l, "a better world").is_empty());
    }

    #[test]
    fn phrases_match_token_sequences() {
        let l = lexicon(&["online casino", "ارباح مضمونة", "spam.example"]);
        assert_eq!(hits(&l, "the best online casinos"), vec![0]);
        assert_eq!(hits(&l, "أرباح مضمونة يومياً"), vec![1]);
        assert!(hits(&l, "casino online").is_empty());
        assert_eq!(hits(&l, "see spam.example/page"), vec![2]);
    }

    #[test]
    fn obfuscated_spellings_match_through_normalization() {
        let l = lexicon(&["كازينو", "casino"]);
        assert_eq!(hits(&l, "كَازِينُو"), vec![0]);
        assert_eq!(hits(&l, "كـــازينو"), vec![0]);
        assert_eq!(hits(&l, "cаsino"), vec![1]);
        assert_eq!(hits(&l, "caasino"), vec![1]);
    }
}
