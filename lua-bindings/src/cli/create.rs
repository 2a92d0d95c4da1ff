//! `network create`: the docker CLI's flags mapped onto core's [`CreateOptions`]; prints the new
//! network's id.
//!
//! Checks of the addressing (subnets, gateways, ranges, aux addresses), of duplicate names and of
//! options an old daemon would silently ignore (`--ipv4=false` before API 1.48) are core's; their
//! errors are printed as they come.

use std::io::Write;

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
        Err(e) => return super::usage(err, "create", &e),
    };
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
