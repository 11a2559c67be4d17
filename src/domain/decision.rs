//! Why a comment was removed or held: a category from a fixed list that a
//! regulator can read (the EU Digital Services Act's statement of reasons
//! and transparency reports ask for one), plus the moderator's free text.
//! Pure.

use super::CommentStatus;
use super::codes::FieldCode;
use serde::Serialize;

/// The reason categories. They are API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCategory {
    /// Unsolicited advertising, scams, link farms, bots.
    Spam,
    /// Insults, harassment, threats.
    Abuse,
    /// Attacks on people for who they are.
    Hate,
    /// Not about the article.
    OffTopic,
    /// False or misleading claims.
    Misinformation,
    /// Someone's private data (an address, a phone number).
    PersonalData,
    /// Unlawful content, or a legal order.
    Legal,
    Other,
}

impl ReasonCategory {
    pub const ALL: [ReasonCategory; 8] = [
        ReasonCategory::Spam,
        ReasonCategory::Abuse,
        ReasonCategory::Hate,
        ReasonCategory::OffTopic,
        ReasonCategory::Misinformation,
        ReasonCategory::PersonalData,
        ReasonCategory::Legal,
        ReasonCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCategory::Spam => "spam",
            ReasonCategory::Abuse => "abuse",
            ReasonCategory::Hate => "hate",
            ReasonCategory::OffTopic => "off_topic",
            ReasonCategory::Misinformation => "misinformation",
            ReasonCategory::PersonalData => "personal_data",
            ReasonCategory::Legal => "legal",
            ReasonCategory::Other => "other",
        }
    }

    /// Exactly one of the names.
    pub fn parse(raw: &str) -> Result<ReasonCategory, FieldCode> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw)
            .ok_or(FieldCode::InvalidValue)
    }

    /// A category as stored (`None` for anything else).
    pub fn from_stored(raw: Option<&str>) -> Option<ReasonCategory> {
        raw.and_then(|r| Self::parse(r).ok())
    }

    /// What a reader's report reason says in these terms.
    pub fn of_report(r: super::report::ReportReason) -> ReasonCategory {
        use super::report::ReportReason as R;
        match r {
            R::Spam => ReasonCategory::Spam,
            R::Abuse => ReasonCategory::Abuse,
            R::OffTopic => ReasonCategory::OffTopic,
            R::Misinformation => ReasonCategory::Misinformation,
            R::Other => ReasonCategory::Other,
        }
    }

    /// The name in the reader's language.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::Lang;
        match (lang, self) {
            (Lang::En, ReasonCategory::Spam) => "Spam",
            (Lang::En, ReasonCategory::Abuse) => "Abuse or harassment",
            (Lang::En, ReasonCategory::Hate) => "Hate speech",
            (Lang::En, ReasonCategory::OffTopic) => "Off topic",
            (Lang::En, ReasonCategory::Misinformation) => "Misinformation",
            (Lang::En, ReasonCategory::PersonalData) => "Personal data of others",
            (Lang::En, ReasonCategory::Legal) => "Unlawful content or a legal order",
            (Lang::En, ReasonCategory::Other) => "Other",
            (Lang::Ar, ReasonCategory::Spam) => "محتوى مزعج",
            (Lang::Ar, ReasonCategory::Abuse) => "إساءة أو مضايقة",
            (Lang::Ar, ReasonCategory::Hate) => "خطاب كراهية",
            (Lang::Ar, ReasonCategory::OffTopic) => "خارج الموضوع",
            (Lang::Ar, ReasonCategory::Misinformation) => "معلومات مضلّلة",
            (Lang::Ar, ReasonCategory::PersonalData) => "بيانات شخصية للغير",
            (Lang::Ar, ReasonCategory::Legal) => "محتوى مخالف للقانون أو أمر قانوني",
            (Lang::Ar, ReasonCategory::Other) => "سبب آخر",
        }
    }
}

/// The category a moderator's decision to `status` carries: the one they
/// chose, else `spam` for spam and `other` for a rejection or a hold;
/// none for an approval (it restricts nothing). A category with an
/// approval is refused.
pub fn category_for(
    status: CommentStatus,
    chosen: Option<ReasonCategory>,
) -> Result<Option<ReasonCategory>, FieldCode> {
    match (status, chosen) {
        (CommentStatus::Approved, None) => Ok(None),
        (CommentStatus::Approved, Some(_)) => Err(FieldCode::InvalidValue),
        (_, Some(c)) => Ok(Some(c)),
        (CommentStatus::Spam, None) => Ok(Some(ReasonCategory::Spam)),
        (_, None) => Ok(Some(ReasonCategory::Other)),
    }
}

impl TryFrom<String> for ReasonCategory {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReasonCategory::parse(&s).map_err(|_| format!("unknown reason category {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn categories_are_the_fixed_list_with_labels_in_both_languages() {
        for c in ReasonCategory::ALL {
            assert_eq!(ReasonCategory::parse(c.as_str()), Ok(c));
            assert!(!c.label(Lang::Ar).is_empty() && !c.label(Lang::En).is_empty());
            assert_ne!(c.label(Lang::Ar), c.label(Lang::En));
        }
        assert_eq!(ReasonCategory::parse("Hate"), Err(FieldCode::InvalidValue));
        assert_eq!(
            ReasonCategory::from_stored(Some("legal")),
            Some(ReasonCategory::Legal)
        );
        assert_eq!(ReasonCategory::from_stored(None), None);
    }

    #[test]
    fn removals_and_holds_always_carry_a_category_and_approvals_none() {
        use CommentStatus::*;
        assert_eq!(category_for(Spam, None), Ok(Some(ReasonCategory::Spam)));
        assert_eq!(
            category_for(Rejected, None),
            Ok(Some(ReasonCategory::Other))
        );
        assert_eq!(category_for(Pending, None), Ok(Some(ReasonCategory::Other)));
        assert_eq!(
            category_for(Rejected, Some(ReasonCategory::Hate)),
            Ok(Some(ReasonCategory::Hate))
        );
        assert_eq!(category_for(Approved, None), Ok(None));
        assert_eq!(
            category_for(Approved, Some(ReasonCategory::Abuse)),
            Err(FieldCode::InvalidValue)
        );
    }
}
