//! The fixer, with every rule and unsafe fixes: what it returns must parse,
//! keep every comment line and the line-ending style, be a fixed point
//! (fixing it again changes nothing), and the gate must never have had to
//! refuse a fix for breaking the file or changing what it did not mean to
//! (those refusals are editor bugs).
#![no_main]
use libfuzzer_sys::fuzz_target;
use podsec::fix::Applicability;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = podsec::engine::scan::Options {
        minor: podsec::pss::Version::Latest.minor(),
        selection: podsec::rules::Selection {
            select: vec!["ALL".into()],
            ignore: Vec::new(),
        },
        ..Default::default()
    };
    let index = podsec::dockerfile::index::ImageIndex::default();
    let lang = podsec::rules::Lang::En;
    let Ok(out) =
        podsec::engine::fix::fix_text("f.yaml", text, &opts, Applicability::Unsafe, &index, lang)
    else {
        return;
    };
    for r in &out.refused {
        assert!(!r.reason.contains("a bug"), "{} {}: {}\n{text}", r.code, r.object, r.reason);
    }
    if out.applied.is_empty() {
        assert_eq!(out.text, text);
        return;
    }
    let again = podsec::engine::scan::scan_file("f.yaml", &out.text, &opts, lang, &index);
    assert!(again.errors.is_empty(), "the fixed text does not parse: {:?}", again.errors);
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') {
            assert!(out.text.contains(t), "comment lost: {t:?}\n{}", out.text);
        }
    }
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        assert!(
            !out.text.replace("\r\n", "").contains('\n'),
            "a CRLF file got a bare LF line ending"
        );
    }
    let second =
        podsec::engine::fix::fix_text("f.yaml", &out.text, &opts, Applicability::Unsafe, &index, lang)
            .expect("the fixed text is refused on a second run");
    assert_eq!(second.text, out.text, "fixing twice changed the text again");
});
