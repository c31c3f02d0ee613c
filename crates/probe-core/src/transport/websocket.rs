//! A WebSocket API's answer: a path that answers a plain GET `426 Upgrade Required` (Python
//! `websockets`) or `400` naming the WebSocket protocol (Tornado, aiohttp, Spring, gorilla) serves
//! nothing but sockets, so what it lets a client in to is read by opening one (RFC 6455 §4.1) on
//! the same connection and reading the server's first message. A socket the server opens and then
//! writes to is served; a close frame with a policy code is its refusal; silence is unread (a
//! socket may wait for the client to speak first). An audit's `websockets` server, open to anyone,
//! was graded D, "another authentication may guard this path", exit 0 under `--fail-under D`.

use std::time::Duration;

use futures_util::StreamExt as _;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::facts::Outcome;
use crate::text::sanitize;

/// How long the opened socket is watched for the server's first message (or its close).
const FIRST_MESSAGE_WAIT: Duration = Duration::from_millis(1500);

/// How the detail of an answer read through a WebSocket opening begins.
pub const OPENED_AS_WEBSOCKET: &str = "the path speaks WebSocket (a plain GET was answered";

/// Whether `status` and its `headers`/`body` say the path speaks WebSocket alone: `426` naming it
/// in `Upgrade` (RFC 9110 §15.5.22), or `400` naming it (a `Sec-WebSocket-Version` header, or the
/// word in a short body: Tornado's and Spring's `Can "Upgrade" only to "WebSocket".`).
pub fn speaks_websocket(status: u16, headers: &http::HeaderMap, body: &[u8]) -> bool {
    let in_upgrade = headers
        .get_all(http::header::UPGRADE)
        .iter()
        .any(|v| names_websocket(v.as_bytes()));
    let version = headers.contains_key(http::header::SEC_WEBSOCKET_VERSION);
    says_websocket(status, in_upgrade || version, body)
}

/// Whether a header value names the WebSocket protocol.
pub fn names_websocket(value: &[u8]) -> bool {
    value
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"websocket"))
}

/// [`speaks_websocket`] from its parts: `headers_name_it` where `Upgrade` names it or a
/// `Sec-WebSocket-Version` is sent.
pub fn says_websocket(status: u16, headers_name_it: bool, body: &[u8]) -> bool {
    let said = body.len() <= 1024 && names_websocket(body);
    matches!(status, 400 | 426) && (headers_name_it || said)
}

/// A WebSocket opening handshake's request headers (RFC 6455 §4.1), with a fresh key.
pub fn opening_headers() -> Vec<(http::HeaderName, http::HeaderValue)> {
    use base64::Engine as _;
    let mut key = [0u8; 16];
    // A key only has to be 16 bytes of base64; a failed draw keeps the zeros.
    let _ = aws_lc_rs::rand::fill(&mut key);
    let key = base64::engine::general_purpose::STANDARD.encode(key);
    [
        (http::header::UPGRADE, "websocket".to_owned()),
        (http::header::CONNECTION, "Upgrade".to_owned()),
        (http::header::SEC_WEBSOCKET_VERSION, "13".to_owned()),
        (http::header::SEC_WEBSOCKET_KEY, key),
    ]
    .into_iter()
    .filter_map(|(n, v)| Some((n, http::HeaderValue::from_str(&v).ok()?)))
    .collect()
}

/// Close codes that refuse the client (RFC 6455 §7.4.1 policy violation; IANA's 3000
/// Unauthorized and 3003 Forbidden; 4401 and 4403, the application codes that mirror 401 and
/// 403): what a 401 or 403 is to a page. Not the rest of 4xxx: graphql-ws closes a client that
/// offers no subprotocol with 4406, whatever it would serve (an audit's: B, exit 0, open to
/// anyone who offers one).
fn refusing(code: u16) -> bool {
    matches!(code, 1008 | 3000 | 3003 | 4401 | 4403)
}

/// What a socket opened by a WebSocket opening carried ([`first_message`]).
#[derive(Debug, Default)]
pub struct SocketAnswer {
    /// Served (a message), refused (a policy close), answered (another close), or
    /// inconclusive (silence, a failure).
    pub outcome: Option<Outcome>,
    /// What happened, for the report.
    pub detail: String,
    /// The message, or the close's reason, as read (at most the cap).
    pub body: Vec<u8>,
    /// The body, sanitised and capped for reports.
    pub body_excerpt: Option<String>,
    /// The message went past the cap (its bytes were not kept).
    pub truncated: bool,
    /// The 101's `Server`, `Via` and `X-Powered-By` headers, sanitised.
    pub server_header: Option<String>,
    /// See [`Self::server_header`].
    pub via: Option<String>,
    /// See [`Self::server_header`].
    pub powered_by: Option<String>,
}

/// What the socket `response` (a `101 Switching Protocols`) carries: its first message read,
/// within [`FIRST_MESSAGE_WAIT`] and `until` (and a second, or the close after the first), at
/// most `cap` bytes, its excerpt `excerpt` characters.
pub async fn first_message(
    response: http::Response<hyper::body::Incoming>,
    key: Option<&str>,
    cap: usize,
    excerpt: usize,
    until: tokio::time::Instant,
) -> SocketAnswer {
    let cap = cap.max(1024);
    let opened = "a WebSocket opening (Upgrade: websocket) was answered 101 Switching Protocols";
    // A 101 that is no WebSocket's (RFC 6455 §4.1: `Upgrade: websocket` and the accept value
    // of our key): a front answering 101 to anything proves nothing of the socket behind it.
    let upgrade = response
        .headers()
        .get(http::header::UPGRADE)
        .is_some_and(|v| names_websocket(v.as_bytes()));
    let accepted = response
        .headers()
        .get(http::header::SEC_WEBSOCKET_ACCEPT)
        .and_then(|v| v.to_str().ok())
        .zip(key)
        .is_some_and(|(got, key)| got.trim() == accept_value(key));
    if !(upgrade && accepted) {
        return unread(
            SocketAnswer::default(),
            format!(
                "{opened} without a WebSocket's `Upgrade: websocket` and the accept value of the \
                 key sent: no socket to read"
            ),
        );
    }
    let header = |name: &str, most: usize| {
        response
            .headers()
            .get(name)
            .map(|v| sanitize(v.as_bytes(), most))
    };
    let base = SocketAnswer {
        server_header: header("server", 100),
        via: header("via", 200),
        powered_by: header("x-powered-by", 100),
        ..SocketAnswer::default()
    };
    let until = (tokio::time::Instant::now() + FIRST_MESSAGE_WAIT).min(until);
    let upgraded = match tokio::time::timeout_at(until, hyper::upgrade::on(response)).await {
        Ok(Ok(upgraded)) => upgraded,
        Ok(Err(e)) => return unread(base, format!("{opened}, but the socket failed: {e}")),
        Err(_) => return unread(base, format!("{opened}, but the socket never came up")),
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap));
    let mut socket =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, Some(config)).await;
    // The messages read (each after the one before, a line apart, at most `cap` bytes in all), and
    // what each was. A first message may be a banner every client gets (`{"type":"welcome"}`) with
    // the server's refusal after it (an audit's: a close with 1008 300 ms later): the socket is read
    // on until a second message, a close, or the window's end.
    let mut messages: Vec<u8> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    let mut over_cap = false;
    let ended = loop {
        let next = match tokio::time::timeout_at(until, socket.next()).await {
            Err(_) if kinds.is_empty() => {
                return unread(
                    base,
                    format!(
                        "{opened}, and the server sent nothing within {}: what the socket serves \
                         is unknown (it may wait for the client's first message)",
                        crate::text::duration(FIRST_MESSAGE_WAIT)
                    ),
                )
            }
            Err(_) => break None,
            Ok(next) => next,
        };
        let (data, kind) = match next {
            Some(Ok(Message::Text(text))) => (text.as_bytes().to_vec(), "a text message"),
            Some(Ok(Message::Binary(bytes))) => (bytes.to_vec(), "a binary message"),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(frame))) => {
                break Some(
                    frame
                        .map(|f| (u16::from(f.code), f.reason.as_bytes().to_vec()))
                        .unwrap_or((1005, Vec::new())),
                )
            }
            // A message over the cap is a message served all the same.
            Some(Err(WsError::Capacity(_))) => {
                over_cap = true;
                kinds.push("a message over the size cap");
                break None;
            }
            Some(Err(e)) if kinds.is_empty() => {
                return unread(base, format!("{opened}, then the socket failed: {e}"))
            }
            None if kinds.is_empty() => {
                return unread(
                    base,
                    format!("{opened}, then the server ended the connection without a word"),
                )
            }
            Some(Err(_)) | None => break None,
        };
        if !messages.is_empty() {
            messages.push(b'\n');
        }
        let room = cap.saturating_sub(messages.len());
        over_cap |= data.len() > room;
        messages.extend(data.iter().take(room));
        kinds.push(kind);
        if kinds.len() >= 2 || over_cap {
            break None;
        }
    };
    let read = kinds
        .iter()
        .map(|k| format!(", then {k}"))
        .collect::<String>();
    if let Some((code, reason)) = ended {
        let said = sanitize(&reason, 200);
        // A refusing close before any message is a refusal; after messages, only where they say
        // so too (`{"type":"disconnect","reason":"unauthorized"}`): a banner every socket gets
        // cannot be told from data sent before the refusal (the review's: the orders, then
        // 1008, read as refused). A failing or busy close before any message is unread; any
        // other close after messages leaves them served, and before any, nothing served.
        let refusal_said = crate::text::speaks_of_refusal(&messages)
            || crate::text::speaks_of_certificates(&messages);
        let outcome = match (refusing(code), kinds.is_empty()) {
            (true, true) => Outcome::RefusedHttp,
            (true, false) if refusal_said => Outcome::RefusedHttp,
            (true, false) => Outcome::Inconclusive,
            (false, true) if failing(code) => Outcome::Inconclusive,
            (false, true) => Outcome::Answered,
            (false, false) => Outcome::Served,
        };
        let detail = format!(
            "{opened}{read}, then a close frame, code {code}{}{said}",
            if said.is_empty() { "" } else { ": " },
        );
        if outcome == Outcome::Inconclusive {
            let why = if kinds.is_empty() {
                "a close for a failure or a busy server, not an answer"
            } else {
                "messages before a refusing close may be data it let out, or a banner every \
                 socket gets: which, this scan cannot tell"
            };
            return unread(base, format!("{detail} ({why})"));
        }
        if outcome != Outcome::Served {
            return SocketAnswer {
                outcome: Some(outcome),
                detail,
                body_excerpt: Some(said).filter(|s| !s.is_empty()),
                body: reason,
                ..base
            };
        }
        return SocketAnswer {
            outcome: Some(Outcome::Served),
            detail,
            body_excerpt: Some(sanitize(&messages, excerpt)).filter(|s| !s.is_empty()),
            body: messages,
            truncated: over_cap,
            ..base
        };
    }
    SocketAnswer {
        outcome: Some(Outcome::Served),
        detail: format!("{opened}{read}"),
        body_excerpt: Some(sanitize(&messages, excerpt)).filter(|s| !s.is_empty()),
        body: messages,
        truncated: over_cap,
        ..base
    }
}

/// Close codes of a failing or busy server (going away, internal error, restart, try again
/// later, bad gateway): no answer to the client, so unread (a connection-limited server's 1013
/// to the anonymous socket read as the application's refusal).
fn failing(code: u16) -> bool {
    matches!(code, 1001 | 1006 | 1011 | 1012 | 1013 | 1014)
}

/// The `Sec-WebSocket-Accept` value for `key` (RFC 6455 §4.2.2): base64 of SHA-1 over the key
/// and the protocol's GUID.
fn accept_value(key: &str) -> String {
    use base64::Engine as _;
    const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{key}{GUID}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// `base` left unread, saying `why`.
fn unread(base: SocketAnswer, why: String) -> SocketAnswer {
    SocketAnswer {
        outcome: Some(Outcome::Inconclusive),
        detail: why,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 426 naming the protocol, a 400 saying it (Tornado), a 400 with the version header
    /// (gorilla): WebSocket paths; a 400 or 426 of another kind, or another status: not.
    #[test]
    fn websocket_paths_are_told_by_their_answer_to_a_plain_get() {
        let mut upgrade = http::HeaderMap::new();
        upgrade.insert(
            http::header::UPGRADE,
            http::HeaderValue::from_static("WebSocket"),
        );
        let mut version = http::HeaderMap::new();
        version.insert(
            http::header::SEC_WEBSOCKET_VERSION,
            http::HeaderValue::from_static("13"),
        );
        let none = http::HeaderMap::new();
        assert!(speaks_websocket(426, &upgrade, b""));
        assert!(speaks_websocket(400, &version, b"Bad Request"));
        assert!(speaks_websocket(
            400,
            &none,
            br#"Can "Upgrade" only to "WebSocket"."#
        ));
        assert!(!speaks_websocket(400, &none, b"Bad Request"));
        assert!(!speaks_websocket(426, &none, b"use TLS 1.3"));
        assert!(!speaks_websocket(200, &upgrade, b"websocket"));
        assert!(!speaks_websocket(403, &upgrade, b"websocket"));
        // A long page that mentions the word in passing is no WebSocket path's answer.
        let long = [b"x".repeat(2000), b"websocket".to_vec()].concat();
        assert!(!speaks_websocket(400, &none, &long));
    }

    /// Policy and application close codes refuse; a normal close or a server error does not.
    #[test]
    fn refusing_close_codes() {
        for code in [1008, 3000, 3003, 4401, 4403] {
            assert!(refusing(code), "{code}");
        }
        for code in [1000, 1001, 1005, 1011, 4400, 4404, 4406, 4408, 4429] {
            assert!(!refusing(code), "{code}");
        }
        assert!(failing(1013) && failing(1011) && !failing(1000) && !failing(4406));
    }

    /// RFC 6455 §1.3's example key and its accept value.
    #[test]
    fn the_accept_value_is_rfc_6455s() {
        assert_eq!(
            accept_value("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
