//! Splits large WebSocket data frames from a client into small fragments before
//! tungstenite reads them, so its read buffer never grows to a message's size.
//!
//! tungstenite reads a frame into one buffer sized to the frame, and keeps that
//! allocation as its read buffer afterwards: after one 20 MiB message an idle
//! socket held ~21 MB. A message sent as fragments is assembled in a separate
//! buffer that leaves with the message, and each fragment needs only a fragment's
//! room. RFC 6455 lets any intermediary refragment a message (section 5.4), so the
//! relay does it to itself: a data frame longer than [`FRAGMENT`] becomes frames
//! of [`FRAGMENT`] bytes (the first keeps the opcode, the others are
//! continuations, the last keeps the FIN bit). The payload bytes pass unchanged:
//! every fragment but the last is a multiple of 4 bytes long and keeps the masking
//! key, so the mask lines up. Control frames and frames over `max_frame` (which
//! tungstenite refuses with 1009 as soon as it reads the header) pass as they are.
//!
//! Only bytes read after the upgrade pass here; a client must wait for the
//! server's handshake response before sending frames (RFC 6455, 4.1).

/// Largest fragment produced, bytes (a multiple of 4, below 65536).
pub(super) const FRAGMENT: usize = 60 * 1024;

#[derive(Debug, Clone, Copy)]
struct Header {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    len: u64,
}

impl Header {
    /// Appends this header, with `len` as its length, to `out`.
    fn write(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.fin) << 7 | self.rsv << 4 | self.opcode);
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        match self.len {
            n @ 0..=125 => out.push(m | n as u8),
            n @ 126..=0xFFFF => {
                out.push(m | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(m | 127);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        if let Some(k) = self.mask {
            out.extend_from_slice(&k);
        }
    }

    /// Parses a complete header from the front of `b`: the header and its size,
    /// or `None` when more bytes are needed.
    fn parse(b: &[u8]) -> Option<(Header, usize)> {
        let (&b0, &b1) = (b.first()?, b.get(1)?);
        let (len, mut at) = match b1 & 0x7F {
            126 => (u64::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?])), 4),
            127 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(b.get(2..10)?);
                (u64::from_be_bytes(n), 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = if b1 & 0x80 != 0 {
            let mut k = [0u8; 4];
            k.copy_from_slice(b.get(at..at + 4)?);
            at += 4;
            Some(k)
        } else {
            None
        };
        let h = Header {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x07,
            opcode: b0 & 0x0F,
            mask,
            len,
        };
        Some((h, at))
    }
}

/// A frame being passed through: what is left of it.
#[derive(Debug, Clone, Copy)]
struct Split {
    header: Header,
    /// Payload bytes of the client's frame not yet passed.
    left: u64,
    /// Payload bytes left in the current fragment.
    in_fragment: u64,
    /// Whether a fragment header was already written for this frame.
    started: bool,
    /// Whether this frame is split (else passed with its own header).
    split: bool,
}

/// The refragmenter of one connection's inbound byte stream.
#[derive(Debug)]
pub(super) struct Refragmenter {
    max_frame: u64,
    /// Header bytes collected so far.
    head: Vec<u8>,
    frame: Option<Split>,
}

impl Refragmenter {
    /// Frames longer than `max_frame` pass unchanged (the reader refuses them).
    pub fn new(max_frame: usize) -> Refragmenter {
        Refragmenter {
            max_frame: max_frame as u64,
            head: Vec::with_capacity(14),
            frame: None,
        }
    }

    /// Transforms `input` (any chunk of the stream), appending to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            let Some(f) = &mut self.frame else {
                // Collect a header, at most 14 bytes, without looking past it.
                let need = header_size_so_far(&self.head);
                let take = need.saturating_sub(self.head.len()).min(input.len()).max(1);
                self.head.extend_from_slice(&input[..take]);
                input = &input[take..];
                if let Some((h, n)) = Header::parse(&self.head) {
                    debug_assert_eq!(n, self.head.len());
                    self.head.clear();
                    let split = h.opcode < 8 && h.len > FRAGMENT as u64 && h.len <= self.max_frame;
                    if !split {
                        h.write(out);
                    }
                    let f = Split {
                        header: h,
                        left: h.len,
                        in_fragment: if split { 0 } else { h.len },
                        started: !split,
                        split,
                    };
                    self.frame = (h.len > 0).then_some(f);
                }
                continue;
            };
            if f.in_fragment == 0 {
                // Start the next fragment of a split frame.
                let len = f.left.min(FRAGMENT as u64);
                let last = len == f.left;
                let h = Header {
                    fin: last && f.header.fin,
                    rsv: if f.started { 0 } else { f.header.rsv },
                    opcode: if f.started { 0 } else { f.header.opcode },
                    mask: f.header.mask,
                    len,
                };
                h.write(out);
                f.started = true;
                f.in_fragment = len;
            }
            let n = usize::try_from(f.in_fragment)
                .unwrap_or(usize::MAX)
                .min(input.len());
            out.extend_from_slice(&input[..n]);
            input = &input[n..];
            f.in_fragment -= n as u64;
            f.left -= n as u64;
            if f.left == 0 {
                debug_assert!(f.split || f.in_fragment == 0);
                self.frame = None;
            }
        }
    }
}

/// How many bytes the header whose first bytes are `head` has (2 until known).
fn header_size_so_far(head: &[u8]) -> usize {
    let Some(&b1) = head.get(1) else {
        return 2;
    };
    let ext = match b1 & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: masked payload behind its header.
    fn frame(fin: bool, opcode: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
        let h = Header {
            fin,
            rsv: 0,
            opcode,
            mask: key,
            len: payload.len() as u64,
        };
        let mut out = Vec::new();
        h.write(&mut out);
        out.extend(payload.iter().enumerate().map(|(i, b)| match key {
            Some(k) => b ^ k[i % 4],
            None => *b,
        }));
        out
    }

    /// Decodes a stream of frames into (fin, opcode, unmasked payload, len).
    fn decode(mut b: &[u8]) -> Vec<(bool, u8, Vec<u8>)> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let (h, n) = Header::parse(b).expect("complete header");
            let len = h.len as usize;
            let p = &b[n..n + len];
            let payload = p
                .iter()
                .enumerate()
                .map(|(i, x)| h.mask.map_or(*x, |k| x ^ k[i % 4]))
                .collect();
            out.push((h.fin, h.opcode, payload));
            b = &b[n + len..];
        }
        out
    }

    fn run(input: &[u8], chunk: usize, max: usize) -> Vec<u8> {
        let mut r = Refragmenter::new(max);
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            r.feed(c, &mut out);
        }
        out
    }

    #[test]
    fn a_large_frame_becomes_fragments_with_the_same_payload() {
        let payload: Vec<u8> = (0..(3 * FRAGMENT + 1001)).map(|i| (i * 7) as u8).collect();
        let mut input = frame(true, 1, &payload, Some([1, 2, 3, 4]));
        input.extend(frame(true, 9, b"ping", Some([9, 9, 9, 9])));
        input.extend(frame(true, 2, b"small", Some([5, 6, 7, 8])));
        for chunk in [1, 3, 14, 1000, 65_536, usize::MAX] {
            let frames = decode(&run(&input, chunk.min(input.len()), usize::MAX));
            assert_eq!(frames.len(), 6, "chunk {chunk}");
            assert_eq!((frames[0].0, frames[0].1), (false, 1));
            assert_eq!((frames[1].0, frames[1].1), (false, 0));
            assert_eq!((frames[3].0, frames[3].1), (true, 0));
            let joined: Vec<u8> = frames[..4].iter().flat_map(|f| f.2.clone()).collect();
            assert_eq!(joined, payload);
            assert!(frames[..3].iter().all(|f| f.2.len() == FRAGMENT));
            assert_eq!(frames[4], (true, 9, b"ping".to_vec()));
            assert_eq!(frames[5], (true, 2, b"small".to_vec()));
        }
    }

    #[test]
    fn a_fragmented_message_keeps_its_order_and_fin() {
        let a = vec![b'a'; FRAGMENT + 10];
        let b = vec![b'b'; FRAGMENT * 2];
        let mut input = frame(false, 1, &a, Some([7, 0, 7, 0]));
        input.extend(frame(true, 0, &b, Some([3, 3, 3, 3])));
        let frames = decode(&run(&input, 4096, usize::MAX));
        let kinds: Vec<(bool, u8)> = frames.iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(kinds, [(false, 1), (false, 0), (false, 0), (true, 0)]);
        let joined: Vec<u8> = frames.iter().flat_map(|f| f.2.clone()).collect();
        assert_eq!(joined, [a, b].concat());
    }

    #[test]
    fn frames_over_the_limit_and_small_ones_pass_unchanged() {
        let big = vec![b'x'; FRAGMENT * 2];
        let mut input = frame(true, 1, &big, Some([1, 1, 1, 1]));
        input.extend(frame(true, 1, b"", Some([2, 2, 2, 2])));
        input.extend(frame(true, 1, b"hi", None));
        assert_eq!(run(&input, 777, FRAGMENT), input);
    }
}
