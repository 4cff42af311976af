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

use crate::engine::admission::{MutatePolicy, Policy, mutate, review};

/// The API server's own request body limit, which the PSA webhook applies.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

pub struct Args {
    pub addr: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub policy: Policy,
    pub mutate: MutatePolicy,
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
const BUCKETS: [f64; 8] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0];

#[derive(Default)]
struct Metrics {
    /// `[allowed, denied, error]` for /validate.
    validate: [AtomicU64; 3],
    /// `[unchanged, patched, error]` for /mutate.
    mutated: [AtomicU64; 3],
    health: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, reloads: u64) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP podsec_requests_total Requests by endpoint and decision.\n# TYPE podsec_requests_total counter\n");
        for (i, d) in ["allowed", "denied", "error"].iter().enumerate() {
            out.push_str(&format!(
                "podsec_requests_total{{endpoint=\"validate\",decision=\"{d}\"}} {}\n",
                g(&self.validate[i])
            ));
        }
        for (i, d) in ["unchanged", "patched", "error"].iter().enumerate() {
            out.push_str(&format!(
                "podsec_requests_total{{endpoint=\"mutate\",decision=\"{d}\"}} {}\n",
                g(&self.mutated[i])
            ));
        }
        out.push_str(&format!(
            "podsec_requests_total{{endpoint=\"health\",decision=\"ok\"}} {}\n",
            g(&self.health)
        ));
        out.push_str("# HELP podsec_validate_seconds Time to decide a review.\n# TYPE podsec_validate_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "podsec_validate_seconds_bucket{{le=\"{b}\"}} {}\n",
                g(&self.buckets[i])
            ));
        }
        out.push_str(&format!(
            "podsec_validate_seconds_bucket{{le=\"+Inf\"}} {}\n",
            g(&self.count)
        ));
        out.push_str(&format!(
            "podsec_validate_seconds_sum {}\npodsec_validate_seconds_count {}\n",
            g(&self.sum_micros) as f64 / 1e6,
            g(&self.count)
        ));
        out.push_str(&format!(
            "# HELP podsec_certificate_reloads_total Serving certificate reloads.\n# TYPE podsec_certificate_reloads_total counter\npodsec_certificate_reloads_total {reloads}\n"
        ));
        out
    }
}

struct State {
    policy: Policy,
    mutate: MutatePolicy,
    metrics: Metrics,
    certs: Arc<Certs>,
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
            let counters = if mutating {
                &state.metrics.mutated
            } else {
                &state.metrics.validate
            };
            let start = Instant::now();
            let limit = deadline(req.uri().query());
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    counters[2].fetch_add(1, Ordering::Relaxed);
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
            let (policy, mutation) = (state.policy.clone(), state.mutate.clone());
            let decided = tokio::time::timeout(
                limit,
                tokio::task::spawn_blocking(move || {
                    if mutating {
                        mutate(&body, &mutation)
                    } else {
                        review(&body, &policy)
                    }
                }),
            )
            .await;
            let answer = match decided {
                Ok(Ok(Ok(v))) => {
                    let allowed = v["response"]["allowed"] == true;
                    let slot = match (mutating, allowed) {
                        (true, _) => usize::from(v["response"].get("patch").is_some()),
                        (false, true) => 0,
                        (false, false) => 1,
                    };
                    counters[slot].fetch_add(1, Ordering::Relaxed);
                    log(
                        "info",
                        "review",
                        &[
                            (
                                "uid",
                                v["response"]["uid"].as_str().unwrap_or("").to_string(),
                            ),
                            ("allowed", allowed.to_string()),
                            ("micros", start.elapsed().as_micros().to_string()),
                        ],
                    );
                    text(StatusCode::OK, v.to_string(), "application/json")
                }
                Ok(Ok(Err(e))) => {
                    counters[2].fetch_add(1, Ordering::Relaxed);
                    log("warn", "bad review", &[("error", e.clone())]);
                    text(StatusCode::BAD_REQUEST, format!("{e}\n"), plain)
                }
                Ok(Err(_)) | Err(_) => {
                    counters[2].fetch_add(1, Ordering::Relaxed);
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the review was not decided in time\n",
                        plain,
                    )
                }
            };
            if !mutating {
                state.metrics.observe(start.elapsed());
            }
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(args, certs))
}

async fn serve(args: Args, certs: Arc<Certs>) -> std::io::Result<u8> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_no_client_auth()
    .with_cert_resolver(certs.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    log("info", "listening", &[("addr", local.to_string())]);
    let state = Arc::new(State {
        policy: args.policy,
        mutate: args.mutate,
        metrics: Metrics::default(),
        certs,
    });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
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
