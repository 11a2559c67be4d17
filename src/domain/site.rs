//! Sites: the publications (an Arabic and an English edition, say) that
//! share one majlis. Articles, settings, allowed origins and exports
//! belong to a site; a deployment with one site has only [`SiteId::DEFAULT`].

use super::codes::FieldCode;
use std::fmt;

/// Longest site id.
pub const MAX_SITE_ID: usize = 32;

/// A site's id: 1-32 lowercase ASCII letters, digits and inner hyphens
/// (`default`, `ar`, `english-edition`), so that it reads the same in a
/// URL, a query string, a CSV cell and a log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(String);

impl SiteId {
    /// The site of a one-site deployment, and of every row written before
    /// there were sites.
    pub const DEFAULT: &'static str = "default";

    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        if raw.is_empty() {
            return Err(FieldCode::Required);
        }
        let ok = raw.len() <= MAX_SITE_ID
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok {
            Ok(SiteId(raw.to_owned()))
        } else {
            Err(FieldCode::InvalidSite)
        }
    }

    pub fn default_site() -> Self {
        SiteId(Self::DEFAULT.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A site id read back from the database (checked there by the same
    /// rule).
    pub fn from_stored(s: String) -> Self {
        SiteId(s)
    }
}

impl Default for SiteId {
    fn default() -> Self {
        Self::default_site()
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The sites an account may work on: every site (admins always), or only
/// some (a moderator limited to an edition).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SiteScope {
    #[default]
    All,
    Only(Vec<SiteId>),
}

impl SiteScope {
    pub fn allows(&self, site: &str) -> bool {
        match self {
            SiteScope::All => true,
            SiteScope::Only(sites) => sites.iter().any(|s| s.as_str() == site),
        }
    }

    /// The sites to limit a query to, as a text array for SQL (`None`:
    /// every site).
    pub fn as_sql(&self) -> Option<Vec<String>> {
        match self {
            SiteScope::All => None,
            SiteScope::Only(sites) => Some(sites.iter().map(|s| s.0.clone()).collect()),
        }
    }
}

/// Pure: the site a browser request comes from, given the `Origin` (or
/// the Referer's origin) and each site's allowed origins (normalized, as
/// the settings store them). An origin names at most one site (the
/// settings refuse an origin another site lists); none matched: `None`.
pub fn site_for_origin<'a>(
    origin: &str,
    sites: impl IntoIterator<Item = (&'a SiteId, &'a [String])>,
) -> Option<&'a SiteId> {
    sites
        .into_iter()
        .find(|(_, origins)| origins.iter().any(|o| o == origin))
        .map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_ids_are_short_lowercase_slugs() {
        assert!(SiteId::parse("default").is_ok());
        assert!(SiteId::parse("ar").is_ok());
        assert!(SiteId::parse("english-edition-2").is_ok());
        assert_eq!(SiteId::parse(""), Err(FieldCode::Required));
        for bad in ["AR", "ar_en", "-ar", "ar-", "عربي", "a b", &"a".repeat(33)] {
            assert_eq!(SiteId::parse(bad), Err(FieldCode::InvalidSite), "{bad}");
        }
        assert!(SiteId::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn a_scope_allows_its_sites_only() {
        let only = SiteScope::Only(vec![SiteId::parse("ar").unwrap()]);
        assert!(only.allows("ar"));
        assert!(!only.allows("en"));
        assert_eq!(only.as_sql(), Some(vec!["ar".to_owned()]));
        assert!(SiteScope::All.allows("en"));
        assert_eq!(SiteScope::All.as_sql(), None);
        // Limited to nothing: sees nothing.
        assert!(!SiteScope::Only(Vec::new()).allows("default"));
    }

    #[test]
    fn an_origin_names_the_site_that_lists_it() {
        let ar = SiteId::parse("ar").unwrap();
        let en = SiteId::parse("en").unwrap();
        let ar_origins = vec!["https://news.example".to_owned()];
        let en_origins = vec!["https://en.news.example".to_owned()];
        let sites = [(&ar, ar_origins.as_slice()), (&en, en_origins.as_slice())];
        assert_eq!(site_for_origin("https://en.news.example", sites), Some(&en));
        assert_eq!(site_for_origin("https://news.example", sites), Some(&ar));
        assert_eq!(site_for_origin("https://evil.example", sites), None);
    }
}
