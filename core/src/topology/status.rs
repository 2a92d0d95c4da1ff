//! Status: each declared element — network, node, attachment, route, link impairment — present,
//! missing or drifted, plus what the topology owns but no longer declares, as data.
//!
//! It is the same comparison as plan (one diff, two views): an element is `present` exactly when
//! plan has nothing to do for it, so `status` and `plan` never disagree.

use std::fmt;

use serde::Serialize;

/// What kind of element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// A network.
    Network,
    /// A node (container).
    Node,
    /// A node's attachment to a network.
    Attachment,
    /// A route inside a node.
    Route,
    /// The impairment of a node's attachment (its `link`), as the kernel has it.
    Link,
}

/// How an element compares with its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// As declared.
    Present,
    /// Declared but not there.
    Missing,
    /// There but different (options changed, disconnected by hand, stopped, …): `detail` says how.
    Drifted,
    /// Owned by the topology but no longer declared.
    Extra,
}

impl State {
    /// The snake_case name (`present`, `missing`, `drifted`, `extra`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Missing => "missing",
            State::Drifted => "drifted",
            State::Extra => "extra",
        }
    }
}

/// One element and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// Network, node, attachment or route.
    pub kind: ElementKind,
    /// Its path in the declaration (`nodes.web.networks.front`).
    pub path: String,
    /// The Docker name (or, for a route, its destination).
    pub name: String,
    /// Present, missing, drifted or extra.
    pub state: State,
    /// How it drifted, or why it is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The state of a whole topology.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The topology's name.
    pub topology: String,
    /// Every element, networks first.
    pub elements: Vec<Element>,
}

impl Status {
    /// True when every declared element is present and nothing extra is owned.
    pub fn is_up_to_date(&self) -> bool {
        self.elements.iter().all(|e| e.state == State::Present)
    }

    /// The elements in a given state.
    pub fn with_state(&self, state: State) -> Vec<&Element> {
        self.elements.iter().filter(|e| e.state == state).collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |s: State| self.elements.iter().filter(|e| e.state == s).count();
        write!(
            f,
            "topology {:?}: {} present, {} missing, {} drifted, {} extra",
            self.topology,
            count(State::Present),
            count(State::Missing),
            count(State::Drifted),
            count(State::Extra)
        )?;
        let width = self.elements.iter().map(|e| e.path.len()).max().unwrap_or(0);
        for e in &self.elements {
            write!(f, "\n  {:<8} {:<width$}  {}", e.state.as_str(), e.path, e.name)?;
            if let Some(d) = &e.detail {
                write!(f, " ({d})")?;
            }
        }
        Ok(())
    }
}
