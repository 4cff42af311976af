//! The YAML/JSON loader and workload decoding: any bytes, as a `.yaml` and
//! as a `.json` file, must parse or fail with positioned errors, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["f.yaml", "f.json"] {
        let parsed = podsec::engine::parse_file(name, text);
        // Every span the parser wrapper reports (libyaml's byte marks, with
        // go-yaml's differences patched in) lies inside the text, on
        // character boundaries.
        for d in &parsed.docs {
            for n in &d.nodes {
                let (s, e) = (n.pos.start as usize, n.pos.end as usize);
                assert!(s <= e && e <= text.len(), "span {s}..{e} of {}", text.len());
                assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            }
        }
        for e in &parsed.errors {
            assert!(e.line >= 1 && e.column >= 1, "error without a position: {e}");
        }
        let mut errors = Vec::new();
        podsec::engine::for_each_workload(name, &parsed.docs, &mut errors, |_, w| {
            assert!(w.pos.line >= 1);
        });
        for e in &errors {
            assert!(e.line >= 1 && e.column >= 1, "decode error without a position: {e}");
        }
    }
});
