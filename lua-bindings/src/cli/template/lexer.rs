//! The lexer: one action's tokens (`{{ … }}`), with Go's error messages.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Lit(Value),
    LParen,
    RParen,
    Bar,
    Comma,
    Declare,
    Assign,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
    /// Preceded by white space (a field right after a term chains onto it).
    pub(super) spaced: bool,
}

pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

pub(super) fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

pub(super) fn line_of(src: &str, pos: usize) -> usize {
    1 + src[..pos.min(src.len())].matches('\n').count()
}

pub(super) fn parse_err(src: &str, pos: usize, msg: impl std::fmt::Display) -> String {
    format!("template: :{}: {msg}", line_of(src, pos))
}

/// Lexes one action starting right after `{{` (and any trim marker). Returns the tokens, the
/// index just past `}}`, and whether the action ends with a `-}}` trim marker.
pub(super) fn lex_action(src: &str, start: usize) -> Result<(Vec<Token>, usize, bool), String> {
    let bytes = src.as_bytes();
    let mut i = start;
    let mut toks = Vec::new();
    loop {
        let before = i;
        while i < src.len() && is_space(src[i..].chars().next().unwrap_or(' ')) {
            i += 1;
        }
        let spaced = i > before;
        if i >= src.len() {
            return Err(parse_err(src, start, "unclosed action"));
        }
        let rest = &src[i..];
        if spaced && rest.starts_with("-}}") {
            return Ok((toks, i + 3, true));
        }
        if rest.starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        let c = rest.chars().next().unwrap_or(' ');
        let pos = i;
        let push = |tok: Tok, toks: &mut Vec<Token>| toks.push(Token { tok, pos, spaced });
        match c {
            '"' => {
                let mut s = String::new();
                let mut j = i + 1;
                let mut chars = src[j..].char_indices();
                loop {
                    let Some((k, ch)) = chars.next() else {
                        return Err(parse_err(src, pos, "unterminated quoted string"));
                    };
                    match ch {
                        '"' => {
                            j += k + 1;
                            break;
                        }
                        '\n' => return Err(parse_err(src, pos, "unterminated quoted string")),
                        '\\' => {
                            let Some((_, e)) = chars.next() else {
                                return Err(parse_err(src, pos, "unterminated quoted string"));
                            };
                            match e {
                                'n' => s.push('\n'),
                                't' => s.push('\t'),
                                'r' => s.push('\r'),
                                'a' => s.push('\u{7}'),
                                'b' => s.push('\u{8}'),
                                'f' => s.push('\u{c}'),
                                'v' => s.push('\u{b}'),
                                '0' => s.push('\0'),
                                '\\' | '"' | '\'' => s.push(e),
                                'x' | 'u' | 'U' => {
                                    let n = match e {
                                        'x' => 2,
                                        'u' => 4,
                                        _ => 8,
                                    };
                                    let hex: String = (0..n).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                                    let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                                    match ch {
                                        Some(ch) => s.push(ch),
                                        None => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                                    }
                                }
                                _ => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                            }
                        }
                        ch => s.push(ch),
                    }
                }
                push(Tok::Lit(Value::String(s)), &mut toks);
                i = j;
            }
            '`' => {
                let Some(end) = src[i + 1..].find('`') else {
                    return Err(parse_err(src, pos, "unterminated raw quoted string"));
                };
                push(Tok::Lit(Value::String(src[i + 1..i + 1 + end].to_string())), &mut toks);
                i += end + 2;
            }
            '(' => {
                push(Tok::LParen, &mut toks);
                i += 1;
            }
            ')' => {
                push(Tok::RParen, &mut toks);
                i += 1;
            }
            '|' => {
                push(Tok::Bar, &mut toks);
                i += 1;
            }
            ',' => {
                push(Tok::Comma, &mut toks);
                i += 1;
            }
            ':' if rest.starts_with(":=") => {
                push(Tok::Declare, &mut toks);
                i += 2;
            }
            '=' => {
                push(Tok::Assign, &mut toks);
                i += 1;
            }
            '$' => {
                let len: usize = src[i + 1..].chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                push(Tok::Var(src[i..i + 1 + len].to_string()), &mut toks);
                i += 1 + len;
            }
            '.' => {
                let len: usize = src[i + 1..].chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                if len == 0 {
                    if src[i + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                        return Err(parse_err(src, pos, "bad number syntax"));
                    }
                    push(Tok::Dot, &mut toks);
                } else {
                    push(Tok::Field(src[i + 1..i + 1 + len].to_string()), &mut toks);
                }
                i += 1 + len;
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) => {
                let len =
                    1 + src[i + 1..].chars().take_while(|&c| c.is_ascii_alphanumeric() || c == '.' || c == '_').count();
                let text = &src[i..i + len];
                let clean = text.replace('_', "");
                let v = if let Ok(n) = clean.parse::<i64>() {
                    Value::Number(n.into())
                } else if let Some(h) = clean.strip_prefix("0x") {
                    match i64::from_str_radix(h, 16) {
                        Ok(n) => Value::Number(n.into()),
                        Err(_) => return Err(parse_err(src, pos, format!("bad number syntax: {text:?}"))),
                    }
                } else if let Some(n) = clean.parse::<f64>().ok().and_then(Number::from_f64) {
                    Value::Number(n)
                } else {
                    return Err(parse_err(src, pos, format!("bad number syntax: {text:?}")));
                };
                push(Tok::Lit(v), &mut toks);
                i += len;
            }
            c if is_ident_char(c) => {
                let len: usize = rest.chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                let word = &rest[..len];
                let tok = match word {
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "nil" => Tok::Lit(Value::Null),
                    w => Tok::Ident(w.to_string()),
                };
                push(tok, &mut toks);
                i += len;
            }
            c => return Err(parse_err(src, pos, format!("unexpected {c:?} in command"))),
        }
    }
}
