//! What the learner sees of a comment: its tokens (words, light stems,
//! hashtags, link hosts, contact and obfuscation flags, the author's name
//! words, e-mail domain and URL host), ordered word pairs a few words apart
//! (orthogonal sparse bigrams), and character n-grams of the normalised
//! text, each hashed into one of [`BUCKETS`] buckets.
//!
//! Hashing keeps the shared store bounded (at most [`BUCKETS`] rows, however
//! many comments a site trains) and makes a lookup an integer index probe.
//! The hash (XXH3 with a fixed seed per kind of feature) is stable across
//! versions and machines: buckets written by one instance mean the same to
//! every other, and to the shipped prior. Pure.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::bayes::{each_meta_token, each_token};
use super::normalize::{Normalized, normalize};
use super::segment::unicode_words;

/// Bits of a bucket: 2^20 (1,048,576) buckets.
pub const FEATURE_BITS: u32 = 20;
/// The size of the feature space.
pub const BUCKETS: u32 = 1 << FEATURE_BITS;
/// Word pairs are formed with each of the next this many words.
const PAIR_WINDOW: usize = 3;
/// Character n-grams are taken from this many characters of text at most
/// (a long comment says what it is in its first few thousand characters).
const MAX_NGRAM_CHARS: usize = 1_000;
/// The n of the character n-grams.
const NGRAMS: [usize; 1] = [4];

/// One hashed feature.
pub type Feature = u32;

/// Seeds that keep the kinds of feature apart (a word and a character
/// n-gram that happen to be spelled alike are different evidence).
#[derive(Clone, Copy)]
enum Kind {
    Token = 1,
    Pair = 2,
    Chars = 3,
}

fn to_bucket(h: u64) -> Feature {
    // The top bits of the hash; the shift leaves FEATURE_BITS bits.
    u32::try_from(h >> (64 - FEATURE_BITS)).unwrap_or(0)
}

fn bucket(kind: Kind, text: &str) -> Feature {
    to_bucket(xxh3_64_with_seed(text.as_bytes(), kind as u64))
}

/// The features of a whole comment, sorted and without repeats (the order
/// a comment's training row keeps them in).
pub fn features(
    body: &str,
    author_name: &str,
    author_email: &str,
    author_url: Option<&str>,
) -> Vec<Feature> {
    let mut f = features_of(
        &normalize(body),
        &normalize(author_name),
        author_email,
        author_url,
    );
    sort_dedup(&mut f);
    f
}

/// [`features`] of a body and an author name already normalised (a
/// submission normalises each once for its fingerprint, features and rules),
/// without repeats but in no particular order: the learner reads them as a
/// set ([`super::learner::judge`] gives the same answer, to the last bit,
/// in every order), and leaving out the sort saves a fifth of this
/// function's time on a long comment.
pub fn features_of(
    body: &Normalized,
    author_name: &Normalized,
    author_email: &str,
    author_url: Option<&str>,
) -> Vec<Feature> {
    // One word segmentation for the tokens, the pairs and the n-grams.
    let words = unicode_words(&body.text);
    let mut out = Vec::with_capacity(body.text.len().min(MAX_NGRAM_CHARS * 4) * 2 + 64);
    each_token(body, &words, &mut |t| out.push(bucket(Kind::Token, t)));
    each_meta_token(author_name, author_email, author_url, &mut |t| {
        out.push(bucket(Kind::Token, t));
    });
    word_pairs(&words, &mut out);
    char_ngrams(&words, &mut out);
    distinct(&mut out);
    out
}

thread_local! {
    /// [`distinct`]'s set of buckets seen, one bit per bucket (128 KiB per
    /// thread), all clear between calls.
    static SEEN: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Drops repeats from `v`, keeping each value's first place: one pass that
/// marks each value in a bitset of every bucket, another that clears the
/// marks. No comparison and no branch per value (whether a value repeats
/// is as good as random). Values of [`BUCKETS`] or more (never a bucket)
/// go through [`sort_dedup`] instead.
fn distinct(v: &mut Vec<Feature>) {
    if v.iter().any(|x| *x >= BUCKETS) {
        sort_dedup(v);
        return;
    }
    SEEN.with_borrow_mut(|seen| {
        if seen.is_empty() {
            seen.resize((BUCKETS / 64) as usize, 0);
        }
        let mut kept = 0;
        for i in 0..v.len() {
            let x = v[i];
            let (word, bit) = ((x / 64) as usize, 1u64 << (x % 64));
            let marks = seen[word];
            v[kept] = x;
            kept += usize::from(marks & bit == 0);
            seen[word] = marks | bit;
        }
        v.truncate(kept);
        for x in v.iter() {
            seen[(x / 64) as usize] = 0;
        }
    });
}

/// `v.sort_unstable(); v.dedup()`, by a two-pass radix sort when every
/// value fits in [`FEATURE_BITS`] bits (buckets always do): a comment has a
/// few thousand features, where radix passes beat comparisons.
fn sort_dedup(v: &mut Vec<Feature>) {
    const HALF: u32 = FEATURE_BITS / 2;
    const MASK: u32 = (1 << HALF) - 1;
    if v.len() < 64 || v.iter().any(|x| *x >= BUCKETS) {
        v.sort_unstable();
        v.dedup();
        return;
    }
    let mut low = [0u32; 1 << HALF];
    let mut high = [0u32; 1 << HALF];
    for &x in v.iter() {
        low[(x & MASK) as usize] += 1;
        high[(x >> HALF) as usize] += 1;
    }
    let offsets = |counts: &mut [u32]| {
        let mut sum = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
    };
    offsets(&mut low);
    offsets(&mut high);
    let mut tmp = vec![0; v.len()];
    for &x in v.iter() {
        let slot = &mut low[(x & MASK) as usize];
        tmp[*slot as usize] = x;
        *slot += 1;
    }
    for &x in &tmp {
        let slot = &mut high[(x >> HALF) as usize];
        v[*slot as usize] = x;
        *slot += 1;
    }
    // `v.dedup()` without a branch per value: whether a value repeats the
    // one before it is unpredictable (repeated words, n-grams), and a
    // mispredicted branch costs more than the store.
    let mut kept = 0;
    let mut prev = BUCKETS; // no value: every one is below BUCKETS
    for i in 0..v.len() {
        let x = v[i];
        v[kept] = x;
        kept += usize::from(x != prev);
        prev = x;
    }
    v.truncate(kept);
}

/// Ordered word pairs `a _{gap} b` for every word and each of the next
/// [`PAIR_WINDOW`] words: phrases ("check out my channel", "اضغط على الرابط")
/// survive words inserted between them. Each pair hashes the bytes of `a`,
/// then `0` and the gap, then `b`.
fn word_pairs(words: &[&str], out: &mut Vec<Feature>) {
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    for (i, a) in words.iter().enumerate() {
        // `a`, `0` and a place for the gap, written once for its pairs.
        buf.clear();
        buf.extend_from_slice(a.as_bytes());
        buf.extend_from_slice(&[0, 0]);
        let head = buf.len();
        for (gap, b) in words.iter().skip(i + 1).take(PAIR_WINDOW).enumerate() {
            buf.truncate(head);
            buf[head - 1] = u8::try_from(gap).unwrap_or(0);
            buf.extend_from_slice(b.as_bytes());
            out.push(to_bucket(xxh3_64_with_seed(&buf, Kind::Pair as u64)));
        }
    }
}

/// Character n-grams of the normalised text, words joined by one space and
/// padded with one, so word starts and ends are features of their own.
/// Catches what word features miss in short, morphologically rich text:
/// clitics and suffixes on Arabic words, misspellings, glued words.
fn char_ngrams(words: &[&str], out: &mut Vec<Feature>) {
    // The joined text, the byte offset of each of its characters (and of
    // its end), and which characters are the joining spaces (a word never
    // contains a space).
    let mut joined = String::with_capacity(MAX_NGRAM_CHARS * 2 + 64);
    let mut starts: Vec<u32> = Vec::with_capacity(MAX_NGRAM_CHARS + 64);
    let mut spaces: Vec<bool> = Vec::with_capacity(MAX_NGRAM_CHARS + 64);
    let mut push = |c: char, spaces: &mut Vec<bool>| {
        starts.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
        spaces.push(c == ' ');
        joined.push(c);
    };
    push(' ', &mut spaces);
    for w in words {
        if spaces.len() >= MAX_NGRAM_CHARS {
            break;
        }
        for c in w.chars() {
            push(c, &mut spaces);
        }
        push(' ', &mut spaces);
    }
    starts.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
    let chars = spaces.len();
    for size in NGRAMS {
        if chars < size {
            continue;
        }
        // Every window is hashed and written; one that spans two spaces
        // (parts of three words) is then not kept. Which windows do is as
        // good as random, and a mispredicted branch costs about what the
        // hash of a few bytes does.
        let first = out.len();
        out.resize(first + chars - size + 1, 0);
        let mut kept = first;
        let mut in_window = spaces[..size].iter().filter(|s| **s).count();
        for k in 0..=chars - size {
            if k > 0 {
                in_window -= usize::from(spaces[k - 1]);
                in_window += usize::from(spaces[k + size - 1]);
            }
            let gram = &joined.as_bytes()[starts[k] as usize..starts[k + size] as usize];
            out[kept] = to_bucket(xxh3_64_with_seed(gram, Kind::Chars as u64));
            kept += usize::from(in_window <= 1);
        }
        out.truncate(kept);
    }
}

/// The bucket of one token, for tests and the prior's tooling.
pub fn token_bucket(token: &str) -> Feature {
    bucket(Kind::Token, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_sorted_distinct_and_in_range() {
        let f = features(
            "اشترك في قناتي على يوتيوب واربح جوائز كل يوم! subscribe to my channel",
            "أحمد",
            "a@example.com",
            Some("https://spam.example/x"),
        );
        assert!(f.len() > 50, "{}", f.len());
        assert!(f.windows(2).all(|w| w[0] < w[1]));
        assert!(f.iter().all(|b| *b < BUCKETS));
    }

    #[test]
    fn obfuscation_does_not_change_the_text_features() {
        let plain = features("اربح جوائز نقدية الان", "", "", None);
        // Tashkeel, tatweel and a zero-width joiner inside words.
        let dressed = features("اربـــح جَوائز نقد\u{200d}ية الان", "", "", None);
        let shared = plain.iter().filter(|b| dressed.contains(b)).count();
        // Only the obfuscation flags differ.
        assert!(shared + 3 >= plain.len(), "{shared} of {}", plain.len());
    }

    #[test]
    fn the_address_never_reaches_a_feature_but_its_domain_does() {
        let with = features("hello there", "", "someone.secret@mail.example", None);
        let other = features("hello there", "", "another.person@mail.example", None);
        assert_eq!(with, other);
        assert!(with.contains(&token_bucket("edom:mail.example")));
    }

    /// Pseudo-random vectors of several lengths, each with values below
    /// one of several bounds (some past [`BUCKETS`]): `(len, bound, values)`.
    fn random_vectors(seed: u64, lens: &[usize]) -> Vec<(usize, u32, Vec<u32>)> {
        let mut x = seed;
        let mut out = Vec::new();
        for &len in lens {
            for range in [2u32, 1_000, BUCKETS, u32::MAX] {
                let v: Vec<u32> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        u32::try_from(x % u64::from(range)).unwrap()
                    })
                    .collect();
                out.push((len, range, v));
            }
        }
        out
    }

    fn sorted_distinct(v: &[u32]) -> Vec<u32> {
        let mut want = v.to_vec();
        want.sort_unstable();
        want.dedup();
        want
    }

    #[test]
    fn sort_dedup_is_sort_then_dedup() {
        let lens = [0usize, 1, 2, 63, 64, 65, 500, 3_000];
        for (len, range, v) in random_vectors(0x9e37_79b9_7f4a_7c15, &lens) {
            let want = sorted_distinct(&v);
            let mut got = v;
            sort_dedup(&mut got);
            assert_eq!(got, want, "{len} values below {range}");
        }
    }

    #[test]
    fn distinct_keeps_each_value_once_in_first_place_and_leaves_the_set_clear() {
        // Calls follow one another on one thread: each finds the set clear
        // (a mark left behind would drop a value from a later call).
        let lens = [0usize, 1, 2, 64, 500, 3_000];
        for (len, range, v) in random_vectors(0x2545_f491_4f6c_dd1d, &lens) {
            let mut got = v.clone();
            distinct(&mut got);
            if range <= BUCKETS {
                // First places, in order of first appearance.
                let mut seen = std::collections::HashSet::new();
                let firsts: Vec<u32> = v.iter().copied().filter(|b| seen.insert(*b)).collect();
                assert_eq!(got, firsts, "{len} values below {range}");
            }
            got.sort_unstable();
            assert_eq!(got, sorted_distinct(&v), "{len} values below {range}");
        }
    }

    #[test]
    fn features_of_is_features_in_another_order() {
        let body =
            "اشترك في قناتي على يوتيوب واربح جوائز كل يوم! subscribe to my channel, subscribe now";
        let mut of = features_of(&normalize(body), &normalize("Ali"), "a@b.example", None);
        let sorted = features(body, "Ali", "a@b.example", None);
        assert_eq!(of.len(), sorted.len(), "no repeats");
        of.sort_unstable();
        assert_eq!(of, sorted);
    }

    #[test]
    fn buckets_are_stable_across_builds() {
        // The store and the shipped prior depend on these values never
        // changing: a new hash would need a new prior and a retraining.
        assert_eq!(token_bucket("casino"), 478_524);
        assert_ne!(token_bucket("casino"), token_bucket("casin0"));
    }
}
