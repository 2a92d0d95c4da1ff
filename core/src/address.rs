//! The addressing rules every part of dockernet applies the same way: a CIDR is a network
//! address (no host bits), an IP address parses, two networks overlap, and a static address for
//! an endpoint lies inside one of its network's subnets of its family. Errors name the field and
//! the value.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::{Error, Result};

/// Parses a CIDR that must be a network address (no host bits): `10.0.0.0/24`.
pub fn parse_subnet(field: &str, s: &str) -> Result<IpNet> {
    let net: IpNet = s
        .trim()
        .parse()
        .map_err(|_| Error::invalid(format!("{field} {s:?} is not a valid CIDR (expected e.g. 10.10.0.0/24)")))?;
    no_host_bits(field, s, net)
}

/// The host-bits rule, for every CIDR dockernet reads (a network's subnet and range, a
/// topology's pool): `10.0.0.1/24` is refused with the network address it probably meant.
pub fn no_host_bits(field: &str, s: &str, net: IpNet) -> Result<IpNet> {
    if net.network() != net.addr() {
        return Err(Error::invalid(format!("{field} {s:?} has host bits set; did you mean {}?", net.trunc())));
    }
    Ok(net)
}

/// What the static-address rule says of one address given for an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticAddress {
    /// Not an IP address.
    NotAnAddress,
    /// An address of the other family than the field (`ipv4` holding an IPv6 address).
    WrongFamily,
    /// The network has no subnet of the address's family to hold it.
    NoSubnet,
    /// The address, outside every subnet of its family (which are listed).
    Outside(IpAddr, Vec<IpNet>),
    /// Inside this subnet.
    In(IpAddr, IpNet),
}

/// The static-address rule, one function for `network connect` / `container run` (against the
/// daemon's subnets) and a topology's declaration (against its declared subnets): the value of
/// field `ipv4` (`v4`) or `ipv6` must be an address of that family inside one of the network's
/// subnets of that family. Each caller words the outcome for its own input (a field, a path).
pub fn static_address(value: &str, v4: bool, subnets: &[IpNet]) -> StaticAddress {
    let Ok(ip) = value.trim().parse::<IpAddr>() else { return StaticAddress::NotAnAddress };
    if ip.is_ipv4() != v4 {
        return StaticAddress::WrongFamily;
    }
    let family: Vec<IpNet> = subnets.iter().filter(|n| n.addr().is_ipv4() == v4).copied().collect();
    match family.iter().find(|n| n.contains(&ip)) {
        Some(n) => StaticAddress::In(ip, *n),
        None if family.is_empty() => StaticAddress::NoSubnet,
        None => StaticAddress::Outside(ip, family),
    }
}

/// Parses an IP address, naming the field on failure.
pub fn parse_ip(field: &str, s: &str) -> Result<IpAddr> {
    s.trim().parse().map_err(|_| Error::invalid(format!("{field} {s:?} is not a valid IP address")))
}

/// True when two networks share any address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The static-address rule's five outcomes, for both families.
    #[test]
    fn static_address_rule() {
        let subnets: Vec<IpNet> = vec!["10.1.0.0/24".parse().unwrap(), "fd00:1::/64".parse().unwrap()];
        let in4 = (("10.1.0.5".parse().unwrap()), subnets[0]);
        assert_eq!(static_address(" 10.1.0.5 ", true, &subnets), StaticAddress::In(in4.0, in4.1));
        assert!(matches!(static_address("fd00:1::9", false, &subnets), StaticAddress::In(..)));
        assert_eq!(static_address("10.1.0", true, &subnets), StaticAddress::NotAnAddress);
        assert_eq!(static_address("fd00:1::9", true, &subnets), StaticAddress::WrongFamily);
        assert_eq!(static_address("fd00:1::9", false, &subnets[..1]), StaticAddress::NoSubnet);
        assert_eq!(
            static_address("10.2.0.5", true, &subnets),
            StaticAddress::Outside("10.2.0.5".parse().unwrap(), vec![subnets[0]])
        );
        assert!(no_host_bits("pool:", "10.0.0.1/8", "10.0.0.1/8".parse().unwrap()).is_err());
    }
}
