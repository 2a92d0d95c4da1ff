//! Reading option tables: the shapes both bindings deserialize into, with errors that name the key.
//!
//! Lua tables (through mlua's serde support) and Python dicts/kwargs (through pythonize) reach
//! core as serde deserializers. [`from_deserializer`] runs them through `serde_path_to_error`, so
//! a wrong type says which option it was (`option internal: invalid type: string "yes", expected a
//! boolean`), and every option struct rejects unknown keys: a typo is an error, never ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, Result};

/// Deserializes an option value, turning serde's error into an [`Error`] that names the key.
/// `what` says whose options these are (`network create "front"`).
pub fn from_deserializer<'de, T, D>(d: D, what: &str) -> Result<T>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    serde_path_to_error::deserialize(d).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // mlua prefixes its serde messages; the key and the problem are what matter.
        let inner = inner.strip_prefix("deserialize error: ").unwrap_or(&inner).to_string();
        if path.is_empty() || path == "." {
            Error::invalid(format!("{what}: {inner}"))
        } else {
            Error::invalid(format!("{what}: option {path}: {inner}"))
        }
    })
}

/// Deserializes options from a JSON value (used for nested shapes read as JSON first).
pub fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value, what: &str) -> Result<T> {
    from_deserializer(v, what)
}

/// One string or a list of strings (`subnet = "10.0.0.0/24"` or `subnet = {"10.0.0.0/24", …}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringList(pub Vec<String>);

impl StringList {
    /// True when no value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The values.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }
}

impl From<Vec<String>> for StringList {
    fn from(v: Vec<String>) -> Self {
        StringList(v)
    }
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<StringList, E> {
                Ok(StringList(vec![s.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<StringList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(StringList(out))
            }
            // An empty Lua table arrives as an empty map.
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<StringList, A::Error> {
                match map.next_key::<de::IgnoredAny>()? {
                    None => Ok(StringList::default()),
                    Some(_) => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
                }
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<StringList, E> {
                Ok(StringList::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A string-to-string map given either as a map or as a list of `key=value` strings
/// (`labels = {tier="db"}` or `labels = {"tier=db"}`), as the docker CLI's `--label` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringMap(pub BTreeMap<String, String>);

impl StringMap {
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of strings or a list of \"key=value\" strings")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<StringMap, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, Scalar>()? {
                    out.insert(k, v.0);
                }
                Ok(StringMap(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<StringMap, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(s) = seq.next_element::<String>()? {
                    let (k, v) = split_key_value(&s).map_err(de::Error::custom)?;
                    out.insert(k, v);
                }
                Ok(StringMap(out))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<StringMap, E> {
                Ok(StringMap::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A map value: strings as they are; numbers and booleans as the docker CLI would print them
/// (`sysctls = {["net.ipv4.ip_forward"] = 1}` means `"1"`).
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Scalar, E> {
                Ok(Scalar(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> std::result::Result<Scalar, E> {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    Ok(Scalar((n as i64).to_string()))
                } else {
                    Ok(Scalar(n.to_string()))
                }
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Scalar, E> {
                Ok(Scalar(b.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Splits `key=value` (a missing `=` means an empty value, as for `--label key`).
pub fn split_key_value(s: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = s.split_once('=').unwrap_or((s, ""));
    if k.trim().is_empty() {
        return Err(format!("{s:?} is not key=value (the key is empty)"));
    }
    Ok((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Opts {
        #[serde(default)]
        subnet: StringList,
        #[serde(default)]
        labels: StringMap,
        // Only deserialized: the tests check which keys and types are accepted.
        #[serde(default)]
        #[allow(dead_code)]
        internal: bool,
    }

    /// One string or a list; a map or `k=v` strings; errors name the key.
    #[test]
    fn shapes_and_errors() {
        let o: Opts = from_value(serde_json::json!({"subnet": "10.0.0.0/24", "labels": ["a=1", "b"]}), "t").unwrap();
        assert_eq!(o.subnet.0, vec!["10.0.0.0/24"]);
        assert_eq!(o.labels.0.get("a").unwrap(), "1");
        assert_eq!(o.labels.0.get("b").unwrap(), "");
        let o: Opts = from_value(serde_json::json!({"subnet": [], "labels": {"n": 1}}), "t").unwrap();
        assert!(o.subnet.is_empty());
        assert_eq!(o.labels.0.get("n").unwrap(), "1");
        let e = from_value::<Opts>(serde_json::json!({"internal": "yes"}), "network create \"x\"").unwrap_err();
        assert!(e.message().contains("internal") && e.message().contains("network create"), "{e}");
        let e = from_value::<Opts>(serde_json::json!({"subnt": "x"}), "t").unwrap_err();
        assert!(e.message().contains("subnt"), "{e}");
        let e = from_value::<Opts>(serde_json::json!({"labels": ["=x"]}), "t").unwrap_err();
        assert!(e.message().contains("labels"), "{e}");
    }
}
