//! Which address a request came from. `X-Forwarded-For` is believed only
//! when the socket peer is a configured trusted proxy; then the right-most
//! address that is not itself a trusted proxy is the client. Addresses
//! are canonical: an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, what a
//! dual-stack socket reports for an IPv4 client) is its IPv4 address, so
//! that rate limits, reports, sanctions and stored comments all see one
//! client as one address.

use ipnet::IpNet;
use std::net::IpAddr;

pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut chosen = peer;
    for part in header.rsplit(',') {
        let Some(ip) = parse_hop(part) else {
            // A malformed hop ends the chain we can trust.
            break;
        };
        chosen = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(chosen)
}

/// The address a client is counted under, by rate limits and by the
/// connection guards alike: its IPv4 address, or its IPv6 /64 (one
/// subscriber's usual allocation, so hopping between the addresses of a
/// /64 gains nothing). IPv4-mapped IPv6 addresses count as IPv4.
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// [`counted_as`] as a rate-limit key's subject (`192.0.2.7`, `2001:db8::/64`).
pub fn throttle_subject(ip: IpAddr) -> String {
    match counted_as(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(net) => format!("{net}/64"),
    }
}

/// The network a reader's report counts for: an IPv4 /24 or an IPv6 /48
/// (a site, in the usual allocations), so that one household, office or
/// subscriber counts once however many addresses it has.
pub fn report_network(ip: IpAddr) -> String {
    match counted_as(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!(
                "{}/48",
                std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0)
            )
        }
    }
}

fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        // "[v6]:port" or "v4:port"
        .or_else(|| s.parse::<std::net::SocketAddr>().ok().map(|sa| sa.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn reports_count_by_slash_24_and_slash_48() {
        let net = |s: &str| report_network(s.parse().unwrap());
        assert_eq!(net("198.51.100.7"), "198.51.100.0/24");
        assert_eq!(net("198.51.100.250"), net("198.51.100.7"));
        assert_ne!(net("198.51.101.7"), net("198.51.100.7"));
        assert_eq!(net("::ffff:198.51.100.9"), "198.51.100.0/24");
        assert_eq!(net("2001:db8:aa:bb::1"), "2001:db8:aa::/48");
        assert_eq!(net("2001:db8:aa:ffff::2"), net("2001:db8:aa:bb::1"));
    }

    #[test]
    fn untrusted_peer_cannot_spoof_its_address() {
        let peer = "203.0.113.9".parse().ok();
        let got = client_ip(peer, Some("1.2.3.4"), &nets(&["10.0.0.0/8"]));
        assert_eq!(got, peer);
    }

    #[test]
    fn trusted_proxy_passes_the_client_address() {
        let peer = "10.0.0.2".parse().ok();
        let got = client_ip(peer, Some("198.51.100.7"), &nets(&["10.0.0.0/8"]));
        assert_eq!(got, "198.51.100.7".parse().ok());
    }

    #[test]
    fn forged_left_entries_are_ignored_behind_a_chain_of_proxies() {
        let peer = "10.0.0.2".parse().ok();
        let got = client_ip(
            peer,
            Some("6.6.6.6, 198.51.100.7, 10.0.0.5"),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(got, "198.51.100.7".parse().ok());
    }

    #[test]
    fn ipv6_clients_count_per_64_and_ipv4_per_address() {
        let subject = |s: &str| throttle_subject(s.parse().unwrap());
        assert_eq!(subject("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(
            subject("2001:db8:1:2:ffff:eeee:dddd:cccc"),
            subject("2001:db8:1:2::1")
        );
        assert_ne!(subject("2001:db8:1:3::1"), subject("2001:db8:1:2::1"));
        assert_eq!(subject("203.0.113.9"), "203.0.113.9");
        assert_ne!(subject("203.0.113.9"), subject("203.0.113.10"));
        assert_eq!(subject("::ffff:203.0.113.9"), "203.0.113.9");
    }

    #[test]
    fn ipv4_mapped_addresses_are_their_ipv4_address() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(client_ip(Some(mapped), None, &[]), Some(v4));
        // A mapped proxy is trusted as its IPv4 address; a mapped hop is
        // the IPv4 client.
        let proxy: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(
                Some(proxy),
                Some("::ffff:192.0.2.7"),
                &nets(&["10.0.0.0/8"])
            ),
            Some(v4)
        );
        assert_eq!(
            client_ip(
                Some(proxy),
                Some("[::ffff:192.0.2.7]:443"),
                &nets(&["10.0.0.0/8"])
            ),
            Some(v4)
        );
    }

    #[test]
    fn garbage_header_falls_back_to_the_peer() {
        let peer = "10.0.0.2".parse().ok();
        let got = client_ip(peer, Some("not-an-ip"), &nets(&["10.0.0.0/8"]));
        assert_eq!(got, peer);
    }
}
