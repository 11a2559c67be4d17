//! The learner: a multinomial naive Bayes model over hashed
//! [`features`](super::features), with a compact prior shipped in the binary
//! blended with the counts a site's own moderators teach.
//!
//! - Counts are per class: in how many spam (ham) comments a feature
//!   occurred, and the class totals (comments, feature occurrences). Adding
//!   and removing a comment's lesson are exact inverses, so a decision that
//!   is reversed, an edit or an erasure untrain precisely.
//! - The prior ([`Prior`]) is the same kind of counts, trained by
//!   `examples/train_prior.rs` on the development corpus (see
//!   `data/spam/MANIFEST.md`). It weighs as [`Params::prior_docs`] comments
//!   of each class, so a site's decisions take over as they accumulate.
//! - The answer is a calibrated probability: the summed log-likelihood
//!   ratio, divided by the square root of the number of features (long and
//!   short comments on one scale), through a logistic curve whose slope and
//!   offset were fitted on the development corpus and ship with the prior.
//!
//! Pure: the caller looks the counts up ([`Evidence`]) and writes lessons.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::features::{BUCKETS, Feature};

/// Without a prior, the site's counts answer only once they hold this many
/// comments of each class.
pub const MIN_EACH_WITHOUT_PRIOR: u64 = 20;

/// Totals of one class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassTotals {
    /// Comments learnt as this class.
    pub docs: f64,
    /// Feature occurrences in them (each comment's features counted once).
    pub features: f64,
}

/// What a store knows about some features: both classes' totals and the
/// counts `(spam, ham)` of those of the features it has seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub spam: ClassTotals,
    pub ham: ClassTotals,
    pub counts: HashMap<Feature, (u32, u32)>,
}

impl Evidence {
    /// Learns (`sign` 1) or unlearns (`sign` -1) one comment; counts never
    /// go below zero. For tests and offline evaluation; the database applies
    /// the same arithmetic to its rows.
    pub fn learn(&mut self, features: &[Feature], is_spam: bool, sign: i32) {
        let class = if is_spam {
            &mut self.spam
        } else {
            &mut self.ham
        };
        class.docs = (class.docs + f64::from(sign)).max(0.0);
        class.features = (class.features + f64::from(sign) * features.len() as f64).max(0.0);
        for f in features {
            let e = self.counts.entry(*f).or_insert((0, 0));
            let c = if is_spam { &mut e.0 } else { &mut e.1 };
            *c = c.saturating_add_signed(sign);
        }
    }
}

/// The shipped prior: class totals and the counts of the features seen in
/// the development corpus at least twice, sorted by feature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prior {
    pub spam: ClassTotals,
    pub ham: ClassTotals,
    /// Slope and offset of the calibration curve (see the module docs).
    pub scale: f64,
    pub offset: f64,
    entries: Vec<(Feature, u16, u16)>,
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
}

const MAGIC: &[u8; 8] = b"MJLPRI01";

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
    /// least `min_count` times (both classes together).
    pub fn from_evidence(e: &Evidence, min_count: u32, scale: f64, offset: f64) -> Prior {
        let clamp = |n: u32| u16::try_from(n).unwrap_or(u16::MAX);
        let mut entries: Vec<(Feature, u16, u16)> = e
            .counts
            .iter()
            .filter(|(_, (s, h))| s + h >= min_count)
            .map(|(f, (s, h))| (*f, clamp(*s), clamp(*h)))
            .collect();
        entries.sort_unstable_by_key(|(f, _, _)| *f);
        Prior {
            spam: e.spam,
            ham: e.ham,
            scale,
            offset,
            entries,
        }
    }

    /// Counts of one feature.
    pub fn get(&self, f: Feature) -> (u32, u32) {
        match self.entries.binary_search_by_key(&f, |(k, _, _)| *k) {
            Ok(i) => {
                let (_, s, h) = self.entries[i];
                (u32::from(s), u32::from(h))
            }
            Err(_) => (0, 0),
        }
    }

    /// How many features it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file format: magic, four f64 totals, scale, offset, the entry
    /// count (u32), then per entry the gap to the previous feature (u32)
    /// and both counts (u16), all little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.entries.len() * 8);
        out.extend_from_slice(MAGIC);
        for v in [
            self.spam.docs,
            self.spam.features,
            self.ham.docs,
            self.ham.features,
            self.scale,
            self.offset,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let n = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&n.to_le_bytes());
        let mut prev = 0;
        for (f, s, h) in &self.entries {
            out.extend_from_slice(&(f - prev).to_le_bytes());
            out.extend_from_slice(&s.to_le_bytes());
            out.extend_from_slice(&h.to_le_bytes());
            prev = *f;
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Prior, PriorError> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(PriorError::Magic);
        }
        let mut f = [0.0; 6];
        for v in &mut f {
            *v = f64::from_le_bytes(r.array()?);
        }
        let n = u32::from_le_bytes(r.array()?) as usize;
        if r.0.len() != n * 8 {
            return Err(PriorError::Truncated);
        }
        let mut entries = Vec::with_capacity(n);
        let mut prev: Option<Feature> = None;
        for _ in 0..n {
            let gap = u32::from_le_bytes(r.array()?);
            let f = match prev {
                None => gap,
                Some(p) if gap > 0 => p.checked_add(gap).ok_or(PriorError::Order)?,
                Some(_) => return Err(PriorError::Order),
            };
            if f >= BUCKETS {
                return Err(PriorError::Order);
            }
            entries.push((
                f,
                u16::from_le_bytes(r.array()?),
                u16::from_le_bytes(r.array()?),
            ));
            prev = Some(f);
        }
        Ok(Prior {
            spam: ClassTotals {
                docs: f[0],
                features: f[1],
            },
            ham: ClassTotals {
                docs: f[2],
                features: f[3],
            },
            scale: f[4],
            offset: f[5],
            entries,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PriorError> {
        if self.0.len() < n {
            return Err(PriorError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PriorError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// The learner's knobs. The defaults were chosen on the development split
/// (`majlis spam-eval`, see the README).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Additive smoothing of every feature count.
    pub alpha: f64,
    /// How many comments of each class the prior weighs as.
    pub prior_docs: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            alpha: 0.1,
            prior_docs: 400.0,
        }
    }
}

/// The learner's view of one comment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// Calibrated probability that the comment is spam.
    pub probability: f64,
    /// Comments the site taught, spam and ham.
    pub site_spam: f64,
    pub site_ham: f64,
}

/// The summed log-likelihood ratio of `features` (spam over ham) under the
/// site's counts blended with the prior's, and the number of features.
/// `None` when neither has seen enough to answer.
pub fn log_likelihood_ratio(
    features: &[Feature],
    site: &Evidence,
    prior: Option<&Prior>,
    p: &Params,
) -> Option<f64> {
    let (ws, wh) = match prior {
        Some(pr) if pr.spam.docs > 0.0 && pr.ham.docs > 0.0 => {
            (p.prior_docs / pr.spam.docs, p.prior_docs / pr.ham.docs)
        }
        _ => {
            let enough = MIN_EACH_WITHOUT_PRIOR as f64;
            if site.spam.docs < enough || site.ham.docs < enough {
                return None;
            }
            (0.0, 0.0)
        }
    };
    let prior_totals = prior.map(|pr| (pr.spam, pr.ham)).unwrap_or_default();
    // Each class's counts are scaled to a common total before smoothing,
    // so a feature neither class has seen weighs nothing either way, and
    // a site that decided four times more ham than spam is not pushed
    // towards spam on every word it never saw.
    let spam_total = (site.spam.features + ws * prior_totals.0.features).max(1.0);
    let ham_total = (site.ham.features + wh * prior_totals.1.features).max(1.0);
    let common = (spam_total + ham_total) / 2.0;
    let (ks, kh) = (common / spam_total, common / ham_total);
    let mut sum = 0.0;
    for f in features {
        let (ss, sh) = site.counts.get(f).copied().unwrap_or((0, 0));
        let (ps, ph) = prior.map(|pr| pr.get(*f)).unwrap_or((0, 0));
        let cs = ks * (f64::from(ss) + ws * f64::from(ps)) + p.alpha;
        let ch = kh * (f64::from(sh) + wh * f64::from(ph)) + p.alpha;
        sum += (cs / ch).ln();
    }
    Some(sum)
}

/// The raw score the calibration curve maps: the log-likelihood ratio over
/// the square root of the number of features.
pub fn raw_score(
    features: &[Feature],
    site: &Evidence,
    prior: Option<&Prior>,
    p: &Params,
) -> Option<f64> {
    let llr = log_likelihood_ratio(features, site, prior, p)?;
    Some(llr / (features.len().max(1) as f64).sqrt())
}

/// The calibrated probability that the comment is spam.
pub fn judge(
    features: &[Feature],
    site: &Evidence,
    prior: Option<&Prior>,
    p: &Params,
) -> Option<Judgement> {
    let raw = raw_score(features, site, prior, p)?;
    let (scale, offset) = prior.map(|pr| (pr.scale, pr.offset)).unwrap_or((1.0, 0.0));
    let z = scale * raw + offset;
    Some(Judgement {
        probability: 1.0 / (1.0 + (-z).exp()),
        site_spam: site.spam.docs,
        site_ham: site.ham.docs,
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
            e.learn(&f(body), *is_spam, 1);
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

    #[test]
    fn without_a_prior_it_waits_for_enough_of_each_class() {
        let p = Params::default();
        let few = taught(&corpus()[..20]);
        assert!(judge(&f("free followers"), &few, None, &p).is_none());
        let e = taught(&corpus());
        let spam = judge(&f("win free followers on my channel"), &e, None, &p).unwrap();
        let ham = judge(
            &f("the talks would resume, the minister said"),
            &e,
            None,
            &p,
        )
        .unwrap();
        assert!(spam.probability > 0.9, "{spam:?}");
        assert!(ham.probability < 0.1, "{ham:?}");
    }

    #[test]
    fn unlearning_is_the_exact_inverse_of_learning() {
        let mut e = taught(&corpus());
        let before = e.clone();
        let x = f("اربح جوائز نقدية");
        e.learn(&x, true, 1);
        assert_ne!(e, before);
        e.learn(&x, true, -1);
        e.counts.retain(|_, c| *c != (0, 0));
        let mut b = before;
        b.counts.retain(|_, c| *c != (0, 0));
        assert_eq!(e, b);
        // Never below zero.
        let mut empty = Evidence::default();
        empty.learn(&x, false, -1);
        assert_eq!(empty.ham.docs, 0.0);
        assert!(empty.counts.values().all(|c| *c == (0, 0)));
    }

    #[test]
    fn the_prior_answers_on_a_fresh_site_and_the_site_takes_over() {
        let e = taught(&corpus());
        let prior = Prior::from_evidence(&e, 1, 1.0, 0.0);
        let p = Params::default();
        let fresh = Evidence::default();
        let spam = judge(&f("free followers, subscribe"), &fresh, Some(&prior), &p).unwrap();
        assert!(spam.probability > 0.8, "{spam:?}");
        // A site whose moderators call the very same text ham, many times.
        let mut site = Evidence::default();
        for _ in 0..2_000 {
            site.learn(&f("free followers, subscribe"), false, 1);
            site.learn(&f("casino bonus spins"), true, 1);
        }
        let now = judge(&f("free followers, subscribe"), &site, Some(&prior), &p).unwrap();
        assert!(now.probability < 0.2, "{now:?}");
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
        assert_eq!(Prior::from_bytes(b"nope"), Err(PriorError::Truncated));
        assert_eq!(
            Prior::from_bytes(b"NOTMAJLISxxxxxxx"),
            Err(PriorError::Magic)
        );
    }

    #[test]
    fn the_shipped_prior_loads() {
        let p = Prior::shipped().unwrap();
        assert!(p.len() > 1_000, "{}", p.len());
        assert!(p.spam.docs > 0.0 && p.ham.docs > 0.0);
    }

    #[test]
    fn calibration_recovers_a_known_curve() {
        // Labels drawn deterministically from p = sigmoid(2x - 1).
        let mut samples = Vec::new();
        for i in 0..2_000 {
            let x = f64::from(i) / 200.0 - 5.0;
            let p = 1.0 / (1.0 + (-(2.0 * x - 1.0)).exp());
            let u = f64::from((i * 7919) % 1000) / 1000.0;
            samples.push((x, u < p));
        }
        let (a, b) = fit_calibration(&samples);
        assert!((a - 2.0).abs() < 0.5, "{a}");
        assert!((b + 1.0).abs() < 0.5, "{b}");
    }
}
