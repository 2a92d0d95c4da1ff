//! The Go types the docker CLI decodes a network inspect document into, so templates behave as
//! with the CLI: `{{range .IPAM.Config}}{{.Gateway}}{{end}}` prints nothing (not an error) when the
//! daemon left `Gateway` out, `{{.Created}}` prints a `time.Time`, `{{.IPAM}}` prints a struct
//! positionally and `{{json .IPAM}}` follows the struct's field order and `omitempty` rules.
//!
//! The CLI runs a template against these types first and, if that fails (a field the types lack,
//! such as `.Id`), again against the raw JSON with `missingkey=error`; `inspect.rs` does the same.
//! Shapes are CLI 28's `network.Inspect`, checked against `docker network inspect -f '{{.}}'` and
//! `'{{json .}}'`.

use serde_json::Value;

use super::gojson;

/// A Go type of the inspect document.
#[derive(Debug)]
pub enum Ty {
    /// `string`
    Str,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `time.Time` (RFC 3339 text on the wire)
    Time,
    /// `map[string]T`
    Map(&'static Ty),
    /// `[]T`
    Slice(&'static Ty),
    /// A struct.
    Struct(&'static StructTy),
}

/// A Go struct: its type name and fields in declaration order.
#[derive(Debug)]
pub struct StructTy {
    /// Go's name (`network.Inspect`), for error messages.
    pub name: &'static str,
    /// The fields.
    pub fields: &'static [Field],
}

/// One struct field.
#[derive(Debug)]
pub struct Field {
    /// The Go name templates use (`ID`).
    pub name: &'static str,
    /// The JSON key (`Id`).
    pub key: &'static str,
    /// Its type.
    pub ty: &'static Ty,
    /// `json:",omitempty"`.
    pub omitempty: bool,
}

const fn f(name: &'static str, ty: &'static Ty) -> Field {
    Field { name, key: name, ty, omitempty: false }
}

const fn omit(name: &'static str, key: &'static str, ty: &'static Ty) -> Field {
    Field { name, key, ty, omitempty: true }
}

static STR: Ty = Ty::Str;
static BOOL: Ty = Ty::Bool;
static INT: Ty = Ty::Int;
static TIME: Ty = Ty::Time;
static MAP_STR: Ty = Ty::Map(&STR);
static STRS: Ty = Ty::Slice(&STR);

static IPAM_CONFIG: StructTy = StructTy {
    name: "network.IPAMConfig",
    fields: &[
        omit("Subnet", "Subnet", &STR),
        omit("IPRange", "IPRange", &STR),
        omit("Gateway", "Gateway", &STR),
        omit("AuxAddress", "AuxiliaryAddresses", &MAP_STR),
    ],
};
static IPAM_CONFIGS: Ty = Ty::Slice(&IPAM_CONFIG_TY);
static IPAM_CONFIG_TY: Ty = Ty::Struct(&IPAM_CONFIG);
static IPAM: StructTy =
    StructTy { name: "network.IPAM", fields: &[f("Driver", &STR), f("Options", &MAP_STR), f("Config", &IPAM_CONFIGS)] };
static IPAM_TY: Ty = Ty::Struct(&IPAM);
static CONFIG_REF: StructTy = StructTy { name: "network.ConfigReference", fields: &[f("Network", &STR)] };
static CONFIG_REF_TY: Ty = Ty::Struct(&CONFIG_REF);
static ENDPOINT: StructTy = StructTy {
    name: "network.EndpointResource",
    fields: &[
        f("Name", &STR),
        f("EndpointID", &STR),
        f("MacAddress", &STR),
        f("IPv4Address", &STR),
        f("IPv6Address", &STR),
    ],
};
static ENDPOINT_TY: Ty = Ty::Struct(&ENDPOINT);
static ENDPOINTS: Ty = Ty::Map(&ENDPOINT_TY);
static PEER: StructTy = StructTy { name: "network.PeerInfo", fields: &[f("Name", &STR), f("IP", &STR)] };
static PEER_TY: Ty = Ty::Struct(&PEER);
static PEERS: Ty = Ty::Slice(&PEER_TY);
static TASK: StructTy = StructTy {
    name: "network.Task",
    fields: &[f("Name", &STR), f("EndpointID", &STR), f("EndpointIP", &STR), f("Info", &MAP_STR)],
};
static TASK_TY: Ty = Ty::Struct(&TASK);
static TASKS: Ty = Ty::Slice(&TASK_TY);
static SERVICE: StructTy = StructTy {
    name: "network.ServiceInfo",
    fields: &[f("VIP", &STR), f("Ports", &STRS), f("LocalLBIndex", &INT), f("Tasks", &TASKS)],
};
static SERVICE_TY: Ty = Ty::Struct(&SERVICE);
static SERVICES: Ty = Ty::Map(&SERVICE_TY);

static INSPECT_STRUCT: StructTy = StructTy {
    name: "network.Inspect",
    fields: &[
        f("Name", &STR),
        Field { name: "ID", key: "Id", ty: &STR, omitempty: false },
        f("Created", &TIME),
        f("Scope", &STR),
        f("Driver", &STR),
        f("EnableIPv4", &BOOL),
        f("EnableIPv6", &BOOL),
        f("IPAM", &IPAM_TY),
        f("Internal", &BOOL),
        f("Attachable", &BOOL),
        f("Ingress", &BOOL),
        f("ConfigFrom", &CONFIG_REF_TY),
        f("ConfigOnly", &BOOL),
        f("Containers", &ENDPOINTS),
        f("Options", &MAP_STR),
        f("Labels", &MAP_STR),
        omit("Peers", "Peers", &PEERS),
        omit("Services", "Services", &SERVICES),
    ],
};

/// The CLI's `network.Inspect`.
pub static INSPECT: Ty = Ty::Struct(&INSPECT_STRUCT);

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

impl Ty {
    /// Go's name of the type, for error messages.
    pub fn name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::Int => "int".into(),
            Ty::Time => "time.Time".into(),
            Ty::Map(e) => format!("map[string]{}", e.name()),
            Ty::Slice(e) => format!("[]{}", e.name()),
            Ty::Struct(s) => s.name.into(),
        }
    }

    /// Field `name` of a struct value: the field's type and JSON (null when the daemon left it
    /// out, which reads as Go's zero value). `None` when the struct has no such field.
    pub fn field(&self, v: &Value, name: &str) -> Option<(&'static Ty, Value)> {
        let Ty::Struct(s) = self else { return None };
        let field = s.fields.iter().find(|f| f.name == name)?;
        Some((field.ty, v.get(field.key).cloned().unwrap_or(Value::Null)))
    }

    /// The elements of a slice or map value (maps in key order), keys as JSON.
    pub fn items(&self, v: &Value) -> Option<Vec<(Value, &'static Ty, Value)>> {
        match (self, v) {
            (Ty::Slice(e), Value::Array(a)) => {
                Some(a.iter().enumerate().map(|(i, x)| (Value::from(i as u64), *e, x.clone())).collect())
            }
            (Ty::Map(e), Value::Object(m)) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Some(keys.into_iter().map(|k| (Value::String(k.clone()), *e, m[k].clone())).collect())
            }
            (Ty::Slice(_) | Ty::Map(_), _) => Some(Vec::new()),
            _ => None,
        }
    }

    /// Go's truth of the value.
    pub fn truth(&self, v: &Value) -> bool {
        match self {
            Ty::Str => v.as_str().is_some_and(|s| !s.is_empty()),
            Ty::Bool => v.as_bool().unwrap_or(false),
            Ty::Int => v.as_f64().is_some_and(|n| n != 0.0),
            Ty::Map(_) => v.as_object().is_some_and(|m| !m.is_empty()),
            Ty::Slice(_) => v.as_array().is_some_and(|a| !a.is_empty()),
            Ty::Time | Ty::Struct(_) => true,
        }
    }

    /// The value as a plain scalar for comparisons and string functions (zero values filled in).
    pub fn scalar(&self, v: &Value) -> Option<Value> {
        match self {
            Ty::Str => Some(Value::String(v.as_str().unwrap_or_default().to_string())),
            Ty::Bool => Some(Value::Bool(v.as_bool().unwrap_or(false))),
            Ty::Int => Some(if v.is_number() { v.clone() } else { Value::from(0) }),
            _ => None,
        }
    }

    /// Go's `fmt.Sprint` of the typed value.
    pub fn print(&self, v: &Value) -> String {
        match self {
            Ty::Str => v.as_str().unwrap_or_default().to_string(),
            Ty::Bool => v.as_bool().unwrap_or(false).to_string(),
            Ty::Int => v.as_number().map(|n| n.to_string()).unwrap_or_else(|| "0".into()),
            Ty::Time => gojson::time_string(v.as_str().unwrap_or(ZERO_TIME)),
            Ty::Map(_) => {
                let parts: Vec<String> = self
                    .items(v)
                    .unwrap_or_default()
                    .iter()
                    .map(|(k, e, x)| format!("{}:{}", k.as_str().unwrap_or_default(), e.print(x)))
                    .collect();
                format!("map[{}]", parts.join(" "))
            }
            Ty::Slice(_) => {
                let parts: Vec<String> = self.items(v).unwrap_or_default().iter().map(|(_, e, x)| e.print(x)).collect();
                format!("[{}]", parts.join(" "))
            }
            Ty::Struct(s) => {
                let parts: Vec<String> =
                    s.fields.iter().map(|f| f.ty.print(v.get(f.key).unwrap_or(&Value::Null))).collect();
                format!("{{{}}}", parts.join(" "))
            }
        }
    }

    /// The typed value as compact JSON, as the `json` template function prints the Go value:
    /// struct fields in declaration order with `omitempty` applied, maps sorted, nil maps and
    /// slices as `null`, no HTML escaping. (Written as text: a JSON map would lose field order.)
    pub fn json(&self, v: &Value) -> String {
        let mut out = String::new();
        self.write_json(v, &mut out);
        out
    }

    fn write_json(&self, v: &Value, out: &mut String) {
        match self {
            Ty::Str | Ty::Bool | Ty::Int => {
                out.push_str(&gojson::compact(&self.scalar(v).unwrap_or(Value::Null), false))
            }
            Ty::Time => gojson::write_string(out, v.as_str().unwrap_or(ZERO_TIME), false),
            Ty::Map(_) | Ty::Slice(_) if !(v.is_object() || v.is_array()) => out.push_str("null"),
            Ty::Map(_) => {
                out.push('{');
                for (i, (k, e, x)) in self.items(v).unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    gojson::write_string(out, k.as_str().unwrap_or_default(), false);
                    out.push(':');
                    e.write_json(x, out);
                }
                out.push('}');
            }
            Ty::Slice(_) => {
                out.push('[');
                for (i, (_, e, x)) in self.items(v).unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    e.write_json(x, out);
                }
                out.push(']');
            }
            Ty::Struct(s) => {
                out.push('{');
                let mut first = true;
                for field in s.fields {
                    let x = v.get(field.key).unwrap_or(&Value::Null);
                    if field.omitempty && !is_nonempty(field.ty, x) {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    gojson::write_string(out, field.key, false);
                    out.push(':');
                    field.ty.write_json(x, out);
                }
                out.push('}');
            }
        }
    }
}

/// `omitempty`: false, 0, "", and nil or empty maps and slices are left out.
fn is_nonempty(ty: &Ty, v: &Value) -> bool {
    match ty {
        Ty::Time | Ty::Struct(_) => true,
        _ => ty.truth(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "Name": "n", "Id": "abc", "Created": "2026-11-28T04:37:14.326921054Z", "Scope": "local", "Driver": "bridge",
            "EnableIPv6": false,
            "IPAM": {"Driver": "default", "Options": {}, "Config": [{"Subnet": "10.201.250.0/24", "IPRange": "10.201.250.128/25", "Gateway": "10.201.250.1", "AuxiliaryAddresses": {"r": "10.201.250.5"}}]},
            "Internal": true, "Attachable": false, "Ingress": false, "ConfigFrom": {"Network": ""}, "ConfigOnly": false,
            "Containers": {}, "Options": {"com.docker.network.driver.mtu": "1400"}, "Labels": {"z": "1", "dockernet.test": "manual-x"}
        })
    }

    /// `{{.}}` and `{{json .}}` print as CLI 28 printed them for the same network.
    #[test]
    fn prints_like_the_cli() {
        assert_eq!(
            INSPECT.print(&doc()),
            "{n abc 2026-11-28 04:37:14.326921054 +0000 UTC local bridge false false {default map[] [{10.201.250.0/24 10.201.250.128/25 10.201.250.1 map[r:10.201.250.5]}]} true false false {} false map[] map[com.docker.network.driver.mtu:1400] map[dockernet.test:manual-x z:1] [] map[]}"
        );
        assert_eq!(
            INSPECT.json(&doc()),
            r#"{"Name":"n","Id":"abc","Created":"2026-11-28T04:37:14.326921054Z","Scope":"local","Driver":"bridge","EnableIPv4":false,"EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.201.250.0/24","IPRange":"10.201.250.128/25","Gateway":"10.201.250.1","AuxiliaryAddresses":{"r":"10.201.250.5"}}]},"Internal":true,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{"com.docker.network.driver.mtu":"1400"},"Labels":{"dockernet.test":"manual-x","z":"1"}}"#
        );
        let bridge_cfg = json!([{"Subnet": "172.17.0.0/16"}]);
        let (ty, _) = IPAM_TY.field(&json!({"Config": bridge_cfg.clone()}), "Config").unwrap();
        assert_eq!(ty.print(&bridge_cfg), "[{172.17.0.0/16   map[]}]");
        assert!(INSPECT.field(&doc(), "Id").is_none());
        assert_eq!(INSPECT.field(&doc(), "ID").unwrap().1, json!("abc"));
    }
}
