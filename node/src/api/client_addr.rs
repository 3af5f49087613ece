//! Which address a request comes from, for the per-address rate limit: the TCP peer, unless
//! the peer is a reverse proxy the operator trusts, in which case the client its forwarding
//! header names (`Forwarded: for=…`, RFC 7239, else `X-Forwarded-For`). A header from anyone
//! else is ignored, so a client cannot pick its own bucket.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("trusted proxy `{e}` is not an address or network like 10.0.0.0/8")
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of them.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` with `headers`: `peer` itself unless it is a
    /// trusted proxy; else, walking the forwarding chain from the nearest hop, the first
    /// address that is not a trusted proxy (a malformed hop ends the walk at the last trusted
    /// one, which is then taken as the client).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_chain(headers).into_iter().rev() {
            match hop {
                Some(ip) if self.trusts(ip) => client = ip,
                Some(ip) => return ip,
                None => return client,
            }
        }
        client
    }
}

/// The forwarding chain, farthest first: `Forwarded`'s `for=` values when the header is there,
/// else `X-Forwarded-For`'s; `None` for a hop that is no address (`unknown`, an obfuscated
/// name, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().map(str::to_string).unwrap_or_default())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (key, value) = pair.trim().split_once('=')?;
                        key.eq_ignore_ascii_case("for").then_some(value)
                    })
                    .and_then(forwarded_address)
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse().ok())
        .collect()
}

/// A `Forwarded` node: `192.0.2.60`, `"192.0.2.60:4711"` or `"[2001:db8::1]:4711"`.
fn forwarded_address(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    value
        .parse()
        .ok()
        .or_else(|| value.rsplit_once(':')?.0.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.7, 10.1.2.3")]);
        // From the proxy: the client beyond the trusted hops.
        assert_eq!(trusted.client(ip("10.0.0.5"), &xff), ip("198.51.100.7"));
        // From anyone else: the header is theirs to forge, so the peer counts.
        assert_eq!(trusted.client(ip("203.0.113.9"), &xff), ip("203.0.113.9"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), &xff),
            ip("10.0.0.5")
        );
        // A client that prepends a fake hop gets its real address, the one the proxy appended.
        let forged = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(trusted.client(ip("10.0.0.5"), &forged), ip("198.51.100.7"));
        // RFC 7239, with ports, quotes and IPv6; it wins over X-Forwarded-For.
        let rfc = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9",
            ),
            ("x-forwarded-for", "192.0.2.1"),
        ]);
        assert_eq!(trusted.client(ip("::1"), &rfc), ip("2001:db8::1"));
        let port = headers(&[("forwarded", "for=\"192.0.2.60:4711\"")]);
        assert_eq!(trusted.client(ip("10.0.0.5"), &port), ip("192.0.2.60"));
        // A hop that is no address stops the walk at the proxy; no header, the proxy.
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(trusted.client(ip("10.0.0.5"), &unknown), ip("10.0.0.5"));
        assert_eq!(
            trusted.client(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
        assert!(TrustedProxies::parse(&["proxy.example".into()]).is_err());
    }
}
