//! Reading topology text safely: a size cap, a nesting limit checked before the YAML parser
//! runs, and a bound on what YAML aliases may expand to.
//!
//! Why each limit exists (issue 10, item 5):
//! - **Size.** A file was read whole: `dockernet plan /dev/zero` grew until the machine ran out
//!   of memory. Files are now read through `take()`, so `/dev/zero` or an endless FIFO stops at
//!   [`DEFAULT_MAX_TOPOLOGY_BYTES`] (16 MiB; a 250,000-node topology is about 10 MB), or at what
//!   [`MAX_TOPOLOGY_BYTES_ENV`] says. Text handed over in memory is held to the same cap. The
//!   cap bounds memory too, but not tightly: `serde_yaml_ng` keeps every parse event of a
//!   document before reading it, so the worst text (16 MiB of `[],`) peaks at about 1 GB
//!   (measured: 1.07 GB, 1.9 s); a 64,000-node topology (2.8 MB) at 170 MB. On a small machine,
//!   lower the cap.
//! - **Nesting.** libyaml, the parser behind `serde_yaml_ng`, re-checks every open flow
//!   collection (`[`, `{`) for each token it reads, so its time is quadratic in their depth:
//!   100,000 nested `[` took 38 s, and at 16 MiB it would be hours. Its own recursion limit only
//!   applies after the whole document has been parsed. `check_nesting` therefore walks the text
//!   once, following libyaml's tokenizer rules (quoted, plain and block scalars, comments, tags,
//!   anchors, indentation), and refuses a document nested deeper than
//!   [`MAX_DEPTH`] (64) before libyaml sees it.
//! - **Aliases.** A YAML alias (`*a`) replays its anchor wherever it appears, so a few hundred
//!   bytes can stand for gigabytes (a "billion laughs" document). When a document has aliases,
//!   `check_expansion` first counts the values it expands to, stopping as soon as they outnumber
//!   the document's bytes (an alias-free document never does: every value takes at least a byte).
//!
//! What does not live here: what the text means (`spec.rs`) and depth limits for Lua tables and
//! Python dicts (`options.rs`, which counts every value's depth for every deserializer).

use std::cell::Cell;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, ErrorKind, Result};
use crate::options::MAX_DEPTH;

/// The largest topology text read by default: 16 MiB. A generated 250,000-node topology is about
/// 10 MB; anything near the cap is a mistake (`/dev/zero`, a log file) or an attack.
pub const DEFAULT_MAX_TOPOLOGY_BYTES: u64 = 16 * 1024 * 1024;

/// The environment variable that changes the cap: a number of bytes (`DOCKERNET_MAX_TOPOLOGY_BYTES=67108864`).
pub const MAX_TOPOLOGY_BYTES_ENV: &str = "DOCKERNET_MAX_TOPOLOGY_BYTES";

/// The cap in force: [`MAX_TOPOLOGY_BYTES_ENV`] when set, else [`DEFAULT_MAX_TOPOLOGY_BYTES`].
///
/// Errors: `invalid` when the variable is set to something other than a positive whole number
/// of bytes (naming the variable and its value).
pub fn max_topology_bytes() -> Result<u64> {
    match std::env::var(MAX_TOPOLOGY_BYTES_ENV) {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_TOPOLOGY_BYTES),
        Err(std::env::VarError::NotUnicode(v)) => Err(Error::invalid(format!(
            "{MAX_TOPOLOGY_BYTES_ENV}={v:?} is not a number of bytes (e.g. {DEFAULT_MAX_TOPOLOGY_BYTES})"
        ))),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::invalid(format!(
                "{MAX_TOPOLOGY_BYTES_ENV}={v:?} is not a positive number of bytes (e.g. {DEFAULT_MAX_TOPOLOGY_BYTES})"
            ))),
        },
    }
}

/// `16 MiB (16777216 bytes)`, for messages.
fn size(n: u64) -> String {
    if n >= 1 << 20 && n & ((1 << 20) - 1) == 0 {
        format!("{} MiB ({n} bytes)", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

/// The message for text over the cap: what, how large, the limit and how to raise it.
fn too_large(what: &str, at_least: u64, cap: u64) -> Error {
    Error::invalid(format!(
        "{what} is larger than the limit of {} (read {at_least} bytes before stopping): a topology is rarely \
         more than a few MB; set {MAX_TOPOLOGY_BYTES_ENV} to allow more",
        size(cap)
    ))
}

/// Refuses text longer than `cap` bytes.
pub(crate) fn check_size(what: &str, text: &str, cap: u64) -> Result<()> {
    if text.len() as u64 > cap {
        return Err(too_large(what, text.len() as u64, cap));
    }
    Ok(())
}

/// Reads a topology file, at most `cap` bytes of it: one byte more is an `invalid` error, so
/// `/dev/zero` or a FIFO that never ends stops there. A missing file is `not_found`; a file that
/// is not UTF-8 text is `invalid`, naming the byte offset.
pub(crate) fn read_file(path: &Path, cap: u64) -> Result<String> {
    let what = format!("topology file {}", path.display());
    let io = |e: std::io::Error| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Invalid };
        Error::new(kind, format!("{what}: {e}"))
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(&what, bytes.len() as u64, cap));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::invalid(format!("{what}: not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
    })
}

/// What [`check_nesting`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The deepest nesting of collections (flow `[ {` and block), at most [`MAX_DEPTH`].
    pub depth: usize,
    /// How many aliases (`*name`) the document holds.
    pub aliases: usize,
}

/// Refuses YAML (or JSON) text whose collections nest deeper than [`MAX_DEPTH`], in one pass
/// over the text and before it is parsed (see the module documentation for why).
///
/// The walk follows libyaml's tokenizer (`unsafe-libyaml`'s `scanner.rs`) closely enough to know
/// where tokens start, so a `[` inside a quoted, plain or block scalar, a comment or a tag is not
/// counted, and one that opens a collection always is. Where libyaml would stop with a syntax
/// error, the walk stops too and leaves the message to the parser. Block collections count by
/// their indentation, as libyaml tracks them; an indentless sequence (`key:` then `- x` at the
/// same column) adds no indentation and is not counted, so the count never exceeds the real
/// depth.
///
/// Errors: `invalid`, with the line and column where the limit was crossed.
pub(crate) fn check_nesting(text: &str) -> Result<Shape> {
    let mut s = Scanner::new(text.as_bytes());
    match s.run() {
        Ok(()) | Err(Stop::Syntax) => Ok(Shape { depth: s.deepest, aliases: s.aliases }),
        Err(Stop::TooDeep) => Err(Error::invalid(format!(
            "nested more than {MAX_DEPTH} levels deep at line {} column {} (lists or maps inside each other); \
             a topology needs fewer than 10",
            s.line + 1,
            s.col + 1
        ))),
    }
}

/// Why the walk stopped early.
#[derive(Debug)]
enum Stop {
    /// libyaml would report a syntax error here (and parse no further).
    Syntax,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

type Walk = std::result::Result<(), Stop>;

/// A cursor over the text with libyaml's state: flow level, the indentation stack and the one
/// simple key that matters for indentation (the one at flow level 0).
struct Scanner<'t> {
    b: &'t [u8],
    /// Byte offset (libyaml's `mark.index`).
    i: usize,
    line: usize,
    /// In characters.
    col: usize,
    flow: usize,
    /// The current block indentation (`-1` at the top), and the enclosing ones.
    indent: i64,
    indents: Vec<i64>,
    simple_key_allowed: bool,
    /// A possible simple key at flow level 0: (line, byte offset, column).
    key: Option<(usize, usize, usize)>,
    deepest: usize,
    aliases: usize,
}

impl<'t> Scanner<'t> {
    fn new(b: &'t [u8]) -> Self {
        Scanner {
            b,
            i: 0,
            line: 0,
            col: 0,
            flow: 0,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: true,
            key: None,
            deepest: 0,
            aliases: 0,
        }
    }

    /// The byte `k` bytes ahead, or 0 past the end (libyaml's end-of-input is a NUL too).
    fn at(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn is(&self, c: u8) -> bool {
        self.at(0) == c
    }

    fn eof(&self) -> bool {
        self.at(0) == 0
    }

    /// A line break `k` bytes ahead: `\r`, `\n`, NEL, LS or PS.
    fn is_break_at(&self, k: usize) -> bool {
        match self.at(k) {
            b'\r' | b'\n' => true,
            0xC2 => self.at(k + 1) == 0x85,
            0xE2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xA8 | 0xA9),
            _ => false,
        }
    }

    fn is_break(&self) -> bool {
        self.is_break_at(0)
    }

    fn is_blank_at(&self, k: usize) -> bool {
        matches!(self.at(k), b' ' | b'\t')
    }

    fn is_blank(&self) -> bool {
        self.is_blank_at(0)
    }

    fn is_blankz_at(&self, k: usize) -> bool {
        self.is_blank_at(k) || self.is_break_at(k) || self.at(k) == 0
    }

    fn is_breakz(&self) -> bool {
        self.is_break() || self.eof()
    }

    /// Letters, digits, `_` and `-` (anchor names, tag handles).
    fn is_alpha(&self) -> bool {
        matches!(self.at(0), b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'_' | b'-')
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    fn at_document_indicator(&self) -> bool {
        self.col == 0
            && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
            && self.is_blankz_at(3)
    }

    /// One character forward (libyaml's SKIP).
    fn skip(&mut self) {
        let c = self.at(0);
        let width = match c {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        self.i = (self.i + width).min(self.b.len());
        self.col += 1;
    }

    /// Past a line break (libyaml's SKIP_LINE; `\r\n` is one).
    fn skip_line(&mut self) {
        if self.at(0) == b'\r' && self.at(1) == b'\n' {
            self.i += 2;
        } else if self.is_break() {
            self.skip();
        } else {
            return;
        }
        self.line += 1;
        self.col = 0;
    }

    fn check_depth(&mut self) -> Walk {
        let depth = self.flow + self.indents.len();
        self.deepest = self.deepest.max(depth);
        if depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        Ok(())
    }

    fn roll_indent(&mut self, column: usize) -> Walk {
        if self.flow == 0 && self.indent < column as i64 {
            self.indents.push(self.indent);
            self.indent = column as i64;
            self.check_depth()?;
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: i64) {
        if self.flow == 0 {
            while self.indent > column {
                self.indent = self.indents.pop().unwrap_or(-1);
            }
        }
    }

    fn save_simple_key(&mut self) {
        if self.simple_key_allowed && self.flow == 0 {
            self.key = Some((self.line, self.i, self.col));
        }
    }

    fn remove_simple_key(&mut self) {
        if self.flow == 0 {
            self.key = None;
        }
    }

    fn run(&mut self) -> Walk {
        loop {
            self.scan_to_next_token();
            self.unroll_indent(self.col as i64);
            if self.eof() {
                return Ok(());
            }
            let c = self.at(0);
            if self.col == 0 && c == b'%' {
                // A directive: the rest of its line.
                self.unroll_indent(-1);
                self.remove_simple_key();
                self.simple_key_allowed = false;
                while !self.is_breakz() {
                    self.skip();
                }
                self.skip_line();
                continue;
            }
            if self.at_document_indicator() {
                self.unroll_indent(-1);
                self.remove_simple_key();
                self.simple_key_allowed = false;
                for _ in 0..3 {
                    self.skip();
                }
                continue;
            }
            match c {
                b'[' | b'{' => {
                    self.save_simple_key();
                    self.flow += 1;
                    self.check_depth()?;
                    self.simple_key_allowed = true;
                    self.skip();
                }
                b']' | b'}' => {
                    self.remove_simple_key();
                    self.flow = self.flow.saturating_sub(1);
                    self.simple_key_allowed = false;
                    self.skip();
                }
                b',' => {
                    self.remove_simple_key();
                    self.simple_key_allowed = true;
                    self.skip();
                }
                b'-' if self.is_blankz_at(1) => {
                    if self.flow == 0 {
                        if !self.simple_key_allowed {
                            return Err(Stop::Syntax);
                        }
                        self.roll_indent(self.col)?;
                    }
                    self.remove_simple_key();
                    self.simple_key_allowed = true;
                    self.skip();
                }
                b'?' if self.flow > 0 || self.is_blankz_at(1) => {
                    if self.flow == 0 {
                        if !self.simple_key_allowed {
                            return Err(Stop::Syntax);
                        }
                        self.roll_indent(self.col)?;
                    }
                    self.remove_simple_key();
                    self.simple_key_allowed = self.flow == 0;
                    self.skip();
                }
                b':' if self.flow > 0 || self.is_blankz_at(1) => {
                    self.value()?;
                    self.skip();
                }
                b'*' | b'&' => {
                    if c == b'*' {
                        self.aliases += 1;
                    }
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.skip();
                    while self.is_alpha() {
                        self.skip();
                    }
                }
                b'!' => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.tag()?;
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.remove_simple_key();
                    self.simple_key_allowed = true;
                    self.block_scalar()?;
                }
                b'\'' | b'"' => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.quoted(c)?;
                }
                _ if self.plain_start(c) => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.plain()?;
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// libyaml's `scan_to_next_token`: spaces, tabs where allowed, comments and line breaks.
    fn scan_to_next_token(&mut self) {
        loop {
            if self.col == 0 && self.at(0) == 0xEF && self.at(1) == 0xBB && self.at(2) == 0xBF {
                self.skip();
            }
            while self.is(b' ') || ((self.flow > 0 || !self.simple_key_allowed) && self.is(b'\t')) {
                self.skip();
            }
            if self.is(b'#') {
                while !self.is_breakz() {
                    self.skip();
                }
            }
            if !self.is_break() {
                return;
            }
            self.skip_line();
            if self.flow == 0 {
                self.simple_key_allowed = true;
            }
        }
    }

    /// A `:` value indicator: a simple key before it opens a block mapping at the key's column.
    fn value(&mut self) -> Walk {
        let key = self.key.filter(|&(line, index, _)| self.flow == 0 && line == self.line && index + 1024 >= self.i);
        if let Some((_, _, column)) = key {
            self.roll_indent(column)?;
            self.key = None;
            self.simple_key_allowed = false;
        } else {
            if self.flow == 0 {
                if !self.simple_key_allowed {
                    return Err(Stop::Syntax);
                }
                self.roll_indent(self.col)?;
            }
            self.simple_key_allowed = self.flow == 0;
        }
        Ok(())
    }

    /// Whether `c` starts a plain scalar (libyaml's test, verbatim).
    fn plain_start(&self, c: u8) -> bool {
        let indicator = matches!(
            c,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        );
        !(self.is_blankz_at(0) || indicator)
            || (c == b'-' && !self.is_blank_at(1))
            || (self.flow == 0 && (c == b'?' || c == b':') && !self.is_blankz_at(1))
    }

    /// A tag: `!<uri>` or `!handle!suffix` / `!suffix`.
    fn tag(&mut self) -> Walk {
        self.skip();
        if self.is(b'<') {
            self.skip();
            while self.is_uri_char(true) {
                self.skip();
            }
            if !self.is(b'>') {
                return Err(Stop::Syntax);
            }
            self.skip();
        } else {
            while self.is_uri_char(false) {
                self.skip();
            }
        }
        if !(self.is_blankz_at(0) || (self.flow > 0 && self.is(b','))) {
            return Err(Stop::Syntax);
        }
        Ok(())
    }

    /// The characters of a tag (libyaml's `scan_tag_uri`; `, [ ]` only inside `!<…>`).
    fn is_uri_char(&self, verbatim: bool) -> bool {
        self.is_alpha()
            || matches!(
                self.at(0),
                b';' | b'/'
                    | b'?'
                    | b':'
                    | b'@'
                    | b'&'
                    | b'='
                    | b'+'
                    | b'$'
                    | b'.'
                    | b'%'
                    | b'!'
                    | b'~'
                    | b'*'
                    | b'\''
                    | b'('
                    | b')'
            )
            || (verbatim && matches!(self.at(0), b',' | b'[' | b']'))
    }

    /// A literal (`|`) or folded (`>`) block scalar: its header line, then every line indented
    /// at least as far as its content (given by an indentation indicator or by its first
    /// non-empty line, and at least one column deeper than the enclosing block).
    fn block_scalar(&mut self) -> Walk {
        self.skip();
        let mut increment = 0i64;
        let digit = |s: &Self| s.at(0).is_ascii_digit();
        if self.is(b'+') || self.is(b'-') {
            self.skip();
            if digit(self) {
                if self.is(b'0') {
                    return Err(Stop::Syntax);
                }
                increment = i64::from(self.at(0) - b'0');
                self.skip();
            }
        } else if digit(self) {
            if self.is(b'0') {
                return Err(Stop::Syntax);
            }
            increment = i64::from(self.at(0) - b'0');
            self.skip();
            if self.is(b'+') || self.is(b'-') {
                self.skip();
            }
        }
        while self.is_blank() {
            self.skip();
        }
        if self.is(b'#') {
            while !self.is_breakz() {
                self.skip();
            }
        }
        if !self.is_breakz() {
            return Err(Stop::Syntax);
        }
        self.skip_line();
        let mut indent = if increment > 0 {
            if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            }
        } else {
            0
        };
        self.block_scalar_breaks(&mut indent)?;
        while self.col as i64 == indent && !self.eof() {
            while !self.is_breakz() {
                self.skip();
            }
            if self.eof() {
                break;
            }
            self.skip_line();
            self.block_scalar_breaks(&mut indent)?;
        }
        Ok(())
    }

    /// Empty lines and indentation inside a block scalar; settles the indentation when it was
    /// not given.
    fn block_scalar_breaks(&mut self, indent: &mut i64) -> Walk {
        let mut max_indent = 0i64;
        loop {
            while (*indent == 0 || (self.col as i64) < *indent) && self.is(b' ') {
                self.skip();
            }
            max_indent = max_indent.max(self.col as i64);
            if (*indent == 0 || (self.col as i64) < *indent) && self.is(b'\t') {
                return Err(Stop::Syntax);
            }
            if !self.is_break() {
                break;
            }
            self.skip_line();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        Ok(())
    }

    /// A single- or double-quoted scalar, which may span lines.
    fn quoted(&mut self, quote: u8) -> Walk {
        let single = quote == b'\'';
        self.skip();
        loop {
            if self.at_document_indicator() || self.eof() {
                return Err(Stop::Syntax);
            }
            while !self.is_blankz_at(0) {
                if single && self.is(b'\'') && self.at(1) == b'\'' {
                    self.skip();
                    self.skip();
                } else if self.is(quote) {
                    break;
                } else if !single && self.is(b'\\') && self.is_break_at(1) {
                    self.skip();
                    self.skip_line();
                    break;
                } else if !single && self.is(b'\\') {
                    self.skip();
                    if self.eof() {
                        return Err(Stop::Syntax);
                    }
                    self.skip();
                } else {
                    self.skip();
                }
            }
            if self.is(quote) {
                self.skip();
                return Ok(());
            }
            while self.is_blank() || self.is_break() {
                if self.is_blank() {
                    self.skip();
                } else {
                    self.skip_line();
                }
            }
        }
    }

    /// A plain scalar: words until `: `, ` #`, a flow indicator inside a flow collection, or a
    /// line indented no deeper than the enclosing block.
    fn plain(&mut self) -> Walk {
        let indent = self.indent + 1;
        let mut leading_blanks = false;
        loop {
            if self.at_document_indicator() || self.is(b'#') {
                break;
            }
            while !self.is_blankz_at(0) {
                let c = self.at(0);
                if self.flow > 0 && c == b':' && matches!(self.at(1), b',' | b'?' | b'[' | b']' | b'{' | b'}') {
                    return Err(Stop::Syntax);
                }
                if (c == b':' && self.is_blankz_at(1))
                    || (self.flow > 0 && matches!(c, b',' | b'[' | b']' | b'{' | b'}'))
                {
                    break;
                }
                leading_blanks = false;
                self.skip();
            }
            if !(self.is_blank() || self.is_break()) {
                break;
            }
            while self.is_blank() || self.is_break() {
                if self.is_blank() {
                    if leading_blanks && (self.col as i64) < indent && self.is(b'\t') {
                        return Err(Stop::Syntax);
                    }
                    self.skip();
                } else {
                    self.skip_line();
                    leading_blanks = true;
                }
            }
            if self.flow == 0 && (self.col as i64) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(())
    }
}

/// Refuses a YAML document whose aliases expand to more values than `budget` (the caller passes
/// the document's length in bytes): each alias replays its anchor's whole subtree, so without a
/// bound a few hundred bytes can stand for billions of values. Counts by deserializing the
/// document into nothing, stopping at the first value over the budget.
///
/// Errors: `invalid`, saying the document is an alias bomb or nearly one.
pub(crate) fn check_expansion(text: &str, budget: u64) -> Result<()> {
    let left = Cell::new(budget);
    let counted = Count { left: &left, depth: 0 }.deserialize(serde_yaml_ng::Deserializer::from_str(text));
    match counted {
        Err(e) if left.get() == 0 => Err(Error::invalid(format!(
            "its aliases (*name) expand to more than {budget} values, more than the document has bytes{}: write the \
             values out, or use fewer aliases",
            e.location().map(|l| format!(" (at line {} column {})", l.line(), l.column())).unwrap_or_default()
        ))),
        // Any other problem is the parser's to report, with its own message, when it reads the
        // document for real.
        _ => Ok(()),
    }
}

/// A seed that counts every value it visits against a budget.
#[derive(Clone, Copy)]
struct Count<'a> {
    left: &'a Cell<u64>,
    depth: usize,
}

impl Count<'_> {
    fn take<E: de::Error>(&self) -> std::result::Result<(), E> {
        match self.left.get() {
            0 => Err(E::custom("expansion budget exceeded")),
            n => {
                self.left.set(n - 1);
                Ok(())
            }
        }
    }

    fn deeper<E: de::Error>(&self) -> std::result::Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(crate::options::too_deep()));
        }
        Ok(Count { left: self.left, depth: self.depth + 1 })
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.take()?;
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        self.take()?;
        d.deserialize_any(self.deeper()?)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.take()?;
        let inner = self.deeper()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        self.take()?;
        let inner = self.deeper()?;
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> std::result::Result<(), A::Error> {
        use de::VariantAccess;
        self.take()?;
        let (_, variant) = data.variant_seed(self.deeper()?)?;
        // A tagged value (`!tag x`): its content is one more value.
        variant.newtype_variant_seed(self.deeper()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        check_nesting(text).unwrap().depth
    }

    fn too_deep(text: &str) -> bool {
        match check_nesting(text) {
            Ok(_) => false,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Invalid);
                assert!(e.message().contains("nested more than 64 levels deep at line"), "{e}");
                true
            }
        }
    }

    /// Flow and block collections count; brackets inside scalars, comments and tags do not.
    #[test]
    fn counts_collections_not_brackets_in_text() {
        assert_eq!(depth("a: [[1], {b: [2]}]"), 4);
        assert_eq!(depth("a:\n  b:\n    - c\n    - [d]\n"), 4);
        assert_eq!(depth("a: '[[[['\nb: \"{{{\\\"[[\"\nc: x[[[ y\n# [[[[\nd: !foo [1]\n"), 2);
        assert_eq!(depth("a: |\n  [[[[\n  '\n  {{{{\nb: [1]\n"), 2);
        assert_eq!(depth("a: >-\n    [[[[\n\n    [[[[\nb: 1\n"), 1);
        assert_eq!(depth("a: it's [1]\nb: [don't]\n"), 2);
        assert_eq!(depth("- - - - x\n"), 4);
        // A multi-line plain scalar: the quote on its second line is text, not a quote.
        assert_eq!(depth("a: b\n  'c [[[[\nd: [1]\n"), 2);
        // JSON is YAML.
        assert_eq!(depth(r#"{"a": [{"b": "]]]]"}, [[]]], "c": "\\"}"#), 4);
        assert_eq!(depth(""), 0);
    }

    /// The limit holds for every way of nesting, and the message says where.
    #[test]
    fn refuses_past_the_limit() {
        let n = MAX_DEPTH;
        assert!(!too_deep(&format!("a: {}{}", "[".repeat(n - 1), "]".repeat(n - 1))));
        assert!(too_deep(&format!("a: {}{}", "[".repeat(n), "]".repeat(n))));
        assert!(too_deep(&format!("a: {}1{}", "{a: ".repeat(n + 1), "}".repeat(n + 1))));
        assert!(too_deep(&format!("a:\n{}x\n", "- ".repeat(n + 1))));
        let block: String = (0..=n).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(too_deep(&block));
        // 100,000 levels: refused at once, not after libyaml's quadratic walk.
        let e = check_nesting(&format!("a: {}", "[".repeat(100_000))).unwrap_err();
        assert!(e.message().contains("line 1 column 67"), "{e}"); // `a:` is a level too
    }

    /// Syntax errors end the walk quietly (the parser says what is wrong); aliases are counted.
    #[test]
    fn syntax_errors_and_aliases() {
        assert_eq!(check_nesting("a: 'unterminated [[[[").unwrap().depth, 1);
        assert_eq!(check_nesting("a: &x [1]\nb: *x\nc: *x\n").unwrap().aliases, 2);
        assert_eq!(check_nesting("a: \"*x\"\n").unwrap().aliases, 0);
    }

    /// A billion-laughs document is refused by its expansion; ordinary aliases pass.
    #[test]
    fn alias_bombs() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, c) in ('b'..='i').enumerate() {
            let prev = (b'a' + i as u8) as char;
            bomb.push_str(&format!("{c}: &{c} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
        }
        let e = check_expansion(&bomb, bomb.len() as u64).unwrap_err();
        assert!(e.message().contains("aliases (*name) expand to more than"), "{e}");
        let fine = "x: &img dockernet-testbox:latest\nnodes: {a: {image: *img}, b: {image: *img}}\n";
        check_expansion(fine, fine.len() as u64).unwrap();
    }

    /// Size caps: text over the cap is refused, saying how to raise it; files stop at the cap.
    #[test]
    fn size_caps() {
        let e = check_size("topology text", "abcdef", 4).unwrap_err();
        assert!(e.message().contains("limit of 4 bytes") && e.message().contains(MAX_TOPOLOGY_BYTES_ENV), "{e}");
        check_size("topology text", "abcd", 4).unwrap();
        let e = read_file(Path::new("/dev/zero"), 1024 * 1024).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert!(e.message().contains("/dev/zero is larger than the limit of 1 MiB"), "{e}");
        let dir = std::env::temp_dir().join(format!("dnt-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("latin1.yaml");
        std::fs::write(&f, b"name: caf\xe9\n").unwrap();
        let e = read_file(&f, 100).unwrap_err();
        assert!(e.message().contains("not UTF-8 text (invalid byte at offset 9)"), "{e}");
        // A FIFO whose writer never stops: the read ends at the cap.
        let fifo = dir.join("endless.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                let chunk = [b'#'; 4096];
                // Ends when the reader closes its end (EPIPE), at most after 4 MiB.
                for _ in 0..1024 {
                    if f.write_all(&chunk).is_err() {
                        break;
                    }
                }
            })
        };
        let e = read_file(&fifo, 64 * 1024).unwrap_err();
        assert!(e.message().contains("is larger than the limit of 65536 bytes"), "{e}");
        writer.join().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
