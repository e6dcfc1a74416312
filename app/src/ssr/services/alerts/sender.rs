//! Sending one signed delivery, and nothing else: https only, no redirects, a time
//! limit, and only to public addresses. The host is resolved by our own resolver, which
//! drops loopback, private, link-local (cloud metadata), unique-local and other special
//! addresses, and the connection goes to an address it returned, so a name cannot point
//! somewhere else between the check and the connection. A test-only setting allows
//! loopback and plain http (the server refuses it in production).

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, LazyLock},
    time::Duration,
};

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long one attempt may take, connecting included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this much of a refusing answer is kept as the attempt's error.
const ERROR_CHARS: usize = 200;

/// Networks no delivery may reach (besides what `IpAddr` knows as loopback, private,
/// link-local, unspecified, multicast and broadcast).
static SPECIAL: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
    ]
    .iter()
    .filter_map(|net| net.parse().ok())
    .collect()
});

/// Whether a delivery may go to `ip` when private targets are not allowed.
pub fn is_public(ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    let special = match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || v6.is_multicast(),
    };
    !special && !SPECIAL.iter().any(|net| net.contains(&ip))
}

/// The URL's host when it is an address rather than a name (the resolver is not asked
/// about those, so they are checked on their own).
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the destination's address is not allowed (private, loopback or reserved)")]
    AddressNotAllowed,
    #[error("the destination must be an https URL")]
    NotHttps,
    #[error("the request failed: {0}")]
    Request(String),
    #[error("the destination answered {status}: {body}")]
    Refused { status: u16, body: String },
}

impl SendError {
    /// The HTTP status the destination answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SendError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Resolves names to the addresses a delivery may reach, or fails.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(SendError::AddressNotAllowed) as _);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client deliveries go out with. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    /// `allow_private`: loopback, private addresses and plain http allowed (tests only).
    pub fn new(allow_private: bool) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("Keyward-Alerts/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()?;
        Ok(Sender {
            client,
            allow_private,
        })
    }

    /// Checks what can be checked before any lookup: the scheme, and a host that is an
    /// address (the resolver is not asked about those).
    pub fn check_url(&self, url: &url::Url) -> Result<(), SendError> {
        if url.scheme() != "https" && !(self.allow_private && url.scheme() == "http") {
            return Err(SendError::NotHttps);
        }
        if url.host().is_none() {
            return Err(SendError::AddressNotAllowed);
        }
        if literal_ip(url).is_some_and(|ip| !self.allow_private && !is_public(ip)) {
            return Err(SendError::AddressNotAllowed);
        }
        Ok(())
    }

    /// POSTs `body` with its signature header; `Ok(status)` for a 2xx answer.
    pub async fn send(&self, url: &str, body: &str, signature: &str) -> Result<u16, SendError> {
        let parsed = url::Url::parse(url).map_err(|err| SendError::Request(err.to_string()))?;
        self.check_url(&parsed)?;
        let response = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Keyward-Signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|err| {
                if is_refused_address(&err) {
                    SendError::AddressNotAllowed
                } else {
                    SendError::Request(without_url(&err))
                }
            })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(status);
        }
        let text = response.text().await.unwrap_or_default();
        Err(SendError::Refused {
            status,
            body: text.chars().take(ERROR_CHARS).collect(),
        })
    }
}

/// Whether the resolver refused the destination's addresses.
fn is_refused_address(err: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = source {
        if matches!(
            current.downcast_ref::<SendError>(),
            Some(SendError::AddressNotAllowed)
        ) {
            return true;
        }
        source = current.source();
    }
    false
}

/// The error without the URL (it may carry a token in its path or query).
fn without_url(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    kind.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2001:db8::1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.215.14",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "1.1.1.1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_https_to_public_literals_passes_the_url_check() {
        let strict = Sender::new(false).unwrap();
        let check = |url: &str| strict.check_url(&url::Url::parse(url).unwrap());
        assert!(check("https://hooks.example.com/x").is_ok());
        assert!(matches!(
            check("http://hooks.example.com/x"),
            Err(SendError::NotHttps)
        ));
        assert!(matches!(
            check("https://169.254.169.254/latest"),
            Err(SendError::AddressNotAllowed)
        ));
        assert!(matches!(
            check("https://[::1]/"),
            Err(SendError::AddressNotAllowed)
        ));
        let lax = Sender::new(true).unwrap();
        assert!(
            lax.check_url(&url::Url::parse("http://127.0.0.1:9/").unwrap())
                .is_ok()
        );
    }
}
