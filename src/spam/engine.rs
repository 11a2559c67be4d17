//! The scorer: the facts of a comment, every rule's contribution, the
//! verdict.

use super::facts::{Facts, Reason, SpamInput, SpamRules, Verdict};
use super::normalize::Normalized;
use super::rules;

/// Score a comment: the sum of every rule's points (never below zero).
pub fn score(input: &SpamInput, rules: &SpamRules) -> Verdict {
    score_facts(&Facts::new(input, rules), rules)
}

/// [`score`] with the body and the author name already normalised.
pub fn score_normalized(
    input: &SpamInput,
    rules: &SpamRules,
    body: Normalized,
    name: Normalized,
) -> Verdict {
    score_facts(&Facts::of(input, rules, body, name), rules)
}

fn score_facts(facts: &Facts, rules: &SpamRules) -> Verdict {
    let mut reasons: Vec<Reason> = Vec::new();
    let singles = [
        rules::honeypot(facts, rules),
        rules::form_token(facts, rules),
        rules::links(facts, rules),
        rules::link_in_name(facts, rules),
        rules::shortener(facts, rules),
        rules::lookalike_host(facts, rules),
        rules::cheap_tld(facts, rules),
        rules::held_words(facts, rules),
        rules::blocked_words(facts, rules),
        rules::blocked_domain(facts, rules),
        rules::disposable_email(facts, rules),
        rules::duplicate_text(facts, rules),
        rules::invisible_chars(facts, rules),
        rules::bidi_override(facts, rules),
        rules::mixed_script(facts, rules),
        rules::lookalike_letters(facts, rules),
        rules::scattered_marks(facts, rules),
        rules::spaced_letters(facts, rules),
        rules::stretched_words(facts, rules),
        rules::defanged_link(facts, rules),
        rules::link_markup(facts, rules),
        rules::link_only(facts, rules),
        rules::hashtags(facts, rules),
        rules::shouting(facts, rules),
        rules::no_letters(facts, rules),
        rules::phone_number(facts, rules),
        rules::contact_request(facts, rules),
        rules::commercial_vocabulary(facts, rules),
        rules::commercial_name(facts, rules),
        rules::income_claim(facts, rules),
        rules::foreign_script(facts, rules),
        rules::learner(facts, rules),
    ];
    reasons.extend(singles.into_iter().flatten());
    reasons.extend(rules::author_history(facts, rules));
    Verdict::of(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_build_from_settings_with_struct_update() {
        let held: Vec<String> = vec!["كازينو".into()];
        let blocked: Vec<String> = vec!["viagra".into(), "  ".into()];
        let domains: Vec<String> = vec!["https://www.Spam.Example/".into()];
        let r = SpamRules {
            max_links: 3,
            ..SpamRules::new(&held, &blocked, &domains)
        };
        assert_eq!(r.max_links, 3);
        assert_eq!(r.blocked_words(), ["viagra"]);
        assert_eq!(r.blocked_domains(), ["spam.example"]);
        assert_eq!(r.held_words().len(), 1);
    }

    #[test]
    fn verdict_serializes_as_the_api_shows_it() {
        let v = Verdict {
            score: 5.5,
            reasons: vec![Reason::new(
                "held_word",
                5.5,
                "matched held word \"x\" in body",
            )],
        };
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["reasons"][0]["rule"], "held_word");
        assert_eq!(json["reasons"][0]["score"], 5.5);
    }
}
