//! Link extraction from normalised text: URLs (with or without a scheme),
//! e-mail addresses, their hosts in ASCII and Unicode form.

use linkify::{LinkFinder, LinkKind};

use super::defang::deobfuscate_links;
use super::vocab::{BARE_TLDS, CHEAP_TLDS, CONTACT_HOSTS, SHORTENERS};

/// One link found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Host in ASCII (punycode) form, lowercase, without `www.`.
    pub host: String,
    /// Host decoded to Unicode (`xn--pple-43d.com` -> `аpple.com`).
    pub unicode_host: String,
    /// An e-mail address rather than a URL.
    pub is_email: bool,
}

impl Link {
    pub fn tld(&self) -> &str {
        self.host.rsplit('.').next().unwrap_or_default()
    }

    /// The host or one of its parent domains is in `domains`.
    pub fn host_in(&self, domains: &[&str]) -> bool {
        domains.iter().any(|d| host_matches(&self.host, d))
    }

    pub fn is_shortener(&self) -> bool {
        !self.is_email && self.host_in(&SHORTENERS)
    }

    pub fn is_contact(&self) -> bool {
        !self.is_email && self.host_in(&CONTACT_HOSTS)
    }

    pub fn has_cheap_tld(&self) -> bool {
        !self.is_email && CHEAP_TLDS.contains(&self.tld())
    }
}

/// `host` is `domain` or a subdomain of it.
pub fn host_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Normalise a host: lowercase, no trailing dot, no `www.`, ASCII form.
pub fn clean_host(host: &str) -> String {
    let h = host.trim().trim_end_matches('.').to_lowercase();
    let h = h.strip_prefix("www.").unwrap_or(&h);
    match idna::domain_to_ascii(h) {
        Ok(a) if !a.is_empty() => a,
        _ => h.to_owned(),
    }
}

fn to_unicode(ascii: &str) -> String {
    if ascii.contains("xn--") {
        idna::domain_to_unicode(ascii).0
    } else {
        ascii.to_owned()
    }
}

/// Host of a URL written with or without a scheme.
pub fn url_host(url: &str) -> Option<String> {
    let s = url.trim();
    let rest = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s.strip_prefix("//").unwrap_or(s),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() || !host.contains('.') && !host.contains(':') {
        return None;
    }
    Some(clean_host(host))
}

/// Domain of an e-mail address, cleaned like a host.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    if domain.is_empty() {
        return None;
    }
    Some(clean_host(domain))
}

/// What finds addresses in a comment ([`extract_links`] and
/// [`words_besides_links`] agree on what a link is): URLs with or without
/// a scheme, and e-mail addresses.
fn link_finder() -> LinkFinder {
    let mut finder = LinkFinder::new();
    finder
        .url_must_have_scheme(false)
        .kinds(&[LinkKind::Url, LinkKind::Email]);
    finder
}

/// The words of `text` besides its links and any HTML tags: tokens with
/// two letters or more outside what [`link_finder`] calls an address. A
/// comment that is a link and nothing more has none or one or two ("see
/// this").
pub fn words_besides_links(text: &str) -> usize {
    // A tag opens at `<` before a letter, `/` or `!` and only if a `>`
    // closes it: `Prices < 5` and `<3` are text.
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        plain.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let opens = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>').filter(|_| opens) {
            Some(end) => {
                plain.push(' ');
                rest = &after[end + 1..];
            }
            None => {
                plain.push('<');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    link_finder()
        .spans(&plain)
        .filter(|span| span.kind().is_none())
        .flat_map(|span| span.as_str().split_whitespace())
        .filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .count()
}

/// Links wrapped in markup that a plain-text comment form does not render,
/// which a bot pastes into every form it finds: an HTML anchor
/// (`<a href=...>`), a BBCode link (`[url=...]`, `[url]...`, `[link=...]`)
/// and a Markdown link with a title (`[text](http://x "text")`), the form
/// link-building tools write. A plain Markdown link (`[text](http://x)`) is
/// how many people write a link and does not count, nor does `<a>` without
/// an address, nor text about HTML that has no address in it.
pub fn count_link_markup(text: &str) -> u32 {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|b| matches!(b, b'<' | b'[')) {
        return 0;
    }
    let lower = bytes.to_ascii_lowercase();
    // The candidates come in order, so each search below is a cursor that
    // only moves forward: every byte is passed a bounded number of times
    // however hostile the body (ten thousand unclosed `<a ` cost one pass).
    let mut tag_end = Cursor::new(|s: &[u8], i: usize| s[i] == b'>');
    let mut href = Cursor::new(|s: &[u8], i: usize| s[i..].starts_with(b"href"));
    let mut addr_end = Cursor::new(|s: &[u8], i: usize| s[i].is_ascii_whitespace() || s[i] == b')');
    let mut n: u32 = 0;
    for i in 0..lower.len() {
        if !matches!(lower[i], b'<' | b'[' | b']') {
            continue;
        }
        let rest = &lower[i..];
        if rest.starts_with(b"<a") && rest.get(2).is_some_and(|c| c.is_ascii_whitespace()) {
            // `<a` then whitespace, with `href` inside the same tag.
            if href.next(&lower, i + 2) < tag_end.next(&lower, i + 2) {
                n = n.saturating_add(1);
            }
        } else if rest.starts_with(b"[url=")
            || rest.starts_with(b"[url]")
            || rest.starts_with(b"[link=")
        {
            n = n.saturating_add(1);
        } else if rest.starts_with(b"](http") {
            // `](http` + address + spaces + a quote: a titled Markdown link.
            let after = &lower[addr_end.next(&lower, i + 2)..];
            let quote = after.iter().find(|&&c| c != b' ' && c != b'\t');
            if matches!(after.first(), Some(b' ' | b'\t')) && matches!(quote, Some(b'"' | b'\'')) {
                n = n.saturating_add(1);
            }
        }
    }
    n
}

/// The next position, at or after a given one, where `hit` holds (or the
/// end), for positions asked in increasing order: the cursor never moves
/// back, so a whole scan costs one pass.
struct Cursor<F: Fn(&[u8], usize) -> bool> {
    at: usize,
    hit: F,
}

impl<F: Fn(&[u8], usize) -> bool> Cursor<F> {
    fn new(hit: F) -> Cursor<F> {
        Cursor { at: 0, hit }
    }

    fn next(&mut self, s: &[u8], from: usize) -> usize {
        self.at = self.at.max(from);
        while self.at < s.len() && !(self.hit)(s, self.at) {
            self.at += 1;
        }
        self.at
    }
}

/// Every URL and e-mail address in `text` (normalised or raw), after undoing
/// `hxxp`, `[.]`, `(dot)`, `نقطة كوم` and similar obfuscations.
pub fn extract_links(text: &str) -> Vec<Link> {
    let clear = deobfuscate_links(text);
    let finder = link_finder();
    let mut out = Vec::new();
    for l in finder.links(&clear) {
        let raw = l.as_str();
        let is_email = *l.kind() == LinkKind::Email;
        let host = if is_email {
            email_domain(raw)
        } else {
            url_host(raw)
        };
        let Some(host) = host else { continue };
        let explicit = raw.contains("://") || raw.to_ascii_lowercase().starts_with("www.");
        let tld = host.rsplit('.').next().unwrap_or_default();
        let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let known_host = SHORTENERS
            .iter()
            .chain(CONTACT_HOSTS.iter())
            .any(|h| host == *h);
        if !tld_ok
            || (!explicit
                && !is_email
                && !known_host
                && !BARE_TLDS.contains(&tld)
                && !tld.starts_with("xn--"))
        {
            continue;
        }
        let unicode_host = to_unicode(&host);
        out.push(Link {
            host,
            unicode_host,
            is_email,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_besides_links_leave_out_addresses_and_tags() {
        assert_eq!(words_besides_links("https://pills.example/buy"), 0);
        assert_eq!(
            words_besides_links(
                "news24.example  <a href=http://news24.example/#>news24.example</a>"
            ),
            0
        );
        assert_eq!(words_besides_links("see this: www.example.com/x"), 2);
        assert_eq!(
            words_besides_links("The minister said so, https://news.example/a"),
            4
        );
        assert_eq!(words_besides_links("Mr. Smith is right. I agree."), 5);
        // A lone `<` is text, not a tag that swallows the rest.
        assert_eq!(
            words_besides_links("Prices < 5 dollars here are rare, source: https://news.example/a"),
            6
        );
        assert_eq!(words_besides_links("love this <3 https://a.example/x"), 2);
    }

    #[test]
    fn link_markup_is_html_bbcode_and_titled_markdown_links() {
        assert_eq!(
            count_link_markup(r#"great post <a href="http://pills.example/">cheap pills</a>"#),
            1
        );
        assert_eq!(count_link_markup("<A\n  HREF='http://x.example'>x</A>"), 1);
        assert_eq!(
            count_link_markup("[url=http://a.example]a[/url] and [URL]http://b.example[/URL]"),
            2
        );
        assert_eq!(count_link_markup("[link=http://a.example]a[/link]"), 1);
        assert_eq!(
            count_link_markup(r#"My web page :: [kw](http://kw.example/ "kw")"#),
            1
        );
        // What people write, and text about markup, is not counted.
        assert_eq!(
            count_link_markup("see [the docs](https://docs.example/x)"),
            0
        );
        assert_eq!(
            count_link_markup("use <a> and <abbr title=x> in the template"),
            0
        );
        assert_eq!(count_link_markup("the [1] footnote and a[i] < b"), 0);
        assert_eq!(count_link_markup("plain https://news.example/story"), 0);
        assert_eq!(count_link_markup(""), 0);
        // Hostile bodies: unclosed tags and links by the thousand, with
        // letters of other scripts between them, are counted, not choked on.
        let unclosed = "<a href=x ".repeat(20_000);
        assert_eq!(count_link_markup(&unclosed), 20_000);
        let links = "[x](httpé ".repeat(20_000) + "[t](http://x \"t\")";
        assert_eq!(count_link_markup(&links), 1);
        assert_eq!(count_link_markup(&"[url=".repeat(30_000)), 30_000);
        assert_eq!(count_link_markup("ي<a\u{00A0}href=x>"), 0);
    }

    fn hosts(text: &str) -> Vec<String> {
        extract_links(text).into_iter().map(|l| l.host).collect()
    }

    #[test]
    fn finds_schemes_bare_domains_and_obfuscations() {
        assert_eq!(
            hosts("see https://www.bbc.com/arabic and reuters.com"),
            vec!["bbc.com", "reuters.com"]
        );
        assert_eq!(hosts("hxxps://win-big[.]xyz/promo"), vec!["win-big.xyz"]);
        assert_eq!(hosts("ادخل موقع winbet نقطة كوم الان"), vec!["winbet.com"]);
        assert_eq!(hosts("bestbet (dot) net"), vec!["bestbet.net"]);
    }

    #[test]
    fn prose_with_dots_is_not_a_link() {
        assert!(hosts("e.g. the U.S. army, file.txt, 3.5 percent, i.e. nothing").is_empty());
        assert!(hosts("انتهى الامر.والله المستعان").is_empty());
    }

    #[test]
    fn emails_are_links_of_their_own_kind() {
        let l = extract_links("write to joe[at]mail.example.com");
        assert_eq!(l.len(), 1);
        assert!(l[0].is_email);
        assert_eq!(l[0].host, "mail.example.com");
    }

    #[test]
    fn shorteners_contact_hosts_and_cheap_tlds() {
        assert_eq!(hosts("rb.gy/x7k2 and s.id/abc"), vec!["rb.gy", "s.id"]);
        let l = extract_links("bit.ly/3xYz wa.me/966500000000 https://prize.xyz");
        assert!(l[0].is_shortener());
        assert!(l[1].is_contact());
        assert!(l[2].has_cheap_tld());
        assert!(host_matches("news.bbc.co.uk", "bbc.co.uk"));
        assert!(!host_matches("evilbbc.co.uk", "bbc.co.uk"));
    }
}
