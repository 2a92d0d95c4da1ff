//! `network connect` and `network disconnect`: flags mapped onto core's [`ConnectOptions`] and
//! [`DisconnectOptions`]. Both print nothing on success, as the docker CLI.
//!
//! `--gw-priority` is sent only when given (the CLI always sends 0, which daemons before 28
//! ignore; core refuses a priority such a daemon would ignore).

use std::io::Write;

use dockernet_core::network::{ConnectOptions, DisconnectOptions};
use dockernet_core::options::{StringList, StringMap};
use dockernet_core::BlockingClient;

use super::args::{self, ConnectArgs, DisconnectArgs};

/// Runs `network connect`.
pub fn connect(client: &BlockingClient, a: ConnectArgs, err: &mut dyn Write) -> i32 {
    let lists = (|| -> Result<_, String> {
        Ok((
            args::csv_values("alias", &a.alias)?,
            args::csv_values("link-local-ip", &a.link_local_ip)?,
            driver_opts(&args::csv_values("driver-opt", &a.driver_opt)?)?,
        ))
    })();
    let (aliases, link_local_ips, driver_opts) = match lists {
        Ok(l) => l,
        Err(e) => return super::usage(err, "connect", &e),
    };
    let opts = ConnectOptions {
        aliases: StringList(aliases),
        ipv4: a.ip,
        ipv6: a.ip6,
        links: StringList(a.link),
        link_local_ips: StringList(link_local_ips),
        driver_opts: StringMap(driver_opts),
        gw_priority: a.gw_priority,
        mac_address: None,
    };
    match client.network_connect(&a.network, &a.container, &opts) {
        Ok(()) => 0,
        Err(e) => {
            super::report(err, &e, &format!("network connect {:?} {:?}", a.network, a.container));
            1
        }
    }
}

/// Runs `network disconnect`.
pub fn disconnect(client: &BlockingClient, a: DisconnectArgs, err: &mut dyn Write) -> i32 {
    let opts = DisconnectOptions { force: a.force.unwrap_or(false) };
    match client.network_disconnect(&a.network, &a.container, &opts) {
        Ok(()) => 0,
        Err(e) => {
            super::report(err, &e, &format!("network disconnect {:?} {:?}", a.network, a.container));
            1
        }
    }
}

/// `--driver-opt k=v` as the CLI reads it: key and value trimmed, `=` and a key required.
fn driver_opts(values: &[String]) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut map = std::collections::BTreeMap::new();
    for v in values {
        match v.split_once('=') {
            Some((k, val)) if !k.trim().is_empty() => {
                map.insert(k.trim().to_string(), val.trim().to_string());
            }
            _ => {
                return Err(format!(
                    "--driver-opt {v:?}: invalid key/value pair format in driver options (expected key=value)"
                ))
            }
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Driver options are trimmed key=value pairs; a bare word is refused.
    #[test]
    fn driver_opt_syntax() {
        let m = driver_opts(&[" a = 1 ".into(), "b=x=y".into()]).unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "x=y");
        assert!(driver_opts(&["nokey".into()]).unwrap_err().contains("invalid key/value pair"));
        assert!(driver_opts(&["=v".into()]).is_err());
    }
}
