//! Request shapes, each defined once, and the typed extractors that take
//! them.
//!
//! A request shape is one Rust type that
//! - **deserializes** with serde (a value of the wrong JSON type is a 422
//!   `validation_failed` naming the field, found with
//!   `serde_path_to_error`);
//! - **validates** in [`Shape::validate`] into the value the handler works
//!   with, through the domain newtypes' `parse` (every bad field reported at
//!   once, each with a stable [`FieldCode`]);
//! - **documents** itself with utoipa's `ToSchema` (bodies) or `IntoParams`
//!   (queries). Limits in the document come from the same constants the
//!   validation uses, through the `schema_with` functions in [`schema`]; a
//!   test compares `/openapi.json` with those constants.
//!
//! The extractors turn every failure into the API's error shape:
//! - [`ApiJson<T>`]: 415 `unsupported_media_type` unless `application/json`,
//!   413 `payload_too_large` past `MAJLIS_MAX_REQUEST_BYTES` (through
//!   `read_body`), 400 `malformed_body` only for bytes that are not a JSON
//!   object, 422 for everything else;
//! - [`ApiQuery<T>`]: 400 `invalid_query` for a query string that does not
//!   decode (bad escapes, invalid UTF-8), 422 otherwise. Empty values count
//!   as absent, unknown keys are ignored, the last of repeated keys wins
//!   except for the shape's [`Shape::LISTS`] (`article_id=a&article_id[]=b`);
//! - [`Submitted<T>`]: JSON, or `application/x-www-form-urlencoded` with the
//!   names of [`Shape::FORM_ALIASES`] mapped onto the JSON names; the
//!   handler gets the validation's outcome together with the fields as sent
//!   (the comment form shows a failed plain form post again, as typed).
//!
//! Every text value, in a body or a query, is refused with 422
//! `control_characters` when it holds NUL (Postgres text cannot).
//!
//! Adopting it for a new route:
//! 1. Declare the wire type with `#[derive(Deserialize, utoipa::ToSchema)]`
//!    (or `IntoParams` with `#[into_params(parameter_in = Query)]`), fields
//!    `Option<..>` so that a missing field is a `required` field error of
//!    `validate` rather than a serde error, and limits through
//!    `#[schema(schema_with = schema::...)]` with the validating constant.
//! 2. `impl Shape for It { type Valid = ..; fn validate(..) }`, parsing
//!    each field with its newtype and collecting errors in `FieldErrors`.
//!    Query shapes: declare them with [`query_params!`], which writes the
//!    struct and its documented parameters from one field list.
//! 3. Take `ApiJson<It>` / `ApiQuery<It>` as a handler argument; on a
//!    protected route wrap it with the auth extractor,
//!    `Authed(auth, ApiJson(it)): Authed<Admin, ApiJson<It>>`, so the token
//!    is checked before anything is read. Name the type in `#[utoipa::path]`:
//!    `request_body(content = It, content_type = "application/json")` with
//!    `crate::routes::openapi::JsonBodyErrors` among the responses, or
//!    `params(It)`.

use crate::error::{ApiError, ErrorCode, FieldCode, FieldErrors};
use crate::routes::request::{BodyKind, parse_pairs, read_body};
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One request shape: deserialized, validated, documented.
pub trait Shape: DeserializeOwned + 'static {
    /// What the handler receives once every field is valid.
    type Valid: 'static;

    /// Query and form fields that may repeat; they deserialize as lists.
    const LISTS: &'static [&'static str] = &[];

    /// Form posts only: `(form name, JSON name)`; a form may use either.
    const FORM_ALIASES: &'static [(&'static str, &'static str)] = &[];

    /// Checks every field, reporting all problems at once.
    fn validate(self, state: &AppState) -> Result<Self::Valid, FieldErrors>;
}

/// A JSON body of shape `T`, validated.
pub struct ApiJson<T: Shape>(pub T::Valid);

/// A query string of shape `T`, validated.
pub struct ApiQuery<T: Shape>(pub T::Valid);

/// A JSON or form-encoded body of shape `T`: which of the two it was, its
/// fields as sent (form names mapped onto the JSON names), and the outcome
/// of validating them. Unreadable bodies (415, 413, 400) still fail the
/// extractor.
pub struct Submitted<T: Shape> {
    pub kind: BodyKind,
    pub fields: Map<String, Value>,
    pub value: Result<T::Valid, ApiError>,
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

/// Whether a JSON value holds NUL anywhere in its text.
fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// The top-level fields of `known` (all when `None`) that hold NUL, as
/// field errors. Unknown fields are ignored, whatever they hold.
fn nul_fields(map: &Map<String, Value>, known: Option<&[&str]>) -> FieldErrors {
    let mut f = FieldErrors::default();
    for (k, v) in map {
        if known.is_none_or(|names| names.contains(&k.as_str())) && holds_nul(v) {
            f.add_owned(k.clone(), FieldCode::ControlCharacters);
        }
    }
    f
}

/// The field names a struct's `Deserialize` reads (`None` for a map),
/// learned by asking it to deserialize from a probe that records them.
fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    use serde::de::value::Error;
    use serde::de::{Error as _, Visitor};

    struct Probe(Option<&'static [&'static str]>);

    impl<'de> serde::Deserializer<'de> for &mut Probe {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            Err(Error::custom("probe"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Error> {
            self.0 = Some(fields);
            Err(Error::custom("probe"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    let mut probe = Probe(None);
    let _ = T::deserialize(&mut probe);
    probe.0
}

/// Deserializes `T` from a JSON object. A value of the wrong type is a
/// field error naming the top-level field it sits in; that field is then
/// left out and the rest read again, so every such field is reported, and
/// the value is returned with the errors found.
fn deserialize<T: DeserializeOwned>(
    mut map: Map<String, Value>,
) -> Result<(T, FieldErrors), FieldErrors> {
    let mut f = FieldErrors::default();
    loop {
        let value = Value::Object(map);
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(wire) => return Ok((wire, f)),
            Err(e) => {
                let field = e.path().iter().find_map(|seg| match seg {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    _ => None,
                });
                let Value::Object(rest) = value else {
                    return Err(f);
                };
                map = rest;
                match field.filter(|k| map.contains_key(k)) {
                    Some(k) => {
                        map.remove(&k);
                        f.add_owned(k, FieldCode::InvalidValue);
                    }
                    None => {
                        f.add("request", FieldCode::InvalidValue);
                        return Err(f);
                    }
                }
            }
        }
    }
}

/// The whole path from a JSON object to the validated value.
fn shape_from_map<T: Shape>(
    map: Map<String, Value>,
    state: &AppState,
) -> Result<T::Valid, ApiError> {
    nul_fields(&map, field_names::<T>()).into_result()?;
    let (wire, mut f) = deserialize::<T>(map).map_err(ApiError::validation)?;
    match wire.validate(state) {
        Ok(valid) if f.is_empty() => Ok(valid),
        Ok(_) => Err(ApiError::validation(f)),
        Err(more) => {
            f.extend_new(more);
            Err(ApiError::validation(f))
        }
    }
}

/// A JSON object from a body, or 400 `malformed_body`.
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ErrorCode::MalformedBody.into()),
    }
}

/// Decoded pairs (a query string or a form body) as a JSON object of
/// strings: `LISTS` fields as arrays (`name[]` counts as `name`), other
/// fields the last value given, form names mapped by `aliases`.
pub fn pairs_object(
    pairs: Vec<(String, String)>,
    lists: &[&str],
    aliases: &[(&str, &str)],
    drop_empty: bool,
) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in pairs {
        if drop_empty && v.trim().is_empty() {
            continue;
        }
        let k = k.strip_suffix("[]").unwrap_or(&k);
        let k = aliases
            .iter()
            .find(|(form, _)| *form == k)
            .map_or(k, |(_, json)| *json)
            .to_owned();
        if lists.contains(&k.as_str()) {
            match map.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(items) => items.push(Value::String(v)),
                other => *other = Value::Array(vec![Value::String(v)]),
            }
        } else {
            map.insert(k, Value::String(v));
        }
    }
    map
}

/// A form that gives one field under both of its names (`comment_parent`
/// and `parent_id`) with different values: which one was meant is unknown,
/// so the JSON name gets `invalid_value` rather than one silently winning.
pub fn alias_conflicts(
    pairs: &[(String, String)],
    aliases: &[(&'static str, &'static str)],
) -> FieldErrors {
    let mut f = FieldErrors::default();
    for (form, json) in aliases {
        let value_of = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
        if let (Some(a), Some(b)) = (value_of(form), value_of(json))
            && a != b
        {
            f.add(json, FieldCode::InvalidValue);
        }
    }
    f
}

/// The query string as `T`'s validated value. Empty values are kept, so
/// that each field reads them as its schema says: an empty free-text filter
/// is no filter, an empty number or enum is a field error (a client that
/// sends `limit=` gets 422, not a silent default).
pub fn query_shape<T: Shape>(req: &HttpRequest, state: &AppState) -> Result<T::Valid, ApiError> {
    let pairs = parse_pairs(req.query_string().as_bytes())
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery))?;
    shape_from_map::<T>(pairs_object(pairs, T::LISTS, &[], false), state)
}

/// The body as a JSON object (a form's pairs mapped onto `T`'s names).
async fn body_map<T: Shape>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    allow_form: bool,
) -> Result<(Map<String, Value>, BodyKind), ApiError> {
    let kind = BodyKind::of(req)?;
    if kind == BodyKind::Form && !allow_form {
        return Err(ErrorCode::UnsupportedMediaType.into());
    }
    let bytes = read_body(req, payload, state.config.max_request_bytes).await?;
    let map = match kind {
        BodyKind::Json => json_object(&bytes)?,
        BodyKind::Form => {
            let pairs = parse_pairs(&bytes).ok_or(ApiError::new(ErrorCode::MalformedBody))?;
            alias_conflicts(&pairs, T::FORM_ALIASES).into_result()?;
            pairs_object(pairs, T::LISTS, T::FORM_ALIASES, false)
        }
    };
    Ok((map, kind))
}

/// Turns a body read as a JSON object into what an extractor yields.
type FromBody<E> = fn(Map<String, Value>, BodyKind, &AppState) -> Result<E, ApiError>;

/// The future of a body extractor: takes the payload now (an extractor may
/// not keep the request's borrow), reads and validates later.
fn body_future<T: Shape, E: 'static>(
    req: &HttpRequest,
    payload: &mut dev::Payload,
    allow_form: bool,
    wrap: FromBody<E>,
) -> LocalBoxFuture<'static, Result<E, ApiError>> {
    let req = req.clone();
    let payload = web::Payload::from_request(&req, payload);
    Box::pin(async move {
        let payload = payload
            .await
            .map_err(|_| ApiError::new(ErrorCode::MalformedBody))?;
        let state = state_of(&req)?;
        let (map, kind) = body_map::<T>(&req, payload, &state, allow_form).await?;
        wrap(map, kind, &state)
    })
}

impl<T: Shape> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        body_future::<T, Self>(req, payload, false, |map, _, state| {
            shape_from_map::<T>(map, state).map(ApiJson)
        })
    }
}

impl<T: Shape> FromRequest for Submitted<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        body_future::<T, Self>(req, payload, true, |fields, kind, state| {
            let value = shape_from_map::<T>(fields.clone(), state);
            Ok(Submitted {
                kind,
                fields,
                value,
            })
        })
    }
}

impl<T: Shape> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut dev::Payload) -> Self::Future {
        std::future::ready(
            state_of(req).and_then(|state| query_shape::<T>(req, &state).map(ApiQuery)),
        )
    }
}

/// Declares a query shape: the struct (each field `Option<String>`, or
/// `Vec<String>` for a repeated key, decoded by [`ApiQuery`]) and its
/// `utoipa::IntoParams`, from one list of fields, so the documented names,
/// descriptions and limits cannot drift from what is read. A field marked
/// `required` is documented as such; `validate` must say `required` when
/// it is missing.
///
/// ```ignore
/// query_params! {
///     /// `GET /api/v1/form-token`
///     pub struct FormTokenParams {
///         /// The article the form is on.
///         article_id: Option<String> = schema::article_id(), required;
///     }
/// }
/// ```
macro_rules! query_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $schema:expr $(, $required:ident)? ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize)]
        pub struct $name {
            $(
                $(#[doc = $doc])+
                #[serde(default)]
                pub $field: $ty,
            )*
        }

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                vec![$(
                    $crate::routes::body::query_param(
                        stringify!($field),
                        concat!($($doc, "\n"),+),
                        $schema,
                        false $(|| { let _ = stringify!($required); true })?,
                    )
                ),*]
            }
        }
    };
}
pub(crate) use query_params;

/// One documented query parameter.
pub fn query_param(
    name: &str,
    doc: &str,
    schema: impl Into<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
    required: bool,
) -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::Required;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let description = doc
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .description(Some(description))
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .build()
}

/// `A` (the auth extractor) resolved before `T` (a shape extractor) starts:
/// actix polls a handler's extractors together and answers the first error
/// that is ready, so without this a bad body could answer 422 before a
/// missing token answers 401. Nothing is read before the token is checked.
///
/// `Authed(auth, ApiJson(patch)): Authed<Admin, ApiJson<ModeratorPatch>>`
pub struct Authed<A, T>(pub A, pub T);

impl<A, T> FromRequest for Authed<A, T>
where
    A: FromRequest + 'static,
    T: FromRequest + 'static,
    A::Error: Into<actix_web::Error>,
    T::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        let auth = A::from_request(&req, &mut dev::Payload::None);
        Box::pin(async move {
            let auth = auth.await.map_err(Into::into)?;
            let shape = T::from_request(&req, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Authed(auth, shape))
        })
    }
}

/// `Option<Option<T>>` for PATCH fields where `null` means "reset" and
/// absence means "unchanged": use with `#[serde(default, deserialize_with)]`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A PATCH field read with [`present`] whose `null` means nothing: `null`
/// is an `invalid_value` field error, absence is `None`.
pub fn not_null<T>(field: &'static str, v: Option<Option<T>>, f: &mut FieldErrors) -> Option<T> {
    match v {
        Some(None) => {
            f.add(field, FieldCode::InvalidValue);
            None
        }
        Some(Some(v)) => Some(v),
        None => None,
    }
}

/// `oldest` (true) or `newest` (false) first, for a listing's `order`.
pub fn parse_oldest_first(v: &str) -> Result<bool, FieldCode> {
    match v.trim() {
        "newest" => Ok(false),
        "oldest" => Ok(true),
        _ => Err(FieldCode::InvalidValue),
    }
}

/// A shape of one field: its parse result as the shape's result.
pub fn one_field<T>(field: &'static str, parsed: Result<T, FieldCode>) -> Result<T, FieldErrors> {
    parsed.map_err(|code| {
        let mut f = FieldErrors::default();
        f.add(field, code);
        f
    })
}

/// A whole number in JSON: an integer, or an integral float (`1.0` is an
/// integer in JSON Schema's sense). Strings are not numbers here.
pub fn whole_number(v: &Value) -> Result<i64, FieldCode> {
    let Value::Number(n) = v else {
        return Err(FieldCode::InvalidNumber);
    };
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
        .ok_or(FieldCode::InvalidNumber)
}

fn at_least_one(n: i64) -> Result<i64, FieldCode> {
    if n < 1 {
        return Err(FieldCode::TooSmall { min: 1 });
    }
    Ok(n)
}

/// An id in JSON: a whole number of at least 1.
pub fn positive_id(v: &Value) -> Result<i64, FieldCode> {
    at_least_one(whole_number(v)?)
}

/// A whole number from query text.
fn whole_text(s: &str) -> Result<i64, FieldCode> {
    s.trim().parse().map_err(|_| FieldCode::InvalidNumber)
}

/// An id from query text: a whole number of at least 1.
pub fn positive_id_text(s: &str) -> Result<i64, FieldCode> {
    at_least_one(whole_text(s)?)
}

/// The positive id in the path segment `name`, or the not-found error
/// `missing` (a resource that cannot exist is not found, as one that does
/// not).
pub fn path_id(req: &HttpRequest, name: &str, missing: ErrorCode) -> Result<i64, ApiError> {
    req.match_info()
        .get(name)
        .and_then(|s| positive_id_text(s).ok())
        .ok_or(ApiError::new(missing))
}

/// A page size from query text: `1..=max`.
pub fn page_limit(s: &str, max: i64) -> Result<i64, FieldCode> {
    match whole_text(s)? {
        n if (1..=max).contains(&n) => Ok(n),
        _ => Err(FieldCode::OutOfRange { min: 1, max }),
    }
}

/// OpenAPI schemas carrying the limits that validation enforces, built from
/// the same constants. Used with `#[schema(schema_with = ...)]` and
/// `#[param(schema_with = ...)]`.
pub mod schema {
    use crate::domain::comment::{MAX_ARTICLE_ID, MAX_EMAIL, MAX_NAME, MAX_URL};
    use crate::domain::moderator::{
        MAX_DISPLAY_NAME, MAX_MODERATOR_EMAIL, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
    };
    use utoipa::openapi::schema::{
        KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type,
    };

    pub fn text(min: Option<usize>, max: usize) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(min)
            .max_length(Some(max))
    }

    /// No control characters (C0, DEL, C1): one-line text.
    pub const ONE_LINE: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";
    /// No control characters but tab, line feed and carriage return.
    pub const MULTI_LINE: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
    /// No control characters but line feed (audit reasons).
    pub const REASON: &str = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*$";
    /// No NUL (Postgres text cannot hold it): query filters.
    pub const NO_NUL: &str = r"^[^\x00]*$";

    /// Optional body fields: `null` reads as absent, so it is documented.
    pub fn optional_text(min: Option<usize>, max: usize) -> ObjectBuilder {
        text(min, max).schema_type(SchemaType::from_iter([Type::String, Type::Null]))
    }

    pub fn integer(min: i64, max: Option<i64>) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(min as f64))
            .maximum(max.map(|m| m as f64))
    }

    pub fn number() -> Object {
        ObjectBuilder::new().schema_type(Type::Number).build()
    }

    pub fn article_id() -> Object {
        // No `pattern`: "letters and digits" of every script needs `\p{L}`,
        // which not every JSON Schema client's regex engine knows.
        text(Some(1), MAX_ARTICLE_ID)
            .pattern(Some(ONE_LINE))
            .description(Some(
                "1-200 letters, digits or `. _ - : /`; JSON may send a number.",
            ))
            .build()
    }

    /// An article id as a query filter: empty counts as absent, so no
    /// `minLength`.
    pub fn article_id_filter() -> Object {
        text(None, MAX_ARTICLE_ID)
            .pattern(Some(ONE_LINE))
            .description(Some("1-200 letters, digits or `. _ - : /`."))
            .build()
    }

    pub fn author_name() -> Object {
        text(Some(1), MAX_NAME).pattern(Some(ONE_LINE)).build()
    }

    pub fn author_email() -> Object {
        text(Some(3), MAX_EMAIL)
            .pattern(Some(ONE_LINE))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .build()
    }

    /// An optional http(s) URL. No `format: uri`: empty means "none" (a
    /// form's `url=`, a JSON `""`), which `uri` would refuse.
    pub fn url() -> Object {
        optional_text(None, MAX_URL)
            .pattern(Some(ONE_LINE))
            .description(Some("An http or https URL; empty or absent: none."))
            .build()
    }

    /// A commenter named for privacy requests: anything with `@`, as it
    /// was stored (older data may not pass today's email check).
    pub fn subject_email() -> Object {
        text(Some(3), MAX_EMAIL)
            .pattern(Some(r"^[^\x00-\x1F\x7F-\x9F]+@[^\x00-\x1F\x7F-\x9F@]+$"))
            .build()
    }

    pub fn moderator_email() -> Object {
        text(Some(3), MAX_MODERATOR_EMAIL)
            .pattern(Some(ONE_LINE))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .build()
    }

    fn secret(b: ObjectBuilder) -> Object {
        b.pattern(Some(NO_NUL))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .build()
    }

    /// A new password in a PATCH (optional).
    pub fn new_password() -> Object {
        secret(optional_text(Some(MIN_PASSWORD_CHARS), MAX_PASSWORD_CHARS))
    }

    pub fn password() -> Object {
        secret(text(Some(MIN_PASSWORD_CHARS), MAX_PASSWORD_CHARS))
    }

    pub fn login_password() -> Object {
        secret(text(Some(1), MAX_PASSWORD_CHARS))
    }

    /// A new display name for an account: something visible.
    pub fn display_name() -> Object {
        optional_text(Some(1), MAX_DISPLAY_NAME)
            .pattern(Some(ONE_LINE))
            .build()
    }

    /// A new account's display name: absent, `null` or with nothing visible,
    /// it is the email's local part.
    pub fn new_display_name() -> Object {
        optional_text(None, MAX_DISPLAY_NAME)
            .pattern(Some(ONE_LINE))
            .description(Some(
                "Absent, null, or with nothing visible (empty, blank): the email's local part. No control characters.",
            ))
            .build()
    }

    pub fn reason() -> Object {
        optional_text(None, crate::domain::limits::MAX_REASON_CHARS)
            .pattern(Some(REASON))
            .build()
    }

    /// A required reason (a legal hold's): something visible, at most
    /// 500 characters, no control characters but line feeds.
    pub fn required_reason() -> Object {
        text(Some(1), crate::domain::limits::MAX_REASON_CHARS)
            .pattern(Some(
                r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F\uFEFF][^\x00-\x09\x0B-\x1F\x7F-\x9F]*$",
            ))
            .build()
    }

    /// A moderator's new body for a comment (optional).
    pub fn edited_body() -> Object {
        optional_text(Some(1), crate::domain::comment::DEFAULT_MAX_BODY)
            .pattern(Some(MULTI_LINE))
            .build()
    }

    pub fn comment_body() -> Object {
        text(Some(1), crate::domain::comment::DEFAULT_MAX_BODY)
            .pattern(Some(MULTI_LINE))
            .description(Some(
                "At most 5000 characters unless the site sets `MAJLIS_MAX_BODY_CHARS`.",
            ))
            .build()
    }

    /// A positive id (comment, moderator, parent).
    pub fn id() -> Object {
        integer(1, None).build()
    }

    /// `parent_id`: 0 (or absent) means none.
    pub fn parent_id() -> Object {
        integer(0, None).build()
    }

    pub fn bulk_ids() -> utoipa::openapi::schema::Array {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(id())
            .min_items(Some(1))
            .max_items(Some(crate::domain::limits::MAX_BULK_IDS))
            .build()
    }

    pub fn queue_limit() -> Object {
        integer(1, Some(crate::domain::limits::QUEUE_MAX_PAGE)).build()
    }

    pub fn log_limit() -> Object {
        integer(1, Some(crate::domain::limits::LOG_MAX_PAGE)).build()
    }

    pub fn public_limit() -> Object {
        integer(1, Some(crate::domain::limits::PUBLIC_MAX_PAGE)).build()
    }

    /// Free text as a query filter (empty counts as absent).
    pub fn query_text() -> Object {
        text(None, crate::domain::limits::MAX_QUERY_CHARS)
            .pattern(Some(NO_NUL))
            .build()
    }

    /// A token the browser keeps (`domain::text::parse_browser_token`).
    pub fn browser_token() -> Object {
        optional_text(Some(16), 128)
            .pattern(Some(crate::domain::text::BROWSER_TOKEN_PATTERN))
            .build()
    }

    /// `o`, or `null` (which the field reads as absent or as "none").
    pub fn nullable(mut o: Object) -> Object {
        let mut types = vec![Type::Null];
        if let SchemaType::Type(t) = o.schema_type {
            types.push(t);
        }
        o.schema_type = SchemaType::from_iter(types);
        o
    }

    /// A site's id, or `null`.
    pub fn nullable_site() -> Object {
        nullable(site())
    }

    /// A site's id as a query parameter or field.
    pub fn site() -> Object {
        text(Some(1), crate::domain::site::MAX_SITE_ID)
            .pattern(Some("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"))
            .description(Some(
                "A site's id (1-32 lowercase letters, digits or inner `-`).",
            ))
            .build()
    }

    /// An opaque cursor: never empty (an empty one is refused as a bad
    /// cursor; leave the parameter out for the first page).
    pub fn cursor() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(100))
            .pattern(Some("^[A-Za-z0-9_-]+$"))
            .build()
    }

    /// A listing's order: `newest` or `oldest` first.
    pub fn order() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["newest", "oldest"]))
            .build()
    }

    /// The articles list's cursor: it carries an article id (up to 200
    /// characters, 800 bytes), so it is longer.
    pub fn article_cursor() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(1200))
            .pattern(Some("^[A-Za-z0-9_-]+$"))
            .build()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_field_given_under_both_names_must_agree() {
        let aliases = [("comment_parent", "parent_id"), ("author", "author_name")];
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let same = pairs(&[("comment_parent", "4"), ("parent_id", "4"), ("author", "x")]);
        assert!(super::alias_conflicts(&same, &aliases).is_empty());
        let differ = pairs(&[("comment_parent", "\u{84}"), ("parent_id", "")]);
        let f = super::alias_conflicts(&differ, &aliases);
        assert_eq!(f.get("parent_id"), Some(&[FieldCode::InvalidValue][..]));
        assert!(f.get("author_name").is_none());
    }

    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: Option<String>,
        ids: Option<Vec<i64>>,
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_field() {
        let map = json_object(br#"{"name": 5, "ids": [1, "2"]}"#).unwrap();
        let (_, f) = deserialize::<Sample>(map).unwrap();
        assert_eq!(f.get("name"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("ids"), Some(&[FieldCode::InvalidValue][..]));
        let map = json_object(br#"{"name": "x"}"#).unwrap();
        let (s, f) = deserialize::<Sample>(map).unwrap();
        assert!(f.is_empty() && s.name.as_deref() == Some("x"));
        assert!(json_object(b"[1]").is_err());
        assert!(json_object(b"{").is_err());
    }

    #[test]
    fn nul_is_found_in_any_text() {
        let map = json_object(br#"{"a": "x\u0000", "b": ["ok", "n\u0000"], "c": "fine"}"#).unwrap();
        let f = nul_fields(&map, None);
        assert_eq!(f.get("a"), Some(&[FieldCode::ControlCharacters][..]));
        assert_eq!(f.get("b"), Some(&[FieldCode::ControlCharacters][..]));
        assert!(f.get("c").is_none());
        // Fields the shape does not read are ignored, NUL or not.
        let f = nul_fields(&map, Some(&["c"]));
        assert!(f.is_empty());
        assert_eq!(field_names::<Sample>(), Some(&["name", "ids"][..]));
        assert_eq!(field_names::<Map<String, Value>>(), None);
    }

    #[test]
    fn pairs_become_an_object_with_lists_aliases_and_last_wins() {
        let pairs = parse_pairs(b"a=1&a=2&ids=1&ids[]=2&x=&comment_post_ID=7").unwrap();
        let map = pairs_object(pairs, &["ids"], &[("comment_post_ID", "article_id")], true);
        assert_eq!(
            Value::Object(map),
            json!({"a": "2", "ids": ["1", "2"], "article_id": "7"})
        );
    }

    #[test]
    fn whole_numbers_accept_integral_floats_and_ids_start_at_one() {
        assert_eq!(whole_number(&json!(1.0)), Ok(1));
        assert_eq!(whole_number(&json!(1.5)), Err(FieldCode::InvalidNumber));
        assert_eq!(whole_number(&json!("12")), Err(FieldCode::InvalidNumber));
        assert_eq!(positive_id_text(" 12 "), Ok(12));
        assert_eq!(positive_id_text("0"), Err(FieldCode::TooSmall { min: 1 }));
        assert_eq!(positive_id_text("x"), Err(FieldCode::InvalidNumber));
        assert_eq!(positive_id(&json!(0)), Err(FieldCode::TooSmall { min: 1 }));
        assert_eq!(
            page_limit("0", 100),
            Err(FieldCode::OutOfRange { min: 1, max: 100 })
        );
        assert_eq!(page_limit("100", 100), Ok(100));
    }
}
