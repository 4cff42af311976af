//! A baseline: the findings a repository had when podsec was adopted, by
//! stable fingerprint (file, rule, object, container, field: never a line
//! number), so `scan --baseline` reports only what is new.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

/// One recorded finding. Only `file` and `fingerprint` are matched; the
/// rest is there for the person reading the file.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Entry {
    pub file: String,
    pub fingerprint: String,
    pub code: String,
    pub object: String,
    pub line: u32,
    pub message: String,
}

#[derive(Serialize, Deserialize)]
pub struct BaselineFile {
    pub schema_version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

/// The key a finding is matched by: `./a.yaml` and `a.yaml` are one file.
pub fn file_key(file: &str) -> String {
    let mut f = file;
    while let Some(rest) = f.strip_prefix("./") {
        f = rest;
    }
    f.to_string()
}

/// A loaded baseline. Each entry matches one finding (two identical
/// fingerprints in a file need two entries).
pub struct Baseline {
    remaining: Mutex<HashMap<(String, String), u32>>,
    pub total: usize,
}

impl Baseline {
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let f: BaselineFile = serde_json::from_str(text).map_err(|e| {
            format!(
                "invalid baseline at line {} column {}: {e}",
                e.line(),
                e.column()
            )
        })?;
        if f.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "baseline schema_version {} is not {SCHEMA_VERSION}: re-create it with `podsec baseline create`",
                f.schema_version
            ));
        }
        let mut remaining = HashMap::new();
        for e in &f.findings {
            *remaining
                .entry((file_key(&e.file), e.fingerprint.clone()))
                .or_insert(0) += 1;
        }
        Ok(Baseline {
            remaining: Mutex::new(remaining),
            total: f.findings.len(),
        })
    }

    /// Whether the finding is in the baseline (and uses up its entry).
    pub fn take(&self, file: &str, fingerprint: &str) -> bool {
        let mut map = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&(file_key(file), fingerprint.to_string())) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// How many recorded findings were not seen: fixed, or gone.
    pub fn gone(&self) -> usize {
        let map = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        map.values().map(|n| *n as usize).sum()
    }
}

/// Writes a baseline of `entries` (sorted, so the file diffs well).
pub fn write(out: &mut impl std::io::Write, mut entries: Vec<Entry>) -> std::io::Result<()> {
    entries
        .sort_by(|a, b| (&a.file, &a.fingerprint, a.line).cmp(&(&b.file, &b.fingerprint, b.line)));
    let f = BaselineFile {
        schema_version: SCHEMA_VERSION,
        tool: format!("podsec {}", env!("CARGO_PKG_VERSION")),
        findings: entries,
    };
    serde_json::to_writer_pretty(&mut *out, &f)?;
    writeln!(out)
}
