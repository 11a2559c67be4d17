//! The site's moderation settings: defaults, and validation of a partial
//! update (PATCH changes only the fields it names; a bad value is a 422
//! naming the field). Pure: storage and caching live elsewhere.

use super::codes::{FieldCode, FieldErrors};
use crate::domain::ApprovalMode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The site's moderation settings. `PATCH` takes any subset of these
/// fields; a bad value is a 422 naming the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
// `deny_unknown_fields` documents `additionalProperties: false`: a PATCH
// naming an unknown field is refused (`unknown_field`).
#[serde(default, deny_unknown_fields)]
pub struct ModerationSettings {
    pub approval_mode: ApprovalMode,
    /// Spam score at or above which a comment is held.
    #[schema(schema_with = score_schema)]
    pub hold_threshold: f64,
    /// Spam score at or above which a comment is spam.
    #[schema(schema_with = score_schema)]
    pub spam_threshold: f64,
    /// Links (body and author URL) at which a comment is held.
    #[schema(schema_with = max_links_schema)]
    pub max_links: u32,
    #[schema(schema_with = word_list_schema)]
    pub held_words: Vec<String>,
    #[schema(schema_with = word_list_schema)]
    pub blocked_words: Vec<String>,
    #[schema(schema_with = word_list_schema)]
    pub blocked_domains: Vec<String>,
    /// Flood control: at most `flood_max_comments` per IP and per email
    /// within `flood_interval_seconds` (0 disables).
    #[schema(schema_with = flood_interval_schema)]
    pub flood_interval_seconds: u32,
    #[schema(schema_with = flood_max_schema)]
    pub flood_max_comments: u32,
    /// Close comments on articles older than this many days (0 = never).
    #[schema(schema_with = close_after_schema)]
    pub close_after_days: u32,
    /// Languages the site expects (`ar`, `en`, ...): the language check
    /// scores text mostly in other scripts.
    #[schema(schema_with = languages_schema)]
    pub languages: Vec<String>,
    /// Site origins, in addition to `MAJLIS_ALLOWED_ORIGINS`.
    #[schema(schema_with = word_list_schema)]
    pub allowed_origins: Vec<String>,
    /// A form posted sooner than this after its token was issued is suspect.
    #[schema(schema_with = min_form_schema)]
    pub min_form_seconds: u32,
    /// Points for a submission without a form token (0: sites without
    /// JavaScript still work).
    #[schema(schema_with = score_schema)]
    pub no_token_score: f64,
    /// Score disposable email domains.
    pub check_disposable_email: bool,
    /// Use the learner (naive Bayes over hashed features, the shipped prior
    /// blended with what the site's moderators taught) in the spam score.
    /// The name is historical, kept for compatibility.
    pub bayes_enabled: bool,
    /// Show accounts with the `moderator` role commenters' emails and IP
    /// addresses masked (`l***@example.com`, `192.0.2.x`) and no user
    /// agent, in the queue, a comment and the export; admins see all.
    pub mask_personal_data: bool,
    /// Refuse comments on article ids the site has not registered (404
    /// `article_not_found`); registering is `PUT
    /// /api/v1/admin/articles/{article_id}` or an import.
    pub require_known_articles: bool,
    /// What public views show as `avatar`.
    pub avatar: AvatarMode,
    /// Delete spam comments this many days after they were written,
    /// leaving a tombstone (0 = keep them). Legal holds exempt.
    #[schema(schema_with = retention_schema)]
    pub purge_spam_after_days: u32,
    /// The same for rejected comments (0 = keep them).
    #[schema(schema_with = retention_schema)]
    pub purge_rejected_after_days: u32,
    /// Clear a comment's IP address, user agent and referrer this many
    /// days after it was written (0 = keep them). Legal holds exempt.
    #[schema(schema_with = retention_schema)]
    pub ip_retention_days: u32,
    /// How long after posting a commenter may edit or withdraw their
    /// comment with the `edit_token` of the 201 (0: never).
    #[schema(schema_with = edit_window_schema)]
    pub edit_window_minutes: u32,
    /// Readers in this many distinct networks (IPv4 /24, IPv6 /48) who
    /// report a published comment send it back to `pending` until a
    /// moderator decides; twice as many once a moderator approved it over
    /// reports. 0: reports only reach moderators.
    #[schema(schema_with = report_threshold_schema)]
    pub report_threshold: u32,
    /// Publish, whatever the approval mode (unless the spam score holds
    /// it), the comment of an author with this many approved comments
    /// that carry the returning-commenter token their browser sends
    /// (`commenter_token`); `first_time` likewise counts only approved
    /// comments with the token. 0: no trust.
    #[schema(schema_with = trust_after_schema)]
    pub trust_after_approved: u32,
    /// Hold the comments of an author more than `distrust_share` of whose
    /// settled comments (approved, rejected or spam) of the last
    /// `distrust_window_days` days were rejected or spam. 0 days: never.
    #[schema(schema_with = distrust_window_schema)]
    pub distrust_window_days: u32,
    #[schema(schema_with = share_schema)]
    pub distrust_share: f64,
}

/// What a public view's `avatar` holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AvatarMode {
    /// An HMAC of the email with a key derived from the instance secret:
    /// stable per commenter (identicons, initials colours), useless for
    /// confirming a guessed address.
    #[default]
    Keyed,
    /// The SHA-256 of the trimmed, lowercased email, for Gravatar or
    /// Libravatar. Anyone holding a candidate address can confirm it.
    Gravatar,
    /// Always `null`.
    None,
}

impl std::str::FromStr for AvatarMode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "keyed" => Ok(AvatarMode::Keyed),
            "gravatar" => Ok(AvatarMode::Gravatar),
            "none" => Ok(AvatarMode::None),
            _ => Err(()),
        }
    }
}

impl AvatarMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AvatarMode::Keyed => "keyed",
            AvatarMode::Gravatar => "gravatar",
            AvatarMode::None => "none",
        }
    }
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            approval_mode: ApprovalMode::FirstTime,
            hold_threshold: 5.0,
            spam_threshold: 10.0,
            max_links: 2,
            held_words: Vec::new(),
            blocked_words: Vec::new(),
            blocked_domains: Vec::new(),
            flood_interval_seconds: 15,
            flood_max_comments: 1,
            close_after_days: 0,
            languages: vec!["ar".to_owned(), "en".to_owned()],
            allowed_origins: Vec::new(),
            min_form_seconds: 3,
            no_token_score: 0.0,
            check_disposable_email: true,
            bayes_enabled: true,
            mask_personal_data: false,
            require_known_articles: false,
            avatar: AvatarMode::Keyed,
            purge_spam_after_days: 0,
            purge_rejected_after_days: 0,
            ip_retention_days: 30,
            edit_window_minutes: 15,
            report_threshold: 3,
            trust_after_approved: 3,
            distrust_window_days: 7,
            distrust_share: 0.3,
        }
    }
}

pub const LANGUAGES: &[&str] = &["ar", "en", "fa", "ur", "fr", "es", "de", "tr", "ru"];
pub const MAX_LIST: usize = 5000;
pub const MAX_WORD: usize = 200;
/// Scores and thresholds: `0..=MAX_SCORE`.
pub const MAX_SCORE: f64 = 1000.0;
/// `(min, max)` of each whole-number setting; validation and the OpenAPI
/// schema both read these.
pub const MAX_LINKS: (u64, u64) = (1, 1000);
pub const FLOOD_INTERVAL_SECONDS: (u64, u64) = (0, 86_400);
pub const FLOOD_MAX_COMMENTS: (u64, u64) = (1, 10_000);
pub const CLOSE_AFTER_DAYS: (u64, u64) = (0, 36_500);
pub const MIN_FORM_SECONDS: (u64, u64) = (0, 3600);
pub const RETENTION_DAYS: (u64, u64) = (0, 36_500);
pub const EDIT_WINDOW_MINUTES: (u64, u64) = (0, 1440);
pub const REPORT_THRESHOLD: (u64, u64) = (0, 1000);
/// At most the approvals the submission path counts (beyond, trust could
/// never be reached).
pub const TRUST_AFTER_APPROVED: (u64, u64) = (0, super::limits::AUTHOR_HISTORY as u64);
pub const DISTRUST_WINDOW_DAYS: (u64, u64) = (0, 365);

mod schema {
    use super::*;
    use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Type};

    fn whole((min, max): (u64, u64)) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min as f64))
            .maximum(Some(max as f64))
            .build()
    }

    pub fn score_schema() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(0.0))
            .maximum(Some(MAX_SCORE))
            .build()
    }
    pub fn max_links_schema() -> Object {
        whole(MAX_LINKS)
    }
    pub fn flood_interval_schema() -> Object {
        whole(FLOOD_INTERVAL_SECONDS)
    }
    pub fn flood_max_schema() -> Object {
        whole(FLOOD_MAX_COMMENTS)
    }
    pub fn close_after_schema() -> Object {
        whole(CLOSE_AFTER_DAYS)
    }
    pub fn retention_schema() -> Object {
        whole(RETENTION_DAYS)
    }
    pub fn edit_window_schema() -> Object {
        whole(EDIT_WINDOW_MINUTES)
    }
    pub fn report_threshold_schema() -> Object {
        whole(REPORT_THRESHOLD)
    }
    pub fn trust_after_schema() -> Object {
        whole(TRUST_AFTER_APPROVED)
    }
    pub fn distrust_window_schema() -> Object {
        whole(DISTRUST_WINDOW_DAYS)
    }
    /// A share: 0 to 1.
    pub fn share_schema() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(0.0))
            .maximum(Some(1.0))
            .build()
    }
    pub fn min_form_schema() -> Object {
        whole(MIN_FORM_SECONDS)
    }
    pub fn word_list_schema() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(MAX_WORD))
                    // No control characters (C0, DEL, C1).
                    .pattern(Some(r"^[^\x00-\x1F\x7F-\x9F]*$")),
            )
            .max_items(Some(MAX_LIST))
            .build()
    }
    pub fn languages_schema() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(LANGUAGES.iter().copied())),
            )
            .min_items(Some(1))
            .build()
    }
}
use schema::*;

fn number(v: &Value, min: f64, max: f64) -> Result<f64, FieldCode> {
    let n = v.as_f64().ok_or(FieldCode::InvalidNumber)?;
    if !(min..=max).contains(&n) {
        return Err(FieldCode::OutOfRange {
            min: min as i64,
            max: max as i64,
        });
    }
    Ok(n)
}

/// A share from 0 to 1.
fn share(v: &Value) -> Result<f64, FieldCode> {
    let n = v.as_f64().ok_or(FieldCode::InvalidNumber)?;
    if !(0.0..=1.0).contains(&n) {
        return Err(FieldCode::OutOfRange { min: 0, max: 1 });
    }
    Ok(n)
}

fn whole(v: &Value, (min, max): (u64, u64)) -> Result<u32, FieldCode> {
    // `4.0` is an integer in JSON Schema's sense.
    let n = v
        .as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        })
        .ok_or(FieldCode::InvalidNumber)?;
    if !(min..=max).contains(&n) {
        return Err(FieldCode::OutOfRange {
            min: min as i64,
            max: max as i64,
        });
    }
    u32::try_from(n).map_err(|_| FieldCode::InvalidNumber)
}

/// A list of short strings: trimmed, empties dropped, duplicates removed.
fn word_list(v: &Value) -> Result<Vec<String>, FieldCode> {
    let items = v.as_array().ok_or(FieldCode::InvalidValue)?;
    if items.len() > MAX_LIST {
        return Err(FieldCode::OutOfRange {
            min: 0,
            max: MAX_LIST as i64,
        });
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let s = item.as_str().ok_or(FieldCode::InvalidValue)?.trim();
        if s.is_empty() {
            continue;
        }
        if s.chars().any(char::is_control) {
            return Err(FieldCode::ControlCharacters);
        }
        if s.chars().count() > MAX_WORD {
            return Err(FieldCode::TooLong { max: MAX_WORD });
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

fn domain_list(v: &Value) -> Result<Vec<String>, FieldCode> {
    let list = word_list(v)?;
    list.into_iter()
        .map(|d| {
            let d = d
                .trim_start_matches("*.")
                .trim_end_matches('.')
                .to_lowercase();
            let ok = d.contains('.')
                && d.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
            if ok {
                Ok(d)
            } else {
                Err(FieldCode::InvalidValue)
            }
        })
        .collect()
}

impl ModerationSettings {
    /// Reads stored settings: known fields over the defaults. A stored
    /// value that no longer validates falls back to its default.
    pub fn from_stored(data: &Value) -> ModerationSettings {
        let base = ModerationSettings::default();
        let Some(map) = data.as_object() else {
            return base;
        };
        let mut s = base.clone();
        for (k, v) in map {
            let mut single = Map::new();
            single.insert(k.clone(), v.clone());
            if let Ok(next) = s.patched(&Value::Object(single)) {
                s = next;
            }
        }
        s
    }

    /// The settings with `patch` applied, or every problem by field.
    pub fn patched(&self, patch: &Value) -> Result<ModerationSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(map) = patch.as_object() else {
            errors.add("settings", FieldCode::InvalidValue);
            return Err(errors);
        };
        let mut s = self.clone();
        for (key, v) in map {
            let r: Result<(), (&'static str, FieldCode)> = (|| {
                match key.as_str() {
                    "approval_mode" => {
                        s.approval_mode = v
                            .as_str()
                            .and_then(|m| m.parse().ok())
                            .ok_or(("approval_mode", FieldCode::InvalidValue))?;
                    }
                    "hold_threshold" => {
                        s.hold_threshold =
                            number(v, 0.0, MAX_SCORE).map_err(|c| ("hold_threshold", c))?
                    }
                    "spam_threshold" => {
                        s.spam_threshold =
                            number(v, 0.0, MAX_SCORE).map_err(|c| ("spam_threshold", c))?
                    }
                    "max_links" => {
                        s.max_links = whole(v, MAX_LINKS).map_err(|c| ("max_links", c))?
                    }
                    "held_words" => s.held_words = word_list(v).map_err(|c| ("held_words", c))?,
                    "blocked_words" => {
                        s.blocked_words = word_list(v).map_err(|c| ("blocked_words", c))?
                    }
                    "blocked_domains" => {
                        s.blocked_domains = domain_list(v).map_err(|c| ("blocked_domains", c))?
                    }
                    "flood_interval_seconds" => {
                        s.flood_interval_seconds = whole(v, FLOOD_INTERVAL_SECONDS)
                            .map_err(|c| ("flood_interval_seconds", c))?;
                    }
                    "flood_max_comments" => {
                        s.flood_max_comments =
                            whole(v, FLOOD_MAX_COMMENTS).map_err(|c| ("flood_max_comments", c))?;
                    }
                    "close_after_days" => {
                        s.close_after_days =
                            whole(v, CLOSE_AFTER_DAYS).map_err(|c| ("close_after_days", c))?
                    }
                    "purge_spam_after_days" => {
                        s.purge_spam_after_days =
                            whole(v, RETENTION_DAYS).map_err(|c| ("purge_spam_after_days", c))?
                    }
                    "edit_window_minutes" => {
                        s.edit_window_minutes =
                            whole(v, EDIT_WINDOW_MINUTES).map_err(|c| ("edit_window_minutes", c))?
                    }
                    "report_threshold" => {
                        s.report_threshold =
                            whole(v, REPORT_THRESHOLD).map_err(|c| ("report_threshold", c))?
                    }
                    "trust_after_approved" => {
                        s.trust_after_approved = whole(v, TRUST_AFTER_APPROVED)
                            .map_err(|c| ("trust_after_approved", c))?
                    }
                    "distrust_window_days" => {
                        s.distrust_window_days = whole(v, DISTRUST_WINDOW_DAYS)
                            .map_err(|c| ("distrust_window_days", c))?
                    }
                    "distrust_share" => {
                        s.distrust_share = share(v).map_err(|c| ("distrust_share", c))?
                    }
                    "ip_retention_days" => {
                        s.ip_retention_days =
                            whole(v, RETENTION_DAYS).map_err(|c| ("ip_retention_days", c))?
                    }
                    "purge_rejected_after_days" => {
                        s.purge_rejected_after_days = whole(v, RETENTION_DAYS)
                            .map_err(|c| ("purge_rejected_after_days", c))?
                    }
                    "languages" => {
                        let list = word_list(v).map_err(|c| ("languages", c))?;
                        let list: Vec<String> =
                            list.into_iter().map(|l| l.to_lowercase()).collect();
                        if list.is_empty() || list.iter().any(|l| !LANGUAGES.contains(&l.as_str()))
                        {
                            return Err(("languages", FieldCode::InvalidValue));
                        }
                        s.languages = list;
                    }
                    "allowed_origins" => {
                        let list = word_list(v).map_err(|c| ("allowed_origins", c))?;
                        s.allowed_origins = list
                            .iter()
                            .map(|o| normalize_origin(o))
                            .collect::<Option<Vec<_>>>()
                            .ok_or(("allowed_origins", FieldCode::InvalidValue))?;
                    }
                    "min_form_seconds" => {
                        s.min_form_seconds =
                            whole(v, MIN_FORM_SECONDS).map_err(|c| ("min_form_seconds", c))?
                    }
                    "no_token_score" => {
                        s.no_token_score =
                            number(v, 0.0, MAX_SCORE).map_err(|c| ("no_token_score", c))?
                    }
                    "check_disposable_email" => {
                        s.check_disposable_email = v
                            .as_bool()
                            .ok_or(("check_disposable_email", FieldCode::InvalidValue))?;
                    }
                    "bayes_enabled" => {
                        s.bayes_enabled = v
                            .as_bool()
                            .ok_or(("bayes_enabled", FieldCode::InvalidValue))?
                    }
                    "mask_personal_data" => {
                        s.mask_personal_data = v
                            .as_bool()
                            .ok_or(("mask_personal_data", FieldCode::InvalidValue))?
                    }
                    "require_known_articles" => {
                        s.require_known_articles = v
                            .as_bool()
                            .ok_or(("require_known_articles", FieldCode::InvalidValue))?
                    }
                    "avatar" => {
                        s.avatar = v
                            .as_str()
                            .and_then(|m| m.parse().ok())
                            .ok_or(("avatar", FieldCode::InvalidValue))?
                    }
                    _ => return Err(("unknown", FieldCode::UnknownField)),
                }
                Ok(())
            })();
            if let Err((field, code)) = r {
                if field == "unknown" {
                    errors.add_owned(key.clone(), code);
                } else {
                    errors.add(field, code);
                }
            }
        }
        if errors.is_empty() && s.spam_threshold < s.hold_threshold {
            errors.add("spam_threshold", FieldCode::BelowHoldThreshold);
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// The stored form: only fields that differ from the defaults.
    pub fn to_stored(&self) -> Value {
        let defaults = serde_json::to_value(ModerationSettings::default()).unwrap_or(Value::Null);
        let mine = serde_json::to_value(self).unwrap_or(Value::Null);
        match (mine, defaults) {
            (Value::Object(m), Value::Object(d)) => {
                Value::Object(m.into_iter().filter(|(k, v)| d.get(k) != Some(v)).collect())
            }
            (other, _) => other,
        }
    }
}

/// `https://Example.com:443/` -> `https://example.com`.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    if !(u.path() == "/" || u.path().is_empty()) || u.query().is_some() {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let s = ModerationSettings::default();
        let p = s
            .patched(&json!({"approval_mode": "none", "held_words": [" كازينو ", "casino", "casino", ""]}))
            .unwrap();
        assert_eq!(p.approval_mode, ApprovalMode::None);
        assert_eq!(p.held_words, vec!["كازينو", "casino"]);
        assert_eq!(p.max_links, s.max_links);
    }

    #[test]
    fn each_bad_value_is_named() {
        let s = ModerationSettings::default();
        let e = s
            .patched(&json!({
                "approval_mode": "sometimes",
                "hold_threshold": "high",
                "max_links": 0,
                "languages": ["klingon"],
                "blocked_domains": ["not a domain"],
                "allowed_origins": ["ftp://x"],
                "colour": "red",
            }))
            .unwrap_err();
        assert_eq!(e.get("approval_mode"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(
            e.get("hold_threshold"),
            Some(&[FieldCode::InvalidNumber][..])
        );
        assert_eq!(
            e.get("max_links"),
            Some(&[FieldCode::OutOfRange { min: 1, max: 1000 }][..])
        );
        assert!(e.get("languages").is_some());
        assert!(e.get("blocked_domains").is_some());
        assert!(e.get("allowed_origins").is_some());
        assert_eq!(e.get("colour"), Some(&[FieldCode::UnknownField][..]));
        // Trust counts approvals among the history the submission path
        // reads: a threshold beyond it could never be met.
        let e = s
            .patched(&json!({"trust_after_approved": 501}))
            .unwrap_err();
        assert_eq!(
            e.get("trust_after_approved"),
            Some(&[FieldCode::OutOfRange { min: 0, max: 500 }][..])
        );
        assert_eq!(
            s.patched(&json!({"trust_after_approved": 500}))
                .unwrap()
                .trust_after_approved,
            500
        );
    }

    #[test]
    fn avatar_and_known_articles_settings_parse_and_default() {
        let s = ModerationSettings::default();
        assert_eq!(s.avatar, AvatarMode::Keyed);
        assert!(!s.require_known_articles);
        let p = s
            .patched(&json!({"avatar": "gravatar", "require_known_articles": true}))
            .unwrap();
        assert_eq!(p.avatar, AvatarMode::Gravatar);
        assert!(p.require_known_articles);
        assert_eq!(
            p.to_stored(),
            json!({"avatar": "gravatar", "require_known_articles": true})
        );
        let e = s
            .patched(&json!({"avatar": "sha1", "require_known_articles": "yes"}))
            .unwrap_err();
        assert_eq!(e.get("avatar"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(
            e.get("require_known_articles"),
            Some(&[FieldCode::InvalidValue][..])
        );
    }

    #[test]
    fn spam_threshold_may_not_be_below_hold_threshold() {
        let e = ModerationSettings::default()
            .patched(&json!({"spam_threshold": 2}))
            .unwrap_err();
        assert_eq!(
            e.get("spam_threshold"),
            Some(&[FieldCode::BelowHoldThreshold][..])
        );
    }

    #[test]
    fn stored_form_keeps_only_changes_and_round_trips() {
        let s = ModerationSettings::default()
            .patched(&json!({"max_links": 4, "blocked_domains": ["*.Casino.Example."]}))
            .unwrap();
        let stored = s.to_stored();
        assert_eq!(
            stored,
            json!({"max_links": 4, "blocked_domains": ["casino.example"]})
        );
        assert_eq!(ModerationSettings::from_stored(&stored), s);
        // A stored value that no longer validates falls back to its default.
        let odd =
            ModerationSettings::from_stored(&json!({"max_links": -3, "close_after_days": 30}));
        assert_eq!(odd.max_links, 2);
        assert_eq!(odd.close_after_days, 30);
    }
}
