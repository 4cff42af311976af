//! Files processed on every core, output in input order.
//!
//! Workers take files in order from a shared counter. Each writes its
//! report into its own buffer; the worker holding the lowest unfinished
//! file (the head) writes straight through to the output, so one large file
//! streams in flat memory. A worker that is not the head and whose buffer
//! passes `PARK` waits until it becomes the head, which bounds memory by
//! threads × `PARK` whatever the files hold. The head never waits, so the
//! run always moves on.

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
}

struct Shared<'o> {
    state: Mutex<State<'o>>,
    turn: Condvar,
}

/// One file's output: `out` for the report, `err` for its error lines
/// (written to stderr when the file is done, in order).
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

impl Chunk<'_, '_> {
    fn flush_if_head(&mut self, wait: bool) -> io::Result<()> {
        let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        while wait && st.next != self.index {
            st = self.shared.turn.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if st.next == self.index && !self.buf.is_empty() {
            let r = match self.first_item.take() {
                // The first item of the whole output has no separator.
                Some(at) if !st.any_items => st
                    .out
                    .write_all(&self.buf[..at])
                    .and_then(|_| st.out.write_all(&self.buf[at + 1..])),
                _ => st.out.write_all(&self.buf),
            };
            if let Err(e) = r {
                st.failed.get_or_insert(e);
            }
            st.any_items |= self.items;
            self.buf.clear();
        }
        Ok(())
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

    fn finish(mut self) {
        let _ = self.flush_if_head(true);
        let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        if !self.err.is_empty() {
            let _ = st.out.flush();
            let _ = st.err.write_all(&self.err);
        }
        st.next += 1;
        drop(st);
        self.shared.turn.notify_all();
    }
}

impl Write for Chunk<'_, '_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= FLUSH {
            self.flush_if_head(self.buf.len() >= PARK)?;
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
