//! Built-in vocabularies, kept as data in `vocabulary/*.txt` (each file says
//! who wrote it, from what, and on which corpus its weights were measured)
//! and parsed once per process.
//!
//! - Commercial spam terms, one file per genre (`# genre:` names it), one
//!   `weight term` a line. Violent and political news vocabulary (داعش،
//!   قصف، ISIS, strike) is deliberately absent: it is topic, not spam.
//! - Contact channels and requests, URL shorteners, chat hosts,
//!   top-level domains (`tlds.txt`, with where each counts), cheap ones,
//!   well-known hosts, currency units and periods:
//!   one entry a line.
//!
//! Lines starting with `#` and blank lines are skipped; a weighted line
//! whose weight does not parse is skipped too (the tests check that no
//! line is lost that way).

use std::sync::LazyLock;

/// The genre files, in the order their terms are numbered.
const GENRE_FILES: &[&str] = &[
    include_str!("vocabulary/gambling.txt"),
    include_str!("vocabulary/crypto_forex.txt"),
    include_str!("vocabulary/money.txt"),
    include_str!("vocabulary/adult.txt"),
    include_str!("vocabulary/health_beauty.txt"),
    include_str!("vocabulary/loans.txt"),
    include_str!("vocabulary/sorcery.txt"),
    include_str!("vocabulary/fake_papers.txt"),
    include_str!("vocabulary/followers_seo.txt"),
    include_str!("vocabulary/services.txt"),
    include_str!("vocabulary/commerce.txt"),
    include_str!("vocabulary/self_promotion.txt"),
    include_str!("vocabulary/clickbait.txt"),
    include_str!("vocabulary/prize.txt"),
    include_str!("vocabulary/mail_spam.txt"),
    include_str!("vocabulary/blog_templates.txt"),
];

/// One commercial spam term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Term {
    pub term: &'static str,
    /// Points it adds (see the file headers for the scale).
    pub weight: f64,
    pub genre: &'static str,
}

/// The entries of a list file: non-blank lines not starting with `#`.
fn entries(file: &'static str) -> impl Iterator<Item = &'static str> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The `# genre: x` line of a genre file (`other` without one).
fn genre_of(file: &'static str) -> &'static str {
    file.lines()
        .find_map(|l| l.strip_prefix("# genre:"))
        .map_or("other", str::trim)
}

/// `weight term` -> (weight, term).
fn weighted(line: &'static str) -> Option<(f64, &'static str)> {
    let (w, term) = line.split_once(char::is_whitespace)?;
    let w: f64 = w.parse().ok()?;
    let term = term.trim();
    (w.is_finite() && !term.is_empty()).then_some((w, term))
}

fn terms_of(files: &[&'static str]) -> Vec<Term> {
    files
        .iter()
        .flat_map(|file| {
            let genre = genre_of(file);
            entries(file).filter_map(move |line| {
                weighted(line).map(|(weight, term)| Term {
                    term,
                    weight,
                    genre,
                })
            })
        })
        .collect()
}

/// Commercial spam terms of every genre, weighted.
pub(crate) static COMMERCIAL_TERMS: LazyLock<Vec<Term>> = LazyLock::new(|| terms_of(GENRE_FILES));

/// Private channels and "write to me" requests (WhatsApp, سناب, راسلني).
pub(crate) static CONTACT_CHANNELS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/contact_channels.txt")).collect());
/// Public URL shorteners (and link-in-bio pages), never fetched.
pub(crate) static SHORTENERS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/shorteners.txt")).collect());
/// Hosts that open a private chat.
pub(crate) static CONTACT_HOSTS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/contact_hosts.txt")).collect());
/// Top-level domains that are cheap and overwhelmingly used by link spam.
/// Top-level domains a bare link (no scheme, no `www.`) may end in
/// (`vocabulary/tlds.txt`, flag `bare`).
pub(crate) static BARE_TLDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| tlds_with("bare"));

/// Top-level domains whose spelled-out dot is joined when links are
/// de-obfuscated (`vocabulary/tlds.txt`, flag `spelled`).
pub(crate) static SPELLED_TLDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| tlds_with("spelled"));

fn tlds_with(flag: &str) -> Vec<&'static str> {
    entries(include_str!("vocabulary/tlds.txt"))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let tld = words.next()?;
            words.any(|w| w == flag).then_some(tld)
        })
        .collect()
}

pub(crate) static CHEAP_TLDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/cheap_tlds.txt")).collect());
/// Well-known domains an IDN look-alike host usually imitates.
pub(crate) static WELL_KNOWN: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/well_known_hosts.txt")).collect());
/// Currency signs and names (income claims).
pub(crate) static MONEY_UNITS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/money_units.txt")).collect());
/// "Per day/week/month" phrases (income claims).
pub(crate) static PERIODS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| entries(include_str!("vocabulary/periods.txt")).collect());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_file_loads_and_no_weighted_line_is_lost() {
        for file in GENRE_FILES {
            let lines = entries(file).count();
            assert!(lines > 0, "{}", genre_of(file));
            assert_ne!(genre_of(file), "other");
            let parsed = entries(file).filter_map(weighted).count();
            assert_eq!(parsed, lines, "a line of {} does not parse", genre_of(file));
        }
        assert!(COMMERCIAL_TERMS.len() > 300);
        for list in [
            &CONTACT_CHANNELS,
            &SHORTENERS,
            &CONTACT_HOSTS,
            &CHEAP_TLDS,
            &WELL_KNOWN,
            &MONEY_UNITS,
            &PERIODS,
        ] {
            assert!(!list.is_empty());
            assert!(list.iter().all(|e| !e.contains('#')));
        }
        assert!(SHORTENERS.contains(&"bit.ly"));
        assert!(CONTACT_CHANNELS.contains(&"واتساب"));
    }

    #[test]
    fn weights_stay_on_the_documented_scale() {
        for t in COMMERCIAL_TERMS.iter() {
            assert!((0.0..=5.0).contains(&t.weight), "{t:?}");
        }
        let casino = COMMERCIAL_TERMS.iter().find(|t| t.term == "online casino");
        assert_eq!(casino.map(|t| (t.weight, t.genre)), Some((5.0, "gambling")));
    }
}
