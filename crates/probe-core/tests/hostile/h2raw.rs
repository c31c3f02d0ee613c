//! HTTP/2 servers written frame by frame (RFC 9113) after a rustls handshake with ALPN `h2`, so
//! they can send what no well-behaved library would.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

use super::servers::{flood, send, Stats};

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const GOAWAY: u8 = 0x7;
const CONTINUATION: u8 = 0x9;

const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

const HEADER_TABLE_SIZE: u16 = 0x1;
const MAX_CONCURRENT_STREAMS: u16 = 0x3;
const INITIAL_WINDOW_SIZE: u16 = 0x4;
const MAX_FRAME_SIZE: u16 = 0x5;
const MAX_HEADER_LIST_SIZE: u16 = 0x6;

/// One frame: 9-byte header, then the payload.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend((stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn settings(values: &[(u16, u32)]) -> Vec<u8> {
    let payload: Vec<u8> = values
        .iter()
        .flat_map(|(id, v)| id.to_be_bytes().into_iter().chain(v.to_be_bytes()))
        .collect();
    frame(SETTINGS, 0, 0, &payload)
}

/// HPACK integer with an `n`-bit prefix (RFC 7541 §5.1); `first` carries the pattern bits.
fn hpack_int(first: u8, n: u32, mut value: usize, out: &mut Vec<u8>) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// A literal header field without indexing, new name (RFC 7541 §6.2.2).
fn literal(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = vec![0x00];
    hpack_int(0, 7, name.len(), &mut out);
    out.extend_from_slice(name);
    hpack_int(0, 7, value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// What arrived from the client, as far as the server cares.
enum Event {
    /// A request on this stream.
    Request(u32),
    /// The client's SETTINGS (to acknowledge).
    Settings,
}

/// Reads the client preface and then frames, reporting requests and SETTINGS; ends at EOF.
async fn read_frames<R: AsyncRead + Unpin>(mut r: R, tx: mpsc::Sender<Event>, stats: Arc<Stats>) {
    let mut preface = [0u8; 24];
    if r.read_exact(&mut preface).await.is_err() {
        return;
    }
    loop {
        let mut head = [0u8; 9];
        if r.read_exact(&mut head).await.is_err() {
            return;
        }
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let (kind, flags) = (head[3], head[4]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        // Skip the payload without holding more than 16 KiB of it.
        let mut left = len.min(1 << 24);
        let mut buf = [0u8; 16 * 1024];
        while left > 0 {
            let want = left.min(buf.len());
            if r.read_exact(&mut buf[..want]).await.is_err() {
                return;
            }
            left -= want;
        }
        let event = match kind {
            HEADERS => {
                stats.requests.fetch_add(1, Ordering::SeqCst);
                Some(Event::Request(stream))
            }
            SETTINGS if flags & ACK == 0 => Some(Event::Settings),
            _ => None,
        };
        if let Some(e) = event {
            // Never block the reader: it is how the server notices the client leaving.
            let _ = tx.try_send(e);
        }
    }
}

/// How a hostile h2 server answers.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// SETTINGS with window 0 and a 4 GiB header table; every request is refused with
    /// RST_STREAM(REFUSED_STREAM).
    RefuseEveryStream,
    /// SETTINGS at their extremes (4 GiB header table, window 0, max frame size 16 MiB, max
    /// header list 1 byte), then a normal `200` answer.
    ExtremeSettingsThen200,
    /// SETTINGS with max_concurrent_streams 0 and window 0, and silence: requests are never
    /// answered.
    ZeroStreamsSilent,
    /// A HEADERS frame without END_HEADERS, then CONTINUATION frames, up to 100 MiB.
    ContinuationFlood,
    /// 200,000 SETTINGS frames as fast as the socket takes them, acknowledging nothing.
    SettingsFlood,
    /// SETTINGS, then at once GOAWAY(PROTOCOL_ERROR) whose debug data reads like a TLS alert:
    /// `received fatal alert: CertificateRequired`.
    GoAwayLikeAnAlert,
}

/// Serves one connection in `mode`; ends when the client leaves (the reader sees EOF) or the
/// writer is done.
pub async fn serve(tls: TlsStream<TcpStream>, mode: Mode, stats: Arc<Stats>) {
    let (rd, wr) = tokio::io::split(tls);
    let (tx, rx) = mpsc::channel(64);
    tokio::select! {
        _ = read_frames(rd, tx, stats.clone()) => {}
        _ = write_frames(wr, rx, mode, stats.clone()) => {}
    }
}

async fn write_frames<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::Receiver<Event>,
    mode: Mode,
    stats: Arc<Stats>,
) {
    let first = match mode {
        Mode::RefuseEveryStream => {
            settings(&[(INITIAL_WINDOW_SIZE, 0), (HEADER_TABLE_SIZE, u32::MAX)])
        }
        Mode::ZeroStreamsSilent => settings(&[
            (MAX_CONCURRENT_STREAMS, 0),
            (INITIAL_WINDOW_SIZE, 0),
            (HEADER_TABLE_SIZE, u32::MAX),
        ]),
        Mode::ExtremeSettingsThen200 => settings(&[
            (HEADER_TABLE_SIZE, u32::MAX),
            (INITIAL_WINDOW_SIZE, 0),
            (MAX_FRAME_SIZE, (1 << 24) - 1),
            (MAX_HEADER_LIST_SIZE, 1),
        ]),
        Mode::ContinuationFlood | Mode::SettingsFlood => settings(&[]),
        Mode::GoAwayLikeAnAlert => {
            // At once, before any request: last stream 0, PROTOCOL_ERROR (0x1), the debug data.
            let mut payload = vec![0, 0, 0, 0, 0, 0, 0, 1];
            payload.extend_from_slice(b"received fatal alert: CertificateRequired");
            [settings(&[]), frame(GOAWAY, 0, 0, &payload)].concat()
        }
    };
    if send(&mut wr, &first, &stats).await.is_err() {
        return;
    }
    if let Mode::SettingsFlood = mode {
        let one = settings(&[(HEADER_TABLE_SIZE, 4096), (INITIAL_WINDOW_SIZE, 65_535)]);
        let batch: Vec<u8> = std::iter::repeat_n(one, 1000).flatten().collect();
        flood(&mut wr, &batch, batch.len() as u64 * 200, &stats).await;
        std::future::pending::<()>().await;
    }
    while let Some(event) = rx.recv().await {
        let stream = match event {
            Event::Settings => {
                if send(&mut wr, &frame(SETTINGS, ACK, 0, &[]), &stats)
                    .await
                    .is_err()
                {
                    return;
                }
                continue;
            }
            Event::Request(stream) => stream,
        };
        let answered = match mode {
            Mode::RefuseEveryStream => {
                // REFUSED_STREAM (0x7).
                send(
                    &mut wr,
                    &frame(RST_STREAM, 0, stream, &[0, 0, 0, 7]),
                    &stats,
                )
                .await
            }
            Mode::ZeroStreamsSilent | Mode::SettingsFlood => Ok(()),
            Mode::GoAwayLikeAnAlert => return,
            Mode::ExtremeSettingsThen200 => {
                // :status 200 is HPACK static index 8.
                let mut out = frame(HEADERS, END_HEADERS, stream, &[0x88]);
                out.extend(frame(DATA, END_STREAM, stream, b"ok\n"));
                send(&mut wr, &out, &stats).await
            }
            Mode::ContinuationFlood => {
                let block = [&[0x88u8][..], &literal(b"x-first", b"1")].concat();
                if send(&mut wr, &frame(HEADERS, 0, stream, &block), &stats)
                    .await
                    .is_err()
                {
                    return;
                }
                let value = vec![b'c'; 16_000];
                let chunk = frame(CONTINUATION, 0, stream, &literal(b"x-flood", &value));
                flood(&mut wr, &chunk, 100 << 20, &stats).await;
                return;
            }
        };
        if answered.is_err() {
            return;
        }
    }
    // The reader ended: hold nothing more.
}
