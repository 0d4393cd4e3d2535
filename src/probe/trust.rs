//! Trust anchors for every TLS client in a run: the system roots (loaded once, lazily, so
//! a run without TLS never pays for them) plus any `ca_file` a check names (each file
//! loaded once). Falls back to the bundled webpki roots when the system store is empty.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

#[derive(Default)]
pub struct Trust {
    /// Shared with the [`SystemRoots`] handles given out by [`Trust::system_lazy`].
    system: Arc<OnceLock<Arc<RootCertStore>>>,
    /// `ca_file` → system roots + that file's certificates.
    with_ca: Mutex<HashMap<PathBuf, Arc<RootCertStore>>>,
}

impl Trust {
    /// The system roots (or webpki-roots if the system has none).
    pub fn system(&self) -> Arc<RootCertStore> {
        self.system
            .get_or_init(|| Arc::new(load_system_roots()))
            .clone()
    }

    /// The system roots without loading them yet: for a TLS client that may never make
    /// a TLS connection (an `http://` check, in case it is redirected to https).
    pub fn system_lazy(&self) -> SystemRoots {
        SystemRoots(self.system.clone())
    }

    /// The roots to verify against: system roots, plus `ca_file` when given.
    /// The error is one line naming the file.
    pub fn roots(&self, ca_file: Option<&Path>) -> Result<Arc<RootCertStore>, String> {
        let Some(path) = ca_file else {
            return Ok(self.system());
        };
        if let Some(store) = lock(&self.with_ca).get(path) {
            return Ok(store.clone());
        }
        let mut store = (*self.system()).clone();
        for cert in load_pem_certs(path)? {
            store
                .add(cert)
                .map_err(|e| format!("ca_file {}: unusable certificate: {e}", path.display()))?;
        }
        let store = Arc::new(store);
        lock(&self.with_ca).insert(path.to_path_buf(), store.clone());
        Ok(store)
    }
}

/// The run's system roots, loaded on first [`SystemRoots::get`] (and then once for the
/// whole run, shared with [`Trust::system`]).
#[derive(Clone, Debug)]
pub struct SystemRoots(Arc<OnceLock<Arc<RootCertStore>>>);

impl SystemRoots {
    pub fn get(&self) -> Arc<RootCertStore> {
        self.0.get_or_init(|| Arc::new(load_system_roots())).clone()
    }
}

/// Reads every certificate of a PEM file; an empty or unreadable file is an error.
pub fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let iter = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
    let certs: Vec<_> = iter
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot parse ca_file {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "ca_file {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

fn load_system_roots() -> RootCertStore {
    let mut store = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        let _ = store.add(cert);
    }
    if store.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    store
}

/// A poisoned lock only means another check panicked mid-insert; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
