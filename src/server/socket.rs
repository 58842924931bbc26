//! The socket layer: tungstenite directly over hyper's upgraded connection.
//!
//! Memory per connection stays small and comes back after a large message:
//! - reads pass the accept gate's refragmenter first (large client frames arrive
//!   as 60 KiB fragments), so tungstenite's read buffer holds at most a fragment;
//!   its initial size is `read_buffer_bytes`;
//! - writes of a message longer than [`FRAGMENT`] go out as fragments of that
//!   size (a text frame without FIN, then continuations), so tungstenite's write
//!   buffer holds a fragment plus at most `write_buffer_bytes` of batched frames,
//!   never a whole 20 MiB message. RFC 6455 (5.4) lets a sender fragment any
//!   message; clients see the same message.
//!
//! Several small frames waiting in a connection's queue are written with one
//! `write()` ([`feed_text`] until the batch is full, then one flush).

use super::actor::Outbound;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

/// An upgraded WebSocket connection.
pub(super) type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Largest frame the relay writes; longer messages go out in fragments.
pub(super) const FRAGMENT: usize = 16 * 1024;
/// How long a closing connection waits for the client's close reply.
pub(super) const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// tungstenite's limits for a served socket. `max_write_buffer_size` is not
/// capped: every write is a frame of at most [`FRAGMENT`] bytes on top of at most
/// `write_buffer` batched bytes, and pongs are bounded by the ping-flood limit.
pub(super) fn config(
    max_payload: usize,
    read_buffer: usize,
    write_buffer: usize,
) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(read_buffer.max(256))
        .write_buffer_size(write_buffer)
        .max_write_buffer_size(usize::MAX)
        .max_message_size(Some(max_payload))
        .max_frame_size(Some(max_payload))
}

/// Queues one data message (text, or binary: a chunk frame): whole, or as
/// fragments when it is long. Writes what tungstenite's buffer cannot hold; flush
/// to write the rest.
pub(super) async fn feed_data(socket: &mut Socket, message: Message) -> Result<(), WsError> {
    let (bytes, kind) = match message {
        Message::Text(t) if t.len() > FRAGMENT => (Bytes::from(t), Data::Text),
        Message::Binary(b) if b.len() > FRAGMENT => (b, Data::Binary),
        whole => return socket.feed(whole).await,
    };
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + FRAGMENT).min(bytes.len());
        let opcode = if at == 0 {
            OpCode::Data(kind)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(bytes.slice(at..end), opcode, end == bytes.len());
        socket.feed(Message::Frame(frame)).await?;
        at = end;
    }
    Ok(())
}

/// Sends a close frame and reads until the client's reply (or an error).
pub(super) async fn close_handshake(socket: &mut Socket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        while let Some(Ok(_)) = socket.next().await {}
    }
}

/// Closes a socket the relay will not serve (never registered with a shard): a
/// close frame with `code` and `reason`, then the client's reply, at most
/// [`CLOSE_LINGER`] long.
pub(super) async fn refuse(mut socket: Socket, code: u16, reason: &'static str) {
    let _ = timeout(CLOSE_LINGER, close_handshake(&mut socket, code, reason)).await;
}

/// How a read error ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadEnd {
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// The client went away without a close frame (EOF, reset).
    WentAway,
    /// Some other failure of the socket.
    Failed,
}

/// The close a read error calls for, as the deployed `ws` library sends them:
/// 1009 for a message over `max_payload`, 1002 for a protocol violation, 1007 for
/// a text frame that is not UTF-8; none when the socket itself failed or the
/// client went away without a close frame (tungstenite reports that as the
/// protocol error `ResetWithoutClosingHandshake`, which is not the client's fault
/// to be told about, and logging it as 1002 would mislead).
pub(super) fn read_end(e: &WsError) -> ReadEnd {
    match e {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => {
            ReadEnd::Close(1009, "message-too-big")
        }
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) | WsError::Io(_) => {
            ReadEnd::WentAway
        }
        WsError::Protocol(_) => ReadEnd::Close(1002, "protocol-error"),
        WsError::Utf8(_) => ReadEnd::Close(1007, "invalid-utf8"),
        _ => ReadEnd::Failed,
    }
}

/// Bytes of queued frames written with one flush, at most (past one frame).
const BATCH_BYTES: usize = 64 * 1024;

/// What one flush wrote.
pub(super) struct Written {
    pub frames: u64,
    pub bytes: usize,
    /// A close that was queued behind the frames.
    pub then_close: Option<(u16, &'static str)>,
}

/// Writes `first` (a ping when `None`) and the frames queued behind it, up to
/// [`BATCH_BYTES`], with one flush.
pub(super) async fn write_batch(
    socket: &mut Socket,
    rx: &mut mpsc::Receiver<Outbound>,
    first: Option<Message>,
) -> Result<Written, WsError> {
    let mut w = Written {
        frames: 0,
        bytes: 0,
        then_close: None,
    };
    let Some(first) = first else {
        socket.send(Message::Ping(Bytes::new())).await?;
        return Ok(w);
    };
    let mut next = Some(first);
    while let Some(message) = next.take() {
        w.frames += 1;
        w.bytes += message.len();
        feed_data(socket, message).await?;
        if w.bytes >= BATCH_BYTES {
            break;
        }
        match rx.try_recv() {
            Ok(Outbound::Frame(t)) => next = Some(Message::Text(t)),
            Ok(Outbound::Binary(b)) => next = Some(Message::Binary(b)),
            Ok(Outbound::Close(code, reason)) => w.then_close = Some((code, reason)),
            Err(_) => {}
        }
    }
    socket.flush().await?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_errors_map_to_the_close_codes_of_ws() {
        let too_long = CapacityError::MessageTooLong {
            size: 2000,
            max_size: 1024,
        };
        assert_eq!(
            read_end(&WsError::Capacity(too_long)),
            ReadEnd::Close(1009, "message-too-big")
        );
        assert_eq!(
            read_end(&WsError::Protocol(ProtocolError::UnmaskedFrameFromClient)),
            ReadEnd::Close(1002, "protocol-error")
        );
        assert_eq!(
            read_end(&WsError::Utf8("bad".into())),
            ReadEnd::Close(1007, "invalid-utf8")
        );
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(read_end(&WsError::Io(reset)), ReadEnd::WentAway);
        assert_eq!(
            read_end(&WsError::Protocol(
                ProtocolError::ResetWithoutClosingHandshake
            )),
            ReadEnd::WentAway
        );
        assert_eq!(
            read_end(&WsError::Capacity(CapacityError::TooManyHeaders)),
            ReadEnd::Failed
        );
    }

    #[test]
    fn the_config_keeps_small_buffers_and_the_payload_limit() {
        let c = config(20 << 20, 4096, 8192);
        assert_eq!(c.read_buffer_size, 4096);
        assert_eq!(c.write_buffer_size, 8192);
        assert_eq!(c.max_message_size, Some(20 << 20));
        assert_eq!(c.max_frame_size, Some(20 << 20));
    }
}
