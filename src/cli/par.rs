//! Files processed on every core, output in input order.
//!
//! Workers take files in order from a shared counter. Each writes its
//! report into its own buffer; the worker holding the lowest unfinished
//! file (the head) writes straight through to the output, so one large file
//! streams in flat memory. A file finished before its turn is kept and
//! written when the files before it are. Memory stays bounded: a worker
//! that is not the head waits when its buffer passes `PARK`, or when what
//! is kept would pass it. The head never waits, so the run always moves on.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Buffered bytes a worker flushes at, when it is the head.
const FLUSH: usize = 64 * 1024;
/// Buffered bytes past which a worker that is not the head waits its turn.
const PARK: usize = 8 * 1024 * 1024;

/// How many worker threads `--threads 0` (the default) means.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

struct State<'o> {
    /// The file whose output goes next.
    next: usize,
    out: &'o mut (dyn Write + Send),
    err: &'o mut (dyn Write + Send),
    failed: Option<io::Error>,
    /// Some item (see `Chunk::item`) has reached the output.
    any_items: bool,
    /// Files done before their turn, waiting to be written.
    pending: BTreeMap<usize, Done>,
    pending_bytes: usize,
}

/// A finished file's output.
struct Done {
    buf: Vec<u8>,
    err: Vec<u8>,
    first_item: Option<usize>,
    items: bool,
}

impl State<'_> {
    /// Writes output of the head file.
    fn write(&mut self, buf: &[u8], first_item: Option<usize>, items: bool) {
        let r = match first_item {
            // The first item of the whole output has no separator.
            Some(at) if !self.any_items => self
                .out
                .write_all(&buf[..at])
                .and_then(|_| self.out.write_all(&buf[at + 1..])),
            _ => self.out.write_all(buf),
        };
        if let Err(e) = r {
            self.failed.get_or_insert(e);
        }
        self.any_items |= items;
    }

    /// Ends the head file, and writes the files done after it in turn.
    fn advance(&mut self, err: &[u8]) {
        if !err.is_empty() {
            let _ = self.out.flush();
            let _ = self.err.write_all(err);
        }
        self.next += 1;
        while let Some(d) = self.pending.remove(&self.next) {
            self.pending_bytes -= d.buf.len();
            self.write(&d.buf, d.first_item, d.items);
            if !d.err.is_empty() {
                let _ = self.out.flush();
                let _ = self.err.write_all(&d.err);
            }
            self.next += 1;
        }
    }
}

struct Shared<'o> {
    state: Mutex<State<'o>>,
    turn: Condvar,
}

/// One file's output: the report (through `Write`), and `err` for its
/// error lines (written to stderr after its report, in order).
pub struct Chunk<'s, 'o> {
    index: usize,
    shared: &'s Shared<'o>,
    buf: Vec<u8>,
    pub err: Vec<u8>,
    /// Where in `buf` the separator before this chunk's first item sits,
    /// until it is written.
    first_item: Option<usize>,
    items: bool,
}

impl<'s, 'o> Chunk<'s, 'o> {
    fn lock(&self) -> std::sync::MutexGuard<'s, State<'o>> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the buffer through if this file is the head; otherwise, past
    /// `PARK` bytes, waits to become the head.
    fn flush_if_head(&mut self) {
        let mut st = self.lock();
        while st.next != self.index && self.buf.len() >= PARK {
            st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.next == self.index {
            st.write(&self.buf, self.first_item.take(), self.items);
            self.buf.clear();
        }
    }

    /// Hands the finished output over: written now if this file is the
    /// head, else kept until its turn (waiting while too much is kept).
    fn finish(self) {
        let mut st = self.lock();
        while st.next != self.index
            && st.pending_bytes + self.buf.len() > PARK
            && !st.pending.is_empty()
        {
            st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.next == self.index {
            st.write(&self.buf, self.first_item, self.items);
            st.advance(&self.err);
        } else {
            st.pending_bytes += self.buf.len();
            st.pending.insert(
                self.index,
                Done {
                    buf: self.buf,
                    err: self.err,
                    first_item: self.first_item,
                    items: self.items,
                },
            );
        }
        drop(st);
        self.shared.turn.notify_all();
    }

    /// Starts an item of a list that runs across files: writes the one-byte
    /// separator `sep`, which is dropped before the output's first item.
    pub fn item(&mut self, sep: u8) {
        if !self.items {
            self.first_item = Some(self.buf.len());
        }
        self.items = true;
        self.buf.push(sep);
    }
}

impl Write for Chunk<'_, '_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= FLUSH {
            self.flush_if_head();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `work` on items `0..n` with `threads` workers (1: on this thread),
/// writing each item's output in item order. Returns the results in order.
pub fn run<R: Send>(
    n: usize,
    threads: usize,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
    work: impl Fn(usize, &mut Chunk<'_, '_>) -> R + Sync,
) -> io::Result<Vec<R>> {
    let shared = Shared {
        state: Mutex::new(State {
            next: 0,
            out,
            err,
            failed: None,
            any_items: false,
            pending: BTreeMap::new(),
            pending_bytes: 0,
        }),
        turn: Condvar::new(),
    };
    let counter = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    let worker = || {
        loop {
            let i = counter.fetch_add(1, Ordering::SeqCst);
            if i >= n {
                break;
            }
            let mut chunk = Chunk {
                index: i,
                shared: &shared,
                buf: Vec::new(),
                err: Vec::new(),
                first_item: None,
                items: false,
            };
            let r = work(i, &mut chunk);
            chunk.finish();
            results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    };
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        worker();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                // Deep (10,000-level) documents need more than the default
                // 2 MiB of stack.
                std::thread::Builder::new()
                    .stack_size(16 << 20)
                    .spawn_scoped(s, worker)
                    .expect("spawn a worker thread");
            }
        });
    }
    let st = shared.state.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = st.failed {
        return Err(e);
    }
    Ok(results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_in_item_order_with_parked_and_pending_workers() {
        let sizes = |i: usize| match i {
            // Past PARK: a worker that is not the head must wait its turn.
            3 | 4 => PARK + 100_000,
            i => 10 + i * 997 % 5000,
        };
        let mut out: Vec<u8> = Vec::new();
        let mut err: Vec<u8> = Vec::new();
        let results = run(40, 4, &mut out, &mut err, |i, chunk| {
            if i == 0 {
                // The head is slow: others finish first and are kept.
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            chunk.item(b',');
            let byte = b'a' + (i % 26) as u8;
            for _ in 0..sizes(i) / 1000 {
                chunk.write_all(&vec![byte; 1000]).unwrap();
            }
            chunk.write_all(&vec![byte; sizes(i) % 1000]).unwrap();
            writeln!(chunk.err, "e{i}").unwrap();
            i * 2
        })
        .unwrap();
        assert_eq!(results, (0..40).map(|i| i * 2).collect::<Vec<_>>());
        let mut expected = Vec::new();
        for i in 0..40 {
            if i > 0 {
                expected.push(b',');
            }
            expected.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, sizes(i)));
        }
        assert!(out == expected, "output out of order");
        let e = String::from_utf8(err).unwrap();
        assert_eq!(e, (0..40).map(|i| format!("e{i}\n")).collect::<String>());
    }
}
