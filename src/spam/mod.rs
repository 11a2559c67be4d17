//! Spam scoring: pure functions over plain data (STYLE.md C5).
//!
//! - [`normalize`](normalize::normalize): Arabic/Latin text in matching form.
//! - [`defang`]: links written to escape detection, written back as links;
//!   [`links`] finds them, [`contacts`] phone numbers and handles.
//! - [`facts`]: what the rules read of a comment, computed once.
//! - [`rules`]: one function per heuristic, each a [`Reason`] or nothing.
//! - [`score`]: sums the rules into a [`Verdict`].
//! - [`bayes`]: the tokenizer (words, stems, hosts, flags).
//! - [`features`]: tokens, word pairs and character n-grams, hashed.
//! - [`learner`]: naive Bayes over features, a shipped prior, calibration.
//! - [`workflow`]: verdict + approval mode -> initial status.
//! - [`eval`]: precision/recall on a labelled corpus, with a learning curve.
//! - [`obfuscate`]: spammers' disguises and legitimate Arabic/Persian
//!   spelling, and the check that scores both.
//! - `chars`: character properties and the scripts a site's languages use;
//!   `vocab` and `vocabulary/`: the word lists and TLDs, as data.

pub mod bayes;
pub(crate) mod chars;
pub mod contacts;
pub mod defang;
pub mod engine;
#[cfg(test)]
mod equivalence;
pub mod eval;
pub mod facts;
pub mod features;
pub mod learner;
pub mod lessons;
pub mod links;
pub mod mirror;
pub mod normalize;
pub mod obfuscate;
pub mod rules;
pub(crate) mod segment;
pub(crate) mod vocab;
pub(crate) mod words;
pub mod workflow;

pub use bayes::{comment_tokens, tokens};
pub use defang::deobfuscate_links;
pub use engine::{score, score_normalized};
pub use eval::{EvalReport, LabeledComment, evaluate};
pub use facts::{
    AuthorHistory, Facts, Field, FormTokenCheck, Reason, SpamInput, SpamRules, Verdict, WordLists,
};
pub use normalize::{Normalized, fingerprint, fingerprint_of, normalize};
pub use workflow::{Standing, Thresholds, TrustRules, decide_status, initial_status};
