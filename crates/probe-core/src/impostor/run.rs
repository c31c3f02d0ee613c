//! [`Impostor`]: sets the PKI and the listener up, hands the client its environment, and plays
//! the scenarios (wrapped) or serves them (serve mode).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;

use super::client::{Client, ClientEnv, BUNDLE_OVERRIDES};
use super::model::{
    ImpostorError, ImpostorOptions, ImpostorRun, RunMode, Scenario, ScenarioResult, ServePlan,
};
use super::{pki, server};

/// The impostor: its PKI, its listener, and the CA file handed to clients. Dropping it removes
/// the CA file.
pub struct Impostor {
    options: ImpostorOptions,
    pki: Arc<pki::ImpostorPki>,
    listener: Arc<TcpListener>,
    extra: Vec<(Scenario, Arc<TcpListener>)>,
    local: SocketAddr,
    dir: pki::CaDir,
    ca_file: PathBuf,
}

impl std::fmt::Debug for Impostor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impostor")
            .field("name", &self.options.name)
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl Impostor {
    /// Mints the PKI (or loads the user's CA), binds the listen address and writes the CA file.
    pub async fn start(options: ImpostorOptions) -> Result<Self, ImpostorError> {
        let pki = Arc::new(pki::ImpostorPki::new(
            &options.name,
            options.trusted_ca.as_ref(),
        )?);
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| ImpostorError::Bind {
                    addr: options.listen,
                    source,
                })?;
        let local = listener
            .local_addr()
            .map_err(|source| ImpostorError::Bind {
                addr: options.listen,
                source,
            })?;
        let dir = pki::CaDir::create().map_err(ImpostorError::CaFile)?;
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, pki.ca_pem()).map_err(ImpostorError::CaFile)?;
        Ok(Self {
            options,
            pki,
            listener: Arc::new(listener),
            extra: Vec::new(),
            local,
            dir,
            ca_file,
        })
    }

    /// Binds one more port per scenario after the first (serve mode with a port per scenario):
    /// the port after the listen port when it was fixed, else a free one.
    pub async fn bind_per_scenario(&mut self, scenarios: &[Scenario]) -> Result<(), ImpostorError> {
        for (i, s) in scenarios.iter().enumerate().skip(1) {
            let port = if self.options.listen.port() == 0 {
                0
            } else {
                let step = u16::try_from(i).unwrap_or(u16::MAX);
                self.local.port().saturating_add(step)
            };
            let addr = SocketAddr::new(self.local.ip(), port);
            let l = TcpListener::bind(addr)
                .await
                .map_err(|source| ImpostorError::Bind { addr, source })?;
            self.extra.push((*s, Arc::new(l)));
        }
        Ok(())
    }

    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `https://NAME:PORT/`.
    pub fn url(&self) -> String {
        url_for(&self.options.name, self.local.port())
    }

    /// The CA certificate (PEM) the client must trust.
    pub fn ca_pem(&self) -> &str {
        self.pki.ca_pem()
    }

    /// The CA file handed to the client (inside a temporary directory).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The options it was started with.
    pub fn options(&self) -> &ImpostorOptions {
        &self.options
    }

    /// The environment a client gets: the CA file under the names common clients read
    /// (`SSL_CERT_FILE` replaces the system bundle of OpenSSL and Go clients, `SSL_CERT_DIR`
    /// points at a directory without hashed names), and the impostor's URL, host, port, address
    /// and CA file. In serve mode with a port per scenario, `MTLS_IMPOSTOR_PORT_<SCENARIO>` too
    /// (`MTLS_IMPOSTOR_PORT_CONTROL` is `MTLS_IMPOSTOR_PORT`).
    pub fn client_env(&self) -> ClientEnv {
        let ca = self.ca_file.display().to_string();
        let mut env: ClientEnv = [
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
            "GIT_SSL_CAINFO",
            "MTLS_IMPOSTOR_CA_FILE",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), ca.clone()))
        .collect();
        env.insert(
            "SSL_CERT_DIR".to_owned(),
            self.dir.path().display().to_string(),
        );
        env.insert("MTLS_IMPOSTOR_URL".to_owned(), self.url());
        env.insert("MTLS_IMPOSTOR_HOST".to_owned(), self.options.name.clone());
        env.insert(
            "MTLS_IMPOSTOR_PORT".to_owned(),
            self.local.port().to_string(),
        );
        env.insert("MTLS_IMPOSTOR_ADDR".to_owned(), self.local.to_string());
        if !self.extra.is_empty() {
            env.insert(
                "MTLS_IMPOSTOR_PORT_CONTROL".to_owned(),
                self.local.port().to_string(),
            );
        }
        for (s, l) in &self.extra {
            if let Ok(a) = l.local_addr() {
                env.insert(
                    format!("MTLS_IMPOSTOR_PORT_{}", s.env_suffix()),
                    a.port().to_string(),
                );
            }
        }
        env
    }

    /// Limits of one connection (kept alive in a wrapped run: [`server::Limits::kept_alive`]).
    fn limits(&self) -> server::Limits {
        server::Limits::new(self.options.scenario_timeout)
    }

    fn run_header(&self, mode: RunMode, client: Option<String>) -> ImpostorRun {
        ImpostorRun {
            url: self.url(),
            name: self.options.name.clone(),
            listen: self.local.to_string(),
            mode,
            trusted_ca: self.pki.ca_summary(),
            client,
            wrong_host_names: self.pki.wrong_host().to_vec(),
            late_connections: Vec::new(),
            scenarios: Vec::new(),
            not_played: Vec::new(),
            stray_connections: 0,
            ended_by: None,
            duration_ms: 0.0,
        }
    }

    /// A scenario the impostor could not serve (its certificate could not be set up): judged
    /// inconclusive, never a refusal.
    fn not_served(&self, scenario: Scenario, e: &ImpostorError) -> ScenarioResult {
        ScenarioResult {
            scenario,
            port: self.local.port(),
            connections: Vec::new(),
            connections_not_recorded: 0,
            after_exit: 0,
            client: None,
            not_served: Some(e.to_string()),
            ms: 0.0,
        }
    }

    /// Runs the client once per scenario ([`ImpostorOptions::scenarios`]: `self-signed`, then the
    /// control, then the others). When the client does not even connect in the control scenario,
    /// the others are skipped: nothing could be learnt from them. A scenario the client makes no
    /// connection in (a cached test) is played on: the judgement calls it inconclusive.
    pub async fn run_wrapped(&self, client: &Client) -> ImpostorRun {
        self.run_wrapped_until(client, std::future::pending()).await
    }

    /// [`Impostor::run_wrapped`], until `stop` resolves (its value says why, e.g. `SIGTERM`):
    /// the scenario under way is cut (the client's process group killed), and it and every
    /// scenario not played yet are recorded as not served (inconclusive, never a pass).
    pub async fn run_wrapped_until<F>(&self, client: &Client, stop: F) -> ImpostorRun
    where
        F: std::future::Future<Output = String>,
    {
        let started = Instant::now();
        let mut run = self.run_header(RunMode::Wrapped, client.program_name());
        let env = self.client_env();
        let limits = self.limits().kept_alive();
        tokio::pin!(stop);
        let scenarios = self.options.scenarios();
        let mut stopped = None;
        // The control got no connection: nothing more is played.
        let mut cut = false;
        for (i, scenario) in scenarios.iter().copied().enumerate() {
            let late = server::drain(&self.listener).await;
            run.stray_connections += late;
            // They came once the last scenario's client had exited: a process it left behind.
            if let Some(last) = run.scenarios.last_mut() {
                last.after_exit += late;
            }
            let config = match self.pki.server_config(scenario) {
                Ok(c) => c,
                Err(e) => {
                    run.scenarios.push(self.not_served(scenario, &e));
                    continue;
                }
            };
            let env_here = scenario_env(&env, scenario);
            let result = tokio::select! {
                r = server::play(
                    &self.listener,
                    scenario,
                    server::Serving::Rustls(config),
                    client.run(&env_here, self.options.scenario_timeout),
                    limits,
                ) => r,
                why = &mut stop => {
                    stopped = Some((i, why));
                    break;
                }
            };
            let unreached = scenario == Scenario::Control && result.connections.is_empty();
            run.scenarios.push(result);
            if unreached {
                cut = true;
                break;
            }
        }
        // The client offered an anonymous suite: a server that picks one shows no certificate
        // at all, and what the client does then is its own (Python `urllib` sends its request,
        // curl refuses). rustls picks none: OpenSSL serves it, last.
        let offered_anonymous = run
            .scenarios
            .iter()
            .any(|r| r.connections.iter().any(|c| !c.anonymous_suites.is_empty()));
        let mut scenarios = scenarios;
        if stopped.is_none() && !cut && offered_anonymous {
            let i = scenarios.len();
            scenarios.push(Scenario::AnonymousSuite);
            let late = server::drain(&self.listener).await;
            run.stray_connections += late;
            if let Some(last) = run.scenarios.last_mut() {
                last.after_exit += late;
            }
            match server::anonymous_context() {
                Err(e) => run.scenarios.push(self.not_served(
                    Scenario::AnonymousSuite,
                    &ImpostorError::NotPlayable(format!(
                        "OpenSSL could not serve an anonymous suite: {e}"
                    )),
                )),
                Ok(context) => {
                    tokio::select! {
                        r = server::play(
                            &self.listener,
                            Scenario::AnonymousSuite,
                            server::Serving::Anonymous(Arc::new(context)),
                            client.run(&env, self.options.scenario_timeout),
                            limits,
                        ) => run.scenarios.push(r),
                        why = &mut stop => stopped = Some((i, why)),
                    }
                }
            }
        }
        if let Some((i, why)) = stopped {
            for scenario in scenarios.iter().skip(i) {
                run.scenarios.push(ScenarioResult {
                    scenario: *scenario,
                    port: self.local.port(),
                    connections: Vec::new(),
                    connections_not_recorded: 0,
                    after_exit: 0,
                    client: None,
                    not_served: Some(format!(
                        "the run was stopped ({why}) before this scenario was played out (the \
                         client was killed)"
                    )),
                    ms: 0.0,
                });
            }
            run.ended_by = Some(why);
        }
        let late = server::drain(&self.listener).await;
        run.stray_connections += late;
        if let Some(last) = run.scenarios.last_mut() {
            last.after_exit += late;
        }
        run.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        run
    }

    /// Serves until `stop` resolves (its value says why, e.g. `SIGTERM`) or the plan's
    /// connection count is reached: the scenarios rotate per connection, or each has its own port
    /// after [`Impostor::bind_per_scenario`].
    pub async fn serve<F>(&self, plan: &ServePlan, stop: F) -> ImpostorRun
    where
        F: std::future::Future<Output = String>,
    {
        let started = Instant::now();
        let mut run = self.run_header(RunMode::Serve, None);
        let scenarios = plan.ordered();
        // A scenario a wrapped run with these options would play, left out (`--scenarios`).
        run.not_played = self
            .options
            .scenarios()
            .into_iter()
            .filter(|s| s.must_be_refused() && !scenarios.contains(s))
            .collect();
        run.not_played.sort();
        let mut served = Vec::new();
        for s in &scenarios {
            match self.pki.server_config(*s) {
                Ok(c) => served.push((*s, c)),
                Err(e) => run.scenarios.push(self.not_served(*s, &e)),
            }
        }
        let mut listeners = vec![(Scenario::Control, self.listener.clone())];
        if plan.port_per_scenario {
            listeners.extend(self.extra.iter().cloned());
        }
        let (results, ended_by, late) = server::serve(
            &listeners,
            &served,
            plan.port_per_scenario,
            plan.max_connections,
            self.limits(),
            stop,
        )
        .await;
        run.scenarios.extend(results);
        run.scenarios.sort_by_key(|r| r.scenario);
        run.ended_by = Some(ended_by);
        run.late_connections = late;
        run.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        run
    }
}

/// `https://NAME:PORT/`, an IPv6 address in brackets.
pub fn url_for(name: &str, port: u16) -> String {
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("https://[{v6}]:{port}/"),
        _ => format!("https://{name}:{port}/"),
    }
}

/// The environment of a wrapped client in `scenario`: without [`BUNDLE_OVERRIDES`] where the
/// trusted CA has no part (a certificate no bundle holds: self-signed, from another CA), since
/// a careful client refuses those whatever it trusts.
fn scenario_env(env: &ClientEnv, scenario: Scenario) -> ClientEnv {
    let blind = matches!(
        scenario,
        Scenario::SelfSigned
            | Scenario::UntrustedCa
            | Scenario::UnknownIssuer
            | Scenario::RequestsClientCert
    );
    let mut env = env.clone();
    if blind {
        for name in BUNDLE_OVERRIDES {
            env.remove(name);
        }
    }
    env
}
