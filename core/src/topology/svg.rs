//! SVG for `graph`: Graphviz's `dot` when it is installed, else a layout in pure Rust.
//!
//! Graphviz draws better (host clusters as boxes, the title, spline edges), so it stays the
//! first choice; without it, the same DOT text is laid out by the `layout-rs` crate (the
//! `layout` library), so a notebook or `dockernet graph --format svg` shows a picture on a
//! machine with nothing but dockernet. The built-in layout reads the DOT that `graph.rs` writes
//! (nodes, edges, labels, shapes, fill colours, dashed routes); it draws subgraph members as
//! plain nodes and leaves the graph's title out, so the title is added here.
//!
//! What does not live here: the drawing itself (which vertices and edges a topology has) is
//! `graph.rs`; this file only turns DOT into SVG.

use std::panic::{catch_unwind, AssertUnwindSafe};

use std::io::Write;
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::gv::{DotParser, GraphBuilder};

use crate::error::{Error, ErrorKind, Result};

/// SVG for `dot`: laid out by Graphviz's `dot` program when it can be run, by
/// [`builtin`] otherwise (Graphviz not installed). A failure of an installed Graphviz is
/// reported as it is, not hidden behind the fallback.
pub(crate) fn render(dot: &str, title: &str) -> Result<String> {
    match to_svg(dot, "dot") {
        Err(e) if e.kind() == ErrorKind::Unavailable => builtin(dot, title),
        other => other,
    }
}

/// Lays DOT out as SVG with Graphviz's `program` (normally `dot`).
pub(crate) fn to_svg(dot: &str, program: &str) -> Result<String> {
    let mut child = match Command::new(program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "graph format svg needs Graphviz, but the {program:?} program is not on PATH: install Graphviz \
                     (e.g. apt-get install graphviz), or use format dot or mermaid, which need nothing"
                ),
            ))
        }
        Err(e) => return Err(Error::new(ErrorKind::Unavailable, format!("graph: cannot run {program:?}: {e}"))),
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(dot.as_bytes())
            .map_err(|e| Error::new(ErrorKind::Api, format!("graph: writing to {program:?}: {e}")))?;
    }
    let out = child.wait_with_output().map_err(|e| Error::new(ErrorKind::Api, format!("graph: {program:?}: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(
            ErrorKind::Api,
            format!("graph: {program:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// SVG for `dot` laid out in pure Rust (the `layout-rs` crate), with `title` written above the
/// drawing. An empty graph is an SVG holding only the title.
pub(crate) fn builtin(dot: &str, title: &str) -> Result<String> {
    let mut parser = DotParser::new(dot);
    let ast = parser.process().map_err(|e| {
        Error::new(ErrorKind::Api, format!("graph: the built-in SVG layout cannot read this DOT: {e}"))
    })?;
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&ast);
    let mut graph = builder.get();
    if graph.num_nodes() == 0 {
        // layout-rs panics on a graph without nodes ("Sorting an empty graph").
        return Ok(titled(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"20\" viewBox=\"0 0 240 20\"></svg>",
            title,
        ));
    }
    // The crate asserts its invariants with panics; one it did not expect must not take the
    // caller (a notebook kernel, the REPL) down with it.
    let svg = catch_unwind(AssertUnwindSafe(|| {
        let mut writer = SVGWriter::new();
        graph.do_it(false, false, false, &mut writer);
        writer.finalize()
    }))
    .map_err(|_| Error::new(ErrorKind::Api, "graph: the built-in SVG layout failed on this graph; install Graphviz (apt-get install graphviz) or use format dot or mermaid"))?;
    Ok(titled(&svg, title))
}

/// Height of the title band added above the drawing, in SVG units.
const TITLE_BAND: f64 = 24.0;

/// The SVG with `title` in a band above the drawing: the root element's height and viewBox
/// grow by [`TITLE_BAND`] and its content moves down by as much. The SVG is returned unchanged
/// when its root element is not the shape layout-rs writes.
fn titled(svg: &str, title: &str) -> String {
    let Some(start) = svg.find("<svg") else { return svg.to_string() };
    let Some(len) = svg[start..].find('>') else { return svg.to_string() };
    let end = start + len;
    let root = &svg[start..end];
    let (Some(height), Some(view)) = (attr(root, "height"), attr(root, "viewBox")) else { return svg.to_string() };
    let Ok(h) = height.parse::<f64>() else { return svg.to_string() };
    let nums: Vec<f64> = view.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [x, y, w, vh] = nums[..] else { return svg.to_string() };
    let new_root = root
        .replacen(&format!("height=\"{height}\""), &format!("height=\"{}\"", h + TITLE_BAND), 1)
        .replacen(&format!("viewBox=\"{view}\""), &format!("viewBox=\"{x} {y} {w} {}\"", vh + TITLE_BAND), 1);
    let Some(close) = svg.rfind("</svg>") else { return svg.to_string() };
    format!(
        "{}{new_root}><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-family=\"Helvetica, sans-serif\" \
         font-size=\"14\">{}</text><g transform=\"translate(0,{TITLE_BAND})\">{}</g></svg>\n",
        &svg[..start],
        x + w / 2.0,
        y + 16.0,
        escape(title),
        &svg[end + 1..close],
    )
}

/// The value of `name="…"` in an element's start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// Text for an SVG text node.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::graph::{Drawing, GraphFormat};
    use crate::topology::diff::tests::spec;

    const LAB: &str = "name: lab\nnetworks: {front: {subnet: 10.1.0.0/24}, back: {internal: true}}\nnodes:\n  \
        web: {image: img, networks: {front: {ipv4: 10.1.0.10}, back: {}}}\n  \
        c: {image: img, networks: [front], routes: [{to: back, via: web}]}\n";

    /// The built-in layout turns a topology's DOT into one well-formed SVG document that names
    /// every network and node, shows the addresses and the title; quotes and `<` in names are
    /// escaped.
    #[test]
    fn builtin_layout_draws_every_name() {
        let dot = Drawing::new(&spec(LAB), None, None).render(GraphFormat::Dot).unwrap();
        let svg = builtin(&dot, "topology lab").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
        for name in ["front", "10.1.0.0/24", "back", "(internal)", "web", "c", "img", "10.1.0.10", "to back", "topology lab"] {
            assert!(svg.contains(&format!(">{name}<")), "{name} missing from {svg}");
        }
        assert_nested(&svg);
        let odd = builtin("graph \"x\" { \"a<b\" [label=\"a\\\"<&>\"]; \"a<b\" -- \"c\"; }", "t<1>").unwrap();
        assert!(odd.contains("a&quot;&lt;&amp;&gt;") && odd.contains(">t&lt;1&gt;<"), "{odd}");
    }

    /// Every element is closed, in order, and the root is one `svg` element: the tag structure
    /// of a well-formed document (the text between tags is checked by the name assertions).
    fn assert_nested(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("unclosed tag");
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name.trim()), "misnested </{name}> in {svg}");
                continue;
            }
            let name = tag.split_whitespace().next().expect("tag name");
            if open.is_empty() {
                roots += 1;
            }
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        assert!(open.is_empty(), "unclosed {open:?} in {svg}");
        assert_eq!(roots, 1, "{svg}");
    }

    /// An empty graph (layout-rs panics on one) and unreadable DOT are handled: the first is an
    /// SVG with the title, the second an `api` error naming the built-in layout.
    #[test]
    fn builtin_layout_edge_cases() {
        let empty = builtin("graph \"x\" { graph [label=\"topology x\"]; }", "topology x").unwrap();
        assert!(empty.contains("<svg") && empty.contains(">topology x<"), "{empty}");
        assert_nested(&empty);
        let e = builtin("graph { a -- ; }", "t").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api);
        assert!(e.message().contains("built-in SVG layout"), "{e}");
    }

    /// Without Graphviz the topology still renders as SVG (the built-in layout); with it, as
    /// Graphviz draws it.
    #[test]
    fn svg_renders_with_or_without_graphviz() {
        let svg = Drawing::new(&spec(LAB), None, None).render(GraphFormat::Svg).unwrap();
        assert!(svg.contains("<svg") && svg.contains("web") && svg.contains("front"), "{svg}");
    }
}
