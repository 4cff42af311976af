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
    outs: Vec<&'o mut (dyn Write + Send)>,
    err: &'o mut (dyn Write + Send),
    failed: Option<io::Error>,
    /// Per output: some item (see `Chunk::item`) has reached it.
    any_items: Vec<bool>,
    /// Files done before their turn, waiting to be written.
    pending: BTreeMap<usize, Done>,
    pending_bytes: usize,
}

/// A finished file's output.
struct Done {
    out: Outputs,
    err: Vec<u8>,
}

/// A file's buffered bytes for each output.
#[derive(Default)]
struct Outputs {
    bufs: Vec<Vec<u8>>,
    /// Per output: where in the buffer the separator before the file's
    /// first item sits, until it is written.
    first_item: Vec<Option<usize>>,
    items: Vec<bool>,
}

impl Outputs {
    fn new(n: usize) -> Outputs {
        Outputs {
            bufs: vec![Vec::new(); n],
            first_item: vec![None; n],
            items: vec![false; n],
        }
    }

    fn len(&self) -> usize {
        self.bufs.iter().map(Vec::len).sum()
    }
}

impl State<'_> {
    /// Writes (and empties) the buffers of the head file.
    fn write(&mut self, o: &mut Outputs) {
        for k in 0..o.bufs.len() {
            let buf = &o.bufs[k];
            if buf.is_empty() {
                continue;
            }
            let out = &mut self.outs[k];
            let r = match o.first_item[k].take() {
                // The first item of the whole output has no separator.
                Some(at) if !self.any_items[k] => out
                    .write_all(&buf[..at])
                    .and_then(|_| out.write_all(&buf[at + 1..])),
                _ => out.write_all(buf),
            };
            if let Err(e) = r {
                self.failed.get_or_insert(e);
            }
            self.any_items[k] |= o.items[k];
            o.bufs[k].clear();
        }
    }

    fn write_err(&mut self, err: &[u8]) {
        if !err.is_empty() {
            for o in self.outs.iter_mut() {
                let _ = o.flush();
            }
            let _ = self.err.write_all(err);
        }
    }

    /// Ends the head file, and writes the files done after it in turn.
    fn advance(&mut self, err: &[u8]) {
        self.write_err(err);
        self.next += 1;
        while let Some(mut d) = self.pending.remove(&self.next) {
            self.pending_bytes -= d.out.len();
            self.write(&mut d.out);
            self.write_err(&d.err);
            self.next += 1;
        }
    }
}

struct Shared<'o> {
    state: Mutex<State<'o>>,
    turn: Condvar,
}

/// One file's output: the reports (through `Write`, to the output chosen
/// with `select`), and `err` for its error lines (written to stderr after
/// its reports, in order).
pub struct Chunk<'s, 'o> {
    index: usize,
    shared: &'s Shared<'o>,
    out: Outputs,
    cur: usize,
    pub err: Vec<u8>,
}

impl<'s, 'o> Chunk<'s, 'o> {
    fn lock(&self) -> std::sync::MutexGuard<'s, State<'o>> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the buffer through if this file is the head; otherwise, past
    /// `PARK` bytes, waits to become the head.
    fn flush_if_head(&mut self) {
        let mut st = self.lock();
        while st.next != self.index && self.out.len() >= PARK {
            st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.next == self.index {
            st.write(&mut self.out);
        }
    }

    /// Hands the finished output over: written now if this file is the
    /// head, else kept until its turn (waiting while too much is kept).
    fn finish(mut self) {
        let mut st = self.lock();
        let size = self.out.len();
        while st.next != self.index && st.pending_bytes + size > PARK && !st.pending.is_empty() {
            st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.next == self.index {
            st.write(&mut self.out);
            st.advance(&self.err);
        } else {
            st.pending_bytes += size;
            st.pending.insert(
                self.index,
                Done {
                    out: std::mem::take(&mut self.out),
                    err: std::mem::take(&mut self.err),
                },
            );
        }
        drop(st);
        self.shared.turn.notify_all();
    }

    /// Where the following writes go: output `k` of those given to `run`.
    pub fn select(&mut self, k: usize) {
        self.cur = k;
    }

    /// Starts an item of a list that runs across files: writes the one-byte
    /// separator `sep`, which is dropped before the output's first item.
    pub fn item(&mut self, sep: u8) {
        let k = self.cur;
        if !self.out.items[k] {
            self.out.first_item[k] = Some(self.out.bufs[k].len());
        }
        self.out.items[k] = true;
        self.out.bufs[k].push(sep);
    }
}

impl Write for Chunk<'_, '_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let buf = &mut self.out.bufs[self.cur];
        buf.extend_from_slice(data);
        if buf.len() >= FLUSH {
            self.flush_if_head();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `work` on items `0..n` with `threads` workers (1: on this thread),
/// writing each item's output to each of `outs` in item order. Returns the
/// results in order.
pub fn run<'o, R: Send>(
    n: usize,
    threads: usize,
    outs: Vec<&'o mut (dyn Write + Send)>,
    err: &'o mut (dyn Write + Send),
    work: impl Fn(usize, &mut Chunk<'_, '_>) -> R + Sync,
) -> io::Result<Vec<R>> {
    let shared = Shared {
        state: Mutex::new(State {
            next: 0,
            any_items: vec![false; outs.len()],
            outs,
            err,
            failed: None,
            pending: BTreeMap::new(),
            pending_bytes: 0,
        }),
        turn: Condvar::new(),
    };
    let n_outs = shared.state.lock().map_or(1, |s| s.outs.len());
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
                out: Outputs::new(n_outs),
                cur: 0,
                err: Vec::new(),
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
        let results = run(40, 4, vec![&mut out], &mut err, |i, chunk| {
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
