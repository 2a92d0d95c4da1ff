//! Reading option tables: the shapes both bindings deserialize into, with errors that name the key.
//!
//! Lua tables (through mlua's serde support), Python dicts/kwargs (made JSON first by the Python
//! binding) and topology files reach core as serde deserializers. [`from_deserializer`] runs them
//! through `serde_path_to_error`, so a wrong type says which option it was (`option internal:
//! invalid type: string "yes", expected a boolean`), and every option struct rejects unknown keys:
//! a typo is an error, never ignored.
//!
//! Values from scripts are not trusted to be small: [`MAX_DEPTH`] bounds how deeply they may nest,
//! counted here for every deserializer (and by the Python binding while it walks a value), so a
//! runaway or self-referencing value is an `invalid` error naming the option instead of a stack
//! overflow; [`MAX_ITEMS`] bounds one list, so a Lua table claiming a length of 2^40 is refused
//! instead of read for hours. What an option *means* (a CIDR, a port) is checked by the operations, not here.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, Result};

/// How many tables/dicts and lists may sit inside each other in one option or topology value.
///
/// A real option needs three or four levels (`networks.front.aliases[0]`), a topology six or
/// seven; 64 leaves room for anything written by hand. The limit exists because reading a value
/// recurses once per level: a list nested 100,000 deep, or a dict that contains itself, used to
/// overflow the stack and kill the Python interpreter. Both bindings use this one number: the
/// Python binding while it walks a value, and [`from_deserializer`] for every deserializer (Lua
/// tables, JSON, YAML).
pub const MAX_DEPTH: usize = 64;

/// How many entries one list or table in an option or topology value may have.
///
/// Far above any real value (a 250,000-node topology is within it), the limit bounds the time
/// and memory a single value can make core spend. It matters for Lua above all: a table's length
/// is any "border" of it, so `{[1]=1, [2]=1, [4]=1, …, [2^40]=1}` has 42 entries and a length of
/// 2^40, and reading it as a list would visit a trillion `nil`s.
pub const MAX_ITEMS: usize = 1_000_000;

/// The reason given for a value nested deeper than [`MAX_DEPTH`] (callers put the path before it).
pub fn too_deep() -> String {
    format!("nested more than {MAX_DEPTH} levels deep (tables or lists inside each other); no option needs that many")
}

/// The reason given for a list or table longer than [`MAX_ITEMS`].
pub fn too_many() -> String {
    format!("more than {MAX_ITEMS} entries in one list or table; no option needs that many")
}

/// A path as messages show it, cut after 60 characters: a value refused for its depth has a
/// path as long as the value is deep, and the first keys are the ones that say which option.
pub fn short_path(path: &str) -> String {
    const SHOWN: usize = 60;
    match path.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_string(),
    }
}

/// Deserializes an option value, turning serde's error into an [`Error`] that names the key.
/// `what` says whose options these are (`network create "front"`). Values nested deeper than
/// [`MAX_DEPTH`], or with a list longer than [`MAX_ITEMS`], are refused before they are read
/// further.
pub fn from_deserializer<'de, T, D>(d: D, what: &str) -> Result<T>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    serde_path_to_error::deserialize(Limited { inner: d, depth: 0 }).map_err(|e| {
        let path = e.path().to_string();
        // mlua refuses a self-referencing table before it reads its key: the last segment is `?`.
        let path = path.strip_suffix(".?").unwrap_or(&path);
        let inner = e.into_inner().to_string();
        // mlua prefixes its serde messages; the key and the problem are what matter.
        let inner = inner.strip_prefix("deserialize error: ").unwrap_or(&inner).to_string();
        if path.is_empty() || path == "." || path == "?" {
            Error::invalid(format!("{what}: {inner}"))
        } else {
            Error::invalid(format!("{what}: option {}: {inner}", short_path(path)))
        }
    })
}

/// Deserializes options from a JSON value (used for nested shapes read as JSON first).
pub fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value, what: &str) -> Result<T> {
    from_deserializer(v, what)
}

/// A deserializer that counts how many maps, sequences and enums it has entered and refuses to
/// enter more than [`MAX_DEPTH`], and refuses a sequence or map with more than [`MAX_ITEMS`]
/// entries. It wraps every nested deserializer, visitor and access it
/// hands out (the pattern `serde_path_to_error` uses to track paths), so the count holds at any
/// depth whatever the inner deserializer is.
struct Limited<D> {
    inner: D,
    /// Containers entered above this value.
    depth: usize,
}

/// A visitor that checks the depth before a container is read.
struct LimitedVisitor<V> {
    inner: V,
    depth: usize,
}

/// A seed that reads its value through [`Limited`].
struct LimitedSeed<S> {
    inner: S,
    depth: usize,
}

/// The elements of a sequence, a map's keys and values, an enum's variant: each read through
/// [`LimitedSeed`] at the container's depth.
struct LimitedAccess<A> {
    inner: A,
    depth: usize,
    /// Entries read so far.
    count: usize,
}

impl<A> LimitedAccess<A> {
    fn new(inner: A, depth: usize) -> Self {
        LimitedAccess { inner, depth, count: 0 }
    }

    /// Counts one more entry, refusing the one past [`MAX_ITEMS`].
    fn count<T, E: de::Error>(&mut self, entry: Option<T>) -> std::result::Result<Option<T>, E> {
        if entry.is_some() {
            self.count += 1;
            if self.count > MAX_ITEMS {
                return Err(E::custom(too_many()));
            }
        }
        Ok(entry)
    }
}

/// One level deeper, or the error saying the value is too deep.
fn enter<E: de::Error>(depth: usize) -> std::result::Result<usize, E> {
    if depth >= MAX_DEPTH {
        Err(E::custom(too_deep()))
    } else {
        Ok(depth + 1)
    }
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> std::result::Result<V::Value, D::Error> {
            self.inner.$method($($arg,)* LimitedVisitor { inner: visitor, depth: self.depth })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Limited<D> {
    type Error = D::Error;
    forward_deserialize! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(),
        deserialize_i64(), deserialize_i128(), deserialize_u8(), deserialize_u16(), deserialize_u32(),
        deserialize_u64(), deserialize_u128(), deserialize_f32(), deserialize_f64(), deserialize_char(),
        deserialize_str(), deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
        deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str), deserialize_seq(), deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(), deserialize_ignored_any(),
    }
    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> std::result::Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for LimitedVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.expecting(f)
    }
    forward_visit! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128), visit_f32(f32),
        visit_f64(f64), visit_char(char), visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<V::Value, E> {
        self.inner.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<V::Value, E> {
        self.inner.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<V::Value, D::Error> {
        self.inner.visit_some(Limited { inner: d, depth: self.depth })
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> std::result::Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Limited { inner: d, depth: self.depth })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<V::Value, A::Error> {
        let depth = enter(self.depth)?;
        self.inner.visit_seq(LimitedAccess::new(seq, depth))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<V::Value, A::Error> {
        let depth = enter(self.depth)?;
        self.inner.visit_map(LimitedAccess::new(map, depth))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> std::result::Result<V::Value, A::Error> {
        let depth = enter(self.depth)?;
        self.inner.visit_enum(LimitedAccess::new(data, depth))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for LimitedSeed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<S::Value, D::Error> {
        self.inner.deserialize(Limited { inner: d, depth: self.depth })
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for LimitedAccess<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> std::result::Result<Option<T::Value>, A::Error> {
        let entry = self.inner.next_element_seed(LimitedSeed { inner: seed, depth: self.depth })?;
        self.count(entry)
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for LimitedAccess<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> std::result::Result<Option<K::Value>, A::Error> {
        let entry = self.inner.next_key_seed(LimitedSeed { inner: seed, depth: self.depth })?;
        self.count(entry)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> std::result::Result<T::Value, A::Error> {
        self.inner.next_value_seed(LimitedSeed { inner: seed, depth: self.depth })
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for LimitedAccess<A> {
    type Error = A::Error;
    type Variant = LimitedAccess<A::Variant>;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> std::result::Result<(T::Value, Self::Variant), A::Error> {
        let (v, variant) = self.inner.variant_seed(LimitedSeed { inner: seed, depth: self.depth })?;
        Ok((v, LimitedAccess::new(variant, self.depth)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for LimitedAccess<A> {
    type Error = A::Error;
    fn unit_variant(self) -> std::result::Result<(), A::Error> {
        self.inner.unit_variant()
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> std::result::Result<T::Value, A::Error> {
        self.inner.newtype_variant_seed(LimitedSeed { inner: seed, depth: self.depth })
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> std::result::Result<V::Value, A::Error> {
        self.inner.tuple_variant(len, LimitedVisitor { inner: visitor, depth: self.depth })
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> std::result::Result<V::Value, A::Error> {
        self.inner.struct_variant(fields, LimitedVisitor { inner: visitor, depth: self.depth })
    }
}

/// One string or a list of strings (`subnet = "10.0.0.0/24"` or `subnet = {"10.0.0.0/24", …}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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
    use serde_json::json;

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

    /// Arrays nested `n` deep around `leaf`.
    fn nested(n: usize, leaf: serde_json::Value) -> serde_json::Value {
        (0..n).fold(leaf, |v, _| serde_json::Value::Array(vec![v]))
    }

    /// How many arrays/objects sit inside each other in `v`.
    fn depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// A value may nest exactly `MAX_DEPTH` containers; one more is an `invalid` error that names
    /// the option (its path cut short) and says why, instead of recursing on.
    #[test]
    fn depth_is_limited_at_max_depth() {
        let ok: serde_json::Value = from_value(nested(MAX_DEPTH, json!(1)), "t").unwrap();
        assert_eq!(depth(&ok), MAX_DEPTH);
        let e = from_value::<serde_json::Value>(nested(MAX_DEPTH + 1, json!(1)), "t").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Invalid);
        assert!(e.message().contains(&format!("nested more than {MAX_DEPTH} levels")), "{e}");

        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct WithAny {
            ports: Option<serde_json::Value>,
        }
        // The top-level map is a level too.
        let e = from_value::<WithAny>(json!({ "ports": nested(MAX_DEPTH, json!("80")) }), "container run").unwrap_err();
        let m = e.message();
        assert!(m.starts_with("container run: option ports[0][0]") && m.contains('…'), "{m}");
        assert!(m.len() < 300, "the path is cut short: {m}");
        from_value::<WithAny>(json!({ "ports": nested(MAX_DEPTH - 1, json!("80")) }), "t").unwrap();
    }

    /// The limit holds for every deserializer, not only JSON values: a YAML flow sequence 200
    /// deep (a topology file) is refused with the same message.
    #[test]
    fn depth_is_limited_for_yaml_too() {
        let yaml = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let e =
            from_deserializer::<serde_json::Value, _>(serde_yaml_ng::Deserializer::from_str(&yaml), "t").unwrap_err();
        assert!(e.message().contains("nested more than"), "{e}");
    }

    /// A list may have `MAX_ITEMS` entries; one more is refused with the option named.
    #[test]
    fn items_are_limited_at_max_items() {
        let v = json!({ "subnet": vec![serde_json::Value::Null; MAX_ITEMS] });
        let o: serde_json::Value = from_value(v, "t").unwrap();
        assert_eq!(o["subnet"].as_array().map(Vec::len), Some(MAX_ITEMS));
        let v = json!({ "subnet": vec![serde_json::Value::Null; MAX_ITEMS + 1] });
        let e = from_value::<serde_json::Value>(v, "t").unwrap_err();
        assert!(e.message().starts_with("t: option subnet: more than 1000000 entries"), "{e}");
    }

    /// Paths longer than 60 characters are cut (on a character boundary) with `…`.
    #[test]
    fn long_paths_are_cut() {
        assert_eq!(short_path("labels.a"), "labels.a");
        let long = "é".repeat(100);
        assert_eq!(short_path(&long), format!("{}…", "é".repeat(60)));
    }

    mod fuzz {
        //! Random JSON-ish values through every option reader: each converts or is an `invalid`
        //! error, and the depth rule holds exactly. Seeded (ChaCha, deterministic), bounded.
        use super::*;
        use crate::{container, network, topology, ErrorKind};
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        use serde_json::Value;

        /// Option and topology keys, so that values get past `deny_unknown_fields` and reach the
        /// nested readers (StringMap, StringList, Named, ports…), plus a few odd ones.
        const KEYS: &[&str] = &[
            "name",
            "driver",
            "subnet",
            "gateway",
            "ip_range",
            "aux_addresses",
            "labels",
            "options",
            "internal",
            "attachable",
            "ipv4",
            "ipv6",
            "image",
            "command",
            "entrypoint",
            "env",
            "networks",
            "nodes",
            "aliases",
            "ports",
            "sysctls",
            "cap_add",
            "cap_drop",
            "filters",
            "all",
            "force",
            "timeout",
            "pool",
            "prefix",
            "subnet_size",
            "expect",
            "routes",
            "to",
            "via",
            "from",
            "reach",
            "network",
            "hostname",
            "user",
            "workdir",
            "privileged",
            "verbose",
            "scope",
            "ingress",
            "config_only",
            "config_from",
            "ipam_driver",
            "ipam_options",
            "links",
            "mac_address",
            "driver_opts",
            "gw_priority",
            "link_local_ips",
            "concurrency",
            "v",
            "",
            "é",
            "a.b",
            "?",
        ];

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                6 => prop::sample::select(KEYS).prop_map(str::to_string),
                1 => any::<String>(),
            ]
        }

        fn leaf() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
                prop::sample::select(&["10.0.0.0/24", "80:80", "a=b", "=", "", "bridge", "web", "1.2.3.4", "x/99"][..])
                    .prop_map(Value::from),
                any::<String>().prop_map(Value::from),
            ]
        }

        /// A tree up to 6 levels, wrapped in up to 100 more levels of arrays or one-key objects
        /// (so about a third of the values cross `MAX_DEPTH`).
        fn hostile() -> impl Strategy<Value = Value> {
            let tree = leaf().prop_recursive(6, 48, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::vec((key(), inner), 0..5).prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            });
            (tree, 0..100usize, key(), any::<bool>()).prop_map(|(mut v, n, k, arrays)| {
                for _ in 0..n {
                    v = if arrays {
                        Value::Array(vec![v])
                    } else {
                        Value::Object([(k.clone(), v)].into_iter().collect())
                    };
                }
                v
            })
        }

        /// A value that looks like a topology (a name, then random sections), to get past the
        /// top level of the spec.
        fn topology_like() -> impl Strategy<Value = Value> {
            (hostile(), hostile(), hostile(), any::<String>()).prop_map(|(networks, nodes, labels, name)| {
                json!({ "name": name, "networks": networks, "nodes": nodes, "labels": labels })
            })
        }

        fn runner(cases: u32) -> TestRunner {
            let config = Config { cases, failure_persistence: None, ..Config::default() };
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
        }

        /// Converted, or refused as `invalid`: never a panic, never another kind.
        fn typed<T>(r: Result<T>) -> std::result::Result<(), TestCaseError> {
            match r {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == ErrorKind::Invalid => Ok(()),
                Err(e) => Err(TestCaseError::fail(format!("not an invalid error: {e:?}"))),
            }
        }

        /// Every option reader converts or gives a typed `invalid` error, and a generic value is
        /// refused exactly when it nests deeper than `MAX_DEPTH` (otherwise read back unchanged).
        #[test]
        fn option_readers_never_panic() {
            runner(384)
                .run(&hostile(), |v| {
                    let deep = depth(&v) > MAX_DEPTH;
                    match from_value::<Value>(v.clone(), "fuzz") {
                        Ok(back) => prop_assert!(!deep && back == v),
                        Err(e) => prop_assert!(deep && e.message().contains("nested more than"), "{e}"),
                    }
                    typed(from_value::<network::CreateOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<network::ConnectOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<network::ListOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<network::PruneOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<container::RunOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<container::ExecOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<container::StopOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<container::Command>(v.clone(), "fuzz"))?;
                    typed(from_value::<topology::VerifyOptions>(v.clone(), "fuzz"))?;
                    typed(from_value::<StringMap>(v.clone(), "fuzz"))?;
                    typed(from_value::<StringList>(v.clone(), "fuzz"))?;
                    typed(topology::Topology::from_value(v))?;
                    Ok(())
                })
                .unwrap();
        }

        /// Topology-shaped values (a name, random sections) load or are refused as `invalid`.
        #[test]
        fn topology_reader_never_panics() {
            runner(256).run(&topology_like(), |v| typed(topology::Topology::from_value(v))).unwrap();
        }
    }
}
