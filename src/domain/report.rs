//! Reader reports on published comments: why a reader reports, and when
//! enough readers have reported a comment to take it out of the thread
//! until a moderator decides. Pure: the use case (`usecases::reports`)
//! does the I/O.

use super::codes::FieldCode;
use serde::Serialize;

/// Why a reader reports a comment (a fixed list, so moderators can sort
/// and a transparency report can count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Spam,
    Abuse,
    OffTopic,
    Misinformation,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 5] = [
        ReportReason::Spam,
        ReportReason::Abuse,
        ReportReason::OffTopic,
        ReportReason::Misinformation,
        ReportReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::OffTopic => "off_topic",
            ReportReason::Misinformation => "misinformation",
            ReportReason::Other => "other",
        }
    }

    /// Exactly one of the names (no trimming: the API's enum is exact).
    pub fn parse(raw: &str) -> Result<ReportReason, FieldCode> {
        if raw.is_empty() {
            return Err(FieldCode::Required);
        }
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or(FieldCode::InvalidValue)
    }
}

/// The longest note a reader may add to a report.
pub const MAX_NOTE_CHARS: usize = 500;

/// How many distinct networks must report a published comment before it
/// goes back to `pending`: the site's `report_threshold`, doubled once a
/// moderator has approved the comment over earlier reports (a brigade
/// must not unpublish at will what a moderator kept). `None`: reports
/// never move the comment (a threshold of 0), moderators only see them.
pub fn networks_needed(threshold: u32, overruled: i32) -> Option<i64> {
    (threshold > 0).then(|| {
        let base = i64::from(threshold);
        if overruled > 0 { base * 2 } else { base }
    })
}

/// Whether a published comment's reports, from `networks` distinct
/// networks, take it out of the thread now (reports reach only published
/// comments, so it moves once).
pub fn moves_to_pending(networks: i64, threshold: u32, overruled: i32) -> bool {
    networks_needed(threshold, overruled).is_some_and(|n| networks >= n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_the_fixed_list() {
        for r in ReportReason::ALL {
            assert_eq!(ReportReason::parse(r.as_str()), Ok(r));
        }
        assert_eq!(
            ReportReason::parse(" off_topic "),
            Err(FieldCode::InvalidValue)
        );
        assert_eq!(ReportReason::parse(""), Err(FieldCode::Required));
        assert_eq!(ReportReason::parse("Abuse"), Err(FieldCode::InvalidValue));
        assert_eq!(ReportReason::parse("hate"), Err(FieldCode::InvalidValue));
    }

    #[test]
    fn the_threshold_doubles_after_a_moderator_kept_the_comment() {
        assert!(!moves_to_pending(2, 3, 0));
        assert!(moves_to_pending(3, 3, 0));
        assert!(!moves_to_pending(5, 3, 1));
        assert!(moves_to_pending(6, 3, 2));
        // 0: reports never move a comment.
        assert!(!moves_to_pending(100, 0, 0));
        assert_eq!(networks_needed(0, 0), None);
    }
}
