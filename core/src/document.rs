//! Daemon documents (inspect and list entries) kept as the JSON text the daemon sent.
//!
//! Why not a `serde_json::Value`: a script that lists 300 networks only wants Lua tables or
//! Python dicts. Parsing the body into a `Value` tree first (an IndexMap per object) and then
//! serialising that tree into the host's values cost more client CPU than everything else in the
//! call together (bench/README.md, item 3). A [`Document`] is validated once when it arrives and
//! then crosses into Lua or Python in one pass: each binding runs serde_json's deserializer over
//! [`Document::json`] with a seed of its own that builds the host's values directly (`LuaSeed`,
//! `PySeed` in the bindings' `convert.rs`; object keys as [`Key`], borrowed from the text), with
//! no tree in between, keys in the daemon's order.
//!
//! Rust code that reads fields asks for them typed ([`Document::fields`], [`Document::str_field`])
//! or takes the whole tree ([`Document::to_value`]); [`Serialize`] writes the document into any
//! serde format in one pass (`serde_transcode`).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Result;

/// One daemon document, as the daemon's JSON text (validated when it was read).
#[derive(Clone)]
pub struct Document(Box<RawValue>);

impl Document {
    /// Parses and validates one JSON document.
    pub fn from_slice(bytes: &[u8]) -> Result<Document> {
        Ok(Document(serde_json::from_slice(bytes)?))
    }

    /// Splits a JSON array (a list answer) into its documents, in the daemon's order. `null`
    /// (which some daemons send for an empty list) gives none.
    pub fn list_from_slice(bytes: &[u8]) -> Result<Vec<Document>> {
        let items: Option<Vec<Box<RawValue>>> = serde_json::from_slice(bytes)?;
        Ok(items.unwrap_or_default().into_iter().map(Document).collect())
    }

    /// The JSON text, exactly as the daemon sent it.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The whole document as a tree (keys in the daemon's order).
    pub fn to_value(&self) -> Value {
        // Validated on arrival, so this cannot fail; a `Null` would only hide a bug.
        serde_json::from_str(self.0.get()).expect("a Document holds valid JSON")
    }

    /// Reads the fields a typed struct names and skips the rest (no tree is built).
    pub fn fields<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_str(self.0.get())?)
    }

    /// The top-level string field `key` (`Name`, `Id`), or `""` when absent or not a string.
    /// Reads only up to that field: lists are sorted by it, and scanning each whole document for
    /// its name cost a sixth of a 300-network `ls` (Docker sends `Name`/`Names` first).
    pub fn str_field(&self, key: &str) -> String {
        let [value] = self.str_fields([key]);
        value
    }

    /// Several top-level string fields at once (each `""` when absent or not a string; the
    /// first occurrence of a key counts), reading only until the last of them: Docker sends
    /// `Name`, `Id` and `Driver` first, so a network's identity costs a fifth of a full read.
    pub fn str_fields<const N: usize>(&self, keys: [&str; N]) -> [String; N] {
        let found: [Cell<Option<String>>; N] = std::array::from_fn(|_| Cell::new(None));
        let mut de = serde_json::Deserializer::from_str(self.0.get());
        // Once the fields are read the visitor stops, and the parse ends with an error: the
        // rest of the text is never scanned. The outcome is in `found` either way.
        let _ = de::DeserializeSeed::deserialize(Fields { keys: &keys, found: &found }, &mut de);
        found.map(|c| c.take().unwrap_or_default())
    }
}

/// Decodes a list answer (a JSON array; `null` is an empty list) in one pass, each item with a
/// seed from `item`, in the daemon's order. For a binding that builds its own values from the
/// whole list: each item is then tokenized once, where [`Document::list_from_slice`] followed by
/// a decode of each document tokenizes it twice (the split validates). The seed returns the item
/// and its sort key (see `Client::network_ls_with`).
pub fn decode_list<'de, S, T>(text: &'de str, item: impl FnMut() -> S) -> serde_json::Result<Vec<(T, String)>>
where
    S: de::DeserializeSeed<'de, Value = (T, String)>,
{
    struct Items<F>(F);
    impl<'de, S, T, F> de::Visitor<'de> for Items<F>
    where
        S: de::DeserializeSeed<'de, Value = (T, String)>,
        F: FnMut() -> S,
    {
        type Value = Vec<(T, String)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(8));
            while let Some(v) = seq.next_element_seed((self.0)())? {
                out.push(v);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let items = de::Deserializer::deserialize_any(&mut de, Items(item))?;
    de.end()?;
    Ok(items)
}

/// An object key as the deserializer gives it: borrowed from the JSON text when it has no escapes
/// (always, for Docker's keys), owned otherwise. (`Cow<str>`'s own `Deserialize` always copies,
/// which cost a malloc and a free per key of every document.) For the bindings' decoders.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Finds top-level string fields, skipping the values before them and stopping after the last.
struct Fields<'k, const N: usize> {
    keys: &'k [&'k str; N],
    /// Per key: its value once seen (`""` when it is not a string).
    found: &'k [Cell<Option<String>>; N],
}

impl<'de, const N: usize> de::DeserializeSeed<'de> for Fields<'_, N> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> de::Visitor<'de> for Fields<'_, N> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut left = N;
        let mut seen = [false; N];
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            match self.keys.iter().position(|want| *want == k) {
                Some(i) if !seen[i] => {
                    seen[i] = true;
                    let raw = map.next_value::<&'de RawValue>()?;
                    let value = serde_json::from_str::<Cow<str>>(raw.get()).map(Cow::into_owned).unwrap_or_default();
                    self.found[i].set(Some(value));
                    left -= 1;
                    if left == 0 {
                        // Stop here: serde_json then finds no `}` where the map should end and
                        // fails the parse, without reading the rest. (An error of our own would
                        // cost more: serde_json formats a custom error's text and searches it for
                        // a position, ~1,500 instructions a document in a 300-network `ls`.)
                        return Ok(());
                    }
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for Document {
    /// Transcodes the JSON text into any serializer in one pass (see the file notes).
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut de = serde_json::Deserializer::from_str(self.0.get());
        serde_transcode::transcode(&mut de, serializer)
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.get())
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = r#"{"Name":"front","Id":"abc","IPAM":{"Config":[{"Subnet":"10.1.0.0/24"}]},"Options":{},"Labels":null,"Containers":{}}"#;

    /// Transcoding gives exactly the tree a parse gives, key order included.
    #[test]
    fn serializes_as_the_parsed_tree() {
        let d = Document::from_slice(NET.as_bytes()).unwrap();
        let via_serialize = serde_json::to_value(&d).unwrap();
        assert_eq!(via_serialize, d.to_value());
        assert_eq!(serde_json::to_string(&d).unwrap(), NET);
    }

    /// Lists split into documents; `null` is an empty list; bad JSON is an error, not a panic.
    #[test]
    fn lists_and_bad_json() {
        let list = Document::list_from_slice(format!("[{NET}, {{\"Name\":\"b\"}}]").as_bytes()).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].str_field("Name"), "b");
        assert!(Document::list_from_slice(b"null").unwrap().is_empty());
        assert!(Document::from_slice(b"{\"Name\":").is_err());
    }

    /// A list decoded whole: each item once, in the daemon's order, with the key its seed
    /// reports; `null` is empty; bad JSON and trailing bytes are errors.
    #[test]
    fn lists_decoded_in_one_pass() {
        struct NameSeed;
        impl<'de> de::DeserializeSeed<'de> for NameSeed {
            type Value = (Value, String);
            fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(Value, String), D::Error> {
                let v = <Value as de::Deserialize>::deserialize(d)?;
                let name = v.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                Ok((v, name))
            }
        }
        let text = format!("[{NET}, {{\"Name\":\"b\"}}, 7]");
        let items = decode_list(&text, || NameSeed).unwrap();
        let names: Vec<&str> = items.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["front", "b", ""]);
        assert_eq!(items[0].0, Document::from_slice(NET.as_bytes()).unwrap().to_value());
        assert!(decode_list(" null ", || NameSeed).unwrap().is_empty());
        assert!(decode_list("[]", || NameSeed).unwrap().is_empty());
        assert!(decode_list("[{\"Name\":}]", || NameSeed).is_err());
        assert!(decode_list("[] x", || NameSeed).is_err(), "trailing bytes");
        assert!(decode_list("{}", || NameSeed).is_err(), "not a list");
    }

    /// Top-level string fields are read without a tree; escapes are decoded.
    #[test]
    fn string_fields() {
        let d = Document::from_slice(br#"{"Name":"a\"b","Id":"x","N":1,"Nested":{"Late":"no"},"Late":"yes"}"#).unwrap();
        assert_eq!(d.str_field("Name"), "a\"b");
        assert_eq!(d.str_field("Late"), "yes", "a nested key of the same name is not the field");
        assert_eq!(d.str_field("N"), "");
        assert_eq!(d.str_field("missing"), "");
        assert_eq!(d.str_fields(["Id", "Late", "N", "missing"]), ["x", "yes", "", ""].map(String::from));
        let dup = Document::from_slice(br#"{"Name":"first","Name":"second"}"#).unwrap();
        assert_eq!(dup.str_fields(["Name"]), ["first".to_string()]);
    }
}
