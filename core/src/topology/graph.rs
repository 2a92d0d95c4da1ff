//! Graph: a topology drawn as Graphviz DOT, Mermaid, or SVG.
//!
//! Networks are ellipses (name and subnet), nodes are boxes (name and image), an edge joins a
//! node to each network it is attached to, labelled with its address, and a dashed arrow shows
//! each route (`to back`) towards its next hop. From the declaration alone the addresses are the
//! static ones and the subnets the given ones; drawn from the daemon (`graph_live`), they are the
//! real ones.
//!
//! DOT and Mermaid are plain text and need nothing. SVG is DOT laid out by Graphviz's `dot`
//! program when it is installed; otherwise a clear `unavailable` error says what to install.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::spec::Spec;
use super::state::Observed;
use crate::error::{Error, Result};

/// An output format of `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    /// Graphviz DOT text.
    Dot,
    /// Mermaid flowchart text (renders in Markdown, GitHub, Jupyter).
    Mermaid,
    /// SVG, laid out by Graphviz's `dot` (must be installed).
    Svg,
}

impl FromStr for GraphFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<GraphFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dot" | "graphviz" | "gv" => Ok(GraphFormat::Dot),
            "mermaid" | "mmd" => Ok(GraphFormat::Mermaid),
            "svg" => Ok(GraphFormat::Svg),
            other => Err(Error::invalid(format!("graph format {other:?} is not one of dot, mermaid, svg"))),
        }
    }
}

/// What is drawn.
#[derive(Debug, Clone, Default)]
pub(crate) struct Drawing {
    name: String,
    /// (key, subnets, internal)
    networks: Vec<(String, String, bool)>,
    /// (key, image)
    nodes: Vec<(String, String)>,
    /// (node, network, address label)
    links: Vec<(String, String, String)>,
    /// (node, via, to)
    routes: Vec<(String, String, String)>,
    /// A lab across hosts: each host (key, address), drawn as a cluster around its nodes and
    /// its local networks; networks that span hosts stay outside, marked overlay.
    hosts: Vec<(String, String)>,
    /// Node → host.
    node_host: BTreeMap<String, String>,
    /// Local network → host.
    net_host: BTreeMap<String, String>,
}

impl Drawing {
    /// From the declaration, with subnets and addresses from the daemon when given.
    pub(crate) fn new(spec: &Spec, subnets: Option<&BTreeMap<String, Vec<String>>>, obs: Option<&Observed>) -> Drawing {
        let mut d = Drawing { name: spec.name.clone(), ..Default::default() };
        let by_net = spec.hosts_by_network();
        for (key, h) in spec.hosts.iter() {
            let addr = h
                .host
                .as_deref()
                .map(crate::host::redact)
                .or_else(|| h.context.as_ref().map(|c| format!("context {c}")))
                .unwrap_or_else(|| "the current daemon".to_string());
            d.hosts.push((key.to_string(), addr));
        }
        for (key, n) in spec.networks.iter() {
            let mut sub = match subnets.and_then(|s| s.get(key)) {
                Some(s) => s.join(", "),
                None => n.subnet.0.join(", "),
            };
            if !spec.hosts.is_empty() {
                let on = by_net.get(key);
                if on.is_some_and(|h| h.len() > 1) || n.driver.as_deref() == Some("overlay") {
                    sub = if sub.is_empty() { "overlay".to_string() } else { format!("{sub} overlay") };
                } else if let Some(h) = on.and_then(|h| h.iter().next()) {
                    d.net_host.insert(key.to_string(), h.to_string());
                }
            }
            d.networks.push((key.to_string(), sub, n.internal));
        }
        for (key, node) in spec.nodes.iter() {
            if let Some(h) = spec.node_host(key).filter(|_| !spec.hosts.is_empty()) {
                d.node_host.insert(key.to_string(), h.to_string());
            }
            d.nodes.push((key.to_string(), spec.node_image(node)));
            let live = obs.and_then(|o| o.container(spec, key));
            for (net, o) in node.networks.iter() {
                let addr = live
                    .and_then(|c| c.attachments.get(&spec.network_name(net)))
                    .and_then(|a| a.ipv4.clone())
                    .or_else(|| o.ipv4.clone())
                    .unwrap_or_default();
                d.links.push((key.to_string(), net.to_string(), addr));
            }
            for r in &node.routes {
                d.routes.push((key.to_string(), r.via.clone(), r.to.clone()));
            }
        }
        d
    }

    /// Renders in `format`.
    pub(crate) fn render(&self, format: GraphFormat) -> Result<String> {
        match format {
            GraphFormat::Dot => Ok(self.dot()),
            GraphFormat::Mermaid => Ok(self.mermaid()),
            // Graphviz when installed, else the built-in layout (svg.rs).
            GraphFormat::Svg => super::svg::render(&self.dot(), &format!("topology {}", self.name)),
        }
    }

    fn dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"));
        let mut s = String::new();
        let _ = writeln!(s, "graph {} {{", q(&self.name));
        let _ = writeln!(
            s,
            "  graph [rankdir=LR, fontname=\"Helvetica\", label={}, labelloc=t];",
            q(&format!("topology {}", self.name))
        );
        let _ = writeln!(s, "  node [fontname=\"Helvetica\", fontsize=11];");
        let _ = writeln!(s, "  edge [fontname=\"Helvetica\", fontsize=9];");
        // Declarations by host cluster ("" = outside every cluster).
        let mut decl: BTreeMap<&str, String> = BTreeMap::new();
        for (key, sub, internal) in &self.networks {
            let s = decl.entry(self.net_host.get(key).map(String::as_str).unwrap_or("")).or_default();
            let mut label = key.clone();
            if !sub.is_empty() {
                label.push_str(&format!("\n{sub}"));
            }
            if *internal {
                label.push_str("\n(internal)");
            }
            let _ = writeln!(
                s,
                "  {} [shape=ellipse, style=filled, fillcolor=\"#dbeafe\", label={}];",
                q(&format!("net:{key}")),
                q(&label)
            );
        }
        for (key, image) in &self.nodes {
            let s = decl.entry(self.node_host.get(key).map(String::as_str).unwrap_or("")).or_default();
            let _ = writeln!(
                s,
                "  {} [shape=box, style=\"rounded,filled\", fillcolor=\"#f1f5f9\", label={}];",
                q(&format!("node:{key}")),
                q(&format!("{key}\n{image}"))
            );
        }
        s.push_str(&decl.remove("").unwrap_or_default());
        for (host, addr) in &self.hosts {
            let _ = writeln!(s, "  subgraph {} {{", q(&format!("cluster_host_{host}")));
            let _ = writeln!(s, "    graph [label={}, style=\"rounded,dashed\", color=\"#64748b\"];", q(&format!("host {host}\n{addr}")));
            for line in decl.remove(host.as_str()).unwrap_or_default().lines() {
                let _ = writeln!(s, "  {line}");
            }
            s.push_str("  }\n");
        }
        for (node, net, addr) in &self.links {
            let _ =
                writeln!(s, "  {} -- {} [label={}];", q(&format!("node:{node}")), q(&format!("net:{net}")), q(addr));
        }
        for (node, via, to) in &self.routes {
            let _ = writeln!(
                s,
                "  {} -- {} [style=dashed, dir=forward, color=\"#b45309\", label={}];",
                q(&format!("node:{node}")),
                q(&format!("node:{via}")),
                q(&format!("to {to}"))
            );
        }
        s.push_str("}\n");
        s
    }

    fn mermaid(&self) -> String {
        // Mermaid ids must be plain words; labels are quoted with `"` written as #quot;.
        let q = |s: &str| format!("\"{}\"", s.replace('"', "#quot;"));
        let net_id: BTreeMap<&str, String> =
            self.networks.iter().enumerate().map(|(i, (k, _, _))| (k.as_str(), format!("net{i}"))).collect();
        let node_id: BTreeMap<&str, String> =
            self.nodes.iter().enumerate().map(|(i, (k, _))| (k.as_str(), format!("node{i}"))).collect();
        let mut s = String::from("graph LR\n");
        let mut decl: BTreeMap<&str, String> = BTreeMap::new();
        for (key, sub, internal) in &self.networks {
            let s = decl.entry(self.net_host.get(key).map(String::as_str).unwrap_or("")).or_default();
            let mut label = key.clone();
            if !sub.is_empty() {
                label.push_str(&format!("<br/>{sub}"));
            }
            if *internal {
                label.push_str("<br/>(internal)");
            }
            let _ = writeln!(s, "  {}([{}])", net_id[key.as_str()], q(&label));
        }
        for (key, image) in &self.nodes {
            let s = decl.entry(self.node_host.get(key).map(String::as_str).unwrap_or("")).or_default();
            let _ = writeln!(s, "  {}[{}]", node_id[key.as_str()], q(&format!("{key}<br/>{image}")));
        }
        s.push_str(&decl.remove("").unwrap_or_default());
        for (i, (host, addr)) in self.hosts.iter().enumerate() {
            let _ = writeln!(s, "  subgraph host{i}[{}]", q(&format!("host {host}: {addr}")));
            for line in decl.remove(host.as_str()).unwrap_or_default().lines() {
                let _ = writeln!(s, "  {line}");
            }
            s.push_str("  end\n");
        }
        for (node, net, addr) in &self.links {
            let (Some(a), Some(b)) = (node_id.get(node.as_str()), net_id.get(net.as_str())) else { continue };
            if addr.is_empty() {
                let _ = writeln!(s, "  {a} --- {b}");
            } else {
                let _ = writeln!(s, "  {a} ---|{}| {b}", q(addr));
            }
        }
        for (node, via, to) in &self.routes {
            let (Some(a), Some(b)) = (node_id.get(node.as_str()), node_id.get(via.as_str())) else { continue };
            let _ = writeln!(s, "  {a} -.->|{}| {b}", q(&format!("to {to}")));
        }
        s
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::diff::tests::spec;

    const LAB: &str = "name: lab\nnetworks: {front: {subnet: 10.1.0.0/24}, back: {internal: true}}\nnodes:\n  \
        web: {image: img, networks: {front: {ipv4: 10.1.0.10}, back: {}}}\n  \
        c: {image: img, networks: [front], routes: [{to: back, via: web}]}\n";

    /// DOT has a vertex per network and node, an edge per attachment (with its static address)
    /// and a dashed edge per route.
    #[test]
    fn dot_text() {
        let d = Drawing::new(&spec(LAB), None, None).render(GraphFormat::Dot).unwrap();
        assert!(d.starts_with("graph \"lab\" {"), "{d}");
        assert!(d.contains("\"net:front\" [shape=ellipse") && d.contains("label=\"front\\n10.1.0.0/24\""), "{d}");
        assert!(d.contains("label=\"back\\n(internal)\""), "{d}");
        assert!(d.contains("\"node:web\" -- \"net:front\" [label=\"10.1.0.10\"]"), "{d}");
        assert!(d.contains("\"node:c\" -- \"node:web\" [style=dashed"), "{d}");
    }

    /// Mermaid uses safe ids and quoted labels.
    #[test]
    fn mermaid_text() {
        let m = Drawing::new(&spec(LAB), None, None).render(GraphFormat::Mermaid).unwrap();
        assert!(m.starts_with("graph LR\n"), "{m}");
        assert!(m.contains("net1([\"front<br/>10.1.0.0/24\"])"), "{m}");
        assert!(m.contains("node1[\"web<br/>img\"]"), "{m}");
        assert!(m.contains("node1 ---|\"10.1.0.10\"| net1"), "{m}");
        assert!(m.contains("node0 -.->|\"to back\"| node1"), "{m}");
    }

    /// SVG without Graphviz is a clear `unavailable` error; with it, an SVG document.
    #[test]
    fn svg_needs_graphviz() {
        let e = crate::topology::svg::to_svg("graph x {}", "dockernet-no-such-dot-program").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unavailable);
        assert!(e.message().contains("install Graphviz") && e.message().contains("mermaid"), "{e}");
        match Drawing::new(&spec(LAB), None, None).render(GraphFormat::Svg) {
            Ok(svg) => assert!(svg.contains("<svg"), "{svg}"),
            Err(e) => assert_eq!(e.kind(), crate::ErrorKind::Unavailable, "{e}"),
        }
        assert_eq!("Mermaid".parse::<GraphFormat>().unwrap(), GraphFormat::Mermaid);
        assert!("png".parse::<GraphFormat>().is_err());
    }
}
