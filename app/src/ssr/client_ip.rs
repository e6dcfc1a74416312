//! The client's address, decided once per request by the server's outermost layer
//! (`server/src/http/client_ip.rs`) and read from the request extensions by every
//! consumer: the sign-in throttle, the audit trail, `/v1` allowlists and usage.

use std::net::IpAddr;

/// `None` only when the connection's peer address is unknown (a request that did not
/// come through the listener); consumers then treat the client as unidentified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);
