//! Files embedded in the binary and served under names that change with
//! their content (`app-<hash>.js`), so browsers may keep them for a year:
//! the dashboard's script and styles and the embed widget.

use crate::error::{ApiError, ErrorCode};
use actix_web::HttpResponse;
use actix_web::http::header;
use sha2::{Digest, Sha256};

/// An embedded file under its versioned name.
pub struct Asset {
    pub name: String,
    pub body: &'static [u8],
    pub content_type: &'static str,
}

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// `body` under `<stem>-<first 12 hex of its SHA-256>.<ext>`.
pub fn versioned(stem: &str, ext: &str, body: &'static [u8], content_type: &'static str) -> Asset {
    let hash = hex::encode(Sha256::digest(body));
    Asset {
        name: format!("{stem}-{}.{ext}", hash.get(..12).unwrap_or(&hash)),
        body,
        content_type,
    }
}

/// The file of `assets` named `file`, cached for a year, with `csp`; 404
/// `not_found` for any other name.
pub fn serve(assets: &[Asset], file: &str, csp: &'static str) -> Result<HttpResponse, ApiError> {
    let asset = assets
        .iter()
        .find(|a| a.name == file)
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .body(asset.body))
}
