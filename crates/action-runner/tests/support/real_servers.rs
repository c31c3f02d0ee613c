//! Real servers nobody here wrote (openssl s_server, nginx, Go crypto/tls, Node https, Python
//! ssl, HAProxy, Apache httpd, lighttpd, stunnel, socat, Caddy, the JDK's HttpsServer, Tomcat,
//! nghttpx, gnutls-serv, Apache Traffic Server, Puma, Hitch, Erlang/OTP, H2O, Squid,
//! libmicrohttpd), started with `tests/servers/start.sh` on a PKI of their own, and
//! the `mtls-scan scan` run over them. What their reports must say is in [`super::ground_truth`].
//!
//! A missing server binary fails the test with a message that says what to install; only
//! `MTLS_SKIP_REAL_SERVERS=1` skips these tests, on purpose.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

// The one port allocator of the workspace's tests, probe-core's.
#[path = "../../../probe-core/tests/support/ports.rs"]
mod ports;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/servers`.
pub fn servers_dir() -> PathBuf {
    repo_root().join("tests/servers")
}

/// The server families and the tools each needs (bash and openssl are needed by all: pki.sh).
pub fn tools_for(server: &str) -> &'static [&'static str] {
    // pyOpenSSL under the system Python, as Twisted's servers.
    if server == "python-notify-closer" || server.starts_with("python-page-then-alert") {
        return &["bash", "openssl", "python3-twisted"];
    }
    if server.starts_with("python-grpcio-") {
        return &["bash", "openssl", "python3-grpcio"];
    }
    if server.starts_with("python-websocket-") {
        return &["bash", "openssl", "python3-websockets"];
    }
    // Hypercorn of the system Python (python/asgi_app.py)
    if server.starts_with("hypercorn-") {
        return &["bash", "openssl", "python3-hypercorn"];
    }
    // uvicorn of the system Python (python/asgi_app.py)
    if server.starts_with("uvicorn-") {
        return &["bash", "openssl", "python3-uvicorn"];
    }
    // nginx in front of Hypercorn (python/h2c_backend.py, the system Python's)
    if server.starts_with("nginx-h2c-") {
        return &["bash", "openssl", "nginx", "python3-hypercorn"];
    }
    // nginx in front of PHP's built-in server (Debian php-cli), python3 picking its port
    if server.starts_with("nginx-location-php-") {
        return &["bash", "openssl", "nginx", "php", "python3"];
    }
    if server.starts_with("haproxy-h2c-") {
        return &["bash", "openssl", "haproxy", "python3-hypercorn"];
    }
    match server.split('-').next() {
        Some("openssl") => &["bash", "openssl"],
        Some("nginx") => &["bash", "openssl", "nginx"],
        Some("go") => &["bash", "openssl", "go"],
        Some("node") => &["bash", "openssl", "node"],
        Some("python") => &["bash", "openssl", "python3"],
        Some("haproxy") => &["bash", "openssl", "haproxy"],
        Some("apache") => &["bash", "openssl", "apache2"],
        Some("lighttpd") => &["bash", "openssl", "lighttpd"],
        Some("stunnel") => &["bash", "openssl", "python3", "stunnel4"],
        Some("socat") => &["bash", "openssl", "python3", "socat"],
        Some("traefik") => &["bash", "openssl", "python3", "traefik"],
        Some("caddy") => &["bash", "openssl", "caddy"],
        // `java Server.java` compiles in memory: the JDK (javac's module), not only a JRE
        Some("java") => &["bash", "openssl", "java", "javac"],
        // Tomcat's jars (TOMCAT_HOME, default /usr/share/tomcat10), run by java; python3 writes
        // the trust store
        Some("tomcat") => &["bash", "openssl", "java", "python3", "tomcat10"],
        Some("nghttpx") => &["bash", "openssl", "python3", "nghttpx"],
        // cc builds gnutls/loopback_bind.c (gnutls-serv cannot be told its listen address)
        Some("gnutls") => &["bash", "openssl", "gnutls-serv", "cc"],
        Some("ats") => &["bash", "openssl", "python3", "traffic_server"],
        Some("puma") => &["bash", "openssl", "puma"],
        Some("hitch") => &["bash", "openssl", "python3", "hitch"],
        Some("erlang") => &["bash", "openssl", "escript"],
        Some("h2o") => &["bash", "openssl", "h2o"],
        Some("squid") => &["bash", "openssl", "python3", "squid"],
        // cc builds mhd/server.c against libmicrohttpd-dev (its headers are not checked here: a
        // missing one fails the build, and start.sh says so)
        Some("mhd") => &["bash", "openssl", "cc"],
        // jetty/JettyServer.java, compiled against Jetty's jars (JETTY_JARS, default
        // /usr/share/java)
        Some("jetty") => &["bash", "openssl", "java", "javac", "jetty9"],
        Some("uwsgi") => &["bash", "openssl", "uwsgi-core"],
        // perl with Mojolicious and IO::Socket::SSL (start.sh checks the modules)
        Some("mojo") => &["bash", "openssl", "perl"],
        Some("gunicorn") => &["bash", "openssl", "gunicorn"],
        // ruby/webrick.rb (Debian ruby-webrick)
        Some("webrick") => &["bash", "openssl", "ruby"],
        // twisted/server.py under the system Python (TWISTED_PYTHON, default /usr/bin/python3)
        Some("twisted") => &["bash", "openssl", "python3-twisted"],
        // ruby/thin.ru under Thin (Debian thin)
        Some("thin") => &["bash", "openssl", "thin"],
        // js/server.cjs under Bun or Deno (npm's, pinned in js/package.json)
        Some("bun") => &["bash", "openssl", "bun"],
        Some("deno") => &["bash", "openssl", "deno"],
        // php/server.php under PHP's CLI (Debian php-cli)
        Some("php") => &["bash", "openssl", "php"],
        // Debian's etcd and node_exporter binaries (unpacked by scripts/test.sh); openssl mints
        // etcd's server certificate with clientAuth for its gateway
        Some("etcd") => &["bash", "openssl", "etcd"],
        Some("exporter") => &["bash", "openssl", "node-exporter"],
        Some("nats") => &["bash", "openssl", "nats-server"],
        // wsgi/app.py under Granian (PyPI's, in tests/servers/python/.venv)
        Some("granian") => &["bash", "openssl", "granian"],
        _ => &["bash", "openssl"],
    }
}

/// The path to scan on a server (`start.sh --path`): `/admin/` where only a `<Location>` asks for
/// the certificate (or a `<Limit>` checks it before an application serving `/admin/` alone), a gRPC method on the gRPC services (Go-shaped and grpcio), `/orders` where a
/// `location` checks it, etcd's `/version`, the node_exporter's `/metrics`, NATS' monitoring `/varz`, else `/`.
pub fn path_for(server: &str) -> &'static str {
    if server.starts_with("apache-location-") || server == "apache-limit-methods" {
        "/admin/"
    } else if server.starts_with("go-grpc-") || server.starts_with("python-grpcio-") {
        "/shop.Orders/List"
    } else if server == "nginx-location-original-url"
        || server == "nginx-optional-exact-guard-scoped"
        || server == "nginx-optional-query-health"
        || server == "nginx-optional-requri-health"
        || server == "nginx-optional-query-probe"
        || server == "nginx-optional-query-health-arg"
        || server == "nginx-optional-query-health-exact"
        || server == "nginx-optional-query-healthcheck-true"
        || server == "nginx-optional-query-health-usernav"
        || server == "nginx-optional-soft404-footer"
        || server == "nginx-location-php-suffix"
        || server == "nginx-location-php-pathinfo"
    {
        "/orders"
    } else if server == "nginx-location-php-subdir" {
        "/shop/orders"
    } else if server == "nginx-location-php-subdir2" || server == "nginx-location-php-subdir-links"
    {
        "/apps/shop/orders"
    } else if server.starts_with("nginx-location-php-regex")
        || server == "nginx-location-php-suffix-slash"
    {
        "/orders/"
    } else if server.starts_with("nginx-h2c-") || server.starts_with("haproxy-h2c-") {
        "/admin"
    } else if server == "nginx-optional-403-h2-only" || server == "node-h2-check-h2-only" {
        // A path, so that its spellings are tried (the target in absolute form among them).
        "/admin/orders"
    } else if server == "nginx-optional-guest-dashboard" {
        "/dashboard"
    } else if server.starts_with("etcd-") {
        "/version"
    } else if server.starts_with("exporter-") {
        "/metrics"
    } else if server.starts_with("nats-monitor-") {
        "/varz"
    } else {
        "/"
    }
}

/// Whether start.sh will find `tool`: the HAPROXY/APACHE2/LIGHTTPD/STUNNEL/SOCAT/NGHTTPX/GNUTLS_SERV/
/// CC/TRAFFIC_SERVER/PUMA/HITCH/ESCRIPT/H2O/SQUID/UWSGI/PERL/GUNICORN/RUBY override when set, else PATH, else (for the daemons Debian installs in sbin, which a non-root PATH may lack)
/// /usr/sbin or /sbin. `tomcat10` is Tomcat's jars: TOMCAT_HOME's (default /usr/share/tomcat10)
/// bin/bootstrap.jar; `jetty9` Jetty's: JETTY_JARS's (default /usr/share/java) jetty9-server.jar;
/// `python3-twisted` whether TWISTED_PYTHON (default /usr/bin/python3) imports Twisted and pyOpenSSL;
/// `python3-websockets` whether WEBSOCKET_PYTHON's imports websockets and Tornado;
/// `python3-hypercorn` whether H2C_PYTHON's imports Hypercorn; `python3-uvicorn` uvicorn.
fn tool_found(tool: &str) -> bool {
    if tool == "tomcat10" {
        let home = std::env::var_os("TOMCAT_HOME")
            .map_or_else(|| PathBuf::from("/usr/share/tomcat10"), PathBuf::from);
        return home.join("bin/bootstrap.jar").is_file();
    }
    // The system Python's packages (or the Python the variable names) import.
    let imports = |var: &str, modules: &str| {
        let py = std::env::var_os(var).unwrap_or_else(|| "/usr/bin/python3".into());
        Command::new(py)
            .args(["-c", &format!("import {modules}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if tool == "python3-twisted" {
        return imports("TWISTED_PYTHON", "twisted.internet.ssl, OpenSSL");
    }
    if tool == "python3-grpcio" {
        return imports("GRPC_PYTHON", "grpc");
    }
    if tool == "python3-websockets" {
        return imports("WEBSOCKET_PYTHON", "websockets, tornado");
    }
    if tool == "python3-hypercorn" {
        return imports("H2C_PYTHON", "hypercorn");
    }
    if tool == "python3-uvicorn" {
        return imports("H2C_PYTHON", "uvicorn");
    }
    // Bun, Deno, Granian, etcd, the node_exporter and nats-server: where start.sh finds them
    // (`start.sh --tool NAME`: BUN / DENO / GRANIAN / ETCD / NODE_EXPORTER / NATS_SERVER when
    // set, else where scripts/test.sh installs them for this machine).
    if matches!(
        tool,
        "bun" | "deno" | "granian" | "traefik" | "etcd" | "node-exporter" | "nats-server"
    ) {
        return installed_tool(tool).is_some();
    }
    if tool == "jetty9" {
        let jars = std::env::var_os("JETTY_JARS")
            .map_or_else(|| PathBuf::from("/usr/share/java"), PathBuf::from);
        return jars.join("jetty9-server.jar").is_file();
    }
    let var = match tool {
        "haproxy" => Some("HAPROXY"),
        "apache2" => Some("APACHE2"),
        "lighttpd" => Some("LIGHTTPD"),
        "stunnel4" => Some("STUNNEL"),
        "socat" => Some("SOCAT"),
        "nghttpx" => Some("NGHTTPX"),
        "gnutls-serv" => Some("GNUTLS_SERV"),
        "cc" => Some("CC"),
        "traffic_server" => Some("TRAFFIC_SERVER"),
        "puma" => Some("PUMA"),
        "hitch" => Some("HITCH"),
        "escript" => Some("ESCRIPT"),
        "h2o" => Some("H2O"),
        "squid" => Some("SQUID"),
        "uwsgi-core" => Some("UWSGI"),
        "perl" => Some("PERL"),
        "gunicorn" => Some("GUNICORN"),
        "ruby" => Some("RUBY"),
        "thin" => Some("THIN"),
        "php" => Some("PHP"),
        _ => None,
    };
    if let Some(v) = var.and_then(std::env::var_os) {
        let p = PathBuf::from(v);
        return if p.components().count() > 1 {
            is_executable(&p)
        } else {
            on_path(&p.to_string_lossy())
        };
    }
    on_path(tool)
        || (var.is_some()
            && ["/usr/sbin", "/sbin", "/usr/local/sbin"]
                .iter()
                .any(|d| is_executable(&Path::new(d).join(tool))))
}

/// Bun, Deno or Granian as start.sh runs it (`start.sh --tool NAME`), when it is there: a path
/// that is an executable file, or a name found on PATH.
fn installed_tool(tool: &str) -> Option<PathBuf> {
    let out = Command::new("bash")
        .arg(servers_dir().join("start.sh"))
        .args(["--tool", tool])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let said = String::from_utf8(out.stdout).ok()?;
    let p = PathBuf::from(said.trim());
    let found = if p.components().count() > 1 {
        is_executable(&p)
    } else {
        on_path(&p.to_string_lossy())
    };
    (out.status.success() && found).then_some(p)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    p.is_file()
        && std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
}

fn on_path(tool: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|d| is_executable(&d.join(tool)))
}

/// Checks the tools the servers need. A missing tool fails the test with a clear message, unless
/// `MTLS_SKIP_REAL_SERVERS=1`, in which case this prints why and returns false (the test returns).
pub fn tools_present(servers: &[&str]) -> bool {
    let skip = std::env::var("MTLS_SKIP_REAL_SERVERS").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("MTLS_SKIP_REAL_SERVERS=1: real-server test skipped");
        return false;
    }
    let mut missing: Vec<&str> = servers
        .iter()
        .flat_map(|s| tools_for(s).iter().copied())
        .filter(|t| !tool_found(t))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        panic!(
            "real-server tests need {} on PATH (missing for {:?}). Install them \
             (apt-get install -y nginx-light openssl golang-go nodejs python3 haproxy \
             apache2 lighttpd lighttpd-mod-openssl stunnel4 socat caddy openjdk-17-jdk-headless \
             tomcat10-common nghttp2-proxy gnutls-bin lighttpd-mod-gnutls lighttpd-mod-mbedtls lighttpd-mod-wolfssl gcc trafficserver \
             puma ruby-rack hitch erlang-base erlang-ssl erlang-inets h2o squid-openssl libmicrohttpd-dev \
             libjetty9-java uwsgi-core uwsgi-plugin-python3 libmojolicious-perl libio-socket-ssl-perl \
             gunicorn ruby-webrick python3-twisted python3-grpcio python3-websockets python3-tornado python3-hypercorn python3-uvicorn thin php-cli; HAPROXY/APACHE2/LIGHTTPD/STUNNEL/NGHTTPX/GNUTLS_SERV/CC/TRAFFIC_SERVER/PUMA/\
             HITCH/ESCRIPT/H2O/SQUID/UWSGI/PERL/GUNICORN/RUBY name the binaries, TOMCAT_HOME Tomcat and \
             JETTY_JARS Jetty's jars if they live elsewhere; bash scripts/test.sh does all of it, and \
             installs Bun, Deno and Granian, and unpacks etcd, the node_exporter and nats-server \
             without their services: BUN/DENO/GRANIAN/ETCD/NODE_EXPORTER/NATS_SERVER name others) or set \
             MTLS_SKIP_REAL_SERVERS=1 to skip these tests on purpose.",
            missing.join(", "),
            servers
        );
    }
    true
}

/// The Go server binary, built once per test process into the target tmp dir.
fn go_server_bin() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BIN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-servers");
        std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
        // built under a private name, then renamed over the shared one (atomic; a server already
        // running keeps its old inode)
        let tmp = out.join(format!("goserver.tmp.{}", std::process::id()));
        let bin = out.join("goserver");
        let t = Instant::now();
        let o = Command::new("go")
            .args(["build", "-o"])
            .arg(&tmp)
            .arg(".")
            .current_dir(servers_dir().join("go"))
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOFLAGS", "")
            .output()
            .map_err(|e| format!("running go build: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "go build of tests/servers/go failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        std::fs::rename(&tmp, &bin).map_err(|e| format!("rename {}: {e}", tmp.display()))?;
        eprintln!("built the Go server in {:.1} s", t.elapsed().as_secs_f64());
        Ok(bin)
    });
    match built {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// How long a lab waits for its servers to listen: 63 servers starting at once on 2 cores take
/// 6–12 s when other builds load the machine (JVMs the slowest), the 76 of Erlang/OTP, H2O, Squid
/// and libmicrohttpd 23 s at a load average of 28, and Tomcat once took over 30 s beside two
/// builds (a failed run); the wait ends as soon as all listen, so a loaded CI machine gets room.
const START_DEADLINE: Duration = Duration::from_secs(120);

/// java/Server.java compiled once per test process (javac, ~1.9 s of CPU) into the target tmp
/// dir, in a directory named after the source's hash (a changed source is compiled again). A
/// `java -cp` start of the compiled classes costs ~0.5 s of CPU, the single-file source launch
/// start.sh falls back on ~1.25 s: two JDK servers among every server starting at once on 2 cores
/// had java-need miss the 10 s deadline under load.
fn java_server_classes() -> PathBuf {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(|| compile_classes("java/Server.java", "Server", None)) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// jetty/JettyServer.java compiled once per test process against Jetty's jars (JETTY_JARS,
/// default /usr/share/java), as [`java_server_classes`]: start.sh would otherwise compile it
/// (~4 s) in the lab's work directory before the first jetty-* server starts.
fn jetty_server_classes() -> PathBuf {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = DIR.get_or_init(|| {
        let jars = std::env::var_os("JETTY_JARS")
            .map_or_else(|| PathBuf::from("/usr/share/java"), PathBuf::from);
        let cp: Vec<String> = [
            "jetty9-server",
            "jetty9-util",
            "jetty9-io",
            "jetty9-http",
            "servlet-api",
        ]
        .iter()
        .map(|j| jars.join(format!("{j}.jar")).display().to_string())
        .collect();
        compile_classes("jetty/JettyServer.java", "JettyServer", Some(&cp.join(":")))
    });
    match built {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// Compiles tests/servers/`source` (with `classpath`) into the target tmp dir, in a directory
/// named after the source's hash; returns that directory, which holds `class`.class.
fn compile_classes(source: &str, class: &str, classpath: Option<&str>) -> Result<PathBuf, String> {
    use std::hash::{Hash as _, Hasher as _};
    let src = servers_dir().join(source);
    let text = std::fs::read(&src).map_err(|e| format!("read {}: {e}", src.display()))?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-servers");
    let stem = class.to_lowercase();
    let dir = out.join(format!("{stem}-classes-{:016x}", h.finish()));
    let class_file = format!("{class}.class");
    if dir.join(&class_file).is_file() {
        return Ok(dir);
    }
    // compiled under a private name, then renamed (a concurrent process may win the rename: its
    // classes come from the same source)
    let tmp = out.join(format!("{stem}-classes.tmp.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("create {}: {e}", tmp.display()))?;
    let t = Instant::now();
    let mut javac = Command::new("javac");
    javac.arg("-nowarn").arg("-d").arg(&tmp);
    if let Some(cp) = classpath {
        javac.arg("-cp").arg(cp);
    }
    let o = javac
        .arg(&src)
        .output()
        .map_err(|e| format!("running javac: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "javac of tests/servers/{source} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    if std::fs::rename(&tmp, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if !dir.join(&class_file).is_file() {
        return Err(format!("no {class_file} in {}", dir.display()));
    }
    eprintln!(
        "compiled tests/servers/{source} in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(dir)
}

/// `n` distinct ports on 127.0.0.1 that were free a moment ago and were never handed out before in
/// this process (the kernel readily hands a just-released port out again: two servers once got
/// the same one, and a proxy's port once became the impostor's own). With
/// `MTLS_PORT_RANGE=LOW-HIGH` (`scripts/test.sh` sets one below the kernel's ephemeral range),
/// only ports in that range.
pub fn free_ports(n: usize) -> Vec<u16> {
    match ports::free_port_list(n) {
        Ok(ports) => ports,
        Err(e) => panic!("{n} free ports: {e}"),
    }
}

/// One port, as [`free_ports`].
pub fn free_port() -> u16 {
    free_ports(1).first().copied().unwrap_or_default()
}

/// Whether the server runs in a JVM (the JDK's HttpsServer, compiled at each start, Tomcat and
/// Jetty):
/// the slow starts, ~1-2 s of CPU each.
pub fn starts_a_jvm(server: &str) -> bool {
    matches!(server.split('-').next(), Some("java" | "tomcat" | "jetty"))
}

/// One running server. Dropping it kills its whole process group.
pub struct Server {
    /// The start.sh name, e.g. `nginx-on`.
    pub name: String,
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// `https://127.0.0.1:PORT/`, or `.../admin/` for apache-location-require ([`path_for`]).
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}{}", self.port, path_for(&self.name))
    }

    /// What the server has written so far (its stdout and stderr).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // start.sh runs in its own process group (process_group(0)): the group id is its pid.
        let pgid = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &pgid])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops every server at once before each [`Server`]'s drop waits for its own: a server slow to
/// exit on SIGTERM (Squid, 1–2.5 s) then costs its wait once per lab, not once per server.
impl Drop for Lab {
    fn drop(&mut self) {
        for s in &self.servers {
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", s.child.id())])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A PKI (pki.sh + client-certs.sh) and the servers started on it.
pub struct Lab {
    /// Running servers, in start order. Declared first: fields drop in order, so the servers are
    /// killed before their directory is removed.
    pub servers: Vec<Server>,
    /// The PKI directory (ca.crt, client.crt, ...).
    pub pki: PathBuf,
    /// Scratch space for the servers.
    pub work: PathBuf,
    /// How long starting the servers took (spawn until every port accepted TCP).
    pub startup: Duration,
    dir: tempfile::TempDir,
}

impl Lab {
    /// Makes the PKI.
    pub fn new() -> Lab {
        Lab::with_keys("ec")
    }

    /// Makes the PKI with `kind` keys: `ec` (P-256) or `rsa` (RSA-2048: pki.sh `PKI_KEY`).
    pub fn with_keys(kind: &str) -> Lab {
        let dir = match tempfile::Builder::new().prefix("mtls-real-").tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let pki = dir.path().join("pki");
        let work = dir.path().join("work");
        if let Err(e) = std::fs::create_dir_all(&work) {
            panic!("create {}: {e}", work.display());
        }
        for script in ["pki.sh", "client-certs.sh"] {
            let o = Command::new("bash")
                .arg(servers_dir().join(script))
                .arg(&pki)
                .env("PKI_KEY", kind)
                .output();
            match o {
                Ok(o) if o.status.success() => {}
                Ok(o) => panic!(
                    "tests/servers/{script} failed: {}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => panic!("running tests/servers/{script}: {e}"),
            }
        }
        Lab {
            dir,
            pki,
            work,
            servers: Vec::new(),
            startup: Duration::ZERO,
        }
    }

    /// `--client-cert PKI/cert --client-key PKI/key`: an identity given to a scan.
    pub fn identity_args(&self, cert: &str, key: &str) -> Vec<String> {
        vec![
            "--client-cert".to_owned(),
            self.pki_file(cert),
            "--client-key".to_owned(),
            self.pki_file(key),
        ]
    }

    /// [`Lab::identity_args`] with client.crt, and the staging CA (`--issuing-ca-cert/-key`
    /// ca.crt and ca.key): every identity a scan can be given.
    pub fn full_identity_args(&self) -> Vec<String> {
        let mut args = self.identity_args("client.crt", "client.key");
        args.extend([
            "--issuing-ca-cert".to_owned(),
            self.pki_file("ca.crt"),
            "--issuing-ca-key".to_owned(),
            self.pki_file("ca.key"),
        ]);
        args
    }

    /// A file in the PKI directory.
    pub fn pki_file(&self, name: &str) -> String {
        self.pki.join(name).to_string_lossy().into_owned()
    }

    fn spawn(&self, name: &str, port: u16) -> Server {
        let log = self.work.join(format!("{name}-{port}.log"));
        let (out, err) = match std::fs::File::create(&log).and_then(|f| Ok((f.try_clone()?, f))) {
            Ok(p) => p,
            Err(e) => panic!("create {}: {e}", log.display()),
        };
        let mut cmd = Command::new("bash");
        cmd.arg(servers_dir().join("start.sh"))
            .arg(name)
            .arg(port.to_string())
            .arg(&self.pki)
            .arg(&self.work)
            // the server also stops when our end of its stdin closes (if this process dies)
            .env("MTLS_WATCH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        if name.starts_with("go-") {
            cmd.env("GOSERVER_BIN", go_server_bin());
        }
        if name.starts_with("java-") {
            cmd.env("JAVA_SERVER_CLASSES", java_server_classes());
        }
        if name.starts_with("jetty-") {
            cmd.env("JETTY_SERVER_CLASSES", jetty_server_classes());
        }
        match cmd.spawn() {
            Ok(child) => Server {
                name: name.to_owned(),
                port,
                child,
                log,
            },
            Err(e) => panic!("spawning tests/servers/start.sh {name}: {e}"),
        }
    }

    /// Starts every server at once and waits (at most [`START_DEADLINE`]) until each accepts TCP.
    /// A server whose port was taken meanwhile is retried on another port. Labs with a JVM among
    /// their servers start one at a time (see [`starts_a_jvm`]); the deadline counts from their
    /// turn.
    pub fn start(&mut self, names: &[&str]) {
        // A JVM costs 1-2 s of CPU to start: two tests starting theirs at once on 2 cores (the
        // Tomcat family beside servers_start_and_stop's 46 servers: 8 JVMs) took the JDK's
        // HttpsServer past the deadline. Such starts take turns; scans still run side by side.
        static JVM_STARTS: Mutex<()> = Mutex::new(());
        let _turn = names.iter().any(|n| starts_a_jvm(n)).then(|| {
            JVM_STARTS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        // compiled before the clock starts, as start.sh would otherwise compile at every start
        if names.iter().any(|n| n.starts_with("java-")) {
            java_server_classes();
        }
        if names.iter().any(|n| n.starts_with("jetty-")) {
            jetty_server_classes();
        }
        let t0 = Instant::now();
        let ports = free_ports(names.len());
        let mut pending: Vec<Server> = names
            .iter()
            .zip(ports)
            .map(|(n, p)| self.spawn(n, p))
            .collect();
        let mut attempts: BTreeMap<String, u32> = BTreeMap::new();
        let deadline = Instant::now() + START_DEADLINE;
        let mut up: Vec<Server> = Vec::new();
        loop {
            while !pending.is_empty() {
                let mut still = Vec::new();
                for mut s in pending {
                    if let Ok(Some(status)) = s.child.try_wait() {
                        // exited: most likely its port was taken meanwhile; retry elsewhere
                        let n = attempts.entry(s.name.clone()).or_insert(0);
                        *n += 1;
                        if *n >= 3 {
                            panic!(
                                "server {} exited ({status}) before listening on {}:\n{}",
                                s.name,
                                s.port,
                                s.log_text()
                            );
                        }
                        let name = s.name.clone();
                        drop(s);
                        still.push(self.spawn(&name, free_port()));
                        continue;
                    }
                    // (Traefik and etcd listen before they answer TLS: until then, not up.)
                    if TcpStream::connect(("127.0.0.1", s.port)).is_ok()
                        && (!super::tls_ready::listens_before_tls(&s.name)
                            || super::tls_ready::answers_tls(s.port))
                    {
                        up.push(s);
                        continue;
                    }
                    if Instant::now() > deadline {
                        panic!(
                            "server {} did not accept TCP on 127.0.0.1:{} within {} s:\n{}",
                            s.name,
                            s.port,
                            START_DEADLINE.as_secs(),
                            s.log_text()
                        );
                    }
                    still.push(s);
                }
                pending = still;
                if !pending.is_empty() {
                    std::thread::sleep(Duration::from_millis(25));
                }
            }
            // Something else may have answered on a port whose server then failed to bind: make
            // sure every server is still alive a moment later.
            std::thread::sleep(Duration::from_millis(100));
            let mut alive = Vec::new();
            let mut dead = Vec::new();
            for mut s in up.drain(..) {
                if matches!(s.child.try_wait(), Ok(None)) {
                    alive.push(s);
                } else {
                    dead.push(s);
                }
            }
            up = alive;
            if dead.is_empty() {
                break;
            }
            pending = dead; // re-enters the loop above, which respawns them
        }
        self.servers.extend(up);
        self.startup = t0.elapsed();
        eprintln!(
            "started {} servers in {:.2} s",
            names.len(),
            self.startup.as_secs_f64()
        );
    }

    /// The running server called `name`.
    pub fn server(&self, name: &str) -> &Server {
        match self.servers.iter().find(|s| s.name == name) {
            Some(s) => s,
            None => panic!("server {name} was not started"),
        }
    }

    /// Runs `mtls-scan scan --format json --timeout 5 --ca-file ca.crt [extra] URL...` on the named
    /// servers (all when `names` is empty) and returns the report with each target keyed by
    /// server name.
    pub fn scan(&self, names: &[&str], extra: &[String]) -> Scan {
        self.scan_trusting(names, Some("ca.crt"), extra)
    }

    /// [`Lab::scan`] with `--ca-file` the PKI's file `ca` (none when `None`: the servers'
    /// certificates are then untrusted, and the scan holds no client CA's certificate).
    pub fn scan_trusting(&self, names: &[&str], ca: Option<&str>, extra: &[String]) -> Scan {
        let servers: Vec<&Server> = if names.is_empty() {
            self.servers.iter().collect()
        } else {
            names.iter().map(|n| self.server(n)).collect()
        };
        let mut cmd = Command::new(super::step::BIN);
        cmd.args([
            "scan",
            "--format",
            "json",
            "--timeout",
            "5",
            "--color",
            "never",
        ])
        .args(
            ca.into_iter()
                .flat_map(|ca| ["--ca-file".into(), self.pki.join(ca).into_os_string()]),
        )
        .args(extra)
        .args(servers.iter().map(|s| s.url()))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let shown = format!("{cmd:?}");
        let t0 = Instant::now();
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot run {shown}: {e}"),
        };
        // Read both pipes on threads so a chatty scanner cannot block on a full pipe.
        let mut so = child.stdout.take();
        let mut se = child.stderr.take();
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(p) = so.as_mut() {
                let _ = p.read_to_string(&mut s);
            }
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(p) = se.as_mut() {
                let _ = p.read_to_string(&mut s);
            }
            s
        });
        let limit = Duration::from_secs(120);
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) if t0.elapsed() > limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{shown} still running after {} s: killed", limit.as_secs());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("waiting for {shown}: {e}"),
            }
        };
        let elapsed = t0.elapsed();
        let stdout = out_t.join().unwrap_or_default();
        let stderr = err_t.join().unwrap_or_default();
        // 0 = scanned, 1 = below --fail-under, 3 = a target could not be scanned (still a report).
        if !matches!(status.code(), Some(0 | 1 | 3)) {
            panic!("{shown} failed ({status}):\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        let report: Value = match serde_json::from_str(&stdout) {
            Ok(v) => v,
            Err(e) => panic!("{shown}: stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"),
        };
        let mut by_server = BTreeMap::new();
        let targets = report
            .get("targets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for s in &servers {
            let needle = format!(":{}", s.port);
            let t = targets.iter().find(|t| {
                t.get("url")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.contains(&needle))
            });
            match t {
                Some(t) => {
                    by_server.insert(s.name.clone(), t.clone());
                }
                None => panic!(
                    "{shown}: no target for {} (port {}) in the report:\n{stdout}",
                    s.name, s.port
                ),
            }
        }
        Scan {
            report,
            targets: by_server,
            status: status.code(),
            stderr,
            elapsed,
        }
    }
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}

/// One `mtls-scan scan` run.
pub struct Scan {
    /// The whole JSON report.
    pub report: Value,
    /// Each server's target object.
    pub targets: BTreeMap<String, Value>,
    /// The exit code.
    pub status: Option<i32>,
    /// The scanner's stderr.
    pub stderr: String,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

impl Scan {
    /// `name`'s target object (a test fails where the report has none).
    pub fn target(&self, name: &str) -> &Value {
        match self.targets.get(name) {
            Some(t) => t,
            None => panic!("{name}: not in the report"),
        }
    }
}
