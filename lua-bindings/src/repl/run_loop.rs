//! The read-eval-print loop itself: on a terminal through rustyline, from piped stdin without it.
//!
//! Both read lines into a [`ChunkBuffer`] (`validate.rs`) and hand each complete chunk to one
//! [`Evaluator`], so a script piped in runs exactly as it would typed: expressions print their
//! values, CLI-syntax lines run through `cli::run`, an error prints one line and the next chunk
//! still runs. What differs is around it: prompts, history, completion and colour exist only on a
//! terminal; piped input ends with status 1 when any chunk failed.

use std::io::{BufRead, IsTerminal, Write};

use dockernet_core::{BlockingClient, Interrupt};
use mlua::{Function, Lua, MultiValue, Value};
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::Editor;

use super::cli_api;
use super::helper::{Prompts, ReplHelper};
use super::history::HistoryFile;
use crate::print::{self, Style};
use super::validate::{Chunk, ChunkBuffer, Step};

/// Whether colour is wanted: stdout is a terminal and `NO_COLOR` is unset or empty.
pub(crate) fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs complete chunks and CLI lines, writing results and errors.
pub(crate) struct Evaluator<'a> {
    lua: &'a Lua,
    client: &'a BlockingClient,
    style: Style,
    /// `pcall`, as it was when the session started (a script may replace the global).
    pcall: Function,
    /// Flushes Lua's own stdout (C stdio, buffered apart from Rust's), so `io.write` output
    /// comes before the results printed after it.
    flush_lua: Option<Function>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for one session.
    pub(crate) fn new(lua: &'a Lua, client: &'a BlockingClient, style: Style) -> mlua::Result<Evaluator<'a>> {
        let pcall: Function =
            lua.load("local pcall = pcall; return function(f) return pcall(f) end").set_name("=repl").eval()?;
        let flush_lua: Option<Function> = lua
            .load("local pcall, out = pcall, io and io.stdout; return function() if out then pcall(out.flush, out) end end")
            .set_name("=repl")
            .eval()
            .ok();
        Ok(Evaluator { lua, client, style, pcall, flush_lua })
    }

    /// Carries out one step of input; `false` when it failed. `input` is where a CLI command
    /// reads what it asks for (`network prune`'s confirmation): the rest of piped input, or
    /// `None` for the terminal.
    pub(crate) fn step(
        &self,
        step: Step,
        input: Option<&mut dyn BufRead>,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> bool {
        let ok = match step {
            Step::Blank | Step::More => true,
            Step::Cli(line) => self.cli(&line, input, out, err),
            Step::Lua(chunk, _) => self.chunk(chunk, out, err),
        };
        let _ = out.flush();
        let _ = err.flush();
        ok
    }

    fn cli(&self, line: &str, input: Option<&mut dyn BufRead>, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        match cli_api::split_line(line) {
            Ok(words) => {
                let status = match input {
                    Some(input) => cli_api::run_with_input(self.client, &words, input, out, err),
                    None => cli_api::run(self.client, &words, out, err),
                };
                status == 0
            }
            Err(message) => {
                let _ = err.write_all(print::error_line(&message, self.style).as_bytes());
                false
            }
        }
    }

    fn chunk(&self, chunk: Chunk, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        let f = match chunk {
            Chunk::Expression(f) | Chunk::Statements(f) => f,
            Chunk::Incomplete => return true,
            Chunk::Invalid(message) => {
                let _ = err.write_all(print::error_line(&message, self.style).as_bytes());
                return false;
            }
        };
        // A spent sandbox runs nothing more: a chunk shorter than one hook period would
        // otherwise slip past the budget.
        if crate::sandbox::exhausted(self.lua) {
            let message = "sandbox: this session's limits are spent (memory or instructions); start a new session";
            let _ = err.write_all(print::error_line(message, self.style).as_bytes());
            return false;
        }
        let result = self.call(f);
        if let Some(flush) = &self.flush_lua {
            let _ = flush.call::<()>(());
        }
        match result {
            Ok(values) => {
                let _ = out.write_all(print::results(self.lua, &values, self.style).as_bytes());
                true
            }
            Err(e) => {
                let _ = err.write_all(print::error_line(&print::error_text(self.lua, &e), self.style).as_bytes());
                false
            }
        }
    }

    /// Calls a chunk under `pcall`, so a failure keeps its Lua error value (dockernet's error
    /// table, not mlua's string rendering of it).
    fn call(&self, f: Function) -> Result<Vec<Value>, Value> {
        match self.pcall.call::<MultiValue>(f) {
            Ok(values) => {
                let mut values = values.into_iter();
                match values.next() {
                    Some(Value::Boolean(true)) => Ok(values.collect()),
                    _ => Err(values.next().unwrap_or(Value::Nil)),
                }
            }
            Err(e) => Err(Value::Error(Box::new(e))),
        }
    }
}

/// Ctrl-C while a chunk runs. At the prompt rustyline owns the terminal (raw mode) and sees
/// Ctrl-C as a key; while a chunk runs the terminal is cooked and Ctrl-C is SIGINT, which would
/// kill the process. So the REPL hands signals to the program's interrupt wiring
/// ([`crate::runtime::handle_signals`]): a daemon call in flight is abandoned with an
/// `interrupted` error saying what may still run, a topology apply rolls back, a Lua loop stops
/// at its next instruction hook. The chunk fails, the session stays. SIGTERM and SIGHUP end the
/// session (status 143, 129) once the chunk has stopped.
fn before_chunk(interrupt: Option<&Interrupt>) {
    if let Some(i) = interrupt {
        crate::runtime::forget_signal(i);
    }
}

/// The terminal REPL. Returns the exit status (0 on Ctrl-D).
pub(crate) fn interactive(lua: &Lua, client: &BlockingClient) -> i32 {
    let color = use_color();
    let style = Style { color };
    let config = Config::builder()
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| {
            b.completion_type(CompletionType::List)
                .auto_add_history(false)
                .color_mode(if color { ColorMode::Enabled } else { ColorMode::Disabled })
                .build()
        })
        .unwrap_or_default();
    let mut editor: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("dockernet: cannot start the line editor: {e}");
            return 1;
        }
    };
    editor.set_helper(Some(ReplHelper::new(lua, client)));
    let mut history = HistoryFile::open(&mut editor);
    let evaluator = match Evaluator::new(lua, client, style) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("dockernet: cannot start the REPL: {e}");
            return 1;
        }
    };
    let interrupt = crate::runtime::handle_signals(client, Some(lua));
    let prompts = Prompts::new(&client.host().url, color);
    let mut buffer = ChunkBuffer::new();
    loop {
        if let Some(h) = editor.helper() {
            h.set_pending(buffer.pending());
        }
        let prompt = if buffer.is_empty() { &prompts.main } else { &prompts.more };
        match editor.readline(prompt) {
            Ok(line) => {
                let step = buffer.push(lua, &line, cli_api::is_cli_line);
                if let Step::Cli(source) | Step::Lua(_, source) = &step {
                    history.record(&mut editor, source);
                }
                if let Some(code) = crate::runtime::termination_requested() {
                    return i32::from(code);
                }
                before_chunk(interrupt.as_ref());
                evaluator.step(step, None, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
                if let Some(code) = crate::runtime::termination_requested() {
                    return i32::from(code);
                }
            }
            // Ctrl-C: forget the line, and the chunk in progress, as a shell does.
            Err(ReadlineError::Interrupted) => buffer.clear(),
            // Ctrl-D on an empty line: leave (rustyline has already ended the line).
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("dockernet: cannot read input: {e}");
                return 1;
            }
        }
    }
}

/// Piped input: each complete chunk runs as at the prompt, without prompts or colour. Returns 1
/// when any chunk failed (or the input ended inside a chunk), else 0; after a signal (the
/// interrupted chunk fails), the rest of the input is not run and the status is 128 + the signal,
/// as for a script.
pub(crate) fn piped(
    lua: &Lua,
    client: &BlockingClient,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let evaluator = match Evaluator::new(lua, client, Style { color: false }) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(err, "dockernet: cannot start the REPL: {e}");
            return 1;
        }
    };
    let mut buffer = ChunkBuffer::new();
    let mut failed = false;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match input.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = writeln!(err, "dockernet: cannot read stdin: {e}");
                return 1;
            }
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.trim_end_matches('\n').trim_end_matches('\r');
        let step = buffer.push(lua, line, cli_api::is_cli_line);
        failed |= !evaluator.step(step, Some(&mut *input), out, err);
        if let Some(code) = crate::runtime::interrupted_status() {
            return i32::from(code);
        }
    }
    if let Some(step) = buffer.finish(lua) {
        evaluator.step(step, None, out, err);
        failed = true;
    }
    i32::from(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(input: &str) -> (i32, String, String) {
        let lua = Lua::new();
        lua.load("null = ...").call::<()>(Value::NULL).unwrap();
        // No daemon is needed: nothing here talks to it, and creating a client does no I/O.
        let client = BlockingClient::new(Some("unix:///nonexistent/dockernet-test.sock")).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = piped(&lua, &client, &mut input.as_bytes(), &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    #[test]
    fn expressions_print_their_values() {
        assert_eq!(feed("1+1\n"), (0, "2\n".into(), "".into()));
        assert_eq!(feed("x = 5\nx * 2\n'a', 1\n"), (0, "10\na\t1\n".into(), "".into()));
    }

    #[test]
    fn chunks_span_lines() {
        let (code, out, err) = feed("n = 0\nfor i=1,3 do\n  n = n + i\nend\nn\n");
        assert_eq!((code, out.as_str(), err.as_str()), (0, "6\n", ""));
        let (code, out, _) = feed("t = {\n  a = 1,\n}\nt.a\n");
        assert_eq!((code, out.as_str()), (0, "1\n"));
    }

    #[test]
    fn an_error_is_one_line_and_the_rest_still_runs() {
        let (code, out, err) = feed("error('boom')\n2\n");
        assert_eq!(code, 1);
        assert_eq!(out, "2\n");
        assert_eq!(err, "error: stdin:1: boom\n");
        let (code, _, err) = feed("x = = 1\n");
        assert_eq!(code, 1);
        assert!(err.starts_with("error: stdin:1:") && err.lines().count() == 1, "{err}");
        let (code, _, err) = feed("error(setmetatable({}, {__tostring = function() return 'custom' end}))\n");
        assert_eq!((code, err.as_str()), (1, "error: custom\n"));
    }

    #[test]
    fn input_ending_inside_a_chunk_fails() {
        let (code, out, err) = feed("for i=1,2 do\n");
        assert_eq!(code, 1);
        assert_eq!(out, "");
        assert!(err.starts_with("error: ") && err.contains("<eof>"), "{err}");
    }

    #[test]
    fn blank_lines_and_crlf() {
        assert_eq!(feed("\n\n1\r\n"), (0, "1\n".into(), "".into()));
        assert_eq!(feed(""), (0, "".into(), "".into()));
    }
}
