//! The Dockerfile parser, the final-user analysis and every Dockerfile
//! rule: no panic, spans inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let df = podsec::dockerfile::parse(text);
    for (span, _) in &df.errors {
        assert!(span.start as usize <= text.len());
    }
    let _ = podsec::dockerfile::user::analyze(&df);
    let opts = podsec::engine::scan::Options {
        minor: podsec::pss::Version::Latest.minor(),
        selection: podsec::rules::Selection {
            select: vec!["ALL".into()],
            ignore: Vec::new(),
        },
        ..Default::default()
    };
    let f = podsec::engine::scan::scan_dockerfile("Dockerfile", text, &opts, podsec::rules::Lang::En);
    for e in &f.errors {
        assert!(e.line >= 1);
    }
});
