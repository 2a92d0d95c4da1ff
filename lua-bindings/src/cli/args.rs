//! The clap tree of `network …`: every docker CLI flag, with docker's help texts, and the value
//! parsers that give flags pflag's syntax (`--ipv6=false`, `--subnet a,b`, `--label k=v`).
//!
//! Only parsing lives here; what a flag does is in the subcommand's file.

use clap::{Args, Parser, Subcommand};

/// `network`: manage networks (the docker CLI's `docker network`).
#[derive(Debug, Parser)]
#[command(
    name = "network",
    bin_name = "dockernet network",
    about = "Manage networks",
    disable_help_subcommand = true,
    disable_version_flag = true,
    arg_required_else_help = true,
    color = clap::ColorChoice::Never,
    after_help = "Run 'dockernet network COMMAND --help' for more information on a command."
)]
pub struct Network {
    /// The subcommand.
    #[command(subcommand)]
    pub cmd: Option<Sub>,
}

/// The `network` subcommands, in the docker CLI's (alphabetical) order.
#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Connect a container to a network
    Connect(ConnectArgs),
    /// Create a network
    Create(CreateArgs),
    /// Disconnect a container from a network
    Disconnect(DisconnectArgs),
    /// Display detailed information on one or more networks
    Inspect(InspectArgs),
    /// List networks
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Remove all unused networks
    Prune(PruneArgs),
    /// Remove one or more networks
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
}

// Boolean flags are `Option<bool>` taking pflag's forms: `--x`, `--x=true`, `--x=false` (also
// `1`, `t`, `F`… as Go's ParseBool). `None` means "not given", so `--ipv4`/`--ipv6` are sent
// only when given, as the docker CLI does.

/// `network create [OPTIONS] NETWORK`
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Enable manual container attachment
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub attachable: Option<bool>,
    /// Auxiliary IPv4 or IPv6 addresses used by Network driver (repeatable)
    #[arg(long = "aux-address", value_name = "NAME=IP", value_parser = key_value)]
    pub aux_address: Vec<(String, String)>,
    /// The network from which to copy the configuration
    #[arg(long = "config-from", value_name = "NETWORK")]
    pub config_from: Option<String>,
    /// Create a configuration only network
    #[arg(long = "config-only", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub config_only: Option<bool>,
    /// Driver to manage the Network (default "bridge")
    #[arg(short = 'd', long, value_name = "DRIVER")]
    pub driver: Option<String>,
    /// IPv4 or IPv6 Gateway for the master subnet (repeatable, comma-separated)
    #[arg(long, value_name = "IP")]
    pub gateway: Vec<String>,
    /// Create swarm routing-mesh network
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub ingress: Option<bool>,
    /// Restrict external access to the network
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub internal: Option<bool>,
    /// Allocate container ip from a sub-range (repeatable, comma-separated)
    #[arg(long = "ip-range", value_name = "CIDR")]
    pub ip_range: Vec<String>,
    /// IP Address Management Driver (default "default")
    #[arg(long = "ipam-driver", value_name = "DRIVER")]
    pub ipam_driver: Option<String>,
    /// Set IPAM driver specific options (repeatable)
    #[arg(long = "ipam-opt", value_name = "KEY=VALUE", value_parser = key_value)]
    pub ipam_opt: Vec<(String, String)>,
    /// Enable or disable IPv4 address assignment (default true; sent only when given)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub ipv4: Option<bool>,
    /// Enable or disable IPv6 address assignment (sent only when given)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub ipv6: Option<bool>,
    /// Set metadata on a network (repeatable)
    #[arg(long, value_name = "KEY[=VALUE]", value_parser = label)]
    pub label: Vec<(String, String)>,
    /// Set driver specific options (repeatable)
    #[arg(short = 'o', long, value_name = "KEY=VALUE", value_parser = key_value)]
    pub opt: Vec<(String, String)>,
    /// Control the network's scope
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Subnet in CIDR format that represents a network segment (repeatable, comma-separated)
    #[arg(long, value_name = "CIDR")]
    pub subnet: Vec<String>,
    /// The network's name
    #[arg(value_name = "NETWORK")]
    pub network: String,
}

/// `network connect [OPTIONS] NETWORK CONTAINER`
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Add network-scoped alias for the container (repeatable, comma-separated)
    #[arg(long, value_name = "ALIAS")]
    pub alias: Vec<String>,
    /// driver options for the network (repeatable, comma-separated key=value)
    #[arg(long = "driver-opt", value_name = "KEY=VALUE")]
    pub driver_opt: Vec<String>,
    /// Highest gw-priority provides the default gateway. Accepts positive and negative values.
    #[arg(long = "gw-priority", value_name = "INT", allow_negative_numbers = true)]
    pub gw_priority: Option<i64>,
    /// IPv4 address (e.g., "172.30.100.104")
    #[arg(long, value_name = "IP")]
    pub ip: Option<String>,
    /// IPv6 address (e.g., "2001:db8::33")
    #[arg(long, value_name = "IP")]
    pub ip6: Option<String>,
    /// Add link to another container (repeatable, CONTAINER[:ALIAS])
    #[arg(long, value_name = "CONTAINER[:ALIAS]")]
    pub link: Vec<String>,
    /// Add a link-local address for the container (repeatable, comma-separated)
    #[arg(long = "link-local-ip", value_name = "IP")]
    pub link_local_ip: Vec<String>,
    /// The network
    #[arg(value_name = "NETWORK")]
    pub network: String,
    /// The container
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `network disconnect [OPTIONS] NETWORK CONTAINER`
#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// Force the container to disconnect from a network
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub force: Option<bool>,
    /// The network
    #[arg(value_name = "NETWORK")]
    pub network: String,
    /// The container
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `network inspect [OPTIONS] NETWORK [NETWORK...]`
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format output using a custom template: 'json' (JSON on one line) or a Go template
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Verbose output for diagnostics
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub verbose: Option<bool>,
    /// Networks to inspect (names or ids)
    #[arg(value_name = "NETWORK", required = true, num_args = 1..)]
    pub networks: Vec<String>,
}

/// `network ls [OPTIONS]`
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Provide filter values (e.g. "driver=bridge"; repeatable)
    #[arg(short, long, value_name = "KEY=VALUE", value_parser = filter)]
    pub filter: Vec<(String, String)>,
    /// Format output: 'table' (default), 'table TEMPLATE', 'json' or a Go template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not truncate the output
    #[arg(long = "no-trunc", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub no_trunc: Option<bool>,
    /// Only display network IDs
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub quiet: Option<bool>,
}

/// `network rm NETWORK [NETWORK...]`
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Do not error if the network does not exist
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub force: Option<bool>,
    /// Networks to remove (names or ids)
    #[arg(value_name = "NETWORK", required = true, num_args = 1..)]
    pub networks: Vec<String>,
}

/// `network prune [OPTIONS]`
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Provide filter values (e.g. "until=<timestamp>"; repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = filter)]
    pub filter: Vec<(String, String)>,
    /// Do not prompt for confirmation
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    pub force: Option<bool>,
}

/// Go's `strconv.ParseBool`, which pflag uses for `--flag=value`.
pub fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax (expected true or false)")),
    }
}

/// `key=value` (a missing `=` means an empty value, as docker's map flags do).
pub fn key_value(s: &str) -> Result<(String, String), String> {
    dockernet_core::options::split_key_value(s)
}

/// `--label key[=value]`: the key must not be blank.
pub fn label(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').unwrap_or((s, ""));
    if k.trim().is_empty() {
        return Err(format!("invalid label '{s}': empty name"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `--filter key=value`, parsed as the docker CLI does: the key is trimmed and lower-cased, the
/// value trimmed.
pub fn filter(s: &str) -> Result<(String, String), String> {
    let Some((k, v)) = s.split_once('=') else {
        return Err("bad format of filter (expected name=value)".to_string());
    };
    Ok((k.trim().to_lowercase(), v.trim().to_string()))
}

/// Splits pflag "strings" values: each occurrence is a comma-separated CSV record
/// (`--subnet a,b`; `"x=1,2"` keeps its comma).
pub fn csv_values(flag: &str, values: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for v in values {
        if v.is_empty() {
            continue;
        }
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = v.chars().peekable();
        let mut at_start = true;
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' if quoted => quoted = false,
                '"' if at_start => quoted = true,
                ',' if !quoted => {
                    out.push(std::mem::take(&mut field));
                    at_start = true;
                    continue;
                }
                c => field.push(c),
            }
            at_start = false;
        }
        if quoted {
            return Err(format!("invalid argument {v:?} for \"--{flag}\" flag: unterminated quote"));
        }
        out.push(field);
    }
    Ok(out)
}

/// Collects repeated `key=value` flags into a map (the last value of a key wins, as docker's).
pub fn to_map(pairs: Vec<(String, String)>) -> std::collections::BTreeMap<String, String> {
    pairs.into_iter().collect()
}

/// Collects `--filter` pairs: the values of one key are ORed by the daemon.
pub fn to_filters(
    pairs: Vec<(String, String)>,
) -> std::collections::BTreeMap<String, dockernet_core::options::StringList> {
    let mut map: std::collections::BTreeMap<String, dockernet_core::options::StringList> = Default::default();
    for (k, v) in pairs {
        let entry = map.entry(k).or_default();
        if !entry.0.contains(&v) {
            entry.0.push(v);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pflag's syntaxes: booleans with values, CSV slices, k=v maps and filters.
    #[test]
    fn value_syntaxes() {
        assert_eq!(go_bool("F"), Ok(false));
        assert!(go_bool("yes").is_err());
        let v = csv_values("subnet", &["a,b".into(), "c".into(), "\"x=1,2\",y".into(), String::new()]).unwrap();
        assert_eq!(v, vec!["a", "b", "c", "x=1,2", "y"]);
        assert!(csv_values("alias", &["\"open".into()]).is_err());
        assert_eq!(key_value("a=b=c").unwrap(), ("a".to_string(), "b=c".to_string()));
        assert_eq!(key_value("k").unwrap(), ("k".to_string(), String::new()));
        assert!(key_value("=v").is_err());
        assert_eq!(filter(" Label = x=y ").unwrap(), ("label".to_string(), "x=y".to_string()));
        assert_eq!(filter("foo").unwrap_err(), "bad format of filter (expected name=value)");
        assert!(label(" =x").unwrap_err().contains("empty name"));
        let f = to_filters(vec![("name".into(), "a".into()), ("name".into(), "b".into()), ("name".into(), "a".into())]);
        assert_eq!(f["name"].0, vec!["a", "b"]);
    }

    /// Bool flags take pflag's `--flag` and `--flag=false` forms; the command tree is valid.
    #[test]
    fn parses_docker_syntax() {
        use clap::CommandFactory;
        Network::command().debug_assert();
        let n = Network::try_parse_from([
            "network",
            "create",
            "--ipv6=false",
            "--internal",
            "-o",
            "a=b",
            "--subnet",
            "10.0.0.0/24",
            "x",
        ])
        .unwrap();
        let Some(Sub::Create(c)) = n.cmd else { panic!("not create") };
        assert_eq!((c.ipv6, c.internal, c.ipv4), (Some(false), Some(true), None));
        assert_eq!(c.opt, vec![("a".to_string(), "b".to_string())]);
        let n = Network::try_parse_from(["network", "list", "-q", "--filter", "name=x"]).unwrap();
        assert!(matches!(n.cmd, Some(Sub::Ls(LsArgs { quiet: Some(true), .. }))));
        let n = Network::try_parse_from(["network", "connect", "--gw-priority", "-5", "n", "c"]).unwrap();
        assert!(matches!(n.cmd, Some(Sub::Connect(ConnectArgs { gw_priority: Some(-5), .. }))));
        let e = Network::try_parse_from(["network", "ls", "--bogus"]).unwrap_err();
        assert!(e.to_string().contains("--bogus"), "{e}");
    }
}
