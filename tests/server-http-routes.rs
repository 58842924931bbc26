//! The relay's HTTP surface over a real socket, as PROTOCOL.md section 1 describes
//! the deployed relay: `/health` (exact target), `OPTIONS` 204, 404 JSON, CORS `*`,
//! and WebSocket upgrades on any path and query.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{http, Client, Server};
use serde_json::Value;

#[tokio::test]
async fn health_has_the_deployed_body_keys_in_order() {
    let server = Server::start(net::config()).await;
    let before = online_sync::server::now_ms();
    let r = http(server.addr, "GET", "/health").await;
    let after = online_sync::server::now_ms();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    // Key order is part of the shape: check it on the raw text.
    let keys = [
        "\"ok\":",
        "\"service\":",
        "\"ts\":",
        "\"suggestedRelayUrl\":",
        "\"relayUrls\":",
    ];
    let at: Vec<usize> = keys
        .iter()
        .map(|k| {
            r.body
                .find(k)
                .unwrap_or_else(|| panic!("{k} missing: {}", r.body))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "key order: {}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 5, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["service"], "posechrono-sync-relay");
    let ts = v["ts"].as_u64().expect("ts in ms");
    assert!(
        before <= ts && ts <= after,
        "ts {ts} not in [{before}, {after}]"
    );
    // Bound to loopback, the relay suggests the machine's LAN address like the
    // deployed one (none on a machine without a default route).
    let urls = v["relayUrls"].as_array().expect("relayUrls array");
    let port = format!(":{}", server.addr.port());
    for u in urls {
        let u = u.as_str().expect("url string");
        let host = u.strip_prefix("ws://").and_then(|h| h.strip_suffix(&port));
        let ip: std::net::Ipv4Addr = host.and_then(|h| h.parse().ok()).expect(u);
        assert!(!ip.is_loopback() && !ip.is_unspecified(), "{u}");
    }
    let first = urls.first().and_then(Value::as_str).unwrap_or("");
    assert_eq!(v["suggestedRelayUrl"], first);
}

#[tokio::test]
async fn health_answers_any_method_but_only_the_exact_target() {
    let server = Server::start(net::config()).await;
    assert_eq!(http(server.addr, "POST", "/health").await.status, 200);
    for target in ["/health?x", "/health/", "/Health"] {
        let r = http(server.addr, "GET", target).await;
        assert_eq!(r.status, 404, "{target}");
        assert_eq!(r.body, r#"{"ok":false,"error":"not-found"}"#, "{target}");
    }
}

#[tokio::test]
async fn options_is_204_with_cors() {
    let server = Server::start(net::config()).await;
    for target in ["/", "/anything?q=1"] {
        let r = http(server.addr, "OPTIONS", target).await;
        assert_eq!(r.status, 204, "{target}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert!(r.body.is_empty());
    }
}

#[tokio::test]
async fn unknown_paths_are_404_json_with_cors() {
    let server = Server::start(net::config()).await;
    for (method, target) in [("GET", "/"), ("GET", "/nope"), ("POST", "/shutdown")] {
        let r = http(server.addr, method, target).await;
        assert_eq!(r.status, 404, "{method} {target}");
        assert_eq!(r.body, r#"{"ok":false,"error":"not-found"}"#);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }
}

#[tokio::test]
async fn websocket_is_accepted_on_any_path_and_query() {
    let server = Server::start(net::config()).await;
    for path in ["/", "/health", "/sync/relay", "/x?token=1&y", "/?"] {
        let mut c = Client::connect(server.addr, path, &[]).await.expect(path);
        // The socket is live: a request gets its reply.
        let code = c
            .err(
                "getRoomSnapshot",
                serde_json::json!({"sessionCode": net::CODE}),
            )
            .await;
        assert_eq!(code, "not-joined", "{path}");
    }
}

#[tokio::test]
async fn the_first_offered_subprotocol_is_echoed() {
    let server = Server::start(net::config()).await;
    let extra = [("Sec-WebSocket-Protocol", "posechrono, other")];
    let (_tcp, head) = net::raw_upgrade(server.addr, "/", &extra).await;
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-protocol: posechrono\r\n"),
        "{head}"
    );
}
