//! A streaming reader of WordPress export files (WXR: RSS 2.0 with the
//! `wp`, `content`, `dc` namespaces). It yields one post at a time with
//! its comments, so memory is bounded by the largest post, not the file.
//! Pure: no database, no I/O beyond the `BufRead` it is given.
//!
//! Elements are matched by their conventional prefixes (`wp:post_id`,
//! `wp:comment`, ...), which is what WordPress writes in every WXR version.
//!
//! Memory stays bounded whatever the file holds: the XML parser buffers a
//! whole text or CDATA section at once, so the input first passes through
//! [`Bounded`], which cuts every text, CDATA, comment or attribute value
//! after [`TEXT_CAP`] bytes (keeping the XML well formed) and remembers
//! where it cut. A comment whose text was cut says so
//! (`WxrComment::content_truncated`) instead of holding it.

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
    /// The text was longer than [`TEXT_CAP`] bytes in the file: `content`
    /// is empty, and the comment must not be imported as if complete.
    pub content_truncated: bool,
}

impl WxrComment {
    pub fn is_ping(&self) -> bool {
        matches!(self.comment_type.as_str(), "pingback" | "trackback")
    }

    /// A comment a reader wrote: `wp:comment_type` empty or `comment`.
    /// Everything else is something else: pings, WordPress 6.9 editorial
    /// `note`s, ActivityPub `like`/`repost` reactions, plugin types.
    pub fn is_reader_comment(&self) -> bool {
        matches!(self.comment_type.as_str(), "" | "comment")
    }
}

/// The most bytes of one text, CDATA section, XML comment or attribute
/// value kept while reading; the rest is dropped as it streams by.
pub const TEXT_CAP: usize = 1 << 20;
/// The most bytes of markup (a tag outside its quoted values) accepted.
const MARKUP_CAP: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Text,
    /// After `<`: the first bytes decide what this is.
    Open,
    Markup,
    Quoted(u8),
    Comment,
    CData,
}

/// A reader that passes XML through, cutting over-long runs of content
/// (see [`TEXT_CAP`]) at a character boundary and outside any entity, and
/// refusing absurd markup. Pure byte-level lexing: it does not parse.
pub struct Bounded<R> {
    inner: R,
    cap: usize,
    lex: Lex,
    /// The bytes after `<` seen so far (up to 8), to recognize `!--` and
    /// `![CDATA[`.
    open: Vec<u8>,
    /// Bytes of the current run (content or markup).
    run: usize,
    dropping: bool,
    in_entity: bool,
    /// The last two bytes read (emitted or not), for `-->` and `]]>`.
    last: [u8; 2],
    pending: std::collections::VecDeque<u8>,
    /// Bytes passed on so far.
    emitted: u64,
    /// Output offsets at which a run was cut.
    cuts: Vec<u64>,
    /// Newlines dropped with cut content (so line numbers stay right).
    dropped_newlines: u64,
}

impl<R: BufRead> Bounded<R> {
    pub fn new(inner: R, cap: usize) -> Self {
        Bounded {
            inner,
            cap,
            lex: Lex::Text,
            open: Vec::with_capacity(8),
            run: 0,
            dropping: false,
            in_entity: false,
            last: [0, 0],
            pending: std::collections::VecDeque::new(),
            emitted: 0,
            cuts: Vec::new(),
            dropped_newlines: 0,
        }
    }

    /// Whether a run was cut between these output offsets.
    fn cut_between(&self, from: u64, to: u64) -> bool {
        self.cuts.iter().any(|&c| c >= from && c <= to)
    }

    /// Forgets cuts before `offset`.
    fn forget_cuts_before(&mut self, offset: u64) {
        self.cuts.retain(|&c| c >= offset);
    }

    fn start_run(&mut self, lex: Lex) {
        self.lex = lex;
        self.run = 0;
        self.dropping = false;
        self.in_entity = false;
    }

    /// Emits `b` unless the run is over the cap; starts dropping only at a
    /// character boundary and outside an entity.
    fn content(&mut self, b: u8) {
        self.run += 1;
        if !self.dropping && self.run > self.cap {
            let continuation = b & 0xC0 == 0x80;
            let entity_open = self.in_entity && self.run <= self.cap + 32;
            if !continuation && !entity_open {
                self.dropping = true;
                self.cuts.push(self.emitted + self.pending.len() as u64);
            }
        }
        if matches!(self.lex, Lex::Text | Lex::Quoted(_)) {
            match b {
                b'&' => self.in_entity = true,
                b';' => self.in_entity = false,
                _ => {}
            }
        }
        if self.dropping {
            if b == b'\n' {
                self.dropped_newlines += 1;
            }
        } else {
            self.pending.push_back(b);
        }
    }

    fn step(&mut self, b: u8) -> std::io::Result<()> {
        let last = self.last;
        self.last = [last[1], b];
        match self.lex {
            Lex::Text => {
                if b == b'<' {
                    self.pending.push_back(b);
                    self.open.clear();
                    self.start_run(Lex::Open);
                } else {
                    self.content(b);
                }
            }
            Lex::Open => {
                self.pending.push_back(b);
                self.open.push(b);
                if self.open.as_slice() == b"!--" {
                    self.start_run(Lex::Comment);
                } else if self.open.as_slice() == b"![CDATA[" {
                    self.start_run(Lex::CData);
                } else if !b"!--".starts_with(&self.open) && !b"![CDATA[".starts_with(&self.open) {
                    self.lex = Lex::Markup;
                    self.run = self.open.len();
                    return self.markup_byte(b);
                }
            }
            Lex::Markup => {
                self.pending.push_back(b);
                self.run += 1;
                if self.run > MARKUP_CAP {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("a tag longer than {MARKUP_CAP} bytes"),
                    ));
                }
                self.markup_byte(b)?;
            }
            Lex::Quoted(q) => {
                if b == q {
                    self.pending.push_back(b);
                    self.lex = Lex::Markup;
                    self.run = 0;
                } else {
                    self.content(b);
                }
            }
            Lex::Comment | Lex::CData => {
                let end = if self.lex == Lex::Comment {
                    last == *b"--" && b == b'>'
                } else {
                    last == *b"]]" && b == b'>'
                };
                if end {
                    if self.dropping {
                        // The terminator's first two bytes were dropped.
                        let close: &[u8] = if self.lex == Lex::Comment {
                            b"-->"
                        } else {
                            b"]]>"
                        };
                        self.pending.extend(close);
                    } else {
                        self.pending.push_back(b);
                    }
                    self.start_run(Lex::Text);
                } else {
                    self.content(b);
                }
            }
        }
        Ok(())
    }

    /// A byte of a tag (already emitted): quotes open values, `>` ends it.
    fn markup_byte(&mut self, b: u8) -> std::io::Result<()> {
        match b {
            b'"' | b'\'' => {
                self.lex = Lex::Quoted(b);
                self.dropping = false;
                self.run = 0;
            }
            b'>' => self.start_run(Lex::Text),
            _ => {}
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if !self.pending.is_empty() || out.is_empty() {
                let n = out.len().min(self.pending.len());
                for (slot, b) in out.iter_mut().zip(self.pending.drain(..n)) {
                    *slot = b;
                }
                self.emitted += n as u64;
                return Ok(n);
            }
            let input = self.inner.fill_buf()?;
            if input.is_empty() {
                return Ok(0);
            }
            // While dropping, skip to the byte that ends the run at once.
            if self.dropping {
                let end = match self.lex {
                    Lex::Text => Some(b'<'),
                    Lex::Quoted(q) => Some(q),
                    Lex::Comment | Lex::CData => Some(b'>'),
                    Lex::Open | Lex::Markup => None,
                };
                if let Some(end) = end {
                    let skip = input.iter().position(|&b| b == end).unwrap_or(input.len());
                    if skip > 0 {
                        self.dropped_newlines +=
                            input[..skip].iter().filter(|&&b| b == b'\n').count() as u64;
                        self.last = match skip {
                            1 => [self.last[1], input[0]],
                            _ => [input[skip - 2], input[skip - 1]],
                        };
                        self.run += skip;
                        self.inner.consume(skip);
                        continue;
                    }
                }
            }
            // Process a slice at a time; `pending` holds at most about
            // `out.len()` bytes plus one terminator.
            let take = input.len().min(out.len().max(64));
            let chunk = input[..take].to_vec();
            self.inner.consume(take);
            for b in chunk {
                self.step(b)?;
            }
        }
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
    xml: Reader<LineCounter<std::io::BufReader<Bounded<R>>>>,
    buf: Vec<u8>,
    path: Vec<String>,
    text: String,
    site: Option<String>,
    blog: Option<String>,
    channel_link: Option<String>,
    saw_rss: bool,
    finished: bool,
    /// Where the current `wp:comment_content` began (output offset).
    content_start: u64,
    /// The current element's text passed [`TEXT_CAP`] (many sections).
    text_cut: bool,
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

/// Appends to an element's text, up to [`TEXT_CAP`] bytes; `cut` records
/// that more was there.
fn push_text(text: &mut String, cut: &mut bool, t: &str) {
    if text.len() + t.len() > TEXT_CAP {
        *cut = true;
    } else {
        text.push_str(t);
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
            inner: std::io::BufReader::new(Bounded::new(input, TEXT_CAP)),
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
            blog: None,
            channel_link: None,
            saw_rss: false,
            finished: false,
            content_start: 0,
            text_cut: false,
        }
    }

    /// The blog the file came from (trailing `/` removed), as the key of
    /// its comments: `wp:base_blog_url`, else the channel's `link`, else
    /// `wp:base_site_url` (which is `wordpress.com` for every blog there,
    /// so only a last resort).
    pub fn site(&self) -> Option<&str> {
        self.blog
            .as_deref()
            .or(self.channel_link.as_deref())
            .or(self.site.as_deref())
    }

    fn bounded(&self) -> &Bounded<R> {
        self.xml.get_ref().inner.get_ref()
    }

    /// The largest buffer the reader holds (for tests of bounded memory).
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity().max(self.text.capacity())
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().newlines + self.bounded().dropped_newlines + 1
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
                        "wp:comment_content" => {
                            self.content_start = self.xml.buffer_position();
                        }
                        _ => {}
                    }
                    self.path.push(name);
                    self.text.clear();
                    self.text_cut = false;
                }
                Event::Text(t) => {
                    push_text(&mut self.text, &mut self.text_cut, &t.xml10_content());
                }
                Event::CData(t) => {
                    push_text(&mut self.text, &mut self.text_cut, &t.xml10_content());
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => resolve_entity(&r),
                        Err(_) => None,
                    };
                    match c {
                        Some(c) => {
                            push_text(
                                &mut self.text,
                                &mut self.text_cut,
                                c.encode_utf8(&mut [0; 4]),
                            );
                        }
                        None => {
                            let msg = format!("unknown entity &{};", truncate(&r));
                            return Err(self.error(msg));
                        }
                    }
                }
                Event::End(_) => {
                    let position = self.xml.buffer_position();
                    self.xml.get_mut().inner.get_mut().forget_cuts_before(
                        position.saturating_sub(2 * TEXT_CAP as u64 + 1024 * 1024),
                    );
                    let name = self.path.pop().unwrap_or_default();
                    let parent = self.path.last().map(String::as_str).unwrap_or("");
                    let text = std::mem::take(&mut self.text);
                    let text_cut = std::mem::replace(&mut self.text_cut, false);
                    match (parent, name.as_str()) {
                        ("channel", "wp:base_site_url") => {
                            self.site = Some(text.trim().trim_end_matches('/').to_owned());
                        }
                        ("channel", "wp:base_blog_url") => {
                            self.blog = Some(text.trim().trim_end_matches('/').to_owned());
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
                        ("wp:comment", "wp:comment_content") => {
                            let end = self.xml.buffer_position();
                            let cut =
                                text_cut || self.bounded().cut_between(self.content_start, end);
                            if let Some(c) = comment.as_mut() {
                                c.content_truncated = cut;
                                if !cut {
                                    c.content = text;
                                }
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

    fn bounded(input: &str, cap: usize) -> (String, Vec<u64>) {
        let mut b = Bounded::new(input.as_bytes(), cap);
        let mut out = Vec::new();
        b.read_to_end(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), b.cuts.clone())
    }

    #[test]
    fn bounded_cuts_long_content_and_keeps_the_xml_well_formed() {
        let (out, cuts) = bounded("<a>0123456789</a>", 4);
        assert_eq!(out, "<a>0123</a>");
        assert_eq!(cuts, vec![7]);
        // Attribute values, CDATA and comments alike; markup is kept.
        let (out, _) = bounded(
            "<a t=\"0123456789\"><![CDATA[abcdefgh]]]]><!-- long comment --></a>",
            4,
        );
        assert_eq!(out, "<a t=\"0123\"><![CDATA[abcd]]><!-- lon--></a>");
        // Never inside a character or an entity.
        let (out, _) = bounded("<a>ééé</a>", 3);
        assert_eq!(out, "<a>éé</a>");
        let (out, _) = bounded("<a>ab&amp;cdef</a>", 3);
        assert_eq!(out, "<a>ab&amp;</a>");
        // Short content passes untouched.
        let xml = "<?xml version=\"1.0\"?><rss a='>'><b>x &lt; y</b></rss>";
        assert_eq!(bounded(xml, 100).0, xml);
    }

    /// A WXR file with one comment of `size` bytes, produced as it is read
    /// (the test never holds it either).
    struct Generated {
        head: Vec<u8>,
        size: u64,
        tail: Vec<u8>,
        pos: u64,
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let head = self.head.len() as u64;
            let total = head + self.size + self.tail.len() as u64;
            let (from, start) = if self.pos < head {
                (&self.head[..], self.pos)
            } else if self.pos < head + self.size {
                let n = buf.len().min((head + self.size - self.pos) as usize);
                buf[..n].fill(b'x');
                self.pos += n as u64;
                return Ok(n);
            } else if self.pos < total {
                (&self.tail[..], self.pos - head - self.size)
            } else {
                return Ok(0);
            };
            let rest = &from[start as usize..];
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.pos += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_64_mib_comment_is_never_held_and_is_reported_cut() {
        // Everything up to the comment's CDATA, then 64 MiB, then the rest.
        let at = SMALL.find("<![CDATA[<b>").unwrap() + "<![CDATA[".len();
        let rest = &SMALL[SMALL.find("]]></wp:comment_content>").unwrap()..];
        let second = rest.replacen(
            "</item>",
            "<wp:comment><wp:comment_id>6</wp:comment_id><wp:comment_content>short</wp:comment_content></wp:comment></item>",
            1,
        );
        let input = std::io::BufReader::new(Generated {
            head: SMALL.as_bytes()[..at].to_vec(),
            size: 64 << 20,
            tail: second.into_bytes(),
            pos: 0,
        });
        let mut r = WxrReader::new(input);
        let p = r.next_post().unwrap().unwrap();
        assert_eq!(p.comments.len(), 2);
        assert!(p.comments[0].content_truncated);
        assert!(p.comments[0].content.is_empty());
        assert!(!p.comments[1].content_truncated);
        assert_eq!(p.comments[1].content, "short");
        assert!(
            r.buffer_capacity() <= 4 * TEXT_CAP,
            "held {} bytes",
            r.buffer_capacity()
        );
        assert!(r.next_post().unwrap().is_none());
    }
}
