//! An admin's changes to an article: its comment settings, and the CMS's
//! registration of its URL and title. Each runs in its own transaction
//! with its audit event.

use crate::db;
use crate::db::articles::ArticleRow;
use crate::db::audit::NewAuditEvent;
use crate::domain::ids::Actor;
use crate::domain::{ArticleId, SiteId};
use crate::error::ApiError;
use sqlx::PgPool;

/// Closes or opens the article, or sets its approval mode (`Some(None)`:
/// back to the site-wide mode); creates the row if the article is new.
pub async fn update(
    pool: &PgPool,
    actor: Actor,
    site: &SiteId,
    article: &ArticleId,
    closed: Option<bool>,
    approval_mode: Option<Option<&str>>,
) -> Result<ArticleRow, ApiError> {
    let mut tx = pool.begin().await?;
    let row = db::articles::update_settings(
        &mut tx,
        site.as_str(),
        article.as_str(),
        closed,
        approval_mode,
    )
    .await?;
    let event = NewAuditEvent::article_updated(
        actor,
        &row.site,
        &row.id,
        row.closed,
        row.approval_mode.as_deref(),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(row)
}

/// The site's own URL and title of the article (replacing what
/// submitters gave); whether the article is new.
pub async fn register(
    pool: &PgPool,
    actor: Actor,
    site: &SiteId,
    article: &ArticleId,
    url: &str,
    title: &str,
    closed: Option<bool>,
) -> Result<(ArticleRow, bool), ApiError> {
    let mut tx = pool.begin().await?;
    let (row, created) =
        db::articles::register(&mut tx, site.as_str(), article.as_str(), url, title, closed)
            .await?;
    let event = NewAuditEvent::article_registered(actor, &row.site, &row.id, row.closed);
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok((row, created))
}
