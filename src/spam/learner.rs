//! The learner: multinomial naive Bayes over hashed
//! [`features`](super::features), with a compact prior shipped in the binary
//! pooled with the counts a site's own moderators teach.
//!
//! - Counts are per class: in how many spam (ham) comments a feature
//!   occurred, and per [`Script`] the class totals (comments, feature
//!   occurrences). Adding and removing a comment's lesson are exact
//!   inverses, so a reversed decision, an edit or an erasure untrain
//!   precisely, and concurrent lessons commute.
//! - The prior ([`Prior`]) is the same kind of counts, trained by
//!   `examples/train_prior.rs` on the shippable part of the development
//!   corpus (`data/spam/MANIFEST.md`). It answers only for scripts where it
//!   saw both classes.
//! - A comment is judged on the site's counts plus a share of the prior's
//!   ([`Params::prior_weight`]), so the site's decisions outweigh the
//!   prior's as they accumulate. Its raw score is the summed log-likelihood
//!   ratio of its [`Params::telling`] strongest features
//!   ([`Params::alone_telling`] where the site's counts answer alone),
//!   mapped to log-odds by a calibration curve fitted out of sample on the
//!   development halves (`examples/learner_lab.rs --fit`). The answer is a
//!   probability.
//!
//! Pure: the caller looks the counts up ([`Evidence`]) and writes lessons.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::features::{BUCKETS, Feature};

/// Without a prior, the site's counts answer only once they hold this many
/// comments of each class.
pub const MIN_EACH_WITHOUT_PRIOR: u64 = 20;

/// The writing system a comment is mostly in. Class totals are kept per
/// script: the words of an Arabic comment are evidence about Arabic spam
/// and ham, and a site whose Arabic comments are mostly ham and whose
/// English ones are often spam must not call every English word spammy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    Arabic = 0,
    Latin = 1,
    Other = 2,
}

impl Script {
    pub const ALL: [Script; 3] = [Script::Arabic, Script::Latin, Script::Other];

    /// The script most of the text's letters are in (Arabic on a tie).
    /// Letters several scripts share (tatweel) are not counted: a spammer
    /// who stretches every Arabic word must not move the comment out of the
    /// Arabic counts.
    pub fn of(text: &str) -> Script {
        if text.is_ascii() {
            // Only Latin letters, if any.
            return if text.bytes().any(|b| b.is_ascii_alphabetic()) {
                Script::Latin
            } else {
                Script::Other
            };
        }
        let [arabic, latin, other] = super::chars::letter_scripts(text);
        if arabic == 0 && latin == 0 && other == 0 {
            Script::Other
        } else if arabic >= latin && arabic >= other {
            Script::Arabic
        } else if latin >= other {
            Script::Latin
        } else {
            Script::Other
        }
    }

    /// Its number in the database (`spam_corpus_shards.script`).
    pub fn id(self) -> i16 {
        self as i16
    }

    pub fn from_id(id: i16) -> Option<Script> {
        Script::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Its name in the API (`arabic`, `latin`, `other`).
    pub fn name(self) -> &'static str {
        match self {
            Script::Arabic => "arabic",
            Script::Latin => "latin",
            Script::Other => "other",
        }
    }
}

/// How many counts a store keeps: [`BUCKETS`] for each script.
pub const KEYS: u32 = 3 * BUCKETS;

/// Where a feature's counts are kept for comments in `script`: its bucket
/// in that script's own range of [`BUCKETS`] (Latin first, so the shipped
/// prior, which knows only English, keeps its buckets). Class totals are
/// kept per script, and so must the counts be: in one range shared by
/// every script, an Arabic comment read the counts of the English features
/// its features collide with (a site's English decisions fill a large
/// share of the buckets), and those of the features scripts share
/// (numbers, link hosts, flags), divided by the far smaller Arabic totals,
/// and the strongest of them were the ones the learner chose to read. On
/// the development halves, once a simulated site had decided the English
/// spam of its pool, that held 7-9% of Arabic ham; with the counts kept
/// apart, about 1% (README).
#[inline]
pub fn key_in(f: Feature, script: Script) -> u32 {
    let range = match script {
        Script::Latin => 0,
        Script::Arabic => 1,
        Script::Other => 2,
    };
    range * BUCKETS + f
}

/// Totals of one class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassTotals {
    /// Comments learnt as this class.
    pub docs: f64,
    /// Feature occurrences in them (each comment's features counted once).
    pub features: f64,
}

/// Both classes' totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub spam: ClassTotals,
    pub ham: ClassTotals,
}

impl Totals {
    fn class_mut(&mut self, is_spam: bool) -> &mut ClassTotals {
        if is_spam {
            &mut self.spam
        } else {
            &mut self.ham
        }
    }
}

/// What a store knows about some features: the class totals of each
/// script and the counts `(spam, ham)` of those of the features it has
/// seen (a lookup fills only the totals of the comment's script and the
/// counts of its features).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub totals: [Totals; 3],
    pub counts: FeatureCounts,
}

/// Feature -> (spam, ham) counts, with a fast fixed hasher (the keys are
/// already hashes).
pub type FeatureCounts = HashMap<Feature, (u32, u32), foldhash::fast::FixedState>;

/// What the site taught, as the learner reads it: the class totals of a
/// script and the counts of one feature. An [`Evidence`] (tests, offline
/// evaluation) or an instance's copy of the store
/// ([`super::mirror::Mirror::judge`]), read in place.
pub trait SiteCounts {
    fn totals(&self, script: Script) -> Totals;
    /// `(spam, ham)` of one feature; `(0, 0)` for one never seen.
    fn counts(&self, f: Feature) -> (u32, u32);
}

impl SiteCounts for Evidence {
    fn totals(&self, script: Script) -> Totals {
        self.totals[script as usize]
    }

    fn counts(&self, f: Feature) -> (u32, u32) {
        self.counts.get(&f).copied().unwrap_or((0, 0))
    }
}

impl Evidence {
    pub fn totals(&self, script: Script) -> Totals {
        self.totals[script as usize]
    }

    /// Learns (`sign` 1) or unlearns (`sign` -1) one comment; counts never
    /// go below zero. For tests and offline evaluation; the database applies
    /// the same arithmetic to its rows.
    pub fn learn(&mut self, features: &[Feature], script: Script, is_spam: bool, sign: i32) {
        let class = self.totals[script as usize].class_mut(is_spam);
        class.docs = (class.docs + f64::from(sign)).max(0.0);
        class.features = (class.features + f64::from(sign) * features.len() as f64).max(0.0);
        for f in features {
            let e = self.counts.entry(key_in(*f, script)).or_insert((0, 0));
            let c = if is_spam { &mut e.0 } else { &mut e.1 };
            *c = c.saturating_add_signed(sign);
        }
    }
}

/// The shipped prior: class totals and the counts of the features seen in
/// the development corpus at least twice, sorted by feature.
#[derive(Clone, Default)]
pub struct Prior {
    pub totals: [Totals; 3],
    /// Slope and offset of the curve of the prior alone (a site without
    /// decisions), fitted out of fold by `examples/train_prior.rs`: kept in
    /// the file for comparison; [`judge`] uses [`Params`]' curves, fitted
    /// over a site's first 1,600 decisions.
    pub scale: f64,
    pub offset: f64,
    entries: Vec<(Feature, u16, u16)>,
    /// The same counts by bucket, spam in the high half: a lookup is one
    /// load, where a search of `entries` was several (4 MiB; derived from
    /// `entries`, so equality and `Debug` leave it out).
    dense: Vec<u32>,
}

impl PartialEq for Prior {
    fn eq(&self, other: &Self) -> bool {
        self.totals == other.totals
            && self.scale.to_bits() == other.scale.to_bits()
            && self.offset.to_bits() == other.offset.to_bits()
            && self.entries == other.entries
    }
}

impl std::fmt::Debug for Prior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prior")
            .field("totals", &self.totals)
            .field("scale", &self.scale)
            .field("offset", &self.offset)
            .field("features", &self.entries.len())
            .finish_non_exhaustive()
    }
}

fn build_dense(entries: &[(Feature, u16, u16)]) -> Vec<u32> {
    let mut dense = vec![0u32; BUCKETS as usize];
    for (f, s, h) in entries {
        if let Some(slot) = dense.get_mut(*f as usize) {
            *slot = (u32::from(*s) << 16) | u32::from(*h);
        }
    }
    dense
}

/// Why prior bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorError {
    #[error("not a majlis prior (bad magic or version)")]
    Magic,
    #[error("the prior file is truncated")]
    Truncated,
    #[error("the prior's features are not sorted or out of range")]
    Order,
    #[error("the prior file has bytes after its last entry")]
    Trailing,
}

const MAGIC: &[u8; 8] = b"MJLPRI02";

/// The prior compiled into the binary.
static SHIPPED: LazyLock<Option<Prior>> =
    LazyLock::new(|| Prior::from_bytes(include_bytes!("prior.bin")).ok());

impl Prior {
    /// The prior shipped with this build (`None` only if the file in the
    /// source tree is broken, which a unit test rules out).
    pub fn shipped() -> Option<&'static Prior> {
        SHIPPED.as_ref()
    }

    /// Builds a prior from a corpus's evidence, keeping features seen at
    /// least `min_count` times (both classes together). A prior holds the
    /// Latin range of counts only (its table is [`BUCKETS`] wide), so it
    /// keeps only Latin's totals too: a script whose counts it left out
    /// must not look known to it ([`prior_in`] then abstains there).
    pub fn from_evidence(e: &Evidence, min_count: u32, scale: f64, offset: f64) -> Prior {
        let clamp = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
        let mut entries: Vec<(Feature, u16, u16)> = e
            .counts
            .iter()
            .filter(|(f, (s, h))| **f < BUCKETS && s.saturating_add(*h) >= min_count)
            .map(|(f, (s, h))| (*f, clamp(*s), clamp(*h)))
            .collect();
        entries.sort_unstable_by_key(|(f, _, _)| *f);
        let mut totals = [Totals::default(); 3];
        totals[Script::Latin as usize] = e.totals[Script::Latin as usize];
        Prior {
            totals,
            scale,
            offset,
            dense: build_dense(&entries),
            entries,
        }
    }

    /// Counts of one feature.
    pub fn get(&self, f: Feature) -> (u32, u32) {
        let packed = self.dense.get(f as usize).copied().unwrap_or(0);
        (packed >> 16, packed & 0xFFFF)
    }

    /// How many features it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file format: magic, per script four f64 totals (spam docs, spam
    /// features, ham docs, ham features), scale, offset, the entry
    /// count (u32), all little-endian; then per entry the gap to the
    /// previous feature and both counts, each as an unsigned LEB128 varint.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.entries.len() * 4);
        out.extend_from_slice(MAGIC);
        for t in &self.totals {
            for v in [t.spam.docs, t.spam.features, t.ham.docs, t.ham.features] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for v in [self.scale, self.offset] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let n = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&n.to_le_bytes());
        let mut prev = 0;
        for (f, s, h) in &self.entries {
            for v in [f - prev, u32::from(*s), u32::from(*h)] {
                write_varint(&mut out, v);
            }
            prev = *f;
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Prior, PriorError> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(PriorError::Magic);
        }
        let mut f = [0.0; 14];
        for v in &mut f {
            *v = f64::from_le_bytes(r.array()?);
        }
        let n = u32::from_le_bytes(r.array()?) as usize;
        // Each entry takes at least three bytes.
        if r.0.len() < n.saturating_mul(3) {
            return Err(PriorError::Truncated);
        }
        let mut entries = Vec::with_capacity(n);
        let mut prev: Option<Feature> = None;
        for _ in 0..n {
            let gap = r.varint()?;
            let f = match prev {
                None => gap,
                Some(p) if gap > 0 => p.checked_add(gap).ok_or(PriorError::Order)?,
                Some(_) => return Err(PriorError::Order),
            };
            if f >= BUCKETS {
                return Err(PriorError::Order);
            }
            let count = |v: u32| u16::try_from(v).map_err(|_| PriorError::Order);
            let (spam, ham) = (count(r.varint()?)?, count(r.varint()?)?);
            entries.push((f, spam, ham));
            prev = Some(f);
        }
        if !r.0.is_empty() {
            return Err(PriorError::Trailing);
        }
        let mut totals = [Totals::default(); 3];
        for (i, t) in totals.iter_mut().enumerate() {
            let v = &f[i * 4..i * 4 + 4];
            t.spam = ClassTotals {
                docs: v[0],
                features: v[1],
            };
            t.ham = ClassTotals {
                docs: v[2],
                features: v[3],
            };
        }
        Ok(Prior {
            totals,
            scale: f[12],
            offset: f[13],
            dense: build_dense(&entries),
            entries,
        })
    }
}

struct Reader<'a>(&'a [u8]);

fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PriorError> {
        if self.0.len() < n {
            return Err(PriorError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn varint(&mut self) -> Result<u32, PriorError> {
        let mut v: u32 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.take(1)?[0];
            v |= u32::from(b & 0x7f)
                .checked_shl(shift)
                .ok_or(PriorError::Order)?;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(PriorError::Order)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PriorError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// The learner's knobs. The defaults were chosen on the development split
/// (`examples/learner_lab.rs`, see the README).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Additive smoothing of every feature count, on a fresh site ...
    pub alpha: f64,
    /// ... shrinking as the site's own decisions in the comment's script
    /// grow, where the prior speaks: `alpha` times
    /// `alpha_site / (alpha_site + n)` for `n` comments taught (`smoothing`).
    /// A few dozen decisions then sharpen every feature's ratio, most of
    /// all those only the site has seen, which a fixed smoothing would keep
    /// near even.
    pub alpha_site: f64,
    /// The least share of `alpha` the smoothing shrinks to (a share above
    /// 1 counts as 1; zero, negative or not a number, as no shrinking).
    pub alpha_floor: f64,
    /// What one comment of the prior counts for next to one of the site's:
    /// the learner reads the site's counts plus this share of the prior's,
    /// so the site's own decisions outweigh the prior's as they accumulate.
    pub prior_weight: f64,
    /// How many of a comment's features speak where the prior speaks in
    /// its script: the ones whose evidence is strongest either way. The
    /// rest (mostly character n-grams that say the same as a word already
    /// counted) are left out ...
    pub telling: usize,
    /// ... and where the site's counts speak alone (fewer counts, so fewer
    /// features carry evidence worth reading).
    pub alone_telling: usize,
    /// The calibration curve of the raw score (the summed log-likelihood
    /// ratios of the telling features) to log-odds, where the prior speaks
    /// in the comment's script ...
    pub scale: f64,
    pub offset: f64,
    /// ... and where the site's counts speak alone (a script the prior does
    /// not know): fewer counts, another curve.
    pub alone_scale: f64,
    pub alone_offset: f64,
}

impl Default for Params {
    fn default() -> Params {
        // Chosen and fitted on the development split (see the README's
        // spam section): `learner_lab --fit` prints the curves. The curve
        // where the prior speaks is the mean of the two halves' fits for
        // 120 features (0.0618, -0.145), its offset raised by 0.3: an
        // operating point that spends on recall the ham that reading 120
        // features saved.
        Params {
            alpha: 1.0,
            alpha_site: 300.0,
            alpha_floor: 0.7,
            prior_weight: 0.3,
            telling: 120,
            alone_telling: 40,
            scale: 0.0618,
            offset: 0.155,
            alone_scale: 0.1008,
            alone_offset: 0.3127,
        }
    }
}

/// The learner's view of one comment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// Probability that the comment is spam, through the calibration
    /// curve (where the prior speaks, one that leans 0.3 of log-odds
    /// towards spam from the fitted one: see [`Params::default`]).
    pub probability: f64,
    /// Comments the site taught, spam and ham.
    pub site_spam: f64,
    pub site_ham: f64,
    /// The prior speaks and the site has taught fewer than [`FRESH_TAUGHT`]
    /// comments in the script: the judgement is mostly the prior's, trained
    /// on other sites' text (the `learner` rule then trusts only its
    /// surest answers).
    pub fresh: bool,
}

/// How many comments a site teaches in a script before its learner is no
/// longer [`Judgement::fresh`] there.
pub const FRESH_TAUGHT: f64 = 100.0;

/// Whether the learner's judgements of comments in `script` are
/// [`fresh`](Judgement::fresh) on a site that taught `taught` comments in
/// it: the prior speaks there and `taught` is under [`FRESH_TAUGHT`].
pub fn is_fresh(prior: Option<&Prior>, script: Script, taught: f64) -> bool {
    prior_speaks(prior, script) && taught < FRESH_TAUGHT
}

/// Whether the prior speaks in `script` (it saw at least
/// [`MIN_PRIOR_DOCS`] comments of each class there).
pub fn prior_speaks(prior: Option<&Prior>, script: Script) -> bool {
    prior_in(prior, script).is_some()
}

/// The additive smoothing of [`raw`] where the site has taught `taught`
/// comments in the script ([`Params::alpha_site`]); out-of-range knobs fall
/// back to no shrinking and a smoothing of 1.
pub(crate) fn smoothing(p: &Params, taught: f64) -> f64 {
    let alpha = if p.alpha.is_finite() && p.alpha > 0.0 {
        p.alpha
    } else {
        1.0
    };
    let shrink = if p.alpha_site.is_finite() && p.alpha_site > 0.0 && taught > 0.0 {
        p.alpha_site / (p.alpha_site + taught)
    } else {
        1.0
    };
    let floor = if p.alpha_floor.is_finite() && p.alpha_floor > 0.0 {
        p.alpha_floor.min(1.0)
    } else {
        1.0
    };
    alpha * shrink.max(floor)
}

/// A script takes the prior's counts only where the prior saw at least
/// this many comments of each class in it.
pub const MIN_PRIOR_DOCS: f64 = 100.0;

/// The prior and its totals for `script`, when it knows both classes there.
fn prior_in(prior: Option<&Prior>, script: Script) -> Option<(&Prior, Totals)> {
    let prior = prior?;
    let t = prior.totals[script as usize];
    (t.spam.docs >= MIN_PRIOR_DOCS && t.ham.docs >= MIN_PRIOR_DOCS).then_some((prior, t))
}

/// The summed log-likelihood ratio (spam over ham) of the `telling`
/// features whose ratio is largest either way, under the totals `t`, the
/// site's counts and, with `prior`, its weight times the prior's counts,
/// each smoothed by `alpha`.
/// Each class's counts are scaled to a common total before smoothing, so a
/// feature neither class has seen weighs nothing (it is skipped), and a
/// site that decided four times more ham than spam is not pushed towards
/// spam on every word it never saw.
fn raw<S: SiteCounts + ?Sized>(
    features: &[Feature],
    script: Script,
    t: Totals,
    site: &S,
    prior: Option<(&Prior, f64)>,
    alpha: f64,
    telling: usize,
) -> f64 {
    let spam_total = t.spam.features.max(1.0);
    let ham_total = t.ham.features.max(1.0);
    let common = (spam_total + ham_total) / 2.0;
    let (ks, kh) = (common / spam_total, common / ham_total);
    SCRATCH.with_borrow_mut(|(counts, keys)| {
        // The site's and the prior's counts first, in a pass that does
        // nothing else: their tables are large, most lookups miss the
        // cache, and independent loads in a tight loop overlap.
        counts.clear();
        counts.extend(features.iter().map(|f| {
            let k = key_in(*f, script);
            let (s, h) = site.counts(k);
            let (ps, ph) = prior.map_or((0, 0), |(prior, _)| prior.get(k));
            [s, h, ps, ph]
        }));
        // Each ratio as one integer key, ordered by strength and then by
        // sign: the bits of `max(a/b, b/a)` (a positive f64 orders as its
        // bits do, and as its logarithm does) shifted left, the low bit set
        // for a ratio towards spam. Only the strongest need a logarithm.
        // Selecting and summing keys in their order makes the sum
        // independent of the features' order, to the last bit.
        // Written without a branch per feature: which class a feature
        // leans to, and whether either class saw it at all, are as good as
        // random, and mispredicted branches cost more than the arithmetic.
        // A feature neither class saw is written and not kept (`n` does not
        // move past it).
        keys.clear();
        keys.resize(counts.len(), 0);
        let w = prior.map_or(0.0, |(_, w)| w);
        let mut n = 0;
        for [s, h, ps, ph] in counts.iter() {
            let s = f64::from(*s) + w * f64::from(*ps);
            let h = f64::from(*h) + w * f64::from(*ph);
            let (a, b) = (ks * s + alpha, kh * h + alpha);
            let key = ((a.max(b) / a.min(b)).to_bits() << 1) | u64::from(a > b);
            keys[n] = key;
            n += usize::from(s > 0.0 || h > 0.0);
        }
        keys.truncate(n);
        let telling = telling.max(1);
        let from = keys.len().saturating_sub(telling);
        if from > 0 {
            keys.select_nth_unstable(from);
        }
        let strongest = &mut keys[from..];
        strongest.sort_unstable();
        strongest
            .iter()
            .map(|k| {
                let magnitude = f64::from_bits(k >> 1).ln();
                if k & 1 == 1 { magnitude } else { -magnitude }
            })
            .sum()
    })
}

thread_local! {
    /// [`raw`]'s scratch space, reused (a comment has up to a few thousand
    /// features): the site's and the prior's counts of each feature, and
    /// the ratios' keys.
    static SCRATCH: std::cell::RefCell<(Vec<[u32; 4]>, Vec<u64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The calibrated probability that a comment in `script` with `features`
/// is spam: [`raw_score`] through the curve of [`Params::scale`] and
/// [`Params::offset`] (or the site-alone curve).
pub fn judge<S: SiteCounts + ?Sized>(
    features: &[Feature],
    script: Script,
    site: &S,
    prior: Option<&Prior>,
    p: &Params,
) -> Option<Judgement> {
    let z = raw_score(features, script, site, prior, p)?.log_odds(p);
    let own = site.totals(script);
    Some(Judgement {
        probability: 1.0 / (1.0 + (-z).exp()),
        site_spam: own.spam.docs,
        site_ham: own.ham.docs,
        fresh: is_fresh(prior, script, own.spam.docs + own.ham.docs),
    })
}

/// An uncalibrated score ([`raw_score`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raw {
    pub value: f64,
    /// The prior's counts took part (else the site's alone).
    pub with_prior: bool,
}

impl Raw {
    /// The log-odds of spam that [`judge`]'s probability is the logistic
    /// of: the score through the curve of [`Params::scale`] and
    /// [`Params::offset`], or the site-alone curve.
    pub fn log_odds(self, p: &Params) -> f64 {
        if self.with_prior {
            p.scale * self.value + p.offset
        } else {
            p.alone_scale * self.value + p.alone_offset
        }
    }
}

/// The uncalibrated score of a comment in `script` with `features`, from
/// the site's counts plus [`Params::prior_weight`] of the prior's (where the
/// prior knows both classes of the script). Without the prior, the site
/// answers once it learnt [`MIN_EACH_WITHOUT_PRIOR`] comments of each class
/// in the script; `None` before.
pub fn raw_score<S: SiteCounts + ?Sized>(
    features: &[Feature],
    script: Script,
    site: &S,
    prior: Option<&Prior>,
    p: &Params,
) -> Option<Raw> {
    let own = site.totals(script);
    let Some((prior, pt)) = prior_in(prior, script) else {
        let enough = MIN_EACH_WITHOUT_PRIOR as f64;
        if own.spam.docs < enough || own.ham.docs < enough {
            return None;
        }
        return Some(Raw {
            value: raw(
                features,
                script,
                own,
                site,
                None,
                smoothing(p, 0.0),
                p.alone_telling,
            ),
            with_prior: false,
        });
    };
    let w = if p.prior_weight.is_finite() {
        p.prior_weight.max(0.0)
    } else {
        0.0
    };
    let pooled = |a: ClassTotals, b: ClassTotals| ClassTotals {
        docs: a.docs + w * b.docs,
        features: a.features + w * b.features,
    };
    let t = Totals {
        spam: pooled(own.spam, pt.spam),
        ham: pooled(own.ham, pt.ham),
    };
    Some(Raw {
        value: raw(
            features,
            script,
            t,
            site,
            Some((prior, w)),
            smoothing(p, own.spam.docs + own.ham.docs),
            p.telling,
        ),
        with_prior: true,
    })
}

const RIDGE: f64 = 1e-3;

/// -ln sigmoid(z), without overflow.
fn log_loss(z: f64) -> f64 {
    if z > 0.0 {
        (-z).exp().ln_1p()
    } else {
        -z + z.exp().ln_1p()
    }
}

/// Fits the calibration curve `p = 1 / (1 + exp(-(scale * raw + offset)))`
/// to labelled raw scores by ridge-regularised logistic regression (damped
/// Newton steps), each class weighed equally. Returns `(scale, offset)`.
pub fn fit_calibration(samples: &[(f64, bool)]) -> (f64, f64) {
    let n_spam = samples.iter().filter(|(_, y)| *y).count().max(1) as f64;
    let n_ham = samples.iter().filter(|(_, y)| !*y).count().max(1) as f64;
    let weight = |y: bool| if y { 0.5 / n_spam } else { 0.5 / n_ham };
    let loss = |a: f64, b: f64| {
        let data: f64 = samples
            .iter()
            .map(|(x, y)| {
                let z = a * x + b;
                weight(*y) * log_loss(if *y { z } else { -z })
            })
            .sum();
        data + RIDGE / 2.0 * (a * a + b * b)
    };
    let (mut a, mut b) = (0.0_f64, 0.0_f64);
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb) = (RIDGE * a, RIDGE * b);
        let (mut haa, mut hab, mut hbb) = (RIDGE, 0.0, RIDGE);
        for (x, y) in samples {
            let w = weight(*y);
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let err = p - if *y { 1.0 } else { 0.0 };
            ga += w * err * x;
            gb += w * err;
            let s = w * p * (1.0 - p);
            haa += s * x * x;
            hab += s * x;
            hbb += s;
        }
        let det = haa * hbb - hab * hab;
        if det <= 0.0 || !det.is_finite() {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-6 {
            let next = loss(a - step * da, b - step * db);
            if next <= current {
                a -= step * da;
                b -= step * db;
                improved = current - next > 1e-12;
                current = next;
                break;
            }
            step /= 2.0;
        }
        if !improved {
            break;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spam::features::features;

    fn f(body: &str) -> Vec<Feature> {
        features(body, "", "", None)
    }

    fn taught(lessons: &[(&str, bool)]) -> Evidence {
        let mut e = Evidence::default();
        for (body, is_spam) in lessons {
            e.learn(&f(body), Script::of(body), *is_spam, 1);
        }
        e
    }

    fn corpus() -> Vec<(&'static str, bool)> {
        let mut v = Vec::new();
        for _ in 0..25 {
            v.push(("subscribe to my channel and win free followers now", true));
            v.push(("اشترك في قناتي واربح متابعين مجانا الآن", true));
            v.push(("the minister said the talks would resume next week", false));
            v.push(("قال الوزير إن المحادثات ستستأنف الأسبوع المقبل", false));
        }
        v
    }

    fn p_of(body: &str, site: &Evidence, prior: Option<&Prior>) -> Option<f64> {
        judge(&f(body), Script::of(body), site, prior, &Params::default()).map(|j| j.probability)
    }

    #[test]
    fn scripts_are_told_apart_by_most_letters() {
        assert_eq!(Script::of("قال الوزير hello"), Script::Arabic);
        assert_eq!(Script::of("the minister said قال"), Script::Latin);
        assert_eq!(Script::of("Министр сказал"), Script::Other);
        assert_eq!(Script::of("123 !!"), Script::Other);
        assert_eq!(Script::of("the minister said"), Script::Latin);
        assert_eq!(Script::of(""), Script::Other);
        // Stretched with tatweel (three per joint), still Arabic.
        assert_eq!(Script::of("اربـــحـــوا مـــعـــنـــا"), Script::Arabic);
        for s in Script::ALL {
            assert_eq!(Script::from_id(s.id()), Some(s));
        }
    }

    #[test]
    fn without_a_prior_it_waits_for_enough_of_each_class_in_the_script() {
        let few = taught(&corpus()[..20]);
        assert!(p_of("free followers", &few, None).is_none());
        let e = taught(&corpus());
        let spam = p_of("win free followers on my channel", &e, None).unwrap();
        let ham = p_of("the talks would resume, the minister said", &e, None).unwrap();
        assert!(spam > 0.9, "{spam}");
        assert!(ham < 0.1, "{ham}");
        // Only English taught: an Arabic comment gets no answer.
        let english: Vec<_> = corpus().into_iter().filter(|(b, _)| b.is_ascii()).collect();
        let e = taught(&english);
        assert!(p_of("اربح متابعين مجانا", &e, None).is_none());
    }

    /// Evidence with equal class totals (so a feature's ratio is its
    /// smoothed counts' ratio) and the given counts.
    fn evidence(counts: &[(Feature, (u32, u32))]) -> Evidence {
        let class = ClassTotals {
            docs: 100.0,
            features: 1_000.0,
        };
        let mut e = Evidence::default();
        e.totals[Script::Latin as usize] = Totals {
            spam: class,
            ham: class,
        };
        e.counts.extend(counts.iter().copied());
        e
    }

    #[test]
    fn only_the_strongest_features_speak_in_any_order() {
        let site = evidence(&[(1, (10, 0)), (2, (0, 10)), (3, (3, 1)), (4, (1, 1))]);
        let with = |telling: usize, features: &[Feature]| {
            let p = Params {
                alone_telling: telling,
                ..Params::default()
            };
            raw_score(features, Script::Latin, &site, None, &p).unwrap()
        };
        let (strong, mild) = (11f64.ln(), 2f64.ln());
        // Feature 5 was never seen and weighs nothing.
        let all = [1, 2, 3, 4, 5];
        assert!((with(2, &all).value - (strong - strong)).abs() < 1e-12);
        assert!((with(3, &all).value - mild).abs() < 1e-12);
        assert!((with(40, &all).value - mild).abs() < 1e-12);
        assert!((with(1, &[3, 1, 4]).value - strong).abs() < 1e-12);
        assert_eq!(with(2, &[5, 4, 3, 2, 1]), with(2, &all));
        assert!(!with(2, &all).with_prior);
    }

    #[test]
    fn the_prior_and_the_site_alone_each_read_their_own_number_of_features() {
        let counts = [(1, (10, 0)), (2, (0, 10)), (3, (3, 1)), (4, (1, 1))];
        let all = [1, 2, 3, 4];
        let knobs = |telling: usize, alone_telling: usize| Params {
            telling,
            alone_telling,
            ..Params::default()
        };
        // Where the prior speaks (a fresh site), `telling` counts.
        let prior = Prior::from_evidence(&evidence(&counts), 1, 1.0, 0.0);
        let fresh = Evidence::default();
        let with_prior =
            |p: Params| raw_score(&all, Script::Latin, &fresh, Some(&prior), &p).unwrap();
        assert!(with_prior(knobs(1, 40)).with_prior);
        assert_eq!(with_prior(knobs(1, 40)), with_prior(knobs(1, 1)));
        assert_eq!(with_prior(knobs(40, 1)), with_prior(knobs(40, 40)));
        assert!((with_prior(knobs(1, 40)).value - with_prior(knobs(40, 1)).value).abs() > 0.1);
        // Where the site's counts speak alone, `alone_telling` does.
        let site = evidence(&counts);
        let alone = |p: Params| raw_score(&all, Script::Latin, &site, None, &p).unwrap();
        assert!(!alone(knobs(1, 40)).with_prior);
        assert_eq!(alone(knobs(1, 40)), alone(knobs(40, 40)));
        assert_eq!(alone(knobs(40, 1)), alone(knobs(1, 1)));
        assert!((alone(knobs(1, 40)).value - alone(knobs(40, 1)).value).abs() > 0.1);
    }

    #[test]
    fn each_raw_score_goes_through_its_own_curve() {
        let p = Params::default();
        let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
        // The site alone (no prior).
        let site = evidence(&[(1, (10, 0)), (2, (3, 1))]);
        let raw = raw_score(&[1, 2], Script::Latin, &site, None, &p).unwrap();
        let j = judge(&[1, 2], Script::Latin, &site, None, &p).unwrap();
        let alone = sigmoid(p.alone_scale * raw.value + p.alone_offset);
        assert!((j.probability - alone).abs() < 1e-12);
        assert!((sigmoid(raw.log_odds(&p)) - alone).abs() < 1e-12);
        // With the prior.
        let prior = Prior::from_evidence(&evidence(&[(1, (100, 0))]), 1, 1.0, 0.0);
        let raw = raw_score(&[1, 2], Script::Latin, &site, Some(&prior), &p).unwrap();
        let j = judge(&[1, 2], Script::Latin, &site, Some(&prior), &p).unwrap();
        let with = sigmoid(p.scale * raw.value + p.offset);
        assert!(raw.with_prior);
        assert!((j.probability - with).abs() < 1e-12);
        assert!((sigmoid(raw.log_odds(&p)) - with).abs() < 1e-12);
        assert!((with - alone).abs() > 1e-3, "the curves differ");
    }

    /// [`raw`] the plain way: every feature's pooled counts looked up one
    /// at a time, its log ratio taken, all of them sorted by strength (the
    /// spam side first among equals), the strongest summed.
    fn raw_by_sorting(features: &[Feature], script: Script, site: &Evidence, p: &Params) -> f64 {
        let in_script = prior_in(Prior::shipped(), script);
        let prior = in_script.map(|(pr, _)| pr);
        let w = if prior.is_some() { p.prior_weight } else { 0.0 };
        let own = site.totals(script);
        let pt = in_script.map_or(Totals::default(), |(_, t)| t);
        let alpha = if prior.is_some() {
            smoothing(p, own.spam.docs + own.ham.docs)
        } else {
            p.alpha
        };
        let (spam_total, ham_total) = (
            (own.spam.features + w * pt.spam.features).max(1.0),
            (own.ham.features + w * pt.ham.features).max(1.0),
        );
        let common = (spam_total + ham_total) / 2.0;
        let mut ratios: Vec<(f64, bool)> = features
            .iter()
            .filter_map(|f| {
                let k = key_in(*f, script);
                let (s, h) = SiteCounts::counts(site, k);
                let (ps, ph) = prior.map_or((0, 0), |pr| pr.get(k));
                let s = f64::from(s) + w * f64::from(ps);
                let h = f64::from(h) + w * f64::from(ph);
                if s <= 0.0 && h <= 0.0 {
                    return None;
                }
                let a = common / spam_total * s + alpha;
                let b = common / ham_total * h + alpha;
                Some(if a > b {
                    ((a / b).ln(), true)
                } else {
                    ((b / a).ln(), false)
                })
            })
            .collect();
        ratios.sort_by(|x, y| y.0.total_cmp(&x.0).then(y.1.cmp(&x.1)));
        ratios
            .iter()
            .take(if prior.is_some() {
                p.telling
            } else {
                p.alone_telling
            })
            .map(|(m, spam)| if *spam { *m } else { -*m })
            .sum()
    }

    /// Each script's counts are apart: what the site learnt from English
    /// comments says nothing about an Arabic one whose features have the
    /// same buckets, and Latin keeps the buckets the prior was built with.
    #[test]
    fn a_script_reads_only_the_counts_its_own_comments_taught() {
        let mut ranges: Vec<u32> = Script::ALL
            .iter()
            .map(|s| key_in(BUCKETS - 1, *s) / BUCKETS)
            .collect();
        ranges.sort_unstable();
        assert_eq!(ranges, [0, 1, 2]);
        assert!(Script::ALL.iter().all(|s| key_in(BUCKETS - 1, *s) < KEYS));
        assert_eq!(key_in(12_345, Script::Latin), 12_345);
        // The same buckets taught as English spam, judged in Arabic: the
        // Arabic counts are empty, so nothing speaks.
        let shared: Vec<Feature> = (0..200).collect();
        let mut site = Evidence::default();
        for _ in 0..30 {
            site.learn(&shared, Script::Latin, true, 1);
            site.learn(&[500_000], Script::Latin, false, 1);
            site.learn(&[600_000], Script::Arabic, true, 1);
            site.learn(&[700_000], Script::Arabic, false, 1);
        }
        let p = Params::default();
        let english = raw_score(&shared, Script::Latin, &site, None, &p);
        let arabic = raw_score(&shared, Script::Arabic, &site, None, &p);
        assert!(english.is_some_and(|r| r.value > 10.0), "{english:?}");
        assert_eq!(arabic.map(|r| r.value), Some(0.0));
        // Arabic decisions teach Arabic judgements.
        let taught = raw_score(&[600_000], Script::Arabic, &site, None, &p);
        assert!(taught.is_some_and(|r| r.value > 1.0), "{taught:?}");
    }

    /// A prior built from Arabic decisions as well keeps none of them: its
    /// table holds the Latin range only, and it does not claim to know
    /// Arabic (so a site's Arabic comments are judged by its own counts).
    #[test]
    fn a_prior_keeps_only_the_latin_range_and_its_totals() {
        let mut e = Evidence::default();
        for _ in 0..150 {
            e.learn(&[10, 11], Script::Latin, true, 1);
            e.learn(&[12], Script::Latin, false, 1);
            e.learn(&[10, 20], Script::Arabic, true, 1);
            e.learn(&[21], Script::Arabic, false, 1);
        }
        let prior = Prior::from_evidence(&e, 1, 1.0, 0.0);
        assert_eq!(prior.len(), 3, "{prior:?}");
        assert_eq!(prior.get(10), (150, 0));
        assert_eq!(prior.get(key_in(10, Script::Arabic)), (0, 0));
        assert!(prior_in(Some(&prior), Script::Latin).is_some());
        assert!(prior_in(Some(&prior), Script::Arabic).is_none());
        assert_eq!(prior.totals[Script::Arabic as usize], Totals::default());
    }

    /// The one-pass gather, the dense prior and the logarithms of the
    /// strongest only give what the plain way gives, on the fixture
    /// corpus, the site alone and with the shipped prior.
    #[test]
    fn the_fast_score_is_the_plain_one() {
        let text = include_str!("../../tests/fixtures/spam_corpus.jsonl");
        let items = crate::spam::eval::parse_corpus(text).unwrap();
        assert!(items.len() >= 300);
        let mut site = Evidence::default();
        for c in items.iter().step_by(2) {
            site.learn(&f(&c.body), Script::of(&c.body), c.is_spam(), 1);
        }
        let p = Params::default();
        let prior = Prior::shipped();
        assert!(prior.is_some());
        let mut compared = [0usize; 2];
        for c in &items {
            let script = Script::of(&c.body);
            let features = f(&c.body);
            let Some(fast) = raw_score(&features, script, &site, prior, &p) else {
                continue;
            };
            compared[usize::from(fast.with_prior)] += 1;
            let plain = raw_by_sorting(&features, script, &site, &p);
            assert!(
                (fast.value - plain).abs() <= 1e-9 * plain.abs().max(1.0),
                "{}: {} against {plain}",
                c.body,
                fast.value
            );
        }
        assert!(compared[0] > 50 && compared[1] > 50, "{compared:?}");
    }

    #[test]
    fn the_smoothing_shrinks_with_the_sites_decisions_down_to_its_floor() {
        let p = Params::default();
        assert_eq!(smoothing(&p, 0.0), 1.0);
        assert!((smoothing(&p, 100.0) - 0.75).abs() < 1e-12);
        assert!((smoothing(&p, 5_000.0) - 0.7).abs() < 1e-12);
        let odd = Params {
            alpha: f64::NAN,
            alpha_site: -1.0,
            alpha_floor: f64::INFINITY,
            ..p
        };
        assert_eq!(smoothing(&odd, 1_000.0), 1.0);
        // With the prior, a feature only the site's spam decisions carry
        // counts for more once the site has decided more comments.
        let prior = Prior::from_evidence(&evidence(&[(7, (100, 100))]), 1, 1.0, 0.0);
        let site = |extra: u32| {
            let mut e = evidence(&[(9, (2, 0))]);
            for i in 0..extra {
                e.learn(&[7], Script::Latin, i % 2 == 0, 1);
            }
            e
        };
        let fixed = Params {
            alpha_floor: 1.0,
            ..p
        };
        let with = |site: &Evidence, p: &Params| {
            raw_score(&[9], Script::Latin, site, Some(&prior), p)
                .unwrap()
                .value
        };
        let busy = site(400);
        assert!(with(&busy, &p) > with(&busy, &fixed) + 0.05);
        // A fresh site reads the prior with the full smoothing.
        let fresh = Evidence::default();
        let prior_only = |p: &Params| {
            raw_score(&[7, 9], Script::Latin, &fresh, Some(&prior), p)
                .unwrap()
                .value
        };
        assert_eq!(prior_only(&p), prior_only(&fixed));
    }

    #[test]
    fn the_prior_counts_for_its_weight_next_to_the_site() {
        let prior = Prior::from_evidence(&evidence(&[(7, (100, 0))]), 1, 1.0, 0.0);
        let fresh = Evidence::default();
        let at = |prior_weight: f64| {
            let p = Params {
                prior_weight,
                ..Params::default()
            };
            raw_score(&[7], Script::Latin, &fresh, Some(&prior), &p).unwrap()
        };
        // 0.3 of 100 spam, against nothing: ln((30 + 1) / 1).
        assert!((at(0.3).value - 31f64.ln()).abs() < 1e-9, "{:?}", at(0.3));
        assert!((at(1.0).value - 101f64.ln()).abs() < 1e-9);
        assert!(at(0.3).with_prior);
        // The site's ham decisions on that feature pull it back.
        let mut site = evidence(&[(7, (0, 30))]);
        site.totals[Script::Latin as usize] = Totals::default();
        let p = Params::default();
        let pulled = raw_score(&[7], Script::Latin, &site, Some(&prior), &p).unwrap();
        assert!(pulled.value.abs() < 0.1, "{pulled:?}");
    }

    #[test]
    fn unlearning_is_the_exact_inverse_of_learning() {
        let mut e = taught(&corpus());
        let before = e.clone();
        let x = f("اربح جوائز نقدية");
        e.learn(&x, Script::Arabic, true, 1);
        assert_ne!(e, before);
        e.learn(&x, Script::Arabic, true, -1);
        e.counts.retain(|_, c| *c != (0, 0));
        let mut b = before;
        b.counts.retain(|_, c| *c != (0, 0));
        assert_eq!(e, b);
        // Never below zero.
        let mut empty = Evidence::default();
        empty.learn(&x, Script::Arabic, false, -1);
        assert_eq!(empty.totals(Script::Arabic).ham.docs, 0.0);
        assert!(empty.counts.values().all(|c| *c == (0, 0)));
    }

    #[test]
    fn the_prior_answers_on_a_fresh_site_and_the_site_takes_over() {
        let mut lessons = Vec::new();
        for _ in 0..5 {
            lessons.extend(corpus());
        }
        let prior = Prior::from_evidence(&taught(&lessons), 1, 1.0, 0.0);
        let fresh = Evidence::default();
        let spam = p_of("free followers, subscribe", &fresh, Some(&prior)).unwrap();
        assert!(spam > 0.8, "{spam}");
        // A site whose moderators call the very same text ham, many times.
        let mut site = Evidence::default();
        for _ in 0..2_000 {
            site.learn(&f("free followers, subscribe"), Script::Latin, false, 1);
            site.learn(&f("casino bonus spins"), Script::Latin, true, 1);
        }
        let now = p_of("free followers, subscribe", &site, Some(&prior)).unwrap();
        assert!(now < 0.2, "{now}");
        // Fresh while the prior speaks and the site taught fewer than
        // FRESH_TAUGHT comments in the script; never where the site's
        // counts answer alone.
        let p = Params::default();
        let fresh_at = |site: &Evidence, prior: Option<&Prior>| {
            judge(&f("free followers"), Script::Latin, site, prior, &p).map(|j| j.fresh)
        };
        assert_eq!(fresh_at(&fresh, Some(&prior)), Some(true));
        assert_eq!(fresh_at(&site, Some(&prior)), Some(false));
        let mut some = Evidence::default();
        for i in 0..99 {
            some.learn(&f("casino bonus spins"), Script::Latin, i % 2 == 0, 1);
        }
        assert_eq!(fresh_at(&some, Some(&prior)), Some(true));
        some.learn(&f("casino bonus spins"), Script::Latin, true, 1);
        assert_eq!(fresh_at(&some, Some(&prior)), Some(false));
        assert_eq!(fresh_at(&some, None), Some(false));
    }

    #[test]
    fn a_prior_that_saw_one_class_of_a_script_abstains_there() {
        let mut lessons = Vec::new();
        for _ in 0..5 {
            lessons.extend(corpus().into_iter().filter(|(b, s)| b.is_ascii() || !*s));
        }
        let prior = Prior::from_evidence(&taught(&lessons), 1, 1.0, 0.0);
        let fresh = Evidence::default();
        assert!(p_of("اشترك في قناتي", &fresh, Some(&prior)).is_none());
        assert!(p_of("subscribe to my channel", &fresh, Some(&prior)).is_some());
    }

    #[test]
    fn the_prior_file_round_trips_and_refuses_damage() {
        let prior = Prior::from_evidence(&taught(&corpus()), 1, 1.7, -0.3);
        let bytes = prior.to_bytes();
        assert_eq!(Prior::from_bytes(&bytes).unwrap(), prior);
        assert_eq!(
            Prior::from_bytes(&bytes[..bytes.len() - 1]),
            Err(PriorError::Truncated)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Prior::from_bytes(&longer), Err(PriorError::Trailing));
        assert_eq!(Prior::from_bytes(b"nope"), Err(PriorError::Truncated));
        assert_eq!(
            Prior::from_bytes(b"NOTMAJLISxxxxxxx"),
            Err(PriorError::Magic)
        );
    }

    #[test]
    fn the_shipped_prior_loads_and_knows_english() {
        let p = Prior::shipped().unwrap();
        assert!(p.len() > 10_000, "{}", p.len());
        let en = p.totals[Script::Latin as usize];
        assert!(en.spam.docs >= MIN_PRIOR_DOCS && en.ham.docs >= MIN_PRIOR_DOCS);
    }

    #[test]
    fn calibration_recovers_a_known_curve() {
        // Labels drawn deterministically from p = sigmoid(2x - 1).
        let mut samples = Vec::new();
        for i in 0..4_000 {
            let x = f64::from(i) / 400.0 - 5.0;
            let p = 1.0 / (1.0 + (-(2.0 * x - 1.0)).exp());
            let u = f64::from((i * 7919) % 1000) / 1000.0;
            samples.push((x, u < p));
        }
        let (a, b) = fit_calibration(&samples);
        assert!((a - 2.0).abs() < 0.5, "{a}");
        assert!((b + 1.0).abs() < 0.5, "{b}");
        // Separable data: finite.
        let sep = [(-1.0, false), (-2.0, false), (1.0, true), (2.0, true)];
        let (a, b) = fit_calibration(&sep);
        assert!(a.is_finite() && a > 0.0 && b.is_finite());
    }
}
