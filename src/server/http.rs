//! Every HTTP request lands here: WebSocket upgrades on any path, `/health`,
//! `/metrics` (Prometheus text), `OPTIONS`, static files when configured, 404
//! JSON otherwise.

use super::{conn, socket, Shared};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

fn json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The CORS headers of the deployed relay, on every HTTP response.
fn with_cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    r
}

/// The client's address: the peer, or for a trusted proxy the last address of
/// `X-Forwarded-For` that is not itself a trusted proxy.
pub(super) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// Whether an upgrade with this `Origin` header may proceed. An empty list allows
/// every origin (as deployed), `null` included (pages opened from `file://`); a
/// listed `null` allows exactly those pages. A request without `Origin` comes
/// from a non-browser client, which could send any value anyway, and is allowed.
fn origin_allowed(origin: Option<&HeaderValue>, allowed: &[String]) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
    allowed
        .iter()
        .any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// The first subprotocol a client offers, in its order (axum's
/// `requested_protocols` is sorted, so it cannot tell which came first).
fn first_subprotocol(headers: &HeaderMap) -> Option<HeaderValue> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|p| !p.is_empty())
        .and_then(|p| HeaderValue::from_str(p).ok())
}

/// `GET /health`: the deployed relay's body, keys in its order.
fn health(shared: &Shared) -> Response {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Health<'a> {
        ok: bool,
        service: &'a str,
        ts: u64,
        suggested_relay_url: &'a str,
        relay_urls: &'a [String],
        /// On a cluster node only: this node and whether Redis answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        cluster: Option<Node<'a>>,
    }
    #[derive(serde::Serialize)]
    struct Node<'a> {
        node: &'a str,
        redis: &'static str,
    }
    let cluster = shared.node.as_deref().map(|node| Node {
        node,
        redis: match shared.metrics.redis.get() {
            Some(r) if r.up.load(std::sync::atomic::Ordering::Relaxed) => "up",
            _ => "down",
        },
    });
    let body = Health {
        ok: true,
        service: "posechrono-sync-relay",
        ts: super::now_ms(),
        suggested_relay_url: shared.relay_urls.first().map_or("", String::as_str),
        relay_urls: &shared.relay_urls,
        cluster,
    };
    json(StatusCode::OK, crate::protocol::to_json(&body))
}

/// Routes one HTTP request. Like the deployed relay, routes match the exact
/// request target, so `/health?x` is a 404.
pub(super) async fn handle(
    State(shared): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let wants_upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if wants_upgrade {
        return upgrade(shared, peer, req).await;
    }
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let r = match (req.method(), target) {
        (_, "/health") => health(&shared),
        (&Method::GET, "/metrics") => metrics(&shared),
        (&Method::OPTIONS, _) => StatusCode::NO_CONTENT.into_response(),
        (&Method::GET | &Method::HEAD, _) if shared.config.static_dir.is_some() => {
            let dir = shared.config.static_dir.clone().unwrap_or_default();
            super::static_files::serve(&dir, req)
                .await
                .unwrap_or_else(not_found)
        }
        _ => not_found(),
    };
    with_cors(r)
}

/// Whether a header holds `token` in its comma-separated list (any case).
fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The refusal of an upgrade request that is not a valid WebSocket handshake
/// (RFC 6455, 4.2.1), as axum words them.
fn bad_upgrade(req: &Request) -> Option<Response> {
    let h = req.headers();
    let why = if req.method() != Method::GET {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "Request method must be `GET`",
        )
    } else if !header_has(h, header::CONNECTION, "upgrade") {
        (
            StatusCode::BAD_REQUEST,
            "Connection header did not include 'upgrade'",
        )
    } else if h
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        (StatusCode::BAD_REQUEST, "Unsupported WebSocket version")
    } else if h.get(header::SEC_WEBSOCKET_KEY).is_none() {
        (
            StatusCode::BAD_REQUEST,
            "`Sec-WebSocket-Key` header missing",
        )
    } else {
        return None;
    };
    Some(with_cors(why.into_response()))
}

/// A WebSocket upgrade on any path: origin check, then the socket limits. A
/// refused origin is upgraded and closed at once with 1008 `origin-not-allowed`.
/// The socket is tungstenite over hyper's upgraded connection ([`socket`]).
async fn upgrade(shared: Shared, peer: SocketAddr, mut req: Request) -> Response {
    if let Some(refused) = bad_upgrade(&req) {
        return refused;
    }
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return with_cors(
            (StatusCode::UPGRADE_REQUIRED, "Connection is not upgradable").into_response(),
        );
    };
    let headers = req.headers();
    let accept = derive_accept_key(
        headers
            .get(header::SEC_WEBSOCKET_KEY)
            .map_or(&[][..], HeaderValue::as_bytes),
    );
    let cfg = &shared.config;
    let origin = headers.get(header::ORIGIN);
    let allowed = origin_allowed(origin, &cfg.allowed_origins);
    let config = if allowed {
        socket::config(
            cfg.relay.max_payload,
            cfg.read_buffer_bytes,
            cfg.write_buffer_bytes,
        )
    } else {
        // Upgraded, then closed with a reason: a browser sees the reason in its
        // close event, where a refused handshake would only say "failed". Debug
        // formatting escapes whatever bytes the header holds. Nothing is read from
        // it but the client's close reply: small limits.
        let origin = String::from_utf8_lossy(origin.map_or(&[][..], HeaderValue::as_bytes));
        tracing::warn!(%peer, origin = ?origin, "websocket refused: origin-not-allowed");
        socket::config(1024, 1024, 1024)
    };
    let ip = client_ip(peer.ip(), headers, &cfg.trusted_proxies);
    // The `ws` library echoes the first subprotocol a client offers (a browser
    // that offered one fails a handshake without it, and would miss a refusal's
    // close reason too).
    let protocol = first_subprotocol(headers);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        if allowed {
            shared.gate.upgraded(peer);
            conn::serve(ws, shared, ip.to_string()).await;
        } else {
            socket::refuse(ws, 1008, "origin-not-allowed").await;
        }
    });
    let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = r.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(p) = protocol {
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, p);
    }
    r
}

/// `GET /metrics`: the server's counters in the Prometheus text format.
fn metrics(shared: &Shared) -> Response {
    let mut r = (StatusCode::OK, shared.metrics.render()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

fn not_found() -> Response {
    json(
        StatusCode::NOT_FOUND,
        r#"{"ok":false,"error":"not-found"}"#.into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.2"),
        );
        assert_eq!(
            client_ip(proxy, &h, &[proxy]),
            "198.51.100.2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(proxy, &h, &[]), proxy);
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(other, &h, &[proxy]), other);
        let trusted2: IpAddr = "198.51.100.2".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &h, &[proxy, trusted2]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn origins_match_the_allow_list_when_one_is_set() {
        let listed = vec!["https://app.example".to_string()];
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(origin_allowed(Some(&v("https://evil.example")), &[]));
        assert!(origin_allowed(Some(&v("https://app.example")), &listed));
        assert!(origin_allowed(Some(&v("https://APP.example/")), &listed));
        assert!(!origin_allowed(Some(&v("https://evil.example")), &listed));
        assert!(!origin_allowed(Some(&v("null")), &listed));
        assert!(origin_allowed(None, &listed));
        assert!(origin_allowed(Some(&v("null")), &[]));
        let with_null = vec!["https://app.example".to_string(), "null".to_string()];
        assert!(origin_allowed(Some(&v("null")), &with_null));
        assert!(origin_allowed(Some(&v("NULL")), &with_null));
        assert!(!origin_allowed(
            Some(&v("https://evil.example")),
            &with_null
        ));
    }
}
