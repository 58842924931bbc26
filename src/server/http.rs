//! Every HTTP request lands here: WebSocket upgrades on any path, `/health`,
//! `/metrics` (Prometheus text), `OPTIONS`, static files when configured, 404
//! JSON otherwise.

use super::{conn, Shared};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

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
    }
    let body = Health {
        ok: true,
        service: "posechrono-sync-relay",
        ts: super::now_ms(),
        suggested_relay_url: shared.relay_urls.first().map_or("", String::as_str),
        relay_urls: &shared.relay_urls,
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

/// A WebSocket upgrade on any path: origin check, then the socket limits. A
/// refused origin is upgraded and closed at once with 1008 `origin-not-allowed`.
async fn upgrade(shared: Shared, peer: SocketAddr, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    let mut ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws,
        Err(rejection) => return with_cors(rejection.into_response()),
    };
    // The `ws` library echoes the first subprotocol a client offers (a browser
    // that offered one fails a handshake without it, and would miss a refusal's
    // close reason too).
    if let Some(first) = first_subprotocol(&parts.headers) {
        ws.set_selected_protocol(first);
    }
    let cfg = &shared.config;
    let origin = parts.headers.get(header::ORIGIN);
    if !origin_allowed(origin, &cfg.allowed_origins) {
        // Upgraded, then closed with a reason: a browser sees the reason in its
        // close event, where a refused handshake would only say "failed". Debug
        // formatting escapes whatever bytes the header holds.
        let origin = String::from_utf8_lossy(origin.map_or(&[][..], HeaderValue::as_bytes));
        tracing::warn!(%peer, origin = ?origin, "websocket refused: origin-not-allowed");
        // Nothing is read from it but the client's close reply: small limits.
        let ws = ws.max_message_size(1024).max_frame_size(1024);
        return ws.on_upgrade(|socket| conn::refuse(socket, 1008, "origin-not-allowed"));
    }
    let ip = client_ip(peer.ip(), &parts.headers, &cfg.trusted_proxies);
    let max = cfg.relay.max_payload;
    let write = cfg.write_buffer_bytes;
    let ws = ws
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(cfg.read_buffer_bytes)
        .write_buffer_size(write)
        // Every frame is flushed before the next is taken from the bounded queue, so
        // the write buffer holds one frame plus the pongs queued meanwhile, which
        // the ping-flood limit keeps few (conn.rs); a cap below the largest reply
        // (a 16 MiB pack) would only fail it.
        .max_write_buffer_size(usize::MAX);
    ws.on_upgrade(move |socket| {
        shared.gate.upgraded(peer);
        conn::serve(socket, shared, ip.to_string())
    })
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
