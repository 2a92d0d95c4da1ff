//! Finding a network or container by what a script gave: the one exact-lookup rule, the words
//! messages use for an object, and the short id — shared by `network.rs`, `container.rs` and the
//! topology engine, so each rule is written once.
//!
//! The rule: an input names an object when it is its name, its full id, or a prefix of its id at
//! least 12 characters long (a short id as `ls` prints it). The daemon itself also answers to
//! shorter id prefixes and, on 20.10, to the first of several same-named networks; dockernet
//! does not (README, "Rules that differ from the daemon").

use crate::client::Client;
use crate::daemon::{ContainerFacts, NetworkFacts};
use crate::document::Document;
use crate::error::{Error, Result};

/// How many characters of an id the docker CLI prints, and the shortest id prefix dockernet
/// accepts as a name for an object.
pub const SHORT_ID_LEN: usize = 12;

/// True when the document answers a lookup of `wanted` exactly: same name, same full id, or an
/// id prefix of at least [`SHORT_ID_LEN`] characters.
pub(crate) fn exact_match(wanted: &str, name: &str, id: &str) -> bool {
    name == wanted || id == wanted || (wanted.len() >= SHORT_ID_LEN && id.starts_with(wanted))
}

/// True when the daemon's lookup of a short input (< 12 characters, so not an id as dockernet
/// accepts it) failed only because several ids start with it: networks say "… found based on ID
/// prefix: network X is ambiguous" (400), containers "Multiple IDs found with provided prefix: X"
/// (500). A name match would have been returned before any prefix match, so no object has that name.
pub(crate) fn is_short_prefix_ambiguity(wanted: &str, e: &Error) -> bool {
    let m = e.message().to_ascii_lowercase();
    wanted.len() < SHORT_ID_LEN
        && (m.contains("based on id prefix") || m.contains("multiple ids found with provided prefix"))
}

/// Checks a network or container name given by a script.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid(format!("{what} name must not be empty (got {name:?})")));
    }
    Ok(())
}

/// How an object is named in messages: the caller's words — unless those were a full id (as
/// handles pass), then the name the lookup found, which a person recognises.
pub(crate) fn shown(input: &str, name: &str) -> String {
    if input.len() == 64 && input.bytes().all(|b| b.is_ascii_hexdigit()) && !name.is_empty() {
        name.to_string()
    } else {
        input.to_string()
    }
}

/// The short form of an id, as the docker CLI prints it (its `stringid.TruncateID`): without an
/// algorithm prefix (`sha256:` on image ids), cut to [`SHORT_ID_LEN`] characters. Cut on a
/// character boundary, so text that is not an id (a name, a hostile daemon's answer) never panics.
pub fn short_id(id: &str) -> &str {
    let id = id.split_once(':').map_or(id, |(_, rest)| rest);
    match id.char_indices().nth(SHORT_ID_LEN) {
        Some((end, _)) => &id[..end],
        None => id,
    }
}

impl Client {
    /// A network looked up by the rule: its inspect document (what scripts receive) and its
    /// facts (what dockernet reads), from one request. `verbose` adds a swarm network's services.
    pub(crate) async fn find_network(&self, input: &str, verbose: bool) -> Result<(Document, NetworkFacts)> {
        let doc = self.find_network_document(input, verbose).await?;
        let facts = doc.fields()?;
        Ok((doc, facts))
    }

    /// [`Client::find_network`] without the facts, for `network inspect`, which hands the
    /// document on unread: decoding the facts was a fifth of an inspect's client work
    /// (bench/README.md, item 9).
    pub(crate) async fn find_network_document(&self, input: &str, verbose: bool) -> Result<Document> {
        let q = if verbose { "?verbose=true" } else { "" };
        let path = format!("/networks/{}{q}", crate::client::seg(input));
        self.find("network", input, input, &path, false).await
    }

    /// A container looked up by the rule (a leading `/` on a name is the daemon's and allowed):
    /// its inspect document and its facts, from one request.
    pub(crate) async fn find_container(&self, input: &str) -> Result<(Document, ContainerFacts)> {
        let doc = self.find_container_document(input).await?;
        let facts = doc.fields()?;
        Ok((doc, facts))
    }

    /// [`Client::find_container`] without the facts, for `container inspect`.
    pub(crate) async fn find_container_document(&self, input: &str) -> Result<Document> {
        let path = format!("/containers/{}/json", crate::client::seg(input));
        self.find("container", input, input.trim_start_matches('/'), &path, true).await
    }

    /// The rule, for either kind: inspect `path` (the daemon resolves `input` its own way), then
    /// accept the answer only if its name (without the daemon's leading `/` when `slashed`, as
    /// container names are) or id matches `wanted` exactly. The two are skimmed from the text,
    /// not decoded.
    async fn find(&self, kind: &str, input: &str, wanted: &str, path: &str, slashed: bool) -> Result<Document> {
        check_name(kind, input)?;
        let doc = match self.get_doc(path).await {
            // Several ids start with a short input and no object has it as a name (a name match
            // would have won): for an exact lookup that is "not found", not "ambiguous".
            Err(e) if is_short_prefix_ambiguity(input, &e) => {
                return Err(Error::not_found(format!(
                    "no {kind} named {input:?} (several ids start with it; dockernet matches names exactly)"
                )))
            }
            r => r?,
        };
        let [name, id] = doc.str_fields(["Name", "Id"]);
        let name = if slashed { name.trim_start_matches('/') } else { &name };
        if !exact_match(wanted, name, &id) {
            return Err(Error::not_found(format!(
                "no {kind} named {input:?} (the daemon offered {name:?} by id prefix; dockernet matches names exactly)"
            )));
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_as_the_docker_cli_prints_them() {
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(short_id(id), "0123456789ab");
        assert_eq!(short_id(&format!("sha256:{id}")), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(short_id("ééééééééééééééé"), "éééééééééééé", "cut on a character boundary");
    }

    #[test]
    fn the_exact_lookup_rule() {
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(exact_match("web", "web", id));
        assert!(exact_match(id, "web", id));
        assert!(exact_match("0123456789ab", "web", id));
        assert!(!exact_match("0123456789a", "web", id), "11 characters are not an id");
        assert!(!exact_match("we", "web", id));
    }
}
