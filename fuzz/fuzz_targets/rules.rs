//! The Pod Security evaluator at every level and version, and every rule
//! with its fixes built: no panic, every finding inside the file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use podsec::pss::{Level, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let versions = [Version::Latest, Version::V1(0), Version::V1(22), Version::V1(25)];
    for v in versions {
        let _ = podsec::engine::pss_file(
            "f.yaml",
            text,
            &[Level::Privileged, Level::Baseline, Level::Restricted],
            v,
        );
    }
    let opts = podsec::engine::scan::Options {
        minor: Version::Latest.minor(),
        selection: podsec::rules::Selection {
            select: vec!["ALL".into()],
            ignore: Vec::new(),
        },
        ..Default::default()
    };
    let index = podsec::dockerfile::index::ImageIndex::default();
    let lines = text.lines().count().max(1) as u32 + 1;
    for lang in [podsec::rules::Lang::En, podsec::rules::Lang::Ko] {
        let f = podsec::engine::scan::scan_file("f.yaml", text, &opts, lang, &index);
        for d in &f.diagnostics {
            assert!(d.line >= 1 && d.line <= lines, "finding outside the file: {}", d.line);
            if let Some(fix) = &d.autofix {
                for e in &fix.edits {
                    assert!(e.start <= e.end && e.end as usize <= text.len());
                    assert!(text.is_char_boundary(e.start as usize));
                    assert!(text.is_char_boundary(e.end as usize));
                }
            }
        }
    }
});
