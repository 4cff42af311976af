//! The command line: argument parsing, reading files, printing. The only
//! module (with the webhook) that does I/O.

mod cluster;
mod explain;
mod fix;

mod inspect;
mod kustomize;
mod par;
mod pss;
mod scan;
mod write;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub use crate::output::write_json_item;
use crate::pss::{Level, Version};
use crate::rules::{Lang, Selection, Severity};

#[derive(Parser)]
#[command(
    name = "podsec",
    version,
    about = "Least privilege for Kubernetes workloads: Pod Security Standards and securityContext checks."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Output formats of `podsec scan`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum ScanFormat {
    /// Each finding with its code frame, effective value, CVEs and fix.
    Text,
    /// One line per finding: `file:line:col: CODE [severity] message`.
    Concise,
    /// The report as one JSON document (docs/json.md).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML: a test case per workload and rule.
    Junit,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// Markdown for pull-request comments.
    Markdown,
}

/// One `--format NAME[=FILE]`.
#[derive(Clone, Debug)]
pub struct FormatSpec {
    pub format: ScanFormat,
    pub path: Option<std::path::PathBuf>,
}

fn parse_format_spec(s: &str) -> Result<FormatSpec, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(std::path::PathBuf::from(p))),
        Some(_) => return Err(format!("{s:?}: a file name must follow `=`")),
        None => (s, None),
    };
    let format = ScanFormat::from_str(name, true).map_err(|_| {
        format!(
            "unknown format {name:?}: expected text, concise, json, sarif, junit, github or markdown, optionally with =FILE"
        )
    })?;
    Ok(FormatSpec { format, path })
}

/// Where settings come from, for every command that reads manifests.
#[derive(clap::Args, Clone, Default)]
pub struct ConfigArgs {
    /// Use this podsec.toml for every file, instead of each file's nearest
    /// one (found in its directory or a parent).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<std::path::PathBuf>,
    /// Read no podsec.toml: only the defaults and the command line.
    #[arg(long)]
    isolated: bool,
    /// Also read files that .gitignore files leave out of directory walks
    /// (podsec.toml `exclude` still applies).
    #[arg(long)]
    no_ignore: bool,
}

/// How Helm charts are rendered (`helm template`), for commands that read
/// manifests. A directory with `Chart.yaml` is a chart.
#[derive(clap::Args, Clone, Default)]
pub struct RenderArgs {
    /// The helm binary (default: PODSEC_HELM, else `helm` on PATH).
    #[arg(long, value_name = "PATH")]
    helm: Option<std::path::PathBuf>,
    /// A values file for every chart (repeatable; as `helm template -f`).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<std::path::PathBuf>,
    /// A value for every chart: `key=value` (as `helm template --set`).
    #[arg(long, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A string value for every chart (as `helm template --set-string`).
    #[arg(long, value_name = "KEY=VALUE")]
    set_string: Vec<String>,
    /// A value read from a file (as `helm template --set-file`).
    #[arg(long, value_name = "KEY=FILE")]
    set_file: Vec<String>,
    /// The release name charts are rendered with (default: release-name).
    #[arg(long, value_name = "NAME")]
    release_name: Option<String>,
    /// The namespace charts are rendered for (as `helm template -n`).
    #[arg(
        long = "helm-namespace",
        visible_alias = "namespace",
        value_name = "NAMESPACE"
    )]
    helm_namespace: Option<String>,
    /// The Kubernetes version charts see (`.Capabilities.KubeVersion`).
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// API versions charts see (`.Capabilities.APIVersions`; repeatable).
    #[arg(long, value_name = "GROUP/VERSION")]
    api_versions: Vec<String>,
}

impl RenderArgs {
    fn configure(&self) {
        crate::input::render::configure(crate::input::render::HelmOptions {
            helm: self.helm.clone(),
            values: self.values.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
            release_name: self.release_name.clone(),
            namespace: self.helm_namespace.clone(),
            kube_version: self.kube_version.clone(),
            api_versions: self.api_versions.clone(),
        });
    }
}

impl ConfigArgs {
    fn discovery(&self) -> crate::config::Discovery {
        match (&self.config, self.isolated) {
            (Some(p), _) => crate::config::Discovery::File(p.clone()),
            (None, true) => crate::config::Discovery::Isolated,
            (None, false) => crate::config::Discovery::Nearest,
        }
    }
}

/// `podsec serve --mode`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ServeMode {
    Enforce,
    Warn,
    Audit,
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// Per namespace: its Pod Security labels, the strictest level every
    /// workload passes today, what blocks the stricter levels (as the
    /// admission controller words it) with podsec's fixes, and the
    /// `kubectl label` command to set. Reads what `kubectl get
    /// namespaces,pods,deployments,daemonsets,statefulsets,replicasets,jobs,cronjobs,replicationcontrollers
    /// -A -o json` prints (or `-o yaml`, or manifests).
    Report {
        /// Dump files or directories, `-` for stdin.
        #[arg(required_unless_present = "live")]
        paths: Vec<String>,
        /// Read the cluster itself with the kubeconfig (read-only: list
        /// permission, the built-in `view` ClusterRole suffices).
        #[cfg(feature = "live")]
        #[arg(long, conflicts_with = "paths")]
        live: bool,
        /// The kubeconfig context (default: the current one).
        #[cfg(feature = "live")]
        #[arg(long, value_name = "NAME", requires = "live")]
        context: Option<String>,
        /// Only this namespace.
        #[cfg(feature = "live")]
        #[arg(long, value_name = "NS", requires = "live")]
        namespace: Option<String>,
        /// Also ask the API server (server-side dry-run of each label
        /// change, as `kubectl label --dry-run=server`; needs `patch
        /// namespaces`, writes nothing) and report where its warnings and
        /// podsec's differ.
        #[cfg(feature = "live")]
        #[arg(long, requires = "live")]
        server_dry_run: bool,
        /// text, json or markdown.
        #[arg(long, value_enum, default_value = "text")]
        format: cluster::ReportFormat,
        /// Policy version the levels are checked at: `latest` or `v1.N`
        /// (also written into the recommended labels).
        #[arg(long, default_value = "latest", value_parser = parse_version)]
        version: Version,
    },
}

#[cfg(feature = "serve")]
#[derive(Subcommand)]
enum ServeCommand {
    /// Create a CA and a serving certificate for the webhook (for clusters
    /// without cert-manager): writes ca.crt, ca.key, tls.crt, tls.key into
    /// DIR and prints the caBundle for the webhook configurations.
    Certs {
        /// Directory to write into (created when missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        /// A DNS name of the service (repeatable), e.g.
        /// `podsec-webhook.podsec.svc`.
        #[arg(long, value_name = "NAME", required = true)]
        dns: Vec<String>,
    },
}

#[derive(Subcommand)]
enum BaselineCommand {
    /// Record the current findings (as `podsec scan` would report them)
    /// by stable fingerprint: `podsec baseline create -o podsec-baseline.json`.
    Create {
        /// Files or directories (default: the current directory).
        paths: Vec<String>,
        /// The baseline file to write.
        #[arg(
            short = 'o',
            long,
            value_name = "FILE",
            default_value = "podsec-baseline.json"
        )]
        output: std::path::PathBuf,
        /// Only these rules (as `scan --select`).
        #[arg(long, value_delimiter = ',', value_name = "RULE")]
        select: Vec<String>,
        /// Skip these rules (as `scan --ignore`).
        #[arg(long, value_delimiter = ',', value_name = "RULE")]
        ignore: Vec<String>,
        /// Pod Security version the PSS rules follow: `latest` or `v1.N`
        /// (default: podsec.toml's `target-version`, else latest).
        #[arg(long, value_parser = parse_version)]
        target_version: Option<Version>,
        #[command(flatten)]
        cfg: ConfigArgs,
        #[command(flatten)]
        render: RenderArgs,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Decide Pod Security Standards levels as the admission controller does.
    ///
    /// With --level: one line per workload that violates the level, exit 1
    /// if any does. Without: the strictest level each workload satisfies and
    /// what it misses for the stricter ones.
    Pss {
        /// The level to check against: privileged, baseline or restricted.
        /// Without it, every workload's strictest passing level is shown.
        #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
        level: Option<Level>,
        /// Policy version: `latest` or `v1.N` (default: podsec.toml's
        /// `target-version`, else latest).
        #[arg(long, value_parser = parse_version)]
        version: Option<Version>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Files or directories (`.yaml`, `.yml`, `.json`), `-` for stdin.
        #[arg(required = true)]
        paths: Vec<String>,
        #[command(flatten)]
        cfg: ConfigArgs,
        #[command(flatten)]
        render: RenderArgs,
        /// Worker threads (0: one per available core). The output is the
        /// same, in the same order, whatever the number.
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
        /// The name standard input (`-`) is reported under, and read as
        /// (`pod.yaml`, `Dockerfile`); without it, stdin's kind is told by
        /// its content.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
    },
    /// Find weak securityContext settings: where, the effective value and
    /// its origin, why it matters, the CVEs it opens, and the fix.
    Scan {
        /// Files or directories (default: the current directory), `-` for stdin.
        paths: Vec<String>,
        /// The name standard input (`-`) is reported under, and read as
        /// (`pod.yaml`, `Dockerfile`); without it, stdin's kind is told by
        /// its content.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
        /// Report formats: text, concise, json, sarif, junit, github,
        /// markdown. Repeat for several at once; FORMAT=FILE writes one to
        /// a file (`--format text --format sarif=podsec.sarif`). At most one
        /// goes to standard output.
        #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_format_spec)]
        format: Vec<FormatSpec>,
        /// Write the report (the one format without `=FILE`) to FILE
        /// instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Only these rules: codes, code prefixes (`PS2`), names, categories
        /// (`pss-baseline`, `pss-restricted`, `hardening`, `correctness`) or ALL.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Skip these rules (same forms as --select).
        #[arg(long, value_delimiter = ',')]
        ignore: Vec<String>,
        /// Pod Security version the PSS rules follow: `latest` or `v1.N`
        /// (default: podsec.toml's `target-version`, else latest).
        #[arg(long, value_parser = parse_version)]
        target_version: Option<Version>,
        /// Language of messages: en or ko (default: from LANG).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Lowest severity that makes the exit code 1: info, low, medium,
        /// high, critical, or never (exit 0 whatever is found; input
        /// errors still exit 2). Default: podsec.toml's `fail-on`, else low.
        #[arg(long, value_parser = parse_fail_on)]
        fail_on: Option<FailOn>,
        /// Report only findings not recorded in this baseline (made by
        /// `podsec baseline create`), and say how many recorded ones are gone.
        #[arg(long, value_name = "FILE")]
        baseline: Option<std::path::PathBuf>,
        /// Inline suppressions and podsec.dev/ignore annotations hide
        /// nothing; each finding they would hide says so (for audits).
        /// podsec.toml exemptions still apply.
        #[arg(long)]
        strict: bool,
        /// Also report suppressed and baselined findings, each marked with
        /// what suppresses it and why.
        #[arg(long)]
        show_suppressed: bool,
        /// Keep suppressed and baselined findings in SARIF, marked with
        /// `suppressions` (GitHub code scanning ignores the mark and opens
        /// them as alerts, so they are left out by default).
        #[arg(long)]
        sarif_include_suppressed: bool,
        #[command(flatten)]
        cfg: ConfigArgs,
        #[command(flatten)]
        render: RenderArgs,
        /// Exit 0 even when there are findings (as --fail-on never), so a
        /// later step (a SARIF upload) still runs.
        #[arg(long)]
        exit_zero: bool,
        #[arg(long, value_enum, default_value = "auto")]
        color: scan::ColorChoice,
        /// Apply the safe fixes first (as `podsec fix`), then report what is left.
        #[arg(long)]
        fix: bool,
        /// With --fix: also apply unsafe fixes.
        #[arg(long, requires = "fix")]
        unsafe_fixes: bool,
        /// With --fix: print the fixes as a unified diff, write nothing.
        #[arg(long, requires = "fix")]
        diff: bool,
        /// Worker threads (0: one per available core). The output is the
        /// same, in the same order, whatever the number.
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
    },
    /// Harden manifests in place: byte-range edits that keep every comment.
    ///
    /// Applies safe fixes; --unsafe-fixes adds those that change what the
    /// container may do. --diff prints a unified diff and writes nothing.
    Fix {
        /// Files or directories (default: the current directory), `-` for stdin.
        paths: Vec<String>,
        /// The name standard input (`-`) is reported under, and read as
        /// (`pod.yaml`, `Dockerfile`); without it, stdin's kind is told by
        /// its content.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
        /// Also apply fixes that change runtime behaviour.
        #[arg(long)]
        unsafe_fixes: bool,
        /// Print a unified diff instead of writing.
        #[arg(long)]
        diff: bool,
        /// Apply exactly what every workload needs to pass this level, then
        /// re-check and report what still fails: privileged, baseline or
        /// restricted.
        #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
        level: Option<Level>,
        /// Pod Security version for --level (and the PSS rules): `latest`
        /// or `v1.N` (default: podsec.toml's `target-version`, else latest).
        #[arg(long, value_parser = parse_version)]
        version: Option<Version>,
        /// Only fix these rules: codes, code prefixes (`PS2`), names,
        /// categories (`pss-baseline`, `pss-restricted`, `hardening`,
        /// `correctness`) or ALL.
        #[arg(long, value_delimiter = ',', value_name = "RULE")]
        select: Vec<String>,
        /// Leave these rules alone (same forms as --select).
        #[arg(long, value_delimiter = ',', value_name = "RULE")]
        ignore: Vec<String>,
        /// Write Kustomize patches (one per workload) and a kustomization.yaml
        /// to DIR instead of editing the files: `--emit kustomize DIR`.
        #[arg(long, num_args = 2, value_names = ["FORMAT", "DIR"])]
        emit: Vec<String>,
        /// Where a Kustomize overlay's fix goes: `overlay` (a patch file
        /// added to the overlay; the base, often shared, is untouched) or
        /// `base` (the base files, where no overlay patch sets the field).
        #[arg(long, value_enum, default_value = "overlay")]
        fix_into: fix::FixInto,
        /// Language of the report: en or ko (default: from LANG).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// The report: text on stderr, or one JSON document on stdout
        /// (schema in docs/json.md).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        cfg: ConfigArgs,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Record the current findings so that `scan --baseline` reports only
    /// new ones (adopting podsec on an existing repository).
    Baseline {
        #[command(subcommand)]
        action: BaselineCommand,
    },
    /// Run the admission webhook: HTTPS (rustls), `POST /validate` for
    /// AdmissionReviews (Pods enforced in the controller's words,
    /// controllers warned), `POST /mutate` (podsec's fixes as a JSONPatch),
    /// `/healthz`, `/readyz`, `/metrics`.
    #[cfg(feature = "serve")]
    #[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
    Serve {
        #[command(subcommand)]
        action: Option<ServeCommand>,
        /// Address to listen on.
        #[arg(long, default_value = "0.0.0.0:10250")]
        addr: std::net::SocketAddr,
        /// The serving certificate (PEM), read again when the file changes.
        #[arg(long, value_name = "FILE", required = true)]
        tls_cert: Option<std::path::PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, value_name = "FILE", required = true)]
        tls_key: Option<std::path::PathBuf>,
        /// A podsec.toml whose `[serve]` table is the policy (read again
        /// when it changes; docs/webhook.md, "Configuration").
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
        /// Shorthand for the default policy: the level of `--mode`
        /// (default restricted), overriding the file's defaults.
        #[arg(long, value_parser = parse_level)]
        level: Option<Level>,
        /// Policy version of the shorthand: `latest` or `v1.N`.
        #[arg(long, value_parser = parse_version)]
        version: Option<Version>,
        /// The mode of the shorthand: enforce (deny Pods), warn (allow
        /// with warnings) or audit (allow with audit annotations).
        #[arg(long, value_enum)]
        mode: Option<ServeMode>,
        /// Also deny workload controllers whose pods would be denied (by
        /// default they are allowed with a warning).
        #[arg(long)]
        enforce_controllers: bool,
        /// A namespace not evaluated (repeatable).
        #[arg(long, value_name = "NAMESPACE")]
        exempt_namespace: Vec<String>,
        /// A user whose requests are not evaluated (repeatable).
        #[arg(long, value_name = "USER")]
        exempt_user: Vec<String>,
        /// A runtimeClassName whose pods are not evaluated (repeatable).
        #[arg(long, value_name = "CLASS")]
        exempt_runtime_class: Vec<String>,
        /// `/mutate` also applies every rule's unsafe fixes (those that
        /// change what the container may do); by default only the safe
        /// ones, and the unsafe ones of `[serve] mutate-unsafe`.
        #[arg(long)]
        mutate_unsafe: bool,
        /// Read each namespace's Pod Security labels from the API server
        /// (the pod's service account, or the kubeconfig), and its pods
        /// when a label change raises its enforce level.
        #[arg(long)]
        read_namespaces: bool,
        /// Log every denial as a JSON line (by default only errors: the
        /// API server's audit log records decisions).
        #[arg(long)]
        log_decisions: bool,
        /// Benchmark baseline: answer every review "allowed" without
        /// evaluating it (`decode`: the review decoded whole; `uid`: only
        /// its uid read).
        #[arg(long, hide = true, value_enum)]
        trivial: Option<crate::serve::Trivial>,
    },
    /// Which Pod Security labels each namespace of a cluster can take today
    /// (from a `kubectl get -A -o json` dump).
    Cluster {
        #[command(subcommand)]
        action: ClusterCommand,
    },
    /// Print the configuration that applies to PATH (default: the current
    /// directory): every setting, and the podsec.toml line it comes from.
    Config {
        /// A file or directory.
        #[arg(value_name = "PATH")]
        path: Option<String>,
        #[command(flatten)]
        cfg: ConfigArgs,
    },
    /// Print a rule's documentation (by code or name) or a CVE's entry.
    Explain {
        /// A rule code (`PS101`), a rule name (`privileged-container`) or a
        /// CVE id (`CVE-2019-5736`); `podsec rules` lists the rules.
        #[arg(value_name = "KEY")]
        key: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Language: en or ko (default: from LANG).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or
    /// powershell (`podsec completions bash > /etc/bash_completion.d/podsec`).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these definitions
    /// (`podsec man > podsec.1; man ./podsec.1`).
    Man,
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Language: en or ko (default: from LANG).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
    /// Show every container's effective security context and where each
    /// value comes from (container, pod or default).
    Inspect {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Files or directories, `-` for stdin.
        #[arg(required = true)]
        paths: Vec<String>,
        /// The name standard input (`-`) is reported under, and read as
        /// (`pod.yaml`, `Dockerfile`); without it, stdin's kind is told by
        /// its content.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "en" => Ok(Lang::En),
        "ko" => Ok(Lang::Ko),
        _ => Err(format!("invalid language {s:?}: expected en or ko")),
    }
}

/// `--fail-on`: a severity, or never (`None`).
#[derive(Clone, Copy)]
pub struct FailOn(Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "never" {
        return Ok(FailOn(None));
    }
    parse_severity(s)
        .map(|v| FailOn(Some(v)))
        .map_err(|e| e.replace("or critical", "critical or never"))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| {
        format!("invalid severity {s:?}: expected info, low, medium, high or critical")
    })
}

/// Exit codes: 0 clean, 1 findings, 2 input errors.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let Some(command) = cli.command else {
        // No subcommand: the help, as a successful answer.
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        println!();
        return ExitCode::SUCCESS;
    };
    let result = match command {
        Command::Pss {
            level,
            version,
            format,
            paths,
            stdin_filename,
            threads,
            cfg,
            render,
        } => {
            render.configure();
            pss::run(pss::Args {
                level,
                version,
                format,
                paths: &paths,
                stdin_name: stdin_filename.as_deref(),
                threads: threads_or_default(threads),
                discovery: cfg.discovery(),
                no_ignore: cfg.no_ignore,
            })
        }
        Command::Inspect {
            format,
            paths,
            stdin_filename,
        } => inspect::run(format, &paths, stdin_filename.as_deref()),
        Command::Scan {
            paths,
            format,
            output,
            select,
            ignore,
            target_version,
            lang,
            fail_on,
            exit_zero,
            color,
            fix,
            unsafe_fixes,
            diff,
            stdin_filename,
            threads,
            baseline,
            strict,
            show_suppressed,
            sarif_include_suppressed,
            cfg,
            render,
        } => {
            render.configure();
            let paths = if paths.is_empty() {
                vec![".".into()]
            } else {
                paths
            };
            let lang = lang.unwrap_or_else(Lang::from_env);
            if fix {
                let r = fix::run(fix::Args {
                    paths: paths.clone(),
                    unsafe_fixes,
                    diff,
                    level: None,
                    version: target_version,
                    selection: Selection {
                        select: select.clone(),
                        ignore: ignore.clone(),
                    },
                    lang,
                    emit_kustomize: None,
                    stdin_name: stdin_filename.clone(),
                    format: Format::Text,
                    cfg: cfg.clone(),
                    fix_into: fix::FixInto::Overlay,
                });
                // With --diff nothing was written: the diff is the output.
                if diff || !matches!(r, Ok(0) | Ok(1)) {
                    return finish(r);
                }
            }
            // After `--fix -` the fixed text went to stdout: the report of
            // what is left goes to stderr (as ruff does).
            let report_to_stderr = fix && paths.iter().any(|p| p == "-");
            let formats = if format.is_empty() {
                vec![FormatSpec {
                    format: ScanFormat::Text,
                    path: None,
                }]
            } else {
                format
            };
            scan::run(scan::Args {
                paths,
                formats,
                output,
                over: scan::Overrides {
                    selection: Selection { select, ignore },
                    exact_selection: false,
                    version: target_version,
                    fail_on: if exit_zero {
                        Some(None)
                    } else {
                        fail_on.map(|f| f.0)
                    },
                    strict,
                    discovery: cfg.discovery(),
                    no_ignore: cfg.no_ignore,
                },
                lang,
                color,
                baseline,
                baseline_out: None,
                show_suppressed,
                sarif_include_suppressed,
                stdin_name: stdin_filename,
                report_to_stderr,
                threads: threads_or_default(threads),
            })
        }
        Command::Baseline {
            action:
                BaselineCommand::Create {
                    paths,
                    output,
                    select,
                    ignore,
                    target_version,
                    cfg,
                    render,
                },
        } => {
            render.configure();
            scan::run(scan::Args {
                paths: if paths.is_empty() {
                    vec![".".into()]
                } else {
                    paths
                },
                formats: Vec::new(),
                output: None,
                over: scan::Overrides {
                    selection: Selection { select, ignore },
                    exact_selection: false,
                    version: target_version,
                    fail_on: None,
                    strict: false,
                    discovery: cfg.discovery(),
                    no_ignore: cfg.no_ignore,
                },
                lang: Lang::from_env(),
                color: scan::ColorChoice::Never,
                baseline: None,
                baseline_out: Some(output),
                show_suppressed: false,
                sarif_include_suppressed: false,
                stdin_name: None,
                report_to_stderr: false,
                threads: par::default_threads(),
            })
        }
        #[cfg(feature = "serve")]
        Command::Serve {
            action: Some(ServeCommand::Certs { out, dns }),
            ..
        } => Ok(crate::serve::certs::run(&out, &dns)),
        #[cfg(feature = "serve")]
        Command::Serve {
            action: None,
            addr,
            tls_cert,
            tls_key,
            config,
            level,
            version,
            mode,
            enforce_controllers,
            exempt_namespace,
            exempt_user,
            exempt_runtime_class,
            mutate_unsafe,
            read_namespaces,
            log_decisions,
            trivial,
        } => {
            use crate::engine::admission::Mode;
            crate::serve::run(crate::serve::Args {
                addr,
                cert: tls_cert.unwrap_or_default(),
                key: tls_key.unwrap_or_default(),
                config,
                overrides: crate::serve::Overrides {
                    level,
                    version,
                    mode: mode.map(|m| match m {
                        ServeMode::Enforce => Mode::Enforce,
                        ServeMode::Warn => Mode::Warn,
                        ServeMode::Audit => Mode::Audit,
                    }),
                    enforce_controllers,
                    exempt_namespaces: exempt_namespace,
                    exempt_users: exempt_user,
                    exempt_runtime_classes: exempt_runtime_class,
                    mutate_unsafe,
                },
                read_namespaces,
                log_decisions,
                trivial,
            })
        }
        Command::Cluster {
            action:
                ClusterCommand::Report {
                    paths,
                    format,
                    version,
                    #[cfg(feature = "live")]
                    live,
                    #[cfg(feature = "live")]
                    context,
                    #[cfg(feature = "live")]
                    namespace,
                    #[cfg(feature = "live")]
                    server_dry_run,
                },
        } => {
            #[cfg(feature = "live")]
            let live = live.then_some(cluster::Live {
                context,
                namespace,
                server_dry_run,
            });
            #[cfg(not(feature = "live"))]
            let live = None;
            cluster::report(&paths, format, version, live)
        }
        Command::Config { path, cfg } => {
            let mut configs = crate::config::Configs::new(cfg.discovery());
            let p = std::path::PathBuf::from(path.unwrap_or_else(|| ".".into()));
            let is_dir = p.is_dir();
            let c = configs.for_path(Some(&p), is_dir);
            if let Some(e) = configs.errors.first() {
                eprintln!("{e}");
                return ExitCode::from(EXIT_ERROR);
            }
            let mut out = stdout();
            write!(out, "{}", crate::config::describe(&c))
                .and_then(|_| out.flush())
                .map(|_| 0)
        }
        Command::Fix {
            paths,
            unsafe_fixes,
            diff,
            level,
            version,
            select,
            ignore,
            emit,
            fix_into,
            lang,
            format,
            stdin_filename,
            cfg,
            render,
        } => {
            render.configure();
            let emit_kustomize = match emit.as_slice() {
                [] => None,
                [f, dir] if f == "kustomize" => Some(std::path::PathBuf::from(dir)),
                _ => {
                    eprintln!("podsec fix: error: --emit takes `kustomize DIR`");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            fix::run(fix::Args {
                paths: if paths.is_empty() {
                    vec![".".into()]
                } else {
                    paths
                },
                unsafe_fixes,
                diff,
                level,
                version,
                selection: Selection { select, ignore },
                lang: lang.unwrap_or_else(Lang::from_env),
                emit_kustomize,
                stdin_name: stdin_filename,
                format,
                cfg,
                fix_into,
            })
        }
        Command::Explain { key, format, lang } => {
            explain::explain(&key, format, lang.unwrap_or_else(Lang::from_env))
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = stdout();
            clap_complete::generate(shell, &mut cmd, "podsec", &mut out);
            out.flush().map(|_| 0)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = stdout();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .and_then(|_| out.flush())
                .map(|_| 0)
        }
        Command::Rules { format, lang } => {
            explain::list(format, lang.unwrap_or_else(Lang::from_env))
        }
    };
    finish(result)
}

fn threads_or_default(n: usize) -> usize {
    if n == 0 { par::default_threads() } else { n }
}

fn finish(result: io::Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("podsec: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Buffered standard output. A closed pipe (`podsec scan | head -1`) is
/// not an error: output stops, the work goes on, and the exit code still
/// tells whether there were findings.
pub fn stdout() -> io::BufWriter<PipeSafe<io::Stdout>> {
    io::BufWriter::with_capacity(
        64 * 1024,
        PipeSafe {
            inner: io::stdout(),
            closed: false,
        },
    )
}

/// A writer that drops everything once its reader has gone away.
pub struct PipeSafe<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Write for PipeSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

pub fn write_json(out: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
