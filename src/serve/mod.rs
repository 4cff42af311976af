//! `podsec serve`: the admission webhook front end. HTTPS only (rustls),
//! HTTP/1.1 and HTTP/2; the certificate and key are read again when their
//! files change (cert-manager rotates them); `/validate` answers
//! AdmissionReviews through `engine::admission`, `/mutate` returns the fix
//! engine's fixes as a JSONPatch; `/healthz`, `/readyz`,
//! `/metrics`; a 3 MiB body limit (413); JSON logs on stderr; SIGTERM and
//! SIGINT stop accepting and finish the requests in flight. The async
//! runtime and TLS are compiled only with the `serve` feature and started
//! only by this subcommand.

pub mod certs;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::engine::admission::{
    Answer, Controllers, Mode, MutatePolicy, NoLookup, Policy, answer, mutate_answer,
};
use crate::pss::{Level, Version};

/// The API server's own request body limit, which the PSA webhook applies.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What the command line says over the configuration file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub level: Option<Level>,
    pub version: Option<Version>,
    pub mode: Option<Mode>,
    pub enforce_controllers: bool,
    pub exempt_namespaces: Vec<String>,
    pub exempt_users: Vec<String>,
    pub exempt_runtime_classes: Vec<String>,
    pub mutate_unsafe: bool,
}

/// The benchmark's baselines (`--trivial`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Trivial {
    /// Decode the whole review (the object too) into a JSON value, as a
    /// minimal webhook built on kube-rs or controller-runtime decodes it,
    /// and allow.
    Decode,
    /// Read only the uid (the object skipped) and allow.
    Uid,
}

pub struct Args {
    pub addr: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A podsec.toml whose `[serve]` table is the policy (read again when
    /// it changes).
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
    /// Read each namespace's Pod Security labels, and its pods when its
    /// enforce level is raised, from the API server.
    pub read_namespaces: bool,
    /// Answer every review "allowed" without evaluating it: the baselines
    /// the benchmark compares the real handler with.
    pub trivial: Option<Trivial>,
    /// Log every denial (by default only errors are logged: the API
    /// server's audit log records decisions).
    pub log_decisions: bool,
}

/// The policies a configuration and the command line make.
pub fn build(
    cfg: Option<&crate::config::serve::ServeConfig>,
    o: &Overrides,
) -> (Policy, MutatePolicy) {
    let (mut p, mut m) = match cfg {
        Some(c) => (Policy::from_config(c), MutatePolicy::from_config(c)),
        None => (Policy::default(), MutatePolicy::default()),
    };
    if o.level.is_some() || o.version.is_some() || o.mode.is_some() {
        let level = o.level.unwrap_or(Level::Restricted);
        let version = o.version.unwrap_or(Version::Latest);
        p.defaults = Policy::shorthand(level, version, o.mode.unwrap_or(Mode::Enforce)).defaults;
    }
    if o.enforce_controllers {
        p.controllers = Controllers::Deny;
    }
    p.exempt_namespaces
        .extend(o.exempt_namespaces.iter().cloned());
    p.exempt_users.extend(o.exempt_users.iter().cloned());
    p.exempt_runtime_classes
        .extend(o.exempt_runtime_classes.iter().cloned());
    m.unsafe_fixes |= o.mutate_unsafe;
    m.exempt_namespaces = p.exempt_namespaces.clone();
    m.exempt_users = p.exempt_users.clone();
    (p, m)
}

/// Reads the `[serve]` policy of a podsec.toml.
fn load_config(path: &std::path::Path, o: &Overrides) -> Result<(Policy, MutatePolicy), String> {
    let c = crate::config::Config::load(path).map_err(|e| e.to_string())?;
    Ok(build(c.serve.as_ref(), o))
}

/// The serving certificate, read again when either file changes.
#[derive(Debug)]
struct Certs {
    cert: PathBuf,
    key: PathBuf,
    current: Mutex<(Option<SystemTime>, Option<SystemTime>, Arc<CertifiedKey>)>,
    reloads: AtomicU64,
}

fn mtime(p: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn load(cert: &std::path::Path, key: &std::path::Path) -> Result<Arc<CertifiedKey>, String> {
    let pem = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e:?}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate", cert.display()));
    }
    let pem = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let key_der =
        PrivateKeyDer::from_pem_slice(&pem).map_err(|e| format!("{}: {e:?}", key.display()))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key_der)
        .map_err(|e| format!("{}: {e}", key.display()))?;
    Ok(Arc::new(CertifiedKey::new(certs, signer)))
}

impl Certs {
    fn new(cert: PathBuf, key: PathBuf) -> Result<Certs, String> {
        let ck = load(&cert, &key)?;
        let stamps = (mtime(&cert), mtime(&key));
        Ok(Certs {
            current: Mutex::new((stamps.0, stamps.1, ck)),
            cert,
            key,
            reloads: AtomicU64::new(0),
        })
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let stamps = (mtime(&self.cert), mtime(&self.key));
        if (stamps.0, stamps.1) != (cur.0, cur.1) {
            // A pair half-written by a rotation fails to load: keep the old
            // one and try again on the next handshake.
            match load(&self.cert, &self.key) {
                Ok(ck) => {
                    *cur = (stamps.0, stamps.1, ck);
                    self.reloads.fetch_add(1, Ordering::Relaxed);
                    log("info", "certificate reloaded", &[]);
                }
                Err(e) => log("warn", "certificate reload failed", &[("error", e)]),
            }
        }
        Some(cur.2.clone())
    }
}

/// One JSON log line on stderr.
fn log(level: &str, msg: &str, fields: &[(&str, String)]) {
    let mut m = serde_json::Map::new();
    let ts = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    m.insert("ts".into(), serde_json::json!(ts));
    m.insert("level".into(), serde_json::json!(level));
    m.insert("msg".into(), serde_json::json!(msg));
    for (k, v) in fields {
        m.insert((*k).into(), serde_json::json!(v));
    }
    eprintln!("{}", serde_json::Value::Object(m));
}

/// Latency buckets, seconds.
const BUCKETS: [f64; 9] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0, 5.0];

/// The `kind` label of the request metrics: a fixed set.
const KINDS: [&str; 4] = ["Pod", "controller", "Namespace", "other"];

fn kind_slot(kind: &str) -> usize {
    match kind {
        "Pod" => 0,
        "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "ReplicaSet"
        | "Job"
        | "CronJob"
        | "ReplicationController"
        | "PodTemplate" => 1,
        "Namespace" => 2,
        _ => 3,
    }
}

#[derive(Default)]
struct Metrics {
    /// By kind, then `[allowed, denied, error]`.
    validate: [[AtomicU64; 3]; 4],
    /// By kind, then `[unchanged, patched, error]`.
    mutated: [[AtomicU64; 3]; 4],
    health: AtomicU64,
    /// Per endpoint (validate, mutate): bucket counts, count, sum.
    buckets: [[AtomicU64; BUCKETS.len()]; 2],
    count: [AtomicU64; 2],
    sum_micros: [AtomicU64; 2],
    config_reloads: AtomicU64,
    config_errors: AtomicU64,
}

impl Metrics {
    fn observe(&self, endpoint: usize, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.buckets[endpoint][i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count[endpoint].fetch_add(1, Ordering::Relaxed);
        self.sum_micros[endpoint].fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, reloads: u64) -> String {
        use std::fmt::Write;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP podsec_requests_total Admission requests by endpoint, kind and decision.\n# TYPE podsec_requests_total counter\n");
        for (endpoint, counters, decisions) in [
            ("validate", &self.validate, ["allowed", "denied", "error"]),
            ("mutate", &self.mutated, ["unchanged", "patched", "error"]),
        ] {
            for (k, kind) in KINDS.iter().enumerate() {
                for (i, d) in decisions.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "podsec_requests_total{{endpoint=\"{endpoint}\",kind=\"{kind}\",decision=\"{d}\"}} {}",
                        g(&counters[k][i])
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "# HELP podsec_health_requests_total Health and readiness probes.\n# TYPE podsec_health_requests_total counter\npodsec_health_requests_total {}",
            g(&self.health)
        );
        out.push_str("# HELP podsec_request_duration_seconds Time to answer a review.\n# TYPE podsec_request_duration_seconds histogram\n");
        for (e, endpoint) in ["validate", "mutate"].iter().enumerate() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "podsec_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{b}\"}} {}",
                    g(&self.buckets[e][i])
                );
            }
            let _ = writeln!(
                out,
                "podsec_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {}\npodsec_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}\npodsec_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {}",
                g(&self.count[e]),
                g(&self.sum_micros[e]) as f64 / 1e6,
                g(&self.count[e])
            );
        }
        let _ = writeln!(
            out,
            "# HELP podsec_config_reloads_total Configuration reloads, by result.\n# TYPE podsec_config_reloads_total counter\npodsec_config_reloads_total{{result=\"ok\"}} {}\npodsec_config_reloads_total{{result=\"error\"}} {}",
            g(&self.config_reloads),
            g(&self.config_errors)
        );
        let _ = writeln!(
            out,
            "# HELP podsec_certificate_reloads_total Serving certificate reloads.\n# TYPE podsec_certificate_reloads_total counter\npodsec_certificate_reloads_total {reloads}"
        );
        out
    }
}

/// The policy in force, replaced whole when the configuration changes.
type Policies = Arc<(Policy, MutatePolicy)>;

struct State {
    policies: std::sync::RwLock<Policies>,
    metrics: Metrics,
    certs: Arc<Certs>,
    trivial: Option<Trivial>,
    log_decisions: bool,
    #[cfg(feature = "live")]
    namespaces: Option<NamespaceCache>,
}

impl State {
    /// Whether reviews may wait for the API server.
    fn reads_cluster(&self) -> bool {
        #[cfg(feature = "live")]
        return self.namespaces.is_some();
        #[cfg(not(feature = "live"))]
        false
    }

    fn policies(&self) -> Policies {
        self.policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Namespace labels read from the API server, kept a few seconds (the
/// admission controller reads them from an informer, eventually
/// consistent too).
#[cfg(feature = "live")]
struct NamespaceCache {
    cluster: crate::input::live::Cluster,
    handle: tokio::runtime::Handle,
    entries: Mutex<std::collections::HashMap<String, Cached>>,
}

/// A namespace's labels and when they were read.
#[cfg(feature = "live")]
type Cached = (Instant, Vec<(String, String)>);

#[cfg(feature = "live")]
const NAMESPACE_TTL: Duration = Duration::from_secs(5);

/// `Lookup` over the cache; runs on a blocking thread, so it may wait for
/// the API server.
#[cfg(feature = "live")]
struct ApiLookup<'a> {
    cache: &'a NamespaceCache,
    deadline: Instant,
}

#[cfg(feature = "live")]
impl crate::engine::admission::Lookup for ApiLookup<'_> {
    fn labels(&mut self, name: &str) -> Result<Option<Vec<(String, String)>>, String> {
        if name.is_empty() {
            return Ok(Some(Vec::new()));
        }
        if let Some((at, l)) = self
            .cache
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            && at.elapsed() < NAMESPACE_TTL
        {
            return Ok(Some(l.clone()));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        let got = self
            .cache
            .handle
            .block_on(async {
                tokio::time::timeout(left, self.cache.cluster.namespace_labels(name)).await
            })
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| e.to_string())?;
        self.cache
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), (Instant::now(), got.clone()));
        Ok(Some(got))
    }

    fn pods(&mut self, name: &str, max: usize) -> Result<(Vec<serde_json::Value>, usize), String> {
        // Half the time left, at most one second, as the controller.
        let left = self.deadline.saturating_duration_since(Instant::now()) / 2;
        let budget = left.min(Duration::from_secs(1));
        let resource = crate::input::live::PODS;
        let mut pods = Vec::new();
        let mut total = 0;
        let listed = self.cache.handle.block_on(async {
            tokio::time::timeout(
                budget,
                self.cache
                    .cluster
                    .list(resource, Some(name), crate::input::live::PAGE, |items| {
                        total += items.len();
                        for it in items {
                            if pods.len() < max {
                                pods.push(it);
                            }
                        }
                    }),
            )
            .await
        });
        match listed {
            Ok(Ok(())) => Ok((pods, total)),
            // Out of time: what was read is checked, as the controller does.
            Err(_) if !pods.is_empty() => Ok((pods, total)),
            Err(_) => Err("timed out".into()),
            Ok(Err(e)) => Err(e.to_string()),
        }
    }
}

fn text(status: StatusCode, body: impl Into<Bytes>, kind: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", kind.parse().expect("a valid header value"));
    r
}

/// The `?timeout=10s` the API server appends (its own deadline).
fn deadline(query: Option<&str>) -> Duration {
    let parse = |v: &str| -> Option<Duration> {
        let (n, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit())?);
        let n: u64 = n.parse().ok()?;
        Some(match unit {
            "s" => Duration::from_secs(n),
            "ms" => Duration::from_millis(n),
            "m" => Duration::from_secs(n * 60),
            _ => return None,
        })
    };
    query
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("timeout=")))
        .and_then(parse)
        .unwrap_or(Duration::from_secs(10))
}

/// Decides one review: the answer, and the metrics slot of its kind.
fn decide(
    state: &State,
    mutating: bool,
    body: &[u8],
    limit: Duration,
) -> Result<(usize, serde_json::Value), String> {
    let done = |a: Answer| (kind_slot(&a.kind), a.review);
    match state.trivial {
        Some(Trivial::Uid) => return crate::engine::admission::allow(body).map(done),
        Some(Trivial::Decode) => {
            let v: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
            let kind = kind_slot(v["request"]["kind"]["kind"].as_str().unwrap_or(""));
            return Ok((
                kind,
                serde_json::json!({
                    "apiVersion": v["apiVersion"],
                    "kind": "AdmissionReview",
                    "response": {"uid": v["request"]["uid"], "allowed": true},
                }),
            ));
        }
        None => {}
    }
    let policies = state.policies();
    if mutating {
        return mutate_answer(body, &policies.1).map(done);
    }
    #[cfg(feature = "live")]
    if let Some(cache) = &state.namespaces {
        let mut lookup = ApiLookup {
            cache,
            deadline: Instant::now() + limit,
        };
        return answer(body, &policies.0, &mut lookup).map(done);
    }
    let _ = limit;
    answer(body, &policies.0, &mut NoLookup).map(done)
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    let plain = "text/plain; charset=utf-8";
    Ok(match (req.method(), path.as_str()) {
        (&Method::GET, "/healthz") | (&Method::GET, "/readyz") => {
            state.metrics.health.fetch_add(1, Ordering::Relaxed);
            text(StatusCode::OK, "ok\n", plain)
        }
        (&Method::GET, "/metrics") => text(
            StatusCode::OK,
            state
                .metrics
                .render(state.certs.reloads.load(Ordering::Relaxed)),
            "text/plain; version=0.0.4",
        ),
        (&Method::POST, "/validate") | (&Method::POST, "/mutate") => {
            let mutating = path == "/mutate";
            let endpoint = usize::from(mutating);
            let counters = if mutating {
                &state.metrics.mutated
            } else {
                &state.metrics.validate
            };
            let start = Instant::now();
            let limit = deadline(req.uri().query());
            let read =
                tokio::time::timeout(limit, Limited::new(req.into_body(), MAX_BODY).collect());
            let Ok(read) = read.await else {
                counters[3][2].fetch_add(1, Ordering::Relaxed);
                log("warn", "request body not received in time", &[]);
                return Ok(text(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body was not received in time\n",
                    plain,
                ));
            };
            let body = match read {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    counters[3][2].fetch_add(1, Ordering::Relaxed);
                    let too_large = e
                        .downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some();
                    log("warn", "request refused", &[("error", e.to_string())]);
                    return Ok(if too_large {
                        text(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "request body larger than 3 MiB\n",
                            plain,
                        )
                    } else {
                        text(
                            StatusCode::BAD_REQUEST,
                            "cannot read the request body\n",
                            plain,
                        )
                    });
                }
            };
            // Deciding is CPU work of tens of microseconds, done on the
            // worker; only reviews that may wait for the API server (the
            // namespace lookups) go to a blocking thread.
            let blocking = state.trivial.is_none() && state.reads_cluster();
            let decided = if blocking {
                let st = state.clone();
                tokio::time::timeout(
                    limit,
                    tokio::task::spawn_blocking(move || decide(&st, mutating, &body, limit)),
                )
                .await
            } else {
                Ok(Ok(decide(&state, mutating, &body, limit)))
            };
            let answer = match decided {
                Ok(Ok(Ok((kind, v)))) => {
                    let allowed = v["response"]["allowed"] == true;
                    let slot = match (mutating, allowed) {
                        (true, _) => usize::from(v["response"].get("patch").is_some()),
                        (false, true) => 0,
                        (false, false) => 1,
                    };
                    counters[kind][slot].fetch_add(1, Ordering::Relaxed);
                    if !allowed && state.log_decisions {
                        log(
                            "info",
                            "denied",
                            &[
                                (
                                    "uid",
                                    v["response"]["uid"].as_str().unwrap_or("").to_string(),
                                ),
                                ("kind", KINDS[kind].to_string()),
                                (
                                    "message",
                                    v["response"]["status"]["message"]
                                        .as_str()
                                        .unwrap_or("")
                                        .to_string(),
                                ),
                                ("micros", start.elapsed().as_micros().to_string()),
                            ],
                        );
                    }
                    text(StatusCode::OK, v.to_string(), "application/json")
                }
                Ok(Ok(Err(e))) => {
                    counters[3][2].fetch_add(1, Ordering::Relaxed);
                    log("warn", "bad review", &[("error", e.clone())]);
                    text(StatusCode::BAD_REQUEST, format!("{e}\n"), plain)
                }
                Ok(Err(_)) | Err(_) => {
                    counters[3][2].fetch_add(1, Ordering::Relaxed);
                    log("warn", "review not decided in time", &[]);
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the review was not decided in time\n",
                        plain,
                    )
                }
            };
            state.metrics.observe(endpoint, start.elapsed());
            answer
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: the endpoints are /validate, /mutate, /healthz, /readyz and /metrics\n",
            plain,
        ),
    })
}

pub fn run(args: Args) -> std::io::Result<u8> {
    let certs = match Certs::new(args.cert.clone(), args.key.clone()) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("podsec serve: error: {e}");
            return Ok(crate::cli::EXIT_ERROR);
        }
    };
    let policies = match &args.config {
        Some(p) => match load_config(p, &args.overrides) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("podsec serve: error: {e}");
                return Ok(crate::cli::EXIT_ERROR);
            }
        },
        None => build(None, &args.overrides),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(args, certs, policies))
}

async fn serve(
    args: Args,
    certs: Arc<Certs>,
    policies: (Policy, MutatePolicy),
) -> std::io::Result<u8> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_no_client_auth()
    .with_cert_resolver(certs.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    #[cfg(feature = "live")]
    let namespaces = if args.read_namespaces {
        match crate::input::live::Cluster::connect(None).await {
            Ok(cluster) => Some(NamespaceCache {
                cluster,
                handle: tokio::runtime::Handle::current(),
                entries: Mutex::new(Default::default()),
            }),
            Err(e) => {
                eprintln!("podsec serve: error: --read-namespaces: {e}");
                return Ok(crate::cli::EXIT_ERROR);
            }
        }
    } else {
        None
    };
    #[cfg(not(feature = "live"))]
    if args.read_namespaces {
        eprintln!(
            "podsec serve: error: --read-namespaces needs podsec built with the `live` feature"
        );
        return Ok(crate::cli::EXIT_ERROR);
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    log("info", "listening", &[("addr", local.to_string())]);
    let state = Arc::new(State {
        policies: std::sync::RwLock::new(Arc::new(policies)),
        metrics: Metrics::default(),
        certs,
        trivial: args.trivial,
        log_decisions: args.log_decisions,
        #[cfg(feature = "live")]
        namespaces,
    });
    if let Some(path) = args.config.clone() {
        tokio::spawn(watch_config(state.clone(), path, args.overrides.clone()));
    }
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = state.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    // A client that does not finish the handshake in time is dropped.
                    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else {
                        return;
                    };
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    let mut builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                    builder.http1().header_read_timeout(Duration::from_secs(10)).timer(hyper_util::rt::TokioTimer::new());
                    builder.http2().timer(hyper_util::rt::TokioTimer::new());
                    let conn = builder.serve_connection(io, service);
                    let _ = watcher.watch(conn.into_owned()).await;
                });
            }
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    log(
        "info",
        "shutting down: finishing the requests in flight",
        &[],
    );
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await;
    log("info", "stopped", &[]);
    Ok(0)
}

/// Reads the configuration again when its file changes; a file that does
/// not load keeps the policy in force (and is logged and counted).
async fn watch_config(state: Arc<State>, path: PathBuf, overrides: Overrides) {
    let mut seen = mtime(&path);
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        let now = mtime(&path);
        if now == seen {
            continue;
        }
        seen = now;
        match load_config(&path, &overrides) {
            Ok(p) => {
                *state.policies.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(p);
                state.metrics.config_reloads.fetch_add(1, Ordering::Relaxed);
                log(
                    "info",
                    "configuration reloaded",
                    &[("file", path.display().to_string())],
                );
            }
            Err(e) => {
                state.metrics.config_errors.fetch_add(1, Ordering::Relaxed);
                log(
                    "warn",
                    "configuration not reloaded: the policy in force is kept",
                    &[("error", e)],
                );
            }
        }
    }
}
