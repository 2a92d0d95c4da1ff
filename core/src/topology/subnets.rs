//! The subnet planner: networks that give no subnet get one from the topology's pool.
//!
//! Rules, in order:
//! 1. **Stable.** A network that already exists (owned by the topology) keeps the subnet it has,
//!    whatever the pool says now: a second plan never moves an applied network.
//! 2. **Never overlapping.** A new subnet overlaps no network on the daemon (any owner), no route
//!    of the host (`/proc/net/route`, read only when the daemon is local), and no subnet given
//!    explicitly in the topology.
//! 3. **Deterministic.** Networks are served in name order, each the lowest free block of the
//!    pool: the same inputs give the same plan.
//!
//! Why not let Docker choose: its default pools hold about 30 networks (`172.17–31/16` and
//! `192.168/16` in /20s), run out silently shared with every other project, and its allocator
//! rotates, so a recreated network comes back elsewhere. The default pool here is
//! [`DEFAULT_POOL`](super::spec::DEFAULT_POOL), `10.210.0.0/16` in /24s: 256 networks, away from
//! Docker's pools.
//!
//! The search walks the pool once with a cursor and skips taken ranges by binary search, so a
//! thousand networks plan in about a millisecond.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, Result};

/// One network asking for an IPv4 subnet: its name and, when it exists already, the subnet it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The declared network's name.
    pub network: String,
    /// The IPv4 subnet of the existing network, if any (kept as it is).
    pub existing: Option<Ipv4Net>,
}

/// Something holding addresses the pool must avoid, and who holds it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The block.
    pub net: IpNet,
    /// `network "x"`, `host route on eth0`, `networks.front.subnet`.
    pub holder: String,
}

/// Allocates a subnet of `/size` from `pool` for each request (existing ones keep theirs).
/// Returns network name → subnet. Fails with a `conflict` when the pool has no room left,
/// saying how many were needed and what to do.
pub fn allocate(pool: Ipv4Net, size: u8, requests: &[Request], taken: &[Taken]) -> Result<BTreeMap<String, Ipv4Net>> {
    if size < pool.prefix_len() || size > 32 {
        return Err(Error::invalid(format!("subnet_size {size} does not fit pool {pool}")));
    }
    let mut out = BTreeMap::new();
    // Taken ranges as inclusive u32 intervals, sorted and merged.
    let mut iv: Vec<(u64, u64)> = taken
        .iter()
        .filter_map(|t| match t.net {
            IpNet::V4(v4) => Some(range(&v4)),
            IpNet::V6(_) => None,
        })
        .collect();
    for r in requests {
        if let Some(e) = r.existing {
            out.insert(r.network.clone(), e);
            iv.push(range(&e));
        }
    }
    iv.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(iv.len());
    for (s, e) in iv {
        match merged.last_mut() {
            Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut wanted: Vec<&str> = requests.iter().filter(|r| r.existing.is_none()).map(|r| r.network.as_str()).collect();
    wanted.sort_unstable();
    let step = 1u64 << (32 - u32::from(size));
    let (start, end) = range(&pool);
    let mut cursor = start;
    for (i, name) in wanted.iter().enumerate() {
        loop {
            let last = cursor + step - 1;
            if last > end {
                return Err(Error::conflict(format!(
                    "the subnet pool {pool} has no free /{size} left for network {name:?} ({} of {} networks \
                     still need a subnet; the pool holds {} /{size}s, some taken by other networks or host \
                     routes): give a larger pool (e.g. pool: {}) or a smaller subnet_size",
                    wanted.len() - i,
                    wanted.len(),
                    (end - start + 1) / step,
                    Ipv4Net::new(pool.network(), pool.prefix_len().saturating_sub(2))
                        .map(|n| n.trunc())
                        .unwrap_or(pool),
                    size = size
                )));
            }
            let k = merged.partition_point(|&(_, e)| e < cursor);
            match merged.get(k) {
                Some(&(s, e)) if s <= last => {
                    // Jump past the taken range, to the next aligned block.
                    cursor = (e + 1).div_ceil(step) * step;
                }
                _ => {
                    let net = Ipv4Net::new(Ipv4Addr::from(cursor as u32), size).expect("valid prefix");
                    out.insert(name.to_string(), net);
                    cursor += step;
                    break;
                }
            }
        }
    }
    Ok(out)
}

fn range(n: &Ipv4Net) -> (u64, u64) {
    (u64::from(u32::from(n.network())), u64::from(u32::from(n.broadcast())))
}

/// The host's IPv4 routes (`/proc/net/route`), the default route excepted: a subnet overlapping
/// one of them (a VPN, the LAN) would make that part of the world unreachable from the lab.
/// Empty when the file cannot be read (not Linux).
pub fn host_routes() -> Vec<Taken> {
    let Ok(table) = std::fs::read_to_string("/proc/net/route") else { return Vec::new() };
    parse_proc_route(&table)
}

/// Parses `/proc/net/route` (addresses in little-endian hex).
pub fn parse_proc_route(table: &str) -> Vec<Taken> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?.swap_bytes();
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?.swap_bytes();
            if mask == 0 {
                return None;
            }
            let net = Ipv4Net::new(Ipv4Addr::from(dest & mask), mask.leading_ones() as u8).ok()?;
            Some(Taken { net: IpNet::V4(net), holder: format!("host route on {}", f[0]) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(names: &[&str]) -> Vec<Request> {
        names.iter().map(|n| Request { network: n.to_string(), existing: None }).collect()
    }

    fn taken(nets: &[&str]) -> Vec<Taken> {
        nets.iter().map(|n| Taken { net: n.parse().unwrap(), holder: "t".into() }).collect()
    }

    fn overlap(a: &Ipv4Net, b: &Ipv4Net) -> bool {
        a.contains(&b.network()) || b.contains(&a.network())
    }

    /// Lowest free blocks, in name order, around taken ranges of any size.
    #[test]
    fn lowest_free_blocks_in_name_order() {
        let pool: Ipv4Net = "10.210.0.0/16".parse().unwrap();
        let t = taken(&["10.210.0.0/24", "10.210.2.0/23"]);
        let a = allocate(pool, 24, &req(&["c", "a", "b"]), &t).unwrap();
        assert_eq!(a["a"].to_string(), "10.210.1.0/24");
        assert_eq!(a["b"].to_string(), "10.210.4.0/24");
        assert_eq!(a["c"].to_string(), "10.210.5.0/24");
        // A taken block that covers the whole pool leaves nothing.
        let e = allocate(pool, 24, &req(&["a"]), &taken(&["10.0.0.0/8"])).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conflict);
        assert!(e.message().contains("10.210.0.0/16") && e.message().contains("larger pool"), "{e}");
    }

    /// Existing networks keep their subnet (even outside the pool) and the rest fit around them.
    #[test]
    fn stable_for_existing_networks() {
        let pool: Ipv4Net = "10.210.0.0/16".parse().unwrap();
        let mut r = req(&["a", "b", "c"]);
        r[1].existing = Some("10.210.0.0/24".parse().unwrap());
        r[2].existing = Some("10.99.0.0/24".parse().unwrap());
        let a = allocate(pool, 24, &r, &[]).unwrap();
        assert_eq!(a["a"].to_string(), "10.210.1.0/24");
        assert_eq!(a["b"].to_string(), "10.210.0.0/24");
        assert_eq!(a["c"].to_string(), "10.99.0.0/24");
        // Same inputs, same answer.
        assert_eq!(allocate(pool, 24, &r, &[]).unwrap(), a);
    }

    /// 200 networks fit the default pool with no overlap among themselves or with taken blocks;
    /// 1,000 fit a /14.
    #[test]
    fn two_hundred_and_a_thousand_networks() {
        let pool: Ipv4Net = "10.210.0.0/16".parse().unwrap();
        let names: Vec<String> = (0..200).map(|i| format!("n{i:03}")).collect();
        let r: Vec<Request> = names.iter().map(|n| Request { network: n.clone(), existing: None }).collect();
        let t = taken(&["10.210.7.0/24", "10.210.64.0/20", "10.210.100.128/25"]);
        let a = allocate(pool, 24, &r, &t).unwrap();
        assert_eq!(a.len(), 200);
        let nets: Vec<Ipv4Net> = a.values().copied().collect();
        for (i, x) in nets.iter().enumerate() {
            assert!(pool.contains(x), "{x}");
            for tk in &t {
                let IpNet::V4(tv) = tk.net else { unreachable!() };
                assert!(!overlap(x, &tv), "{x} overlaps {tv}");
            }
            for y in &nets[i + 1..] {
                assert!(!overlap(x, y), "{x} overlaps {y}");
            }
        }
        let big: Ipv4Net = "10.64.0.0/14".parse().unwrap();
        let r: Vec<Request> = (0..1000).map(|i| Request { network: format!("n{i:04}"), existing: None }).collect();
        let a = allocate(big, 24, &r, &[]).unwrap();
        let mut v: Vec<Ipv4Net> = a.values().copied().collect();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 1000);
        // 257 networks do not fit a /16 of /24s.
        let r: Vec<Request> = (0..257).map(|i| Request { network: format!("n{i}"), existing: None }).collect();
        assert!(allocate(pool, 24, &r, &[]).is_err());
    }

    /// `/proc/net/route` is little-endian hex; the default route is skipped.
    #[test]
    fn proc_route() {
        let t = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                 eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                 docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
        let r = parse_proc_route(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].net.to_string(), "172.17.0.0/16");
        assert_eq!(r[0].holder, "host route on docker0");
    }
}
