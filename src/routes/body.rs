//! JSON request bodies for the moderator API, read field by field so that
//! a wrong type is a 422 naming the field, not a vague 400.

use crate::error::{ApiError, ErrorCode, FieldCode, FieldErrors};
use crate::routes::request::{BodyKind, read_body};
use crate::startup::AppState;
use actix_web::{HttpRequest, web};
use serde_json::{Map, Value};

/// A JSON object body.
pub struct JsonObject(Map<String, Value>);

impl JsonObject {
    /// 415 unless JSON, 413 when too large, 400 unless a JSON object.
    pub async fn read(
        req: &HttpRequest,
        payload: web::Payload,
        state: &AppState,
    ) -> Result<JsonObject, ApiError> {
        if BodyKind::of(req)? != BodyKind::Json {
            return Err(ErrorCode::UnsupportedMediaType.into());
        }
        let bytes = read_body(req, payload, state.config.max_request_bytes).await?;
        JsonObject::parse(&bytes)
    }

    pub fn parse(bytes: &[u8]) -> Result<JsonObject, ApiError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => Ok(JsonObject(m)),
            _ => Err(ErrorCode::MalformedBody.into()),
        }
    }

    fn present(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// Whether the field is there at all (even as `null`).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A string field; absent or `null` is `None`.
    pub fn string(&self, name: &'static str, f: &mut FieldErrors) -> Option<String> {
        match self.present(name)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                f.add(name, FieldCode::InvalidValue);
                None
            }
        }
    }

    pub fn bool(&self, name: &'static str, f: &mut FieldErrors) -> Option<bool> {
        match self.present(name)? {
            Value::Bool(b) => Some(*b),
            _ => {
                f.add(name, FieldCode::InvalidValue);
                None
            }
        }
    }

    /// A list of positive integer ids, `max` at most.
    pub fn ids(&self, name: &'static str, max: usize, f: &mut FieldErrors) -> Option<Vec<i64>> {
        let Some(v) = self.present(name) else {
            f.add(name, FieldCode::Required);
            return None;
        };
        let Some(list) = v.as_array() else {
            f.add(name, FieldCode::InvalidValue);
            return None;
        };
        if list.is_empty() || list.len() > max {
            f.add(
                name,
                FieldCode::OutOfRange {
                    min: 1,
                    max: i64::try_from(max).unwrap_or(i64::MAX),
                },
            );
            return None;
        }
        let ids: Option<Vec<i64>> = list.iter().map(|x| x.as_i64().filter(|n| *n > 0)).collect();
        if ids.is_none() {
            f.add(name, FieldCode::InvalidNumber);
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_the_wrong_type_are_named() {
        let o = JsonObject::parse(br#"{"a": "x", "b": 1, "c": null, "ids": [1, "2"]}"#)
            .ok()
            .unwrap();
        let mut f = FieldErrors::default();
        assert_eq!(o.string("a", &mut f).as_deref(), Some("x"));
        assert_eq!(o.string("b", &mut f), None);
        assert_eq!(o.string("c", &mut f), None);
        assert!(o.has("c") && !o.has("d"));
        assert_eq!(o.ids("ids", 500, &mut f), None);
        assert_eq!(f.get("b"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("ids"), Some(&[FieldCode::InvalidNumber][..]));
        assert!(JsonObject::parse(b"[1]").is_err());
        assert!(JsonObject::parse(b"{").is_err());
    }

    #[test]
    fn id_lists_are_bounded() {
        let o = JsonObject::parse(br#"{"ids": [], "more": [1,2,3]}"#)
            .ok()
            .unwrap();
        let mut f = FieldErrors::default();
        assert_eq!(o.ids("ids", 2, &mut f), None);
        assert_eq!(o.ids("more", 2, &mut f), None);
        assert_eq!(o.ids("more", 3, &mut f), Some(vec![1, 2, 3]));
        assert_eq!(
            f.get("more"),
            Some(&[FieldCode::OutOfRange { min: 1, max: 2 }][..])
        );
    }
}
