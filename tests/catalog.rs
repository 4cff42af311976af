//! The bad-input catalog (docs/reliability.md): one test per hostile or odd
//! input, through the built binary. Each asserts the exit code, the message
//! and, where other files are given too, that they are still processed.

use std::os::unix::fs::PermissionsExt;

use crate::util::{Dir, Output};

/// A Pod that fails restricted, so `pss --level restricted` prints a line
/// for it: the proof that it was read next to the bad file.
const GOOD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  containers:
    - name: app
      image: example/app:1
";

fn with_good(name: &str) -> Dir {
    let d = Dir::new(name);
    d.create("good.yaml", GOOD);
    d
}

fn pss(d: &Dir) -> Output {
    d.run(&["pss", "--level", "restricted", "."])
}

fn assert_good_read(out: &Output) {
    assert!(
        out.stdout.contains("good.yaml:1:1: Pod/good: violates"),
        "the good file was not processed: {out:?}"
    );
}

/// One error line on stderr for `file`, with a position, saying `what`.
fn assert_error(out: &Output, file: &str, what: &str) {
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains(file) && l.contains("error:"))
        .unwrap_or_else(|| panic!("no error for {file}: {out:?}"));
    assert!(line.contains(what), "{line}");
}

#[test]
fn alias_bomb() {
    let d = with_good("bomb");
    let mut bomb = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    d.create("bomb.yaml", bomb);
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "bomb.yaml:", "excessive aliasing");
    assert_good_read(&out);
}

#[test]
fn deep_flow_nesting() {
    let d = with_good("deep-flow");
    d.create(
        "deep.yaml",
        format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "deep.yaml:1:", "nesting is too deep");
    assert_good_read(&out);
}

#[test]
fn deep_block_nesting() {
    let d = with_good("deep-block");
    d.create("deep.yaml", format!("{}x\n", "- ".repeat(100_000)));
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "deep.yaml:1:", "nesting is too deep");
    assert_good_read(&out);
}

#[test]
fn deep_json_nesting() {
    let d = with_good("deep-json");
    d.create(
        "deep.json",
        format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)),
    );
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "deep.json:1:", "nesting is too deep");
    assert_good_read(&out);
}

#[test]
fn invalid_utf8() {
    let d = with_good("utf8");
    d.create(
        "latin1.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n".as_slice(),
    );
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "latin1.yaml:4:12:", "not valid UTF-8");
    assert_good_read(&out);
}

#[test]
fn utf16_with_bom() {
    let d = with_good("utf16");
    let mut bytes = vec![0xFF, 0xFE];
    for u in "apiVersion: v1\nkind: Pod\n".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    d.create("wide.yaml", bytes);
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "wide.yaml:1:1:", "UTF-16");
    assert_error(&out, "wide.yaml", "iconv -f UTF-16 -t UTF-8");
    assert_good_read(&out);
}

#[test]
fn binary_file_named_yaml() {
    let d = with_good("binary");
    d.create("image.yaml", (0..=255u8).collect::<Vec<u8>>());
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "image.yaml:1:1:", "binary (it contains a NUL byte)");
    assert_good_read(&out);
}

#[test]
fn empty_file_and_dashes_only() {
    let d = Dir::new("empty");
    d.create("empty.yaml", "").create("dashes.yaml", "---\n");
    let out = pss(&d);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("no workloads found in . (2 files read)"),
        "{out:?}"
    );
    let with = with_good("empty-good");
    with.create("empty.yaml", "").create("dashes.yaml", "---\n");
    let out = pss(&with);
    assert_eq!(out.code, 1, "{out:?}");
    assert_good_read(&out);
}

#[test]
fn wrong_types() {
    let d = with_good("types");
    d.create(
        "types.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: t}\nspec:\n  containers:\n    - name: a\n      securityContext: {privileged: \"yes please\"}\n",
    );
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(
        &out,
        "types.yaml:7:37:",
        "Pod/t: spec.containers[0].securityContext.privileged: expected a boolean",
    );
    assert_good_read(&out);
}

#[test]
fn out_of_range_ids_are_findings() {
    let d = Dir::new("ids");
    d.create(
        "ids.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: i}\nspec:\n  securityContext:\n    runAsUser: -1\n  containers:\n    - name: a\n      image: x\n",
    );
    let out = d.run(&["scan", "--select", "PS605,PS109", "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("ids.yaml:6:16: PS605 [medium] id-out-of-range: runAsUser: -1 is not between 0 and 2147483647"),
        "{out:?}"
    );
    // -1 is not a non-root UID: nothing suggests adding runAsNonRoot next to it.
    assert!(!out.stdout.contains("PS109"), "{out:?}");
    let fix = d.run(&["fix", "--diff", "."]);
    assert!(!fix.stdout.contains("runAsNonRoot"), "{fix:?}");
}

#[test]
fn duplicate_container_names_are_findings() {
    let d = Dir::new("dup");
    d.create(
        "dup.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec:\n  initContainers:\n    - name: a\n      image: x\n  containers:\n    - name: a\n      image: x\n",
    );
    let out = d.run(&["scan", "--select", "PS606", "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("dup.yaml:9:7: PS606"), "{}", out.stdout);
}

#[test]
fn dangling_symlink_and_loop_in_a_directory() {
    let d = with_good("links");
    std::os::unix::fs::symlink("missing.yaml", d.path.join("dangling.yaml")).unwrap();
    std::os::unix::fs::symlink("loop-b", d.path.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", d.path.join("loop-b")).unwrap();
    let out = pss(&d);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("./dangling.yaml: warning: skipped: a dangling symbolic link"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("./loop-a: warning: skipped: a symbolic link loop"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("./loop-b: warning: skipped: a symbolic link loop"),
        "{out:?}"
    );
    assert_good_read(&out);
}

#[test]
fn fifo_in_a_directory() {
    let d = with_good("fifo");
    let fifo = d.path.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Were the FIFO opened, this would block forever.
    let out = pss(&d);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("./pipe.yaml: warning: skipped: a named pipe (FIFO)"),
        "{out:?}"
    );
    assert_good_read(&out);
}

#[test]
fn socket_in_a_directory() {
    let d = with_good("socket");
    let _listener = std::os::unix::net::UnixListener::bind(d.path.join("api.sock")).unwrap();
    let out = pss(&d);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("./api.sock: warning: skipped: a socket"),
        "{out:?}"
    );
    assert_good_read(&out);
}

#[test]
fn unreadable_file() {
    let d = with_good("unreadable");
    d.create("secret.yaml", GOOD.replace("good", "secret"));
    let secret = d.path.join("secret.yaml");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any file: run as `nobody` then (setpriv is in util-linux).
    let root = unsafe_is_root();
    std::fs::set_permissions(&d.path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = if root {
        // A copy of the binary `nobody` can run wherever the checkout lives.
        let bin = std::env::temp_dir().join(format!("podsec-nobody-{}", std::process::id()));
        std::fs::copy(env!("CARGO_BIN_EXE_podsec"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let o = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(["pss", "--level", "restricted", "."])
            .current_dir(&d.path)
            .output()
            .expect("setpriv (util-linux) runs the test as nobody");
        let _ = std::fs::remove_file(&bin);
        Output {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    } else {
        pss(&d)
    };
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "./secret.yaml", "cannot read: Permission denied");
    assert_good_read(&out);
}

/// Whether the tests run as root (`id -u` prints 0).
fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn dockerfile_with_a_megabyte_line() {
    let d = Dir::new("long-line");
    d.create(
        "Dockerfile",
        format!("FROM alpine\nUSER root\nRUN echo {}\n", "x".repeat(1 << 20)),
    );
    d.create(
        "long.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: l, annotations: {{a: {}}}}}\nspec:\n  containers: [{{name: a, image: x, securityContext: {{privileged: true}}}}]\n",
            "y".repeat(1 << 20)
        ),
    );
    let out = d.run(&["scan", "."]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("Dockerfile:2:6: DKF102"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("PS101"), "{}", out.stdout);
    // Code frames are cut to a window around the caret.
    assert!(
        out.stdout.len() < 40_000,
        "{} bytes of output",
        out.stdout.len()
    );
    for line in out.stdout.lines() {
        assert!(line.chars().count() < 400, "{line}");
    }
}

#[test]
fn unterminated_heredoc() {
    let d = with_good("heredoc");
    d.create("Dockerfile", "FROM alpine\nRUN <<EOF\necho hi\n");
    let out = d.run(&["scan", "."]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(
        &out,
        "./Dockerfile:2:1:",
        "unterminated heredoc: no line `EOF` closes it",
    );
    assert!(out.stdout.contains("good.yaml"), "{out:?}");
}

#[test]
fn json_with_comments_and_trailing_commas() {
    let d = with_good("jsonc");
    d.create(
        "comment.json",
        "{\n  // a comment\n  \"kind\": \"Pod\"\n}\n",
    );
    d.create("comma.json", "{\n  \"kind\": \"Pod\",\n}\n");
    let out = pss(&d);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "comment.json:2:3:", "Comments are not allowed");
    assert_error(&out, "comma.json:2:16:", "railing comma");
    assert_good_read(&out);
}

#[test]
fn dockerfile_on_stdin() {
    let d = Dir::new("stdin-dockerfile");
    let out = d.run_stdin(&["scan", "-"], Some("FROM alpine\nRUN echo hi\n"));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("-:1:1: DKF101"), "{out:?}");
    let named = d.run_stdin(
        &["scan", "--stdin-filename", "app/Containerfile", "-"],
        Some("FROM alpine\n"),
    );
    assert!(
        named.stdout.contains("app/Containerfile:1:1: DKF101"),
        "{named:?}"
    );
}

#[test]
fn manifest_without_extension_and_process_substitution() {
    let d = Dir::new("noext");
    d.create("pod", GOOD);
    let out = d.run(&["scan", "--select", "PS102", "pod"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("pod:7:7: PS102"), "{out:?}");
    // `podsec scan <(cat pod)`: a pipe with a name like /dev/fd/63.
    let bin = env!("CARGO_BIN_EXE_podsec");
    let sub = std::process::Command::new("bash")
        .args(["-c", &format!("'{bin}' scan --select PS102 <(cat pod)")])
        .current_dir(&d.path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&sub.stdout);
    assert_eq!(sub.status.code(), Some(1), "{sub:?}");
    assert!(stdout.contains(":7:7: PS102"), "{sub:?}");
    let fix = d.run(&["fix", "--unsafe-fixes", "--select", "PS102", "pod"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert!(
        std::fs::read_to_string(d.path.join("pod"))
            .unwrap()
            .contains("allowPrivilegeEscalation: false")
    );
}

#[test]
fn empty_stdin_is_an_error() {
    let d = Dir::new("stdin-empty");
    for cmd in [
        &["scan", "-"][..],
        &["pss", "--level", "baseline", "-"],
        &["fix", "-"],
    ] {
        let out = d.run_stdin(cmd, Some(""));
        assert_eq!(out.code, 2, "{cmd:?} {out:?}");
        assert!(
            out.stderr.contains("-: error: standard input is empty"),
            "{out:?}"
        );
    }
}

#[test]
fn stdin_is_read_once_by_scan_fix() {
    let d = Dir::new("stdin-once");
    let out = d.run_stdin(&["scan", "--fix", "--unsafe-fixes", "-"], Some(GOOD));
    // The fixed manifest is printed; the report on what is left goes to
    // stderr and reads the fixed text, not an exhausted pipe.
    assert!(
        out.stdout.contains("allowPrivilegeEscalation: false"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("in 1 workload across 1 file"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("0 workloads"), "{out:?}");
}

#[test]
fn fix_on_a_read_only_file() {
    let d = Dir::new("read-only");
    d.create("pod.yaml", GOOD);
    let p = d.path.join("pod.yaml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = d.run(&["fix", "--unsafe-fixes", "."]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_error(&out, "pod.yaml", "the file is read-only (mode 0444)");
    assert!(out.stderr.contains("applied 0 fixes"), "{out:?}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), GOOD);
    let leftovers: Vec<_> = std::fs::read_dir(&d.path).unwrap().flatten().collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn fix_keeps_mode_and_removes_leftover_temp_files() {
    let d = Dir::new("leftover");
    d.create("pod.yaml", GOOD);
    // What a run killed with SIGKILL leaves behind.
    d.create(".pod.yaml.podsec-999999999.tmp", "half a file");
    let p = d.path.join("pod.yaml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let scan = d.run(&["scan", "."]);
    assert!(
        !scan.stdout.contains(".tmp"),
        "temporary files are never input"
    );
    let out = d.run(&["fix", "--unsafe-fixes", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    let names: Vec<String> = std::fs::read_dir(&d.path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["pod.yaml"]);
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn interrupted_fix_leaves_no_temporary_file() {
    // A file large enough that writing it takes a moment, many times over:
    // SIGTERM arrives while a temporary file exists or between files.
    let d = Dir::new("interrupt");
    for i in 0..200 {
        d.create(
            &format!("p{i:03}.yaml"),
            GOOD.replace("good", &format!("p{i}")) + &"# pad\n".repeat(20_000),
        );
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_podsec"))
        .args(["fix", "--unsafe-fixes", "."])
        .current_dir(&d.path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let temps: Vec<String> = std::fs::read_dir(&d.path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    // The handler ran (128 + SIGTERM), so the run was cut short mid-way.
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(temps.is_empty(), "{status:?}: {temps:?}");
}

#[test]
fn exit_status_survives_a_closed_pipe() {
    let d = Dir::new("pipe");
    d.create("good.yaml", GOOD);
    for i in 0..50 {
        d.create(
            &format!("p{i}.yaml"),
            GOOD.replace("good", &format!("p{i}")),
        );
    }
    let bin = env!("CARGO_BIN_EXE_podsec");
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            &format!("set -o pipefail; '{bin}' scan . | head -1 >/dev/null"),
        ])
        .current_dir(&d.path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn fix_keeps_owner_and_group() {
    use std::os::unix::fs::MetadataExt;
    let d = Dir::new("owner");
    d.create("pod.yaml", GOOD);
    let p = d.path.join("pod.yaml");
    if unsafe_is_root() {
        // Root can give the file away; the fixed file must keep it.
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    }
    let before = std::fs::metadata(&p).unwrap();
    let out = d.run(&["fix", "--unsafe-fixes", "pod.yaml"]);
    assert_eq!(out.code, 0, "{out:?}");
    let after = std::fs::metadata(&p).unwrap();
    assert_ne!(before.ino(), after.ino(), "replaced through a rename");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
}
