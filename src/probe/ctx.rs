//! Per-run shared state for probes: built once, so no check pays for root-store loading
//! or client construction beyond the first.

/// Shared by every probe in a run. Cheap to reference from many tasks (`Arc<ProbeCtx>`).
#[derive(Default)]
pub struct ProbeCtx {
    pub http: crate::probe::http::Clients,
    pub trust: crate::probe::trust::Trust,
    /// TLS client configurations for certificate inspection, one per `ca_file`.
    pub tls: crate::probe::tls::Inspector,
}

impl ProbeCtx {
    pub fn new() -> Self {
        Self::default()
    }
}
