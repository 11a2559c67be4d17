//! Realistic comment bodies for the benchmarks: 300 to 2,000 characters of
//! Arabic, English, or both (switching every dozen words), the same for the
//! same `n` on every run. Included by `bench/spam_engine.rs`,
//! `bench/public_reads.rs` and the spam engine's differential test
//! (`src/spam/equivalence.rs`) with `#[path]`: changing it changes that
//! test's recorded digests.

const ARABIC: &[&str] = &[
    "الحكومة",
    "القرار",
    "المواطنين",
    "الاقتصاد",
    "الأسعار",
    "المدينة",
    "التقرير",
    "السياسة",
    "المستقبل",
    "الشباب",
    "التعليم",
    "المستشفى",
    "شكرا",
    "على",
    "هذا",
    "المقال",
    "أتفق",
    "مع",
    "الكاتب",
    "لكن",
    "يجب",
    "أن",
    "نفكر",
    "في",
    "الحلول",
    "العملية",
    "الوضع",
    "صعب",
    "جدا",
    "نريد",
    "أفعالا",
    "حقيقية",
    "البلد",
    "تستحق",
    "الأفضل",
    "تحليل",
    "ممتاز",
    "أختلف",
    "معك",
];
const ENGLISH: &[&str] = &[
    "the",
    "government",
    "decision",
    "citizens",
    "economy",
    "prices",
    "report",
    "policy",
    "future",
    "young",
    "people",
    "education",
    "hospital",
    "thanks",
    "for",
    "this",
    "article",
    "I",
    "agree",
    "with",
    "author",
    "but",
    "we",
    "should",
    "think",
    "about",
    "practical",
    "solutions",
    "situation",
    "is",
    "very",
    "hard",
    "want",
    "real",
    "action",
    "country",
];

/// Body number `n`: distinct for every `n` (it starts with `n`).
pub fn realistic_body(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let target = 300 + next(1701);
    let mut body = format!("{n}");
    let mut words = 0usize;
    loop {
        let arabic = match n % 3 {
            0 => true,
            1 => false,
            _ => (words / 12).is_multiple_of(2),
        };
        let pool = if arabic { ARABIC } else { ENGLISH };
        let word = pool[next(pool.len())];
        if body.chars().count() + word.chars().count() + 1 > target {
            break;
        }
        body.push(' ');
        body.push_str(word);
        words += 1;
    }
    body
}
