//! Evidence for bench/README.md: where a `docker.network.ls()` call spends its client CPU once the
//! daemon's bytes have arrived, and what decoding straight into Lua values would save.
//!
//! Usage: dockernet-bench-decode BODY.json [ITERATIONS]
//!
//! * `value+to_value` — today's path (core + lua-bindings): `serde_json::from_slice::<Value>`
//!   (serde_json's `preserve_order`, so an IndexMap per object), sort by `Name`, then
//!   `lua.to_value(doc)` per document, then drop the Value tree;
//! * `parse only` — the first step alone;
//! * `direct` — one pass: serde_json's deserializer drives a visitor that builds the Lua tables
//!   (key order is irrelevant in a Lua table; JSON `null` becomes `mlua::Value::NULL`, the same
//!   `docker.null` `to_value` produces), then the array is sorted by `Name`.
//!
//! Every variant's result is checked to be the same Lua structure (compare_docs).

use std::fmt;
use std::time::Instant;

use mlua::{Lua, LuaSerdeExt, Table, Value as LuaValue};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Builds a Lua value straight from any serde deserializer.
struct LuaSeed<'a>(&'a Lua);

impl<'de, 'a> DeserializeSeed<'de> for LuaSeed<'a> {
    type Value = LuaValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LuaValue, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'a> Visitor<'de> for LuaSeed<'a> {
    type Value = LuaValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<LuaValue, E> {
        Ok(LuaValue::Boolean(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<LuaValue, E> {
        Ok(LuaValue::Integer(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<LuaValue, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => LuaValue::Integer(i),
            Err(_) => LuaValue::Number(v as f64),
        })
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<LuaValue, E> {
        Ok(LuaValue::Number(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LuaValue, E> {
        self.0.create_string(v).map(LuaValue::String).map_err(E::custom)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<LuaValue, E> {
        Ok(LuaValue::NULL)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LuaValue, A::Error> {
        use serde::de::Error;
        let t = self.0.create_table_with_capacity(seq.size_hint().unwrap_or(0), 0).map_err(A::Error::custom)?;
        let mut i = 1;
        while let Some(v) = seq.next_element_seed(LuaSeed(self.0))? {
            t.raw_set(i, v).map_err(A::Error::custom)?;
            i += 1;
        }
        // mlua's to_value marks arrays with its array metatable; keep the same shape.
        t.set_metatable(Some(self.0.array_metatable())).map_err(A::Error::custom)?;
        Ok(LuaValue::Table(t))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LuaValue, A::Error> {
        use serde::de::Error;
        let t = self.0.create_table_with_capacity(0, map.size_hint().unwrap_or(8)).map_err(A::Error::custom)?;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let v = map.next_value_seed(LuaSeed(self.0))?;
            t.raw_set(k.as_ref(), v).map_err(A::Error::custom)?;
        }
        Ok(LuaValue::Table(t))
    }
}

fn name_of(v: &Value) -> &str {
    v.get("Name").and_then(Value::as_str).unwrap_or_default()
}

/// Today's path: Value tree, sort, to_value per document.
fn current(lua: &Lua, body: &[u8]) -> Table {
    let mut docs: Vec<Value> = match serde_json::from_slice(body).unwrap() {
        Value::Array(v) => v,
        _ => Vec::new(),
    };
    docs.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    let t = lua.create_table().unwrap();
    for (i, d) in docs.iter().enumerate() {
        t.raw_set(i + 1, lua.to_value(d).unwrap()).unwrap();
    }
    t
}

/// One pass from bytes to Lua, then a sort of the array by Name.
fn direct(lua: &Lua, body: &[u8]) -> Table {
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = LuaSeed(lua).deserialize(&mut de).unwrap();
    let LuaValue::Table(t) = v else { panic!("not an array") };
    let mut items: Vec<(mlua::LuaString, Table)> = t
        .sequence_values::<Table>()
        .map(|d| {
            let d = d.unwrap();
            (d.raw_get::<mlua::LuaString>("Name").unwrap(), d)
        })
        .collect();
    items.sort_by(|a, b| a.0.as_bytes().cmp(&b.0.as_bytes()));
    let out = lua.create_table_with_capacity(items.len(), 0).unwrap();
    for (i, (_, d)) in items.into_iter().enumerate() {
        out.raw_set(i + 1, d).unwrap();
    }
    out
}

/// What dockernet does since the `Document` change (core/src/document.rs + lua-bindings/src/convert.rs):
/// split the array into raw documents, read each one's Name (skimming), sort, then transcode each
/// document's text into mlua's serializer (`lua.to_value`).
fn transcoded(lua: &Lua, body: &[u8]) -> Table {
    struct Doc<'a>(&'a str);
    impl serde::Serialize for Doc<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut de = serde_json::Deserializer::from_str(self.0);
            serde_transcode::transcode(&mut de, s)
        }
    }
    #[derive(serde::Deserialize)]
    struct Name<'a> {
        #[serde(rename = "Name", borrow)]
        name: std::borrow::Cow<'a, str>,
    }
    let raws: Vec<Box<serde_json::value::RawValue>> = serde_json::from_slice(body).unwrap();
    let mut keyed: Vec<(String, &str)> = raws
        .iter()
        .map(|r| (serde_json::from_str::<Name>(r.get()).unwrap().name.into_owned(), r.get()))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let t = lua.create_table_with_capacity(keyed.len(), 0).unwrap();
    for (i, (_, d)) in keyed.iter().enumerate() {
        t.raw_set(i + 1, lua.to_value(&Doc(d)).unwrap()).unwrap();
    }
    t
}

fn compare(lua: &Lua, a: &LuaValue, b: &LuaValue) -> bool {
    match (a, b) {
        (LuaValue::Table(x), LuaValue::Table(y)) => {
            let mut n = 0;
            for pair in x.pairs::<LuaValue, LuaValue>() {
                let (k, v) = pair.unwrap();
                let w: LuaValue = y.raw_get(k).unwrap();
                if !compare(lua, &v, &w) {
                    return false;
                }
                n += 1;
            }
            n == y.pairs::<LuaValue, LuaValue>().count()
        }
        (LuaValue::String(x), LuaValue::String(y)) => x.as_bytes() == y.as_bytes(),
        (x, y) => x == y,
    }
}

fn time<F: FnMut()>(iters: usize, mut f: F) -> (f64, f64) {
    let mut v = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        f();
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[iters / 2], v[(iters * 9) / 10])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let body = std::fs::read(&args[1]).expect("body file");
    let iters: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(200);
    let lua = Lua::new();
    assert!(compare(&lua, &LuaValue::Table(current(&lua, &body)), &LuaValue::Table(direct(&lua, &body))), "results differ");
    assert!(compare(&lua, &LuaValue::Table(current(&lua, &body)), &LuaValue::Table(transcoded(&lua, &body))), "results differ");
    let docs = match serde_json::from_slice::<Value>(&body).unwrap() {
        Value::Array(v) => v.len(),
        _ => 0,
    };
    println!("body: {} bytes, {} documents; {} iterations; median / p90 ms per call", body.len(), docs, iters);
    // Interleave the variants (A B C A B C …) in 10 rounds.
    let mut res: [(Vec<f64>, Vec<f64>); 4] = Default::default();
    for _ in 0..10 {
        let (m, p) = time(iters / 10, || drop(current(&lua, &body)));
        res[0].0.push(m);
        res[0].1.push(p);
        let (m, p) = time(iters / 10, || drop(serde_json::from_slice::<Value>(&body).unwrap()));
        res[1].0.push(m);
        res[1].1.push(p);
        let (m, p) = time(iters / 10, || drop(direct(&lua, &body)));
        res[2].0.push(m);
        res[2].1.push(p);
        let (m, p) = time(iters / 10, || drop(transcoded(&lua, &body)));
        res[3].0.push(m);
        res[3].1.push(p);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let names = ["value+to_value (before)", "parse only (Value tree)", "direct (one pass, seed)", "transcode (Document, now)"];
    for (name, (m, p)) in names.iter().zip(res.iter_mut()) {
        println!("{name:26} {:8.3} {:8.3}", med(m), med(p));
    }
}
