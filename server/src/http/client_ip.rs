//! Who the client is: the one place that decides a request's client address.
//!
//! The TCP peer is the client unless it is one of our own reverse proxies
//! (`KEYWARD_TRUSTED_PROXIES`). Only then is `X-Forwarded-For` read, from the right:
//! each trusted proxy appends the address it saw, so the right-most hop that is not
//! one of ours is the last address nobody on our side could have been lied to about.
//! Everything to its left was written by the client and may be forged.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use app::ssr::client_ip::ClientIp;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks our reverse proxies connect from. Empty by default: then no header
/// is ever trusted and the peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR network")]
pub struct InvalidProxyNetwork(pub String);

impl TrustedProxies {
    /// A comma-separated list of networks (`10.0.0.0/8`) or single addresses.
    pub fn parse(list: &str) -> Result<Self, InvalidProxyNetwork> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(canonical_network)
                    .map_err(|_| InvalidProxyNetwork(entry.to_owned()))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&ip))
    }
}

/// Addresses are compared in canonical form, so an IPv4-mapped network
/// (`::ffff:10.0.0.0/104`) is stored as the IPv4 network it names; left mapped it
/// would never match anything.
fn canonical_network(network: IpNet) -> IpNet {
    match network {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(network, IpNet::V4),
            None => network,
        },
        _ => network,
    }
}

/// One `X-Forwarded-For` hop. Some proxies append a port; anything else is garbage.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Decides the client address of a request that arrived from `peer`.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    // Repeated headers form one list, in order (RFC 9110 §5.3): walk the last one
    // first, each from its right end.
    let mut leftmost = None;
    for value in headers.get_all(FORWARDED_FOR).iter().rev() {
        // A hop we cannot read ends the walk: what lies beyond it is not trustworthy,
        // and the peer at least is an address we saw ourselves.
        let Ok(value) = value.to_str() else {
            return Some(peer);
        };
        for hop in value.rsplit(',') {
            let Some(ip) = parse_hop(hop) else {
                return Some(peer);
            };
            if !trusted.contains(ip) {
                return Some(ip);
            }
            leftmost = Some(ip);
        }
    }
    // Every hop is one of ours (a request from inside the network), or there was no
    // header at all.
    Some(leftmost.unwrap_or(peer))
}

/// Layered on the whole router: every request carries its `ClientIp`.
pub async fn insert_client_ip(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let client = client_address(peer, request.headers(), &trusted);
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn a_forwarded_header_from_an_untrusted_peer_is_ignored() {
        let headers = forwarded(&["198.51.100.7"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), &headers, &proxies("10.0.0.0/8")),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_address(
                Some(ip("203.0.113.9")),
                &headers,
                &TrustedProxies::default()
            ),
            Some(ip("203.0.113.9")),
            "nothing is trusted by default"
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies("10.0.0.0/8, 192.168.1.1");
        // The client forged the first hop; our proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 198.51.100.7", "192.168.1.1, 10.0.0.3"]);
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &headers, &trusted),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        let headers = forwarded(&["10.0.0.9, 10.0.0.3"]);
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &headers, &trusted),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.2")),
            "no header: the proxy itself is the client"
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_compared_and_reported_as_ipv4() {
        let trusted = proxies("10.0.0.0/8");
        let headers = forwarded(&["::ffff:198.51.100.7, ::ffff:10.0.0.3"]);
        assert_eq!(
            client_address(Some(ip("::ffff:10.0.0.2")), &headers, &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(Some(ip("::ffff:203.0.113.9")), &headers, &trusted),
            Some(ip("203.0.113.9")),
            "an untrusted mapped peer is reported in its IPv4 form"
        );
        let mapped_network = proxies("::ffff:10.0.0.0/104");
        assert_eq!(mapped_network, trusted);
    }

    #[test]
    fn a_garbage_hop_stops_the_walk_at_the_peer() {
        let trusted = proxies("10.0.0.0/8");
        for garbage in ["not-an-ip, 10.0.0.3", "198.51.100.7, , 10.0.0.3", ""] {
            assert_eq!(
                client_address(Some(ip("10.0.0.2")), &forwarded(&[garbage]), &trusted),
                Some(ip("10.0.0.2")),
                "{garbage:?}"
            );
        }
        let mut not_text = HeaderMap::new();
        not_text.insert(FORWARDED_FOR, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &not_text, &trusted),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn hops_with_ports_are_read_as_their_address() {
        let trusted = proxies("10.0.0.0/8");
        let headers = forwarded(&["198.51.100.7:4711, [2001:db8::1]:443"]);
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &headers, &trusted),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn the_trusted_list_takes_networks_and_addresses_and_refuses_anything_else() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let parsed = proxies(" 10.0.0.0/8 ,192.168.1.1, 2001:db8::/32,");
        assert!(parsed.contains(ip("10.1.2.3")));
        assert!(parsed.contains(ip("192.168.1.1")));
        assert!(!parsed.contains(ip("192.168.1.2")));
        assert!(parsed.contains(ip("2001:db8:ffff::1")));
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.0/8;10.1.0.0/16"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}
