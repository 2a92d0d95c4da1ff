//! Is what the user typed a complete chunk yet? Multi-line input, decided by compiling.
//!
//! As the stock `lua` REPL does: a line is first tried as `return <line>` (so `1+1` and
//! `docker.network.ls()` print their values), then as statements. When Lua's parser stops at the
//! end of the input (mlua's `SyntaxError { incomplete_input: true }`, a message ending in
//! `near <eof>`) the chunk is incomplete and the REPL asks for another line with the continuation
//! prompt. A first line in docker CLI syntax (`network ls`, `docker network inspect bridge`, a
//! bare `network`) that is not also a Lua statement is a CLI command.
//!
//! Nothing here runs code or prints: the loop (`run_loop.rs`) does that with what
//! [`ChunkBuffer::push`] hands back.

use mlua::{Function, Lua};

/// The chunk name in messages, as stock `lua` (`stdin:1: …`).
const CHUNK_NAME: &str = "=stdin";

/// What a piece of source is.
pub(crate) enum Chunk {
    /// Compiles as `return <source>`: run it and print its values.
    Expression(Function),
    /// Compiles as statements: run it (its `return` values, if any, are printed too).
    Statements(Function),
    /// Ends too early: read another line.
    Incomplete,
    /// A syntax error no further line can fix (Lua's message).
    Invalid(String),
}

/// Compiles `source` as the REPL would.
pub(crate) fn classify(lua: &Lua, source: &str) -> Chunk {
    let as_expr = lua.load(format!("return {source}")).set_name(CHUNK_NAME).into_function();
    let expr_incomplete = match as_expr {
        Ok(f) => return Chunk::Expression(f),
        Err(e) => is_incomplete(&e),
    };
    match lua.load(source).set_name(CHUNK_NAME).into_function() {
        Ok(f) => Chunk::Statements(f),
        // `{` or `f(` can only be finished by more input, whichever way it is read.
        Err(e) if is_incomplete(&e) || expr_incomplete => Chunk::Incomplete,
        Err(e) => Chunk::Invalid(syntax_message(&e)),
    }
}

/// Whether `source` is an incomplete chunk (used by the editor's validator).
pub(crate) fn is_incomplete_source(lua: &Lua, source: &str) -> bool {
    matches!(classify(lua, source), Chunk::Incomplete)
}

fn is_incomplete(e: &mlua::Error) -> bool {
    matches!(e, mlua::Error::SyntaxError { incomplete_input: true, .. })
}

fn syntax_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// One step of reading input line by line.
pub(crate) enum Step {
    /// A blank line with nothing pending: nothing to do.
    Blank,
    /// The chunk is incomplete: read another line (continuation prompt).
    More,
    /// A docker-CLI-syntax line, to run through `cli::run`.
    Cli(String),
    /// A complete Lua chunk (or one with a syntax error), and its whole source for history.
    Lua(Chunk, String),
}

/// The lines of a chunk read so far.
#[derive(Debug, Default)]
pub(crate) struct ChunkBuffer {
    pending: String,
}

impl ChunkBuffer {
    /// An empty buffer.
    pub(crate) fn new() -> ChunkBuffer {
        ChunkBuffer::default()
    }

    /// The lines read so far of an incomplete chunk ("" when none).
    pub(crate) fn pending(&self) -> &str {
        &self.pending
    }

    /// Whether no chunk is in progress.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Forgets a chunk in progress (Ctrl-C).
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Adds one line of input (which may itself hold several lines, as a recalled history
    /// entry does). `is_cli` says whether a line is in docker CLI syntax.
    pub(crate) fn push(&mut self, lua: &Lua, line: &str, is_cli: impl Fn(&str) -> bool) -> Step {
        if self.pending.is_empty() {
            if line.trim().is_empty() {
                return Step::Blank;
            }
            // CLI syntax unless the line is a Lua statement: `network ls` and a bare `network`
            // (its help) are commands, `network = 1` stays Lua.
            if is_cli(line) && lua.load(line).set_name(CHUNK_NAME).into_function().is_err() {
                return Step::Cli(line.trim().to_string());
            }
            return self.settle(classify(lua, line), line.to_string());
        }
        let source = format!("{}\n{line}", self.pending);
        let chunk = classify(lua, &source);
        self.settle(chunk, source)
    }

    fn settle(&mut self, chunk: Chunk, source: String) -> Step {
        match chunk {
            Chunk::Incomplete => {
                self.pending = source;
                Step::More
            }
            chunk => {
                self.pending.clear();
                Step::Lua(chunk, source)
            }
        }
    }

    /// At end of input: a chunk still pending is an error (Lua's "unexpected <eof>" message).
    pub(crate) fn finish(&mut self, lua: &Lua) -> Option<Step> {
        if self.pending.is_empty() {
            return None;
        }
        let source = std::mem::take(&mut self.pending);
        let message = match lua.load(source.as_str()).set_name(CHUNK_NAME).into_function() {
            Err(e) => syntax_message(&e),
            Ok(_) => "incomplete input at end of file".to_string(),
        };
        Some(Step::Lua(Chunk::Invalid(message), source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(lua: &Lua, src: &str) -> &'static str {
        match classify(lua, src) {
            Chunk::Expression(_) => "expr",
            Chunk::Statements(_) => "stmt",
            Chunk::Incomplete => "more",
            Chunk::Invalid(_) => "invalid",
        }
    }

    fn no_cli(_: &str) -> bool {
        false
    }

    fn cli(line: &str) -> bool {
        line.starts_with("network ") || line.starts_with("docker network")
    }

    #[test]
    fn expressions_are_tried_first() {
        let lua = Lua::new();
        assert_eq!(kind(&lua, "1+1"), "expr");
        assert_eq!(kind(&lua, "docker.network.ls()"), "expr");
        assert_eq!(kind(&lua, "print(1)"), "expr");
        assert_eq!(kind(&lua, "x = 1"), "stmt");
        assert_eq!(kind(&lua, "local n = 1"), "stmt");
        assert_eq!(kind(&lua, "return 5"), "stmt");
        assert_eq!(kind(&lua, "-- a comment"), "expr");
    }

    #[test]
    fn incomplete_chunks_ask_for_more() {
        let lua = Lua::new();
        for src in ["for i=1,2 do", "function f()", "if x then", "t = {", "{", "f(", "x =", "s = [[long", "print(1,"] {
            assert_eq!(kind(&lua, src), "more", "{src}");
        }
    }

    #[test]
    fn real_syntax_errors_are_reported() {
        let lua = Lua::new();
        assert_eq!(kind(&lua, "1 +* 2"), "invalid");
        // As in stock lua, a string left open at the end of a line asks for more, and the
        // newline that follows makes it an error.
        assert_eq!(kind(&lua, "x = \"unfinished"), "more");
        assert_eq!(kind(&lua, "x = \"unfinished\nmore\""), "invalid");
        assert_eq!(kind(&lua, "end"), "invalid");
        match classify(&lua, "x = = 1") {
            Chunk::Invalid(m) => assert!(m.starts_with("stdin:1:"), "{m}"),
            _ => panic!("expected invalid"),
        }
    }

    #[test]
    fn a_for_loop_over_three_lines() {
        let lua = Lua::new();
        let mut b = ChunkBuffer::new();
        assert!(matches!(b.push(&lua, "for i=1,2 do", no_cli), Step::More));
        assert_eq!(b.pending(), "for i=1,2 do");
        assert!(matches!(b.push(&lua, "print(i)", no_cli), Step::More));
        match b.push(&lua, "end", no_cli) {
            Step::Lua(Chunk::Statements(_), src) => assert_eq!(src, "for i=1,2 do\nprint(i)\nend"),
            _ => panic!("expected a complete chunk"),
        }
        assert!(b.is_empty());
    }

    #[test]
    fn a_multi_line_table_is_an_expression() {
        let lua = Lua::new();
        let mut b = ChunkBuffer::new();
        assert!(matches!(b.push(&lua, "{", no_cli), Step::More));
        assert!(matches!(b.push(&lua, "a = 1,", no_cli), Step::More));
        assert!(matches!(b.push(&lua, "}", no_cli), Step::Lua(Chunk::Expression(_), _)));
    }

    fn cli_or_bare(line: &str) -> bool {
        cli(line) || line.trim() == "network"
    }

    #[test]
    fn blank_lines_and_cli_lines() {
        let lua = Lua::new();
        let mut b = ChunkBuffer::new();
        assert!(matches!(b.push(&lua, "   ", cli), Step::Blank));
        match b.push(&lua, "network ls --filter driver=bridge", cli) {
            Step::Cli(line) => assert_eq!(line, "network ls --filter driver=bridge"),
            _ => panic!("expected a CLI line"),
        }
        match b.push(&lua, "docker network inspect bridge", cli) {
            Step::Cli(_) => {}
            _ => panic!("expected a CLI line"),
        }
        assert!(matches!(b.push(&lua, "network", cli_or_bare), Step::Cli(_)));
        // A Lua statement wins over CLI syntax; inside a chunk, lines are always Lua.
        assert!(matches!(b.push(&lua, "network = 1", |_| true), Step::Lua(Chunk::Statements(_), _)));
        assert!(matches!(b.push(&lua, "for i=1,2 do", cli), Step::More));
        assert!(matches!(b.push(&lua, "network ls", cli), Step::Lua(Chunk::Invalid(_), _)));
    }

    #[test]
    fn end_of_input_inside_a_chunk_is_an_error() {
        let lua = Lua::new();
        let mut b = ChunkBuffer::new();
        assert!(b.finish(&lua).is_none());
        assert!(matches!(b.push(&lua, "for i=1,2 do", no_cli), Step::More));
        match b.finish(&lua) {
            Some(Step::Lua(Chunk::Invalid(m), _)) => assert!(m.contains("<eof>"), "{m}"),
            _ => panic!("expected an error"),
        }
        assert!(b.is_empty());
    }

    #[test]
    fn clear_forgets_the_pending_chunk() {
        let lua = Lua::new();
        let mut b = ChunkBuffer::new();
        b.push(&lua, "if true then", no_cli);
        b.clear();
        assert!(matches!(b.push(&lua, "2", no_cli), Step::Lua(Chunk::Expression(_), _)));
    }

    #[test]
    fn the_editor_validator_check() {
        let lua = Lua::new();
        assert!(is_incomplete_source(&lua, "for i=1,2 do\nprint(i)"));
        assert!(!is_incomplete_source(&lua, "for i=1,2 do\nprint(i)\nend"));
    }
}
