//! `network create`: the docker CLI's flags mapped onto core's [`CreateOptions`]; prints the new
//! network's id.
//!
//! The docker CLI first groups the addressing flags into one IPAM config per subnet and refuses
//! what does not group (`createIPAMConfig`); [`consolidate`] makes the same checks in the same
//! order with the CLI's messages, so the first problem reported is the one docker reports (a
//! range and a gateway with no subnet, overlapping subnets, two ranges or gateways on one
//! subnet, a range, gateway or aux address outside every subnet). The checks after that (host
//! bits, addresses inside their subnet, duplicate names, options an old daemon would silently
//! ignore such as `--ipv4=false` before API 1.48) are core's; their errors are printed as they come.

use std::io::Write;
use std::net::IpAddr;

use dockernet_core::network::CreateOptions;
use dockernet_core::options::{StringList, StringMap};
use dockernet_core::BlockingClient;

use super::args::{self, CreateArgs};

/// Runs `network create`.
pub fn run(client: &BlockingClient, a: CreateArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let lists = (|| -> Result<_, String> {
        Ok((
            args::csv_values("subnet", &a.subnet)?,
            args::csv_values("gateway", &a.gateway)?,
            args::csv_values("ip-range", &a.ip_range)?,
        ))
    })();
    let (subnet, gateway, ip_range) = match lists {
        Ok(l) => l,
        Err(e) => return super::flag_error(err, "create", &e),
    };
    let aux: Vec<(String, String)> = args::to_map(a.aux_address.clone()).into_iter().collect();
    if let Err(e) = consolidate(&subnet, &ip_range, &gateway, &aux) {
        let _ = writeln!(err, "Error: {e}");
        return 1;
    }
    let opts = CreateOptions {
        driver: a.driver,
        subnet: StringList(subnet),
        gateway: StringList(gateway),
        ip_range: StringList(ip_range),
        aux_addresses: StringMap(args::to_map(a.aux_address)),
        ipv4: a.ipv4,
        ipv6: a.ipv6,
        internal: a.internal.unwrap_or(false),
        attachable: a.attachable.unwrap_or(false),
        ingress: a.ingress.unwrap_or(false),
        labels: StringMap(args::to_map(a.label)),
        options: StringMap(args::to_map(a.opt)),
        ipam_driver: a.ipam_driver,
        ipam_options: StringMap(args::to_map(a.ipam_opt)),
        scope: a.scope,
        config_only: a.config_only.unwrap_or(false),
        config_from: a.config_from,
    };
    match client.network_create(&a.network, &opts) {
        Ok(net) => {
            if let Some(w) = &net.warning {
                let _ = writeln!(err, "WARNING: {w}");
            }
            let _ = writeln!(out, "{}", net.id);
            0
        }
        Err(e) => {
            super::report(err, &e, &format!("network create {:?}", a.network));
            1
        }
    }
}

/// A CIDR as Go's `net.ParseCIDR` reads it: an address, `/`, a decimal prefix length no longer
/// than the address (host bits may be set: Go keeps the network part).
fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (ip, len) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u8 = len.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((ip, len))
}

/// Whether `ip` lies in `net/len` (Go's `IPNet.Contains`: families must agree).
fn contains((net, len): (IpAddr, u8), ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// The CLI's `subnetMatches(subnet, data)`: `data` (an address or a CIDR) lies in `subnet`.
fn subnet_matches(subnet: &str, data: &str) -> Result<bool, String> {
    let net = parse_cidr(subnet).ok_or_else(|| format!("invalid subnet: invalid CIDR address: {subnet}"))?;
    let ip = if data.contains('/') {
        parse_cidr(data).ok_or_else(|| format!("invalid CIDR address: {data}"))?.0
    } else {
        match data.parse::<IpAddr>() {
            Ok(ip) => ip,
            // Go's ParseIP gives nil, which no network contains.
            Err(_) => return Ok(false),
        }
    };
    Ok(contains(net, ip))
}

/// The docker CLI's `createIPAMConfig` checks, in its order and with its messages (docker CLI
/// 28's `cli/command/network/create.go`); aux addresses in name order (the CLI's map order is
/// random).
fn consolidate(subnets: &[String], ranges: &[String], gateways: &[String], aux: &[(String, String)]) -> Result<(), String> {
    if subnets.len() < ranges.len() || subnets.len() < gateways.len() {
        return Err("every ip-range or gateway must have a corresponding subnet".into());
    }
    let mut seen: Vec<&str> = Vec::new();
    for s in subnets {
        for k in &seen {
            if subnet_matches(s, k)? || subnet_matches(k, s)? {
                return Err("multiple overlapping subnet configuration is not supported".into());
            }
        }
        seen.push(s);
    }
    let mut range_of: Vec<Option<&str>> = vec![None; subnets.len()];
    for r in ranges {
        let mut matched = false;
        for (i, s) in subnets.iter().enumerate() {
            if parse_cidr(r).is_none() {
                return Err(format!("invalid CIDR address: {r}"));
            }
            if !subnet_matches(s, r)? {
                continue;
            }
            if let Some(prev) = range_of[i] {
                return Err(format!("cannot configure multiple ranges ({r}, {prev}) on the same subnet ({s})"));
            }
            range_of[i] = Some(r);
            matched = true;
        }
        if !matched {
            return Err(format!("no matching subnet for range {r}"));
        }
    }
    let mut gateway_of: Vec<Option<&str>> = vec![None; subnets.len()];
    for g in gateways {
        let mut matched = false;
        for (i, s) in subnets.iter().enumerate() {
            if !subnet_matches(s, g)? {
                continue;
            }
            if let Some(prev) = gateway_of[i] {
                return Err(format!("cannot configure multiple gateways ({g}, {prev}) for the same subnet ({s})"));
            }
            gateway_of[i] = Some(g);
            matched = true;
        }
        if !matched {
            return Err(format!("no matching subnet for gateway {g}"));
        }
    }
    for (_, addr) in aux {
        let mut matched = false;
        for s in subnets {
            matched |= subnet_matches(s, addr)?;
        }
        if !matched {
            return Err(format!("no matching subnet for aux-address {addr}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        if s.is_empty() {
            return vec![];
        }
        s.split(',').map(str::to_string).collect()
    }

    /// The docker CLI's own create test inputs (`TestNetworkCreateErrors`) give its messages.
    #[test]
    fn docker_cli_create_cases() {
        let cases: [(&str, &str, &str, &str, &str); 11] = [
            ("10.1.2.0.30.50", "255.255.0.0/24", "255.0.255.0", "", "invalid subnet: invalid CIDR address: 10.1.2.0.30.50"),
            ("", "", "255.0.0.0", "", "every ip-range or gateway must have a corresponding subnet"),
            ("", "255.0.0.0/24", "", "", "every ip-range or gateway must have a corresponding subnet"),
            ("", "255.0.0.0/24", "255.0.0.0", "", "every ip-range or gateway must have a corresponding subnet"),
            ("10.1.2.0/23,10.1.3.248/30", "255.255.0.0/24", "255.0.255.0", "", "multiple overlapping subnet configuration is not supported"),
            (
                "192.168.2.0/24,192.168.1.250/24",
                "192.168.1.0/25,192.168.1.128/25",
                "192.168.1.1,192.168.1.4",
                "",
                "cannot configure multiple ranges (192.168.1.128/25, 192.168.1.0/25) on the same subnet (192.168.1.250/24)",
            ),
            ("255.255.255.0/24,255.255.0.255/24", "255.255.200.0/24,255.255.120.0/24", "255.0.255.0", "", "no matching subnet for range 255.255.200.0/24"),
            (
                "192.168.2.0/24,192.168.1.250/24",
                "192.168.1.0/24",
                "192.168.1.1,192.168.1.4",
                "",
                "cannot configure multiple gateways (192.168.1.4, 192.168.1.1) for the same subnet (192.168.1.250/24)",
            ),
            ("192.168.2.0/24,192.168.1.250/24", "192.168.1.0/24", "192.168.4.1,192.168.5.4", "", "no matching subnet for gateway 192.168.4.1"),
            ("255.255.0.0/24", "", "255.255.0.0", "255.255.1.30", "no matching subnet for aux-address 255.255.1.30"),
            ("fd00::/64,10.0.0.0/24", "", "fd00::1,10.0.0.1", "fd00::5", ""),
        ];
        for (subnet, range, gw, aux, want) in cases {
            let aux: Vec<(String, String)> = v(aux).into_iter().map(|a| ("router".to_string(), a)).collect();
            let got = consolidate(&v(subnet), &v(range), &v(gw), &aux).err().unwrap_or_default();
            assert_eq!(got, want, "{subnet} {range} {gw}");
        }
    }
}
