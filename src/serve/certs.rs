//! `podsec serve certs --out DIR --dns NAME`: a CA and a serving
//! certificate for the webhook, for clusters without cert-manager.
//! Writes `ca.crt`, `ca.key`, `tls.crt`, `tls.key` (keys mode 0600) and
//! prints the caBundle (base64 of `ca.crt`) for the webhook
//! configurations. ECDSA P-256 keys (rcgen's default, accepted by the API
//! server's Go TLS client); the CA is valid 10 years, the serving
//! certificate 1 year, both from yesterday (clock skew).

use std::io::Write;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, date_time_ymd,
};

use crate::config::date::Date;
use crate::engine::admission::base64;

/// What was written: the CA certificate in PEM.
pub struct Written {
    pub ca_pem: String,
}

fn validity(p: &mut CertificateParams, today: Date, years: i32) {
    let start = Date::from_unix_days(days(today) - 1);
    p.not_before = date_time_ymd(start.year, start.month as u8, start.day as u8);
    // 28 February exists every year.
    let day = if today.month == 2 && today.day == 29 {
        28
    } else {
        today.day
    };
    p.not_after = date_time_ymd(today.year + years, today.month as u8, day as u8);
}

/// Days since 1970-01-01 (the inverse of `Date::from_unix_days`).
fn days(d: Date) -> i64 {
    let (y, m) = if d.month <= 2 {
        (i64::from(d.year) - 1, i64::from(d.month) + 9)
    } else {
        (i64::from(d.year), i64::from(d.month) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * m + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn write(dir: &Path, name: &str, contents: &str, secret: bool) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.podsec-tmp"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if secret { 0o600 } else { 0o644 })
        .open(&tmp)
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    f.write_all(contents.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generates the pair and writes the four files into `out` (created when
/// missing). `dns` are the serving certificate's names
/// (`SERVICE.NAMESPACE.svc` is what the API server dials).
pub fn generate(out: &Path, dns: &[String], today: Date) -> Result<Written, String> {
    if dns.is_empty() {
        return Err("give at least one --dns NAME (e.g. podsec-webhook.podsec.svc)".into());
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let err = |e: rcgen::Error| format!("cannot create the certificate: {e}");

    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "podsec webhook CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca, today, 10);
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(dns.to_vec()).map_err(err)?;
    leaf.distinguished_name.push(DnType::CommonName, &dns[0]);
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut leaf, today, 1);
    let issuer = Issuer::from_params(&ca, &ca_key);
    let cert = leaf.signed_by(&key, &issuer).map_err(err)?;

    let ca_pem = ca_cert.pem();
    write(out, "ca.crt", &ca_pem, false)?;
    write(out, "ca.key", &ca_key.serialize_pem(), true)?;
    // The API server verifies the serving certificate against the
    // caBundle, so the server presents the certificate alone.
    write(out, "tls.crt", &cert.pem(), false)?;
    write(out, "tls.key", &key.serialize_pem(), true)?;
    Ok(Written { ca_pem })
}

/// `podsec serve certs`: generate, then print where the files went and
/// the caBundle.
pub fn run(out: &Path, dns: &[String]) -> u8 {
    let today = match Date::today() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("podsec serve certs: error: {e}");
            return crate::cli::EXIT_ERROR;
        }
    };
    match generate(out, dns, today) {
        Ok(w) => {
            eprintln!(
                "wrote {0}/ca.crt, {0}/ca.key, {0}/tls.crt, {0}/tls.key (CA valid 10 years, serving certificate 1 year, for {1})",
                out.display(),
                dns.join(", ")
            );
            eprintln!(
                "serve with: podsec serve --tls-cert {0}/tls.crt --tls-key {0}/tls.key; put this caBundle in the webhook configurations:",
                out.display()
            );
            println!("{}", base64(w.ca_pem.as_bytes()));
            0
        }
        Err(e) => {
            eprintln!("podsec serve certs: error: {e}");
            crate::cli::EXIT_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_inverts_from_unix_days() {
        for n in [-800_000, -1, 0, 59, 60, 11_016, 20_788, 2_932_896] {
            assert_eq!(days(Date::from_unix_days(n)), n);
        }
    }
}
