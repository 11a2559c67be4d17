//! What the rules read: the caller's inputs about a comment
//! ([`SpamInput`]), the site's rules ([`SpamRules`]), the facts extracted
//! once from both ([`Facts`]), and what scoring returns ([`Reason`],
//! [`Verdict`]).

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::chars;
use super::links::{self, Link};
use super::normalize::{Normalized, normalize};
use super::vocab::{COMMERCIAL_TERMS, CONTACT_CHANNELS};
use super::words::{Haystack, Hit, Lexicon, ListKind};

/// Everything the scorer needs about one submitted comment. The caller
/// fills in what needed I/O (history, duplicate count, classifier output).
#[derive(Debug, Clone)]
pub struct SpamInput<'a> {
    pub body: &'a str,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The hidden honeypot field was not empty.
    pub honeypot_filled: bool,
    pub form_token: FormTokenCheck,
    pub history: AuthorHistory,
    /// Comments with the same [`fingerprint`](super::fingerprint) by other
    /// authors (other e-mail addresses) anywhere on the site in the last 24 h.
    pub same_text_other_authors_24h: u32,
    /// The learner's calibrated spam probability
    /// ([`judge`](super::learner::judge)); `None` when it cannot answer.
    pub spam_probability: Option<f64>,
    /// The learner's judgement is [`fresh`](super::learner::Judgement::fresh):
    /// mostly the shipped prior's, the site having taught it little in the
    /// comment's script.
    pub learner_fresh: bool,
}

/// Outcome of checking the signed form token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FormTokenCheck {
    /// No token was sent (a form without JavaScript, or a bot).
    Missing,
    /// Bad signature or malformed.
    Invalid,
    /// Signed by us but too old.
    Expired,
    /// Signed by us; seconds between issue and submission.
    Valid { age_seconds: f64 },
    /// An author's edit, made with the comment's edit token: the form was
    /// checked when the comment was posted, and what it cost then
    /// (`form_token` points of the posted comment's reasons) counts again,
    /// so an edit never washes a bot's too-fast or forged form clean.
    EditToken { posted_points: f64 },
}

/// The author's record, looked up by e-mail and by IP. Approvals count
/// only with the returning-commenter token the browser received when one
/// of that author's comments was approved: typing a regular's email earns
/// nobody their standing. Spam and rejections count by email alone (a
/// spammer gains nothing by claiming an address with a bad record).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorHistory {
    pub approved_with_token: u32,
    pub spam_by_email: u32,
    pub spam_by_ip: u32,
    pub rejected_by_email: u32,
}

/// One rule's contribution to the score.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
#[schema(as = SpamReason)]
pub struct Reason {
    /// Stable snake_case rule name (`honeypot`, `links`, `blocked_word`...).
    pub rule: String,
    pub score: f64,
    /// Short explanation for moderators; never contains the e-mail address,
    /// the IP or the user agent.
    pub detail: String,
}

impl Reason {
    pub fn new(rule: &str, score: f64, detail: impl Into<String>) -> Reason {
        Reason {
            rule: rule.to_owned(),
            score: (score * 100.0).round() / 100.0,
            detail: detail.into(),
        }
    }
}

/// The scorer's answer: the total and every contribution.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Verdict {
    pub score: f64,
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// The verdict these contributions make: their sum, never below zero, to the
    /// hundredth.
    pub fn of(reasons: Vec<Reason>) -> Verdict {
        let total: f64 = reasons.iter().map(|r| r.score).sum();
        Verdict {
            score: total_score(total),
            reasons,
        }
    }

    /// The score the comment would have had if `rule` had not spoken
    /// (every contribution of that rule left out).
    pub fn score_without(&self, rule: &str) -> f64 {
        let total: f64 = self
            .reasons
            .iter()
            .filter(|r| r.rule != rule)
            .map(|r| r.score)
            .sum();
        total_score(total)
    }
}

/// A sum of contributions as a score: never below zero, to the hundredth.
fn total_score(total: f64) -> f64 {
    // `+ 0.0` turns a negative zero into zero.
    (total.max(0.0) * 100.0).round() / 100.0 + 0.0
}

/// The site's spam settings, every knob with a default. Word lists are set
/// through [`SpamRules::new`] or [`WordLists::new`], which normalise them
/// once; scoring a comment does no normalisation of lists.
#[derive(Debug, Clone)]
pub struct SpamRules {
    /// Hold at this many links in the body (WordPress default 2; 0 = off).
    pub max_links: u32,
    /// Language codes the site expects (`ar`, `en`, ...), mapped to scripts.
    pub languages: Vec<String>,
    /// A valid form token younger than this is "too fast".
    pub min_form_seconds: f64,
    /// Points for a missing form token (0: forms without JavaScript work).
    pub no_token_score: f64,
    /// Look the e-mail domain up in the disposable-address list.
    pub check_disposable: bool,
    /// Use the built-in commercial spam vocabulary (Arabic and English).
    pub commercial_vocabulary: bool,
    pub honeypot_score: f64,
    pub held_word_score: f64,
    pub blocked_word_score: f64,
    pub blocked_domain_score: f64,
    /// Points when the link count reaches `max_links`.
    pub link_hold_score: f64,
    /// Points for each link beyond `max_links`.
    pub extra_link_score: f64,
    /// Points for a valid form token submitted too soon.
    pub too_fast_score: f64,
    /// Points for a forged or malformed form token.
    pub invalid_token_score: f64,
    /// Points for an expired form token.
    pub expired_token_score: f64,
    /// Points for a disposable e-mail domain.
    pub disposable_score: f64,
    /// Points for a phone number in the body or name.
    pub phone_score: f64,
    /// Points for text mostly in a script the site does not expect.
    pub foreign_script_score: f64,
    /// Points per unit of log-odds of the learner's probability (see
    /// `rules::learner`).
    pub learner_points_per_logit: f64,
    /// The learner speaks only when its probability is above this (spam)
    /// or below one minus it (ham); between, the rules decide alone.
    pub learner_sure: f64,
    /// Held words, blocked words and blocked domains, normalised once.
    pub lists: WordLists,
}

/// The site's word and domain lists in matching form. Built only through
/// [`WordLists::new`], so the normalised copy always matches the lists.
#[derive(Debug, Clone, Default)]
pub struct WordLists {
    held_words: Vec<String>,
    blocked_words: Vec<String>,
    blocked_domains: Vec<String>,
    lexicon: Lexicon,
    /// Lowercased entries of five or more characters, also matched as
    /// substrings of the e-mail, URL, IP and user agent (as WordPress does:
    /// `casino` in `CasinoBot/1.0`); shorter ones match whole tokens only.
    substrings: Vec<(ListKind, u32, String)>,
    /// The built-in lists and `lexicon` in one, for the fields both search
    /// (body and name): `None` when the site has no words.
    with_builtin: Option<Lexicon>,
}

impl WordLists {
    /// Normalise the lists (blank entries are ignored). Blocked domains
    /// accept `example.com`, `https://www.example.com/` and IDN forms;
    /// subdomains are blocked too.
    pub fn new<S: AsRef<str>>(
        held_words: &[S],
        blocked_words: &[S],
        blocked_domains: &[S],
    ) -> WordLists {
        let held_words = clean_list(held_words);
        let blocked_words = clean_list(blocked_words);
        let mut lexicon = Lexicon::default();
        lexicon.add(ListKind::Held, &held_words);
        lexicon.add(ListKind::Blocked, &blocked_words);
        let blocked_domains = blocked_domains
            .iter()
            .filter_map(|d| {
                let d = d.as_ref().trim();
                if d.is_empty() {
                    None
                } else if d.contains('/') {
                    links::url_host(d)
                } else {
                    Some(links::clean_host(
                        d.trim_start_matches('@').trim_start_matches('.'),
                    ))
                }
            })
            .collect();
        let mut substrings = Vec::new();
        for (kind, list) in [
            (ListKind::Held, &held_words),
            (ListKind::Blocked, &blocked_words),
        ] {
            for (i, w) in list.iter().enumerate() {
                let lower = w.to_lowercase();
                if lower.chars().count() >= 5 {
                    substrings.push((kind, u32::try_from(i).unwrap_or(u32::MAX), lower));
                }
            }
        }
        let with_builtin = (!lexicon.is_empty()).then(|| BUILTIN.merged(&lexicon));
        WordLists {
            held_words,
            blocked_words,
            blocked_domains,
            lexicon,
            substrings,
            with_builtin,
        }
    }

    pub fn held_words(&self) -> &[String] {
        &self.held_words
    }

    pub fn blocked_words(&self) -> &[String] {
        &self.blocked_words
    }

    pub fn blocked_domains(&self) -> &[String] {
        &self.blocked_domains
    }
}

/// Points per unit of log-odds of the learner's probability, by default
/// (`rules::learner`).
pub const LEARNER_POINTS_PER_LOGIT: f64 = 4.0;

/// Below this probability (and above one minus it) the learner is unsure
/// and adds no points, by default (`rules::learner`).
pub const LEARNER_SURE: f64 = 0.7;

impl Default for SpamRules {
    fn default() -> Self {
        SpamRules {
            max_links: 2,
            languages: vec!["ar".to_owned(), "en".to_owned()],
            min_form_seconds: 3.0,
            no_token_score: 0.0,
            check_disposable: true,
            commercial_vocabulary: true,
            honeypot_score: 12.0,
            held_word_score: 5.5,
            blocked_word_score: 10.0,
            blocked_domain_score: 10.0,
            link_hold_score: 5.0,
            extra_link_score: 1.5,
            too_fast_score: 6.0,
            invalid_token_score: 8.0,
            expired_token_score: 2.0,
            disposable_score: 3.0,
            phone_score: 4.0,
            foreign_script_score: 6.0,
            learner_points_per_logit: LEARNER_POINTS_PER_LOGIT,
            learner_sure: LEARNER_SURE,
            lists: WordLists::default(),
        }
    }
}

impl SpamRules {
    /// Default knobs with the site's lists, normalised here once.
    pub fn new<S: AsRef<str>>(
        held_words: &[S],
        blocked_words: &[S],
        blocked_domains: &[S],
    ) -> SpamRules {
        SpamRules {
            lists: WordLists::new(held_words, blocked_words, blocked_domains),
            ..SpamRules::default()
        }
    }

    pub fn held_words(&self) -> &[String] {
        self.lists.held_words()
    }

    pub fn blocked_words(&self) -> &[String] {
        self.lists.blocked_words()
    }

    pub fn blocked_domains(&self) -> &[String] {
        self.lists.blocked_domains()
    }

    pub(crate) fn lexicon(&self) -> &Lexicon {
        &self.lists.lexicon
    }
}

fn clean_list<S: AsRef<str>>(list: &[S]) -> Vec<String> {
    list.iter()
        .map(|s| s.as_ref().trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The built-in lists, normalised once per process.
pub(crate) static BUILTIN: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut l = Lexicon::default();
    let terms: Vec<&str> = COMMERCIAL_TERMS.iter().map(|t| t.term).collect();
    l.add(ListKind::Vocabulary, &terms);
    l.add(ListKind::Channel, &CONTACT_CHANNELS);
    l
});

/// Disposable e-mail domains (from the `mailchecker` list), hashed once.
pub(crate) static DISPOSABLE: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| mailchecker::blacklist().into_iter().collect());

/// Which input field a word matched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Body,
    Name,
    Email,
    Url,
    Ip,
    UserAgent,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Body => "body",
            Field::Name => "name",
            Field::Email => "email",
            Field::Url => "url",
            Field::Ip => "ip",
            Field::UserAgent => "user agent",
        }
    }

    /// Fields whose content must never be echoed in a reason.
    pub fn is_private(self) -> bool {
        matches!(self, Field::Email | Field::Ip | Field::UserAgent)
    }
}

/// What the rules look at, computed once per comment from a [`SpamInput`].
#[derive(Debug)]
pub struct Facts<'a> {
    pub input: &'a SpamInput<'a>,
    pub body: Normalized,
    pub name: Normalized,
    /// Links written into the author name.
    pub name_links: Vec<Link>,
    /// The author URL field as a link.
    pub author_link: Option<Link>,
    pub email_domain: Option<String>,
    /// Site list hits (held, blocked) with the field they matched in.
    pub(crate) list_hits: Vec<(Hit, Field)>,
    /// Built-in vocabulary and contact-channel hits.
    pub(crate) builtin_hits: Vec<(Hit, Field)>,
    /// Phone numbers in the body and the name.
    pub phones: u32,
    /// `@handle`s in the body (Telegram, Instagram...).
    pub handles: u32,
    /// Link-defanging marks in the body (`hxxps://`, `win[.]com`).
    pub defanged: u32,
    /// Arabic words of the body typed with the Persian kaf or yeh, when
    /// the whole body is typed that way and the site expects no other
    /// Arabic-script language ([`chars::lookalike_words`]).
    pub lookalike_words: u32,
}

impl<'a> Facts<'a> {
    pub fn new(input: &'a SpamInput<'a>, rules: &SpamRules) -> Facts<'a> {
        Facts::of(
            input,
            rules,
            normalize(input.body),
            normalize(input.author_name),
        )
    }

    /// [`Facts::new`] with the body and the author name already normalised.
    pub fn of(
        input: &'a SpamInput<'a>,
        rules: &SpamRules,
        body: Normalized,
        name: Normalized,
    ) -> Facts<'a> {
        let name_links: Vec<Link> = name
            .links()
            .iter()
            .filter(|l| !l.is_email)
            .cloned()
            .collect();
        let author_link = input
            .author_url
            .filter(|u| !u.trim().is_empty())
            .and_then(|u| {
                let host = links::url_host(u)?;
                let unicode_host = if host.contains("xn--") {
                    idna::domain_to_unicode(&host).0
                } else {
                    host.clone()
                };
                Some(Link {
                    host,
                    unicode_host,
                    is_email: false,
                })
            });
        let email_domain = links::email_domain(input.author_email);

        let body_hay = Haystack::from_normalized(&body.text);
        let despaced_hay =
            (body.spaced_runs > 0).then(|| Haystack::from_normalized(&body.despaced));
        let name_hay = Haystack::from_normalized(&name.text);
        let url_hay = input.author_url.map(Haystack::from_raw);

        // The body and the name are searched for the site's words and the
        // built-in lists at once; each list keeps the hits of its kinds,
        // field by field in the same order as separate searches.
        let mut list_hits = Vec::new();
        let mut builtin_hits = Vec::new();
        let both = rules.lists.with_builtin.as_ref().unwrap_or(&BUILTIN);
        for (hay, field) in [
            (Some(&body_hay), Field::Body),
            (despaced_hay.as_ref(), Field::Body),
            (Some(&name_hay), Field::Name),
        ] {
            let Some(hay) = hay else { continue };
            let mut hits = Vec::new();
            both.find(hay, &mut hits);
            for h in hits {
                let out = match h.kind {
                    ListKind::Held | ListKind::Blocked => &mut list_hits,
                    ListKind::Vocabulary | ListKind::Channel => &mut builtin_hits,
                };
                if !out.contains(&(h, field)) {
                    out.push((h, field));
                }
            }
        }
        let lex = rules.lexicon();
        if !lex.is_empty() {
            let mut fields: Vec<(Haystack, Field)> = vec![
                (Haystack::from_raw(input.author_email), Field::Email),
                (Haystack::from_raw(input.ip), Field::Ip),
                (Haystack::from_raw(input.user_agent), Field::UserAgent),
            ];
            if let Some(u) = &url_hay {
                fields.push((u.clone(), Field::Url));
            }
            for (hay, field) in &fields {
                find_in(lex, hay, *field, &mut list_hits);
            }
            let raw_fields = [
                (input.author_email, Field::Email),
                (input.author_url.unwrap_or_default(), Field::Url),
                (input.ip, Field::Ip),
                (input.user_agent, Field::UserAgent),
            ];
            for (raw, field) in raw_fields {
                if raw.is_empty() {
                    continue;
                }
                let lower = raw.to_lowercase();
                for (kind, entry, word) in &rules.lists.substrings {
                    let hit = Hit {
                        kind: *kind,
                        entry: *entry,
                    };
                    if lower.contains(word.as_str()) && !list_hits.iter().any(|(h, _)| *h == hit) {
                        list_hits.push((hit, field));
                    }
                }
            }
        }

        let builtin: &Lexicon = &BUILTIN;
        if let Some(link) = &author_link {
            find_in(
                builtin,
                &Haystack::from_raw(&link.host),
                Field::Url,
                &mut builtin_hits,
            );
        }

        let phones = body.phones() + name.phones();
        let handles = super::contacts::count_handles(&body.text);
        let defanged = super::defang::count_defanged(&body.text);
        // The text first: it rules out nearly every comment with two byte
        // searches, before the site's language codes are read.
        let lookalike_words = chars::lookalike_words(input.body)
            .filter(|_| !chars::expects_other_arabic_script(&rules.languages))
            .unwrap_or(0);
        Facts {
            input,
            body,
            name,
            name_links,
            author_link,
            email_domain,
            list_hits,
            builtin_hits,
            phones,
            handles,
            defanged,
            lookalike_words,
        }
    }

    /// URLs and e-mail addresses in the body.
    pub fn body_links(&self) -> &[Link] {
        self.body.links()
    }

    /// Links in the body (URLs, not e-mail addresses) and the author URL.
    pub fn all_urls(&self) -> impl Iterator<Item = &Link> {
        self.body_links()
            .iter()
            .filter(|l| !l.is_email)
            .chain(self.author_link.iter())
    }
}

/// Record each (entry, field) pair once.
fn find_in(lex: &Lexicon, hay: &Haystack, field: Field, out: &mut Vec<(Hit, Field)>) {
    let mut hits = Vec::new();
    lex.find(hay, &mut hits);
    for h in hits {
        if !out.contains(&(h, field)) {
            out.push((h, field));
        }
    }
}
