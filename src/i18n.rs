//! The message catalogue (Arabic and English) and `Accept-Language`
//! negotiation. Messages are looked up from stable codes at render time.

use crate::domain::codes::{ErrorCode, FieldCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ar,
    En,
}

/// Everything majlis says to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Error(ErrorCode),
    Field(FieldCode),
    /// The name an erased commenter is shown under.
    Anonymous,
    /// The link back to the form.
    GoBack,
    /// The button of a form shown again after an error.
    SendAgain,
    /// A reader's report was received.
    ReportReceived,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the supported language with the highest `q` in an
    /// `Accept-Language` header; `default` when none is acceptable.
    pub fn negotiate(header: Option<&str>, default: Lang) -> Lang {
        let Some(header) = header else {
            return default;
        };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (pos, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            let Some(lang) = Lang::parse(tag) else {
                continue;
            };
            // Highest q wins; among equals the earlier entry wins.
            let better = match best {
                None => true,
                Some((bq, bpos, _)) => q > bq || (q == bq && pos < bpos),
            };
            if better {
                best = Some((q, pos, lang));
            }
        }
        best.map_or(default, |(_, _, l)| l)
    }

    /// How a form field is called on the comment form.
    pub fn label(self, field: &str) -> String {
        let known = match (self, field) {
            (Lang::En, "author_name") => "Name",
            (Lang::En, "author_email") => "Email",
            (Lang::En, "author_url") => "Website",
            (Lang::En, "body") => "Comment",
            (Lang::En, "article_id") => "Article",
            (Lang::En, "parent_id") => "Reply to",
            (Lang::Ar, "author_name") => "الاسم",
            (Lang::Ar, "author_email") => "البريد الإلكتروني",
            (Lang::Ar, "author_url") => "الموقع الإلكتروني",
            (Lang::Ar, "body") => "التعليق",
            (Lang::Ar, "article_id") => "المقال",
            (Lang::Ar, "parent_id") => "الرد على",
            (_, other) => other,
        };
        known.to_owned()
    }

    pub fn text(self, msg: Msg) -> String {
        match self {
            Lang::Ar => ar(msg),
            Lang::En => en(msg),
        }
    }
}

fn en(msg: Msg) -> String {
    use ErrorCode as E;
    use FieldCode as F;
    match msg {
        Msg::Error(code) => match code {
            E::MalformedBody => {
                "The request body could not be read: it is not valid JSON, form data or UTF-8."
            }
            E::InvalidQuery => "The query string is not valid.",
            E::Unauthorized => "You need to log in to do this.",
            E::Forbidden => "You are not allowed to do this.",
            E::CommentsClosed => "Comments are closed on this article.",
            E::EditWindowClosed => "The time to edit or delete this comment has passed.",
            E::TooManyEdits => "This comment has been edited as many times as allowed.",
            E::NotFound => "Nothing was found here.",
            E::MethodNotAllowed => "This address does not accept that method.",
            E::CommentNotFound => "That comment does not exist.",
            E::LegalHold => {
                "A legal hold covers this person or their comments: lift it before erasing."
            }
            E::HoldNotFound => "There is no active legal hold with this id.",
            E::SanctionNotFound => "There is no active sanction with this id.",
            E::WebhookNotFound => "There is no webhook with this id.",
            E::DeliveryNotFound => "This webhook has no delivery with this id.",
            E::MailNotConfigured => "This server sends no mail (MAJLIS_SMTP_URL is not set).",
            E::AppealNotPossible => {
                "Only a rejected comment can be appealed, and only once."
            }
            E::CommentingSuspended => {
                "Your commenting is suspended for now. You can comment again once the suspension ends."
            }
            E::SiteNotFound => "There is no site with this id.",
            E::SiteExists => "A site with this id exists already.",
            E::CsrfRejected => {
                "This request did not come from the dashboard: reload the page and try again."
            }
            E::ParentNotFound => {
                "The comment you are replying to does not exist or is not published."
            }
            E::DuplicateComment => "You already said that: this comment was posted before.",
            E::Conflict => "This conflicts with something that already exists.",
            E::VersionMismatch => {
                "Someone else changed this in the meantime; reload it and try again."
            }
            E::PayloadTooLarge => "The request is too large.",
            E::UnsupportedMediaType => "Send JSON or form data.",
            E::ValidationFailed => "Some fields need your attention.",
            E::RateLimited => "You are doing that too often; please wait a moment and try again.",
            E::DbUnavailable => "The service is temporarily unavailable; please try again shortly.",
            E::Internal => "Something went wrong on our side.",
            E::InvalidCredentials => "The email or password is not correct.",
            E::ModeratorNotFound => "That moderator account does not exist.",
            E::EmailTaken => "A moderator account with this email already exists.",
            E::LastAdmin => {
                "This would leave the site without an active admin; make another admin first."
            }
            E::ArticleNotFound => "This site does not take comments on that article.",
            E::RequestTimeout => "The request took too long to arrive; please send it again.",
            E::TooManyConcurrentRequests => {
                "Too many requests from your address are in progress; wait for them to finish."
            }
            E::OriginNotAllowed => "Pages on this site may not call this service from a browser.",
            E::CorsRequestNotAllowed => {
                "Browsers may not make this request with that method or those headers."
            }
        }
        .to_owned(),
        Msg::Field(code) => match code {
            F::Required => "This field is required.".to_owned(),
            F::TooLong { max } => format!("This is too long: at most {max} characters."),
            F::InvalidEmail => "Enter a valid email address.".to_owned(),
            F::InvalidUrl => "Enter a valid web address.".to_owned(),
            F::InvalidUrlScheme => {
                "The web address must start with http:// or https://.".to_owned()
            }
            F::ControlCharacters => "This contains characters that are not allowed.".to_owned(),
            F::InvalidArticleId => "Article ids are 1-200 letters, digits or . _ - : /".to_owned(),
            F::InvalidNumber => "This must be a whole number.".to_owned(),
            F::OutOfRange { min, max } => format!("This must be between {min} and {max}."),
            F::InvalidCursor => {
                "This cursor is not valid; start again from the first page.".to_owned()
            }
            F::InvalidValue => "This value is not allowed.".to_owned(),
            F::TooShort { min } => format!("This is too short: at least {min} characters."),
            F::PasswordContainsEmail => {
                "The password must not contain the email address or its name part.".to_owned()
            }
            F::NothingToChange => "Say what to change: a status or a new body.".to_owned(),
            F::UnknownField => "There is no such field.".to_owned(),
            F::BelowHoldThreshold => {
                "The spam threshold may not be below the hold threshold.".to_owned()
            }
            F::UrlCredentials => {
                "The web address must not contain a user name or password.".to_owned()
            }
            F::InvisibleCharacters => {
                "This contains invisible or text-direction characters that are not allowed."
                    .to_owned()
            }
            F::TooSmall { min } => format!("This must be at least {min}."),
            F::ArticleNothingToChange => "Say what to change: closed or approval_mode.".to_owned(),
            F::InvalidSite => {
                "Site ids are 1-32 lowercase letters, digits or inner hyphens.".to_owned()
            }
            F::OriginTaken => "Another site lists this origin already.".to_owned(),
            F::InstanceWide => {
                "This setting holds for every site: change it on the default site.".to_owned()
            }
            F::PrivateAddress => {
                "This address is private, loopback or link-local: webhooks go to public addresses only."
                    .to_owned()
            }
            F::PublicSuffix => {
                "This is a public suffix shared by countless unrelated domains: name one domain."
                    .to_owned()
            }
        },
        Msg::Anonymous => "Anonymous".to_owned(),
        Msg::GoBack => "Go back to the form".to_owned(),
        Msg::SendAgain => "Send again".to_owned(),
        Msg::ReportReceived => "Thank you. Our moderators will review this comment.".to_owned(),
    }
}

fn ar(msg: Msg) -> String {
    use ErrorCode as E;
    use FieldCode as F;
    match msg {
        Msg::Error(code) => match code {
            E::MalformedBody => "تعذّرت قراءة الطلب: ليس JSON أو بيانات نموذج أو UTF-8 صالحة.",
            E::InvalidQuery => "معاملات الاستعلام غير صالحة.",
            E::Unauthorized => "يجب تسجيل الدخول للقيام بذلك.",
            E::Forbidden => "غير مسموح لك بالقيام بذلك.",
            E::CommentsClosed => "التعليقات مغلقة على هذا المقال.",
            E::EditWindowClosed => "انتهت مهلة تعديل هذا التعليق أو حذفه.",
            E::TooManyEdits => "عُدِّل هذا التعليق أقصى عدد مسموح به من المرات.",
            E::NotFound => "لم يُعثر على شيء هنا.",
            E::MethodNotAllowed => "هذا العنوان لا يقبل هذه الطريقة.",
            E::CommentNotFound => "هذا التعليق غير موجود.",
            E::LegalHold => "يشمل حجزٌ قانوني هذا الشخص أو تعليقاته: ارفعه قبل المحو.",
            E::HoldNotFound => "لا يوجد حجز قانوني قائم بهذا المعرّف.",
            E::SanctionNotFound => "لا توجد عقوبة قائمة بهذا المعرّف.",
            E::WebhookNotFound => "لا يوجد خطاف ويب بهذا المعرّف.",
            E::DeliveryNotFound => "لا توجد عملية تسليم بهذا المعرّف لهذا الخطاف.",
            E::MailNotConfigured => "لا يرسل هذا الخادم بريدًا (لم يُضبط MAJLIS_SMTP_URL).",
            E::AppealNotPossible => "لا يُتظلَّم إلا من تعليق مرفوض، ومرة واحدة فقط.",
            E::CommentingSuspended => "تعليقك موقوف مؤقتًا. يمكنك التعليق مجددًا عند انتهاء الإيقاف.",
            E::SiteNotFound => "لا يوجد موقع بهذا المعرّف.",
            E::SiteExists => "يوجد موقع بهذا المعرّف بالفعل.",
            E::CsrfRejected => "لم يأتِ هذا الطلب من لوحة الإشراف: أعد تحميل الصفحة وحاول مجددًا.",
            E::ParentNotFound => "التعليق الذي تردّ عليه غير موجود أو غير منشور.",
            E::DuplicateComment => "لقد قلت هذا من قبل: نُشر هذا التعليق سابقًا.",
            E::Conflict => "يتعارض هذا مع شيء موجود بالفعل.",
            E::VersionMismatch => "غيّر شخص آخر هذا في الأثناء؛ أعد تحميله وحاول مجددًا.",
            E::PayloadTooLarge => "الطلب كبير جدًا.",
            E::UnsupportedMediaType => "أرسل JSON أو بيانات نموذج.",
            E::ValidationFailed => "بعض الحقول تحتاج إلى مراجعة.",
            E::RateLimited => "أنت تكرر ذلك كثيرًا؛ انتظر قليلًا ثم حاول مجددًا.",
            E::DbUnavailable => "الخدمة غير متاحة مؤقتًا؛ حاول مجددًا بعد قليل.",
            E::Internal => "حدث خطأ من جهتنا.",
            E::InvalidCredentials => "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
            E::ModeratorNotFound => "حساب المشرف هذا غير موجود.",
            E::EmailTaken => "يوجد حساب مشرف بهذا البريد الإلكتروني بالفعل.",
            E::LastAdmin => "سيترك هذا الموقع بلا مدير فعّال؛ عيّن مديرًا آخر أولًا.",
            E::ArticleNotFound => "لا يقبل هذا الموقع تعليقات على هذا المقال.",
            E::RequestTimeout => "استغرق وصول الطلب وقتًا طويلًا؛ أرسله مجددًا.",
            E::TooManyConcurrentRequests => "طلبات كثيرة من عنوانك قيد التنفيذ؛ انتظر حتى تنتهي.",
            E::OriginNotAllowed => "لا يُسمح لصفحات هذا الموقع باستدعاء هذه الخدمة من المتصفح.",
            E::CorsRequestNotAllowed => {
                "لا يُسمح للمتصفحات بهذا الطلب بهذه الطريقة أو بهذه الترويسات."
            }
        }
        .to_owned(),
        Msg::Field(code) => match code {
            F::Required => "هذا الحقل مطلوب.".to_owned(),
            F::TooLong { max } => format!("النص طويل جدًا: {max} حرفًا على الأكثر."),
            F::InvalidEmail => "أدخل بريدًا إلكترونيًا صالحًا.".to_owned(),
            F::InvalidUrl => "أدخل عنوان موقع صالحًا.".to_owned(),
            F::InvalidUrlScheme => "يجب أن يبدأ عنوان الموقع بـ http:// أو https://.".to_owned(),
            F::ControlCharacters => "يحتوي على محارف غير مسموح بها.".to_owned(),
            F::InvalidArticleId => "معرّف المقال من 1 إلى 200 حرف أو رقم أو من . _ - : /".to_owned(),
            F::InvalidNumber => "يجب أن يكون عددًا صحيحًا.".to_owned(),
            F::OutOfRange { min, max } => format!("يجب أن يكون بين {min} و{max}."),
            F::InvalidCursor => "مؤشر الصفحة غير صالح؛ ابدأ من الصفحة الأولى.".to_owned(),
            F::InvalidValue => "هذه القيمة غير مسموح بها.".to_owned(),
            F::TooShort { min } => format!("النص قصير جدًا: {min} حرفًا على الأقل."),
            F::PasswordContainsEmail => {
                "يجب ألا تحتوي كلمة المرور على البريد الإلكتروني أو الاسم الذي قبل @.".to_owned()
            }
            F::NothingToChange => "حدّد ما تريد تغييره: الحالة أو نصًا جديدًا.".to_owned(),
            F::UnknownField => "لا يوجد حقل بهذا الاسم.".to_owned(),
            F::BelowHoldThreshold => {
                "لا يجوز أن يكون حد الرسائل المزعجة أدنى من حد الحجز.".to_owned()
            }
            F::UrlCredentials => {
                "يجب ألا يحتوي عنوان الموقع على اسم مستخدم أو كلمة مرور.".to_owned()
            }
            F::InvisibleCharacters => {
                "يحتوي على محارف خفية أو محارف تحكم باتجاه النص غير مسموح بها.".to_owned()
            }
            F::TooSmall { min } => format!("يجب ألا يقل عن {min}."),
            F::ArticleNothingToChange => "حدّد ما تريد تغييره: closed أو approval_mode.".to_owned(),
            F::InvalidSite => {
                "معرّف الموقع من 1 إلى 32 حرفًا لاتينيًا صغيرًا أو رقمًا أو شرطة داخلية.".to_owned()
            }
            F::OriginTaken => "يذكر موقع آخر هذا المصدر بالفعل.".to_owned(),
            F::InstanceWide => {
                "يسري هذا الإعداد على كل المواقع: غيّره في الموقع الافتراضي.".to_owned()
            }
            F::PrivateAddress => {
                "هذا العنوان خاص أو محلي: لا تُرسل خطافات الويب إلا إلى عناوين عامة.".to_owned()
            }
            F::PublicSuffix => {
                "هذه لاحقة عامة تشترك فيها نطاقات لا حصر لها: اذكر نطاقًا واحدًا.".to_owned()
            }
        },
        Msg::Anonymous => "مجهول".to_owned(),
        Msg::GoBack => "العودة إلى النموذج".to_owned(),
        Msg::SendAgain => "أرسل مجددًا".to_owned(),
        Msg::ReportReceived => "شكرًا لك. سيراجع المشرفون هذا التعليق.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_distinct_ar_and_en_messages() {
        for code in ErrorCode::all() {
            let a = Lang::Ar.text(Msg::Error(code));
            let e = Lang::En.text(Msg::Error(code));
            assert!(!a.is_empty() && !e.is_empty());
            assert_ne!(a, e, "{code:?}");
            assert!(a.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        }
    }

    #[test]
    fn negotiation_honours_q_values_and_falls_back_to_the_default() {
        assert_eq!(Lang::negotiate(None, Lang::Ar), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9"), Lang::Ar), Lang::En);
        assert_eq!(
            Lang::negotiate(Some("fr, en;q=0.5, ar;q=0.8"), Lang::En),
            Lang::Ar
        );
        assert_eq!(Lang::negotiate(Some("fr, de"), Lang::En), Lang::En);
        assert_eq!(Lang::negotiate(Some("ar-EG"), Lang::En), Lang::Ar);
        assert_eq!(
            Lang::negotiate(Some("en;q=0, ar;q=0.1"), Lang::En),
            Lang::Ar
        );
        assert_eq!(Lang::negotiate(Some("*"), Lang::En), Lang::En);
    }

    #[test]
    fn input_field_codes_have_distinct_ar_and_en_messages() {
        for code in [
            FieldCode::UrlCredentials,
            FieldCode::InvisibleCharacters,
            FieldCode::TooSmall { min: 1 },
            FieldCode::ArticleNothingToChange,
            FieldCode::InvalidSite,
            FieldCode::OriginTaken,
            FieldCode::InstanceWide,
            FieldCode::PrivateAddress,
            FieldCode::PublicSuffix,
            FieldCode::ControlCharacters,
            FieldCode::InvalidCursor,
        ] {
            let a = Lang::Ar.text(Msg::Field(code));
            let e = Lang::En.text(Msg::Field(code));
            assert_ne!(a, e, "{code:?}");
            assert!(a.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        }
        assert_eq!(FieldCode::TooSmall { min: 1 }.as_str(), "out_of_range");
        assert!(
            Lang::En
                .text(Msg::Field(FieldCode::TooSmall { min: 1 }))
                .contains('1')
        );
    }

    #[test]
    fn parameterised_field_messages_carry_their_numbers() {
        let m = Lang::En.text(Msg::Field(FieldCode::TooLong { max: 100 }));
        assert!(m.contains("100"));
        let m = Lang::Ar.text(Msg::Field(FieldCode::TooLong { max: 5000 }));
        assert!(m.contains("5000"));
    }
}
