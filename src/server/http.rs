//! Every HTTP request lands here: WebSocket upgrades on any path, `/health`,
//! `OPTIONS`, static files when configured, 404 JSON otherwise.

use super::{conn, Shared};
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use tower::ServiceExt;

fn json(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn with_cors(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
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

fn health(shared: &Shared) -> Response {
    let port = shared.local.port();
    let host = match shared.local.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        ip => ip.to_string(),
    };
    let url = format!("ws://{host}:{port}");
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Health<'a> {
        ok: bool,
        service: &'a str,
        ts: u64,
        suggested_relay_url: &'a str,
        relay_urls: [&'a str; 1],
    }
    let body = Health {
        ok: true,
        service: "posechrono-sync-relay",
        ts: super::now_ms(),
        suggested_relay_url: &url,
        relay_urls: [&url],
    };
    json(StatusCode::OK, crate::protocol::to_json(&body))
}

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
        let (mut parts, _body) = req.into_parts();
        let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(ws) => ws,
            Err(rejection) => return with_cors(rejection.into_response()),
        };
        let req = Request::from_parts(parts, Body::empty());
        let cfg = &shared.config;
        if !cfg.allowed_origins.is_empty() {
            let origin = req
                .headers()
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !cfg.allowed_origins.iter().any(|o| o == origin) {
                return json(
                    StatusCode::FORBIDDEN,
                    r#"{"ok":false,"error":"origin-not-allowed"}"#.into(),
                );
            }
        }
        let ip = client_ip(peer.ip(), req.headers(), &cfg.trusted_proxies);
        let max = cfg.relay.max_payload;
        let ws = ws
            .max_message_size(max)
            .max_frame_size(max)
            .read_buffer_size(cfg.read_buffer_bytes)
            .write_buffer_size(cfg.write_buffer_bytes)
            .max_write_buffer_size(cfg.write_buffer_bytes.saturating_mul(4).max(max));
        return ws.on_upgrade(move |socket| conn::serve(socket, shared, ip.to_string()));
    }
    let r = match (req.method(), req.uri().path(), req.uri().query()) {
        (&Method::OPTIONS, _, _) => StatusCode::NO_CONTENT.into_response(),
        (_, "/health", None) => health(&shared),
        (&Method::GET | &Method::HEAD, _, _) if shared.config.static_dir.is_some() => {
            let dir = shared.config.static_dir.clone().unwrap_or_default();
            match tower_http::services::ServeDir::new(dir).oneshot(req).await {
                Ok(r) if r.status() != StatusCode::NOT_FOUND => r.map(Body::new),
                _ => not_found(),
            }
        }
        _ => not_found(),
    };
    with_cors(r)
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
}
