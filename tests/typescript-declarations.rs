//! The hand-written TypeScript (`src/wasm/types/*.d.ts`) follows the Rust tables:
//! `SyncErrorCode` is exactly the code table of `src/error.rs`, and
//! `MockRelayOptions` has one option per relay setting (`RelaySettings::ENV_NAMES`).
#![cfg(not(target_arch = "wasm32"))]

use online_sync::{Code, RelaySettings};
use std::collections::BTreeSet;

const STATE: &str = include_str!("../src/wasm/types/state.d.ts");
const API: &str = include_str!("../src/wasm/types/api.d.ts");

/// The body of `head` up to its closing `terminator`.
fn block<'a>(text: &'a str, head: &str, terminator: char) -> &'a str {
    let start = text
        .find(head)
        .unwrap_or_else(|| panic!("{head} is declared"));
    let body = &text[start + head.len()..];
    &body[..body.find(terminator).expect("the declaration ends")]
}

#[test]
fn sync_error_code_is_the_code_table() {
    let literals: BTreeSet<&str> = block(STATE, "export type SyncErrorCode =", ';')
        .lines()
        .filter_map(|l| l.trim().strip_prefix("| \"")?.strip_suffix('"'))
        .collect();
    let table: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(literals, table);
    assert!(STATE.contains("| `unknown-action:${string}`"));
    assert!(STATE.contains("| `session-media-incomplete:${number}/${number}`"));
}

/// `POSECHRONO_SYNC_MAX_CONNECTIONS_PER_IP` -> `maxConnectionsPerIp`, as the binding maps it.
fn camel(env: &str) -> String {
    let name = env
        .trim_start_matches("POSECHRONO_SYNC_")
        .to_ascii_lowercase();
    let mut words = name.split('_');
    let mut out = words.next().unwrap_or_default().to_string();
    for w in words {
        let mut c = w.chars();
        out.extend(c.next().map(|f| f.to_ascii_uppercase()));
        out.push_str(c.as_str());
    }
    out
}

#[test]
fn mock_relay_options_are_the_relay_settings() {
    let options: BTreeSet<String> = block(API, "export interface MockRelayOptions {", '}')
        .lines()
        .filter_map(|l| l.trim().split_once("?:").map(|(name, _)| name.to_string()))
        .collect();
    let settings: BTreeSet<String> = RelaySettings::ENV_NAMES.iter().map(|e| camel(e)).collect();
    assert_eq!(options, settings);
    assert!(settings.contains("maxConnectionsPerIp") && settings.contains("passwordHashLogN"));
}
