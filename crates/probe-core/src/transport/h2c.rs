//! An HTTP/2 tunnel opened by an HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2) on an HTTPS connection:
//! the door of "h2c smuggling". A front that enforces the client certificate per path on the
//! requests it reads, and forwards the `Upgrade` header to a backend that speaks h2c (nginx with
//! the usual WebSocket lines, `proxy_set_header Upgrade $http_upgrade`; Apache `upgrade=ANY`),
//! tunnels blindly once the backend answers `101 Switching Protocols`: every request over the
//! tunnel reaches the backend unread by the front.
//!
//! The upgrade is asked on a path the front forwards (`/`); where it is switched, the target's
//! path is asked over HTTP/2 on stream 3. Stream 1 is the upgrade request's own (RFC 7540
//! §3.2: its answer comes over HTTP/2), which the `h2` crate cannot be told of: it opens stream 1
//! itself with a request whose header block ([`our_stream_one`]: static-table entries alone, so
//! no HPACK state is lost) never reaches the server ([`SkipStreamOne`]).

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::{Buf as _, Bytes};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The `HTTP2-Settings` sent with the upgrade: base64url of one setting, ENABLE_PUSH = 0 (what
/// h2csmuggler sends, less its window; RFC 7540 §3.2.1 asks for the header, some servers refuse
/// an empty one).
pub(super) const HTTP2_SETTINGS: &str = "AAIAAAAA";

/// What came of an `Upgrade: h2c` ([`super::ExchangeResult::h2c`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tunnel {
    /// Not switched: the result is the upgrade request's own answer (or its failure).
    NotSwitched,
    /// Switched (101): the result is the path's answer over HTTP/2 through the tunnel, or why it
    /// could not be read.
    Opened,
    /// Switched, but the server ended the tunnel after the upgrade's own answer (GOAWAY without
    /// an error, the path's stream above its last: Apache's event MPM as a backend): the path was
    /// never asked through it.
    EndedAfterStreamOne,
}

/// How a detail of an answer read through a tunnel begins.
pub const THROUGH_TUNNEL: &str = "asked over HTTP/2 through an h2c tunnel";

/// The request the `h2` crate opens stream 1 with, never sent: `GET`, scheme `http`, path `/`
/// (a relative URI of an HTTP/1.1 request: the crate adds the scheme), each an entry of HPACK's
/// static table, so the encoder's dynamic table stays as the server's decoder has it.
pub(super) fn our_stream_one() -> Result<http::Request<()>, http::Error> {
    http::Request::builder()
        .method(http::Method::GET)
        .uri("/")
        .version(http::Version::HTTP_11)
        .body(())
}

/// Bytes of our own frames held while stream 1's header block is looked for: the preface, our
/// SETTINGS, a WINDOW_UPDATE and that block (a few hundred bytes).
const HELD_CAP: usize = 16 * 1024;

/// Headers of the connection, which HTTP/2 forbids in a request (`te` but for `trailers`).
pub(super) const CONNECTION_HEADERS: [&str; 7] = [
    "connection",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "http2-settings",
];

/// The client preface's length (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`).
const PREFACE_LEN: usize = 24;

/// A stream to the server that drops the header block our `h2` client writes for stream 1 (the
/// server holds stream 1 open for the upgrade request already), and holds back what the server
/// sends until that block is written, so that the client knows stream 1 before the server's
/// answer on it arrives and encodes the block before any of the server's settings apply.
pub(super) struct SkipStreamOne<S> {
    inner: S,
    /// Our bytes not parsed into whole frames yet.
    parsing: Vec<u8>,
    /// Our bytes to write to the server.
    out: Vec<u8>,
    /// Preface bytes still to pass.
    preface_left: usize,
    /// Inside stream 1's header block (a HEADERS without END_HEADERS, CONTINUATIONs to come).
    in_block: bool,
    /// Stream 1's header block was dropped: everything passes from now on.
    skipped: bool,
    /// The reader waiting for [`Self::skipped`].
    reader: Option<Waker>,
    /// The server's first frame as it comes in, until it is whole.
    first_frame: Vec<u8>,
    /// Told the server's first SETTINGS: its `SETTINGS_MAX_CONCURRENT_STREAMS` (`None`: not
    /// set, no limit), once its first frame was read whole (none where it was no SETTINGS).
    settings: Option<tokio::sync::oneshot::Sender<Option<u32>>>,
}

/// The server's first frame (its SETTINGS, RFC 9113 §3.4) is read whole past this, or never.
const FIRST_FRAME_CAP: usize = 9 + 16_384;

/// `SETTINGS_MAX_CONCURRENT_STREAMS` in a SETTINGS frame's `payload` (`None`: not set).
pub(super) fn max_concurrent_streams(payload: &[u8]) -> Option<u32> {
    payload
        .chunks_exact(6)
        .filter_map(|e| <[u8; 6]>::try_from(e).ok())
        .filter(|e| u16::from_be_bytes([e[0], e[1]]) == 0x3)
        .map(|e| u32::from_be_bytes([e[2], e[3], e[4], e[5]]))
        .next_back()
}

impl<S> SkipStreamOne<S> {
    pub(super) fn new(inner: S) -> Self {
        Self {
            inner,
            parsing: Vec::new(),
            out: Vec::new(),
            preface_left: PREFACE_LEN,
            in_block: false,
            skipped: false,
            reader: None,
            first_frame: Vec::new(),
            settings: None,
        }
    }

    /// Where the server's first SETTINGS is told ([`Self::settings`]).
    pub(super) fn tell_settings(&mut self) -> tokio::sync::oneshot::Receiver<Option<u32>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.settings = Some(tx);
        rx
    }

    /// Takes in bytes the server sent, until its first frame is whole; tells what its SETTINGS
    /// say of concurrent streams.
    fn saw(&mut self, bytes: &[u8]) {
        if self.settings.is_none() {
            return;
        }
        let room = FIRST_FRAME_CAP.saturating_sub(self.first_frame.len());
        self.first_frame
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        let Some(head) = self.first_frame.first_chunk::<9>().copied() else {
            return;
        };
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let Some(payload) = self.first_frame.get(9..9 + len) else {
            if self.first_frame.len() >= FIRST_FRAME_CAP {
                self.settings = None;
            }
            return;
        };
        let max = (head[3] == 0x4).then(|| max_concurrent_streams(payload));
        if let (Some(tx), Some(max)) = (self.settings.take(), max) {
            let _ = tx.send(max);
        }
        self.first_frame = Vec::new();
    }

    /// Moves the whole frames of [`Self::parsing`] to [`Self::out`], but stream 1's header block.
    fn parse(&mut self) {
        loop {
            if self.skipped {
                self.out.append(&mut self.parsing);
                return;
            }
            if self.preface_left > 0 {
                let n = self.preface_left.min(self.parsing.len());
                self.out.extend(self.parsing.drain(..n));
                self.preface_left -= n;
                if self.preface_left > 0 {
                    return;
                }
                continue;
            }
            let Some(head) = self.parsing.first_chunk::<9>().copied() else {
                return;
            };
            let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
            let (kind, flags) = (head[3], head[4]);
            let stream = u32::from_be_bytes([head[5] & 0x7f, head[6], head[7], head[8]]);
            let whole = 9 + len;
            if self.parsing.len() < whole {
                return;
            }
            const HEADERS: u8 = 0x1;
            const CONTINUATION: u8 = 0x9;
            const END_HEADERS: u8 = 0x4;
            let ours = stream == 1 && (kind == HEADERS || (kind == CONTINUATION && self.in_block));
            if ours {
                self.parsing.drain(..whole);
                self.in_block = flags & END_HEADERS == 0;
                if !self.in_block {
                    self.skipped = true;
                    if let Some(w) = self.reader.take() {
                        w.wake();
                    }
                }
            } else {
                self.out.extend(self.parsing.drain(..whole));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> SkipStreamOne<S> {
    /// Writes [`Self::out`] to the server; `Ready` once it is all written.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while !self.out.is_empty() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.out) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()))
                }
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            self.out.drain(..n.min(self.out.len()));
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SkipStreamOne<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if !this.skipped {
            this.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.settings.is_some() {
            let new = buf.filled().get(before..).unwrap_or_default().to_vec();
            this.saw(&new);
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SkipStreamOne<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.skipped && this.parsing.is_empty() {
            if this.drain(cx)?.is_pending() {
                return Poll::Pending;
            }
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if this.parsing.len() + this.out.len() + buf.len() > HELD_CAP {
            return Poll::Ready(Err(std::io::Error::other(
                "the HTTP/2 client wrote more than expected before its first request",
            )));
        }
        this.parsing.extend_from_slice(buf);
        this.parse();
        // What may go is written now where the server takes it; the rest on flush.
        let _ = this.drain(cx)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.drain(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.drain(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// An `h2` response body as an HTTP body (its data, then its trailers), giving back the flow
/// control window of what is read.
pub(super) struct H2Body {
    recv: h2::RecvStream,
    data_done: bool,
    done: bool,
}

impl H2Body {
    /// The body of `recv`.
    pub(super) fn new(recv: h2::RecvStream) -> Self {
        Self {
            recv,
            data_done: false,
            done: false,
        }
    }
}

impl Body for H2Body {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if !this.data_done {
            match this.recv.poll_data(cx) {
                Poll::Ready(Some(Ok(data))) => {
                    let _ = this.recv.flow_control().release_capacity(data.remaining());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => this.data_done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        match this.recv.poll_trailers(cx) {
            Poll::Ready(Ok(Some(t))) => {
                this.done = true;
                Poll::Ready(Some(Ok(Frame::trailers(t))))
            }
            Poll::Ready(Ok(None)) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Err(e)) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.recv.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// Whether an `Upgrade` value names h2c.
pub(super) fn names_h2c(value: &[u8]) -> bool {
    value
        .split(|b| *b == b',')
        .any(|p| p.trim_ascii().eq_ignore_ascii_case(b"h2c"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame's bytes: length, type, flags, stream, payload.
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
        out.extend(stream.to_be_bytes());
        out.extend(payload);
        out
    }

    /// Stream 1's header block (HEADERS and its CONTINUATION) is dropped, whatever the writes'
    /// boundaries; the preface, other frames and later streams pass, in order.
    #[test]
    fn stream_one_header_block_is_dropped_across_split_writes() {
        let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        let settings = frame(0x4, 0, 0, &[0, 2, 0, 0, 0, 0]);
        let headers = frame(0x1, 0x1, 1, &[0x82, 0x86]); // END_STREAM, no END_HEADERS
        let cont = frame(0x9, 0x4, 1, &[0x84]); // END_HEADERS
        let window = frame(0x8, 0, 1, &[0, 0, 1, 0]);
        let later = frame(0x1, 0x5, 3, &[0x82, 0x87, 0x84]);
        let written: Vec<u8> = [
            preface.clone(),
            settings.clone(),
            headers,
            cont,
            window.clone(),
            later.clone(),
        ]
        .concat();
        for step in [1, 5, 9, 10, 33, written.len()] {
            let mut s = SkipStreamOne::new(());
            for chunk in written.chunks(step) {
                s.parsing.extend_from_slice(chunk);
                s.parse();
            }
            assert!(s.skipped, "step {step}");
            let expected = [
                preface.clone(),
                settings.clone(),
                window.clone(),
                later.clone(),
            ]
            .concat();
            assert_eq!(s.out, expected, "step {step}");
        }
    }

    /// Until stream 1's block is dropped nothing passes on but the preface and whole frames.
    #[test]
    fn nothing_is_skipped_before_stream_one() {
        let mut s = SkipStreamOne::new(());
        s.parsing
            .extend_from_slice(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        s.parsing.extend(frame(0x4, 0, 0, &[]));
        s.parsing.extend(&frame(0x1, 0x4, 3, &[0x82])[..5]);
        s.parse();
        assert!(!s.skipped);
        assert_eq!(s.out.len(), 24 + 9);
        assert_eq!(s.parsing.len(), 5);
    }

    /// The server's first SETTINGS, read in pieces, tells its concurrent-stream limit (or none).
    #[test]
    fn the_server_settings_tell_its_stream_limit() {
        let settings = frame(0x4, 0, 0, &[0, 3, 0, 0, 0, 1, 0, 4, 0, 1, 0, 0]);
        let mut s = SkipStreamOne::new(());
        let mut rx = s.tell_settings();
        for piece in settings.chunks(5) {
            s.saw(piece);
        }
        assert_eq!(rx.try_recv().ok(), Some(Some(1)));
        let mut s = SkipStreamOne::new(());
        let mut rx = s.tell_settings();
        s.saw(&frame(0x4, 0, 0, &[0, 4, 0, 1, 0, 0]));
        assert_eq!(rx.try_recv().ok(), Some(None));
        assert_eq!(max_concurrent_streams(&[0, 3, 0, 0, 0, 100]), Some(100));
    }

    #[test]
    fn upgrade_values_naming_h2c() {
        assert!(names_h2c(b"h2c"));
        assert!(names_h2c(b"H2C"));
        assert!(names_h2c(b"websocket, h2c"));
        assert!(!names_h2c(b"websocket"));
        assert!(!names_h2c(b"h2"));
        assert!(!names_h2c(b"h2c2"));
    }
}
