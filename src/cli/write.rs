//! Replacing a file the user asked podsec to fix: atomically, only when the
//! user may write it, keeping its mode, owner and group, and leaving no
//! temporary file behind.

use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Temporary files being written right now; removed if SIGINT or SIGTERM
/// arrives before their rename.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static HANDLER: Once = Once::new();

/// On SIGINT or SIGTERM: remove the pending temporary files, then exit
/// with the signal's conventional status (130, 143). Installed by `fix`
/// before it reads anything, when it may write files.
pub fn install_handler() {
    HANDLER.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
                for p in pending.iter() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(128 + sig);
            }
        });
    });
}

fn pending(tmp: &Path, add: bool) {
    let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if add {
        p.push(tmp.to_path_buf());
    } else {
        p.retain(|x| x != tmp);
    }
}

fn refuse(path: &Path, why: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{why}; {} was left unchanged", path.display()),
    )
}

/// The temporary-file prefix for `name`: `.NAME.podsec-`. Leftovers (a
/// process killed with SIGKILL) are hidden, so no walk ever reads them, and
/// the next successful write of the same file removes them.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.podsec-")
}

/// Writes `contents` to `path` through a temporary file in the same folder
/// and a rename. Refuses a file the user may not write (no write bit for
/// anyone, or the system says no) and one whose owner or group could not be
/// kept.
pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o222 == 0 {
        return Err(refuse(
            path,
            format!("the file is read-only (mode {mode:04o})"),
        ));
    }
    // The system's own answer (ownership, ACLs, read-only mounts,
    // immutable files); opening for writing does not truncate.
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(&target) {
        return Err(refuse(path, format!("the file cannot be written: {e}")));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    let tmp = dir.join(format!("{}{}.tmp", temp_prefix(name), std::process::id()));
    install_handler();
    pending(&tmp, true);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .or_else(|e| {
                // A leftover of this very process id (an earlier run killed
                // with SIGKILL whose pid was reused).
                if e.kind() == io::ErrorKind::AlreadyExists {
                    std::fs::remove_file(&tmp)?;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp)
                } else {
                    Err(e)
                }
            })?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        let made = f.metadata()?;
        if made.uid() != meta.uid() || made.gid() != meta.gid() {
            std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
                refuse(
                    path,
                    format!(
                        "cannot keep the file's owner and group ({}:{}): {e}",
                        meta.uid(),
                        meta.gid()
                    ),
                )
            })?;
        }
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    pending(&tmp, false);
    if result.is_ok() {
        remove_leftovers(dir, name);
    }
    result
}

/// Removes temporary files of earlier, killed runs for the file `name`.
fn remove_leftovers(dir: &Path, name: &str) {
    let prefix = temp_prefix(name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let Some(n) = n.to_str() else { continue };
        if let Some(pid) = n
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !pid.is_empty()
            // Still running: another podsec writing the same file.
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
