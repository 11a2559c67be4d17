//! A streaming reader of WordPress export files (WXR: RSS 2.0 with the
//! `wp`, `content`, `dc` namespaces). It yields one post at a time with
//! its comments, so memory is bounded by the largest post, not the file.
//! Pure: no database, no I/O beyond the `BufRead` it is given.
//!
//! Elements are matched by their conventional prefixes (`wp:post_id`,
//! `wp:comment`, ...), which is what WordPress writes in every WXR version.

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{BufRead, Read};

/// Where a problem is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WxrError {
    /// 1-based line of the input where reading stopped.
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WxrPost {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub post_type: String,
    pub status: String,
    /// `wp:post_date_gmt`, else `wp:post_date` read as UTC.
    pub date: Option<DateTime<Utc>>,
    pub comments: Vec<WxrComment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WxrComment {
    pub id: i64,
    pub author: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    /// `wp:comment_date_gmt`, else `wp:comment_date` read as UTC.
    pub date: Option<DateTime<Utc>>,
    pub content: String,
    /// `1`, `0`, `spam`, `trash`, `post-trashed`
    pub approved: String,
    /// empty or `comment` for comments; `pingback`, `trackback` for pings
    pub comment_type: String,
    /// 0 when top-level
    pub parent: i64,
}

impl WxrComment {
    pub fn is_ping(&self) -> bool {
        matches!(self.comment_type.as_str(), "pingback" | "trackback")
    }
}

/// WordPress dates: `2024-11-20 08:15:00`; `0000-00-00 00:00:00` is none.
pub fn parse_wp_date(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// A `BufRead` that counts the lines the parser has consumed, so errors
/// can name the line without reading the input twice.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += buf[..amt].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// Reads posts one by one. The site's address (`wp:base_site_url`, else
/// the channel's `link`) is known once the first post has been read.
pub struct WxrReader<R: BufRead> {
    xml: Reader<LineCounter<R>>,
    buf: Vec<u8>,
    path: Vec<String>,
    text: String,
    site: Option<String>,
    channel_link: Option<String>,
    saw_rss: bool,
    finished: bool,
}

fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn number(field: &str, s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse()
        .map_err(|_| format!("<{field}> is not a number: {:?}", truncate(t)))
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(input: R) -> Self {
        let mut xml = Reader::from_reader(LineCounter {
            inner: input,
            newlines: 0,
        });
        let c = xml.config_mut();
        c.check_end_names = true;
        c.expand_empty_elements = true;
        WxrReader {
            xml,
            buf: Vec::new(),
            path: Vec::new(),
            text: String::new(),
            site: None,
            channel_link: None,
            saw_rss: false,
            finished: false,
        }
    }

    /// The site the file came from (trailing `/` removed).
    pub fn site(&self) -> Option<&str> {
        self.site.as_deref().or(self.channel_link.as_deref())
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().newlines + 1
    }

    fn error(&self, message: impl Into<String>) -> WxrError {
        WxrError {
            line: self.line(),
            message: message.into(),
        }
    }

    /// The next post (any `<item>`), or `None` at the end of the file.
    pub fn next_post(&mut self) -> Result<Option<WxrPost>, WxrError> {
        if self.finished {
            return Ok(None);
        }
        let mut post: Option<WxrPost> = None;
        let mut comment: Option<WxrComment> = None;
        loop {
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    let msg = format!("malformed XML: {e}");
                    return Err(self.error(msg));
                }
            };
            match event {
                Event::Start(s) => {
                    let name = s.name().as_ref().to_owned();
                    if self.path.is_empty() {
                        if name != "rss" {
                            return Err(self.error(format!(
                                "not a WordPress export: the root element is <{name}>, not <rss>"
                            )));
                        }
                        self.saw_rss = true;
                    }
                    match name.as_str() {
                        "item" => post = Some(WxrPost::default()),
                        "wp:comment" if post.is_some() => comment = Some(WxrComment::default()),
                        _ => {}
                    }
                    self.path.push(name);
                    self.text.clear();
                }
                Event::Text(t) => self.text.push_str(&t.xml10_content()),
                Event::CData(t) => self.text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => resolve_entity(&r),
                        Err(_) => None,
                    };
                    match c {
                        Some(c) => self.text.push(c),
                        None => {
                            let msg = format!("unknown entity &{};", truncate(&r));
                            return Err(self.error(msg));
                        }
                    }
                }
                Event::End(_) => {
                    let name = self.path.pop().unwrap_or_default();
                    let parent = self.path.last().map(String::as_str).unwrap_or("");
                    let text = std::mem::take(&mut self.text);
                    match (parent, name.as_str()) {
                        ("channel", "wp:base_site_url") => {
                            self.site = Some(text.trim().trim_end_matches('/').to_owned());
                        }
                        ("channel", "link") => {
                            self.channel_link = Some(text.trim().trim_end_matches('/').to_owned());
                        }
                        (_, "item") => {
                            if let Some(p) = post.take() {
                                return Ok(Some(p));
                            }
                        }
                        ("item", "wp:comment") => {
                            if let (Some(p), Some(c)) = (post.as_mut(), comment.take()) {
                                p.comments.push(c);
                            }
                        }
                        ("item", field) => {
                            if let Some(p) = post.as_mut() {
                                self.post_field(p, field, text)?;
                            }
                        }
                        ("wp:comment", field) => {
                            if let Some(c) = comment.as_mut() {
                                Self::comment_field(c, field, text).map_err(|m| self.error(m))?;
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => {
                    if let Some(open) = self.path.last() {
                        let msg = format!("unexpected end of file inside <{open}> (truncated?)");
                        return Err(self.error(msg));
                    }
                    if !self.saw_rss {
                        return Err(self.error("not a WordPress export: no <rss> element"));
                    }
                    self.finished = true;
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    fn post_field(&self, p: &mut WxrPost, field: &str, text: String) -> Result<(), WxrError> {
        match field {
            "title" => p.title = text.trim().to_owned(),
            "link" => p.link = text.trim().to_owned(),
            "wp:post_id" => p.id = number(field, &text).map_err(|m| self.error(m))?,
            "wp:post_type" => p.post_type = text.trim().to_owned(),
            "wp:status" => p.status = text.trim().to_owned(),
            "wp:post_date_gmt" => {
                if let Some(d) = parse_wp_date(&text) {
                    p.date = Some(d);
                }
            }
            "wp:post_date" if p.date.is_none() => p.date = parse_wp_date(&text),
            _ => {}
        }
        Ok(())
    }

    fn comment_field(c: &mut WxrComment, field: &str, text: String) -> Result<(), String> {
        match field {
            "wp:comment_id" => c.id = number(field, &text)?,
            "wp:comment_author" => c.author = text,
            "wp:comment_author_email" => c.author_email = text.trim().to_owned(),
            "wp:comment_author_url" => c.author_url = text.trim().to_owned(),
            "wp:comment_author_IP" => c.author_ip = text.trim().to_owned(),
            "wp:comment_date_gmt" => {
                if let Some(d) = parse_wp_date(&text) {
                    c.date = Some(d);
                }
            }
            "wp:comment_date" if c.date.is_none() => c.date = parse_wp_date(&text),
            "wp:comment_content" => c.content = text,
            "wp:comment_approved" => c.approved = text.trim().to_owned(),
            "wp:comment_type" => c.comment_type = text.trim().to_owned(),
            "wp:comment_parent" => c.parent = number(field, &text)?,
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Site</title>
  <link>https://news.example</link>
  <wp:base_site_url>https://news.example/</wp:base_site_url>
  <item>
    <title>A &amp; B</title>
    <link>https://news.example/?p=12</link>
    <wp:post_id>12</wp:post_id>
    <wp:post_date_gmt><![CDATA[2024-11-20 08:00:00]]></wp:post_date_gmt>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:comment>
      <wp:comment_id>5</wp:comment_id>
      <wp:comment_author><![CDATA[سارة]]></wp:comment_author>
      <wp:comment_date>2024-11-20 10:15:00</wp:comment_date>
      <wp:comment_date_gmt>2024-11-20 08:15:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[<b>شكرًا</b> &amp; more]]></wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved>
      <wp:comment_parent>0</wp:comment_parent>
      <wp:commentmeta><wp:meta_key>x</wp:meta_key><wp:meta_value>y</wp:meta_value></wp:commentmeta>
    </wp:comment>
  </item>
</channel>
</rss>
"#;

    #[test]
    fn reads_posts_comments_cdata_and_entities() {
        let mut r = WxrReader::new(SMALL.as_bytes());
        let p = r.next_post().unwrap().unwrap();
        assert_eq!(r.site(), Some("https://news.example"));
        assert_eq!(p.id, 12);
        assert_eq!(p.title, "A & B");
        assert_eq!(p.post_type, "post");
        assert_eq!(p.date, parse_wp_date("2024-11-20 08:00:00"));
        assert_eq!(p.comments.len(), 1);
        let c = &p.comments[0];
        assert_eq!(c.id, 5);
        assert_eq!(c.author, "سارة");
        // CDATA is taken literally: the entity stays as written.
        assert_eq!(c.content, "<b>شكرًا</b> &amp; more");
        assert_eq!(c.date, parse_wp_date("2024-11-20 08:15:00"));
        assert_eq!(c.approved, "1");
        assert!(r.next_post().unwrap().is_none());
    }

    #[test]
    fn a_truncated_file_names_its_last_line() {
        let cut = &SMALL[..SMALL.find("<wp:comment_approved>").unwrap()];
        let lines = cut.matches('\n').count() as u64 + 1;
        let mut r = WxrReader::new(cut.as_bytes());
        let e = r.next_post().unwrap_err();
        assert_eq!(e.line, lines);
        assert!(e.message.contains("end of file"), "{e}");
    }

    #[test]
    fn a_mismatched_tag_names_its_line() {
        let bad = SMALL.replace("</wp:comment_author>", "</wp:comment_autor>");
        let line = bad
            .lines()
            .position(|l| l.contains("comment_autor>"))
            .unwrap() as u64
            + 1;
        let e = WxrReader::new(bad.as_bytes()).next_post().unwrap_err();
        assert_eq!(e.line, line, "{e}");
        assert!(e.message.contains("malformed XML"), "{e}");
    }

    #[test]
    fn other_documents_are_refused() {
        let e = WxrReader::new("<html></html>".as_bytes())
            .next_post()
            .unwrap_err();
        assert!(e.message.contains("not a WordPress export"));
        let e = WxrReader::new("".as_bytes()).next_post().unwrap_err();
        assert!(e.message.contains("no <rss>"));
    }

    #[test]
    fn wordpress_zero_dates_are_none() {
        assert_eq!(parse_wp_date("0000-00-00 00:00:00"), None);
        assert!(parse_wp_date("2024-02-29 23:59:59").is_some());
    }
}
