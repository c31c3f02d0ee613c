//! `mtls-scan scan` and `mtls-scan merge`: flags and the config through the
//! [`crate::pipeline`], the scan, rendering, and the exit code. Every error names the
//! flag it is about; setup errors are usage errors (exit 2), found before anything is scanned.

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use probe_core::engine::Scanner;
use probe_core::grade::Grade;
use probe_core::policy::{Suppression, TargetPolicy};
use probe_core::report::{Report, TargetReport};
use probe_core::target::Target;

use super::args::{ColorChoice, MergeArgs, ReportOpts, ScanArgs};
use crate::config::Config;
use crate::exit::{Decision, Exit, FailOn, Gate, Threshold};
use crate::pipeline::{self, Given, Pem, Unreadable};
use crate::render::sarif::SarifOptions;
use crate::render::{self, markdown, Format};
use crate::{parse, stdout};

/// Where the Markdown says the JSON report is, when parts of it were left out.
const JSON_HINT: &str = "<code>--format json</code>";

/// Renders a report in a format, as the command line shows it (SARIF with its default options),
/// the Markdown saying why the run fails or not by `fail_on`.
pub fn render(
    report: &Report,
    format: Format,
    color: bool,
    threshold: Option<Grade>,
    fail_on: FailOn,
) -> Result<String, serde_json::Error> {
    render_sarif_with(
        report,
        format,
        color,
        threshold,
        (fail_on, false),
        &SarifOptions::default(),
    )
}

/// [`render`], with what fails the run (`--fail-on`, and whether an incomplete target passes:
/// the Markdown says why it fails or not) and the SARIF's location, category and shard.
fn render_sarif_with(
    report: &Report,
    format: Format,
    color: bool,
    threshold: Option<Grade>,
    (fail_on, incomplete_passes): (FailOn, bool),
    sarif: &SarifOptions,
) -> Result<String, serde_json::Error> {
    match format {
        Format::Sarif => render::sarif::render_with(report, sarif),
        Format::Markdown => Ok(markdown::render_with(
            report,
            &markdown::Options {
                threshold,
                fail_on_new: fail_on == FailOn::New,
                incomplete_passes,
                flags: true,
                json_hint: Some(JSON_HINT),
                ..markdown::Options::default()
            },
        )),
        other => render::render(report, other, color, threshold),
    }
}

/// Whether to colour stdout.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn usage(e: impl std::fmt::Display) -> anyhow::Result<Exit> {
    crate::err_line!("error: {e:#}");
    Ok(Exit::Usage)
}

/// `1st`, `2nd`, `3rd`, `4th`… `11th`, `21st`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The `--header` values, checked here rather than by clap, whose errors quote the value: an
/// error names the header by its place (`the 2nd --header`) and by its name once that is known,
/// never by its value.
pub fn headers(
    given: &[super::args::RawHeader],
) -> Result<Vec<(http::HeaderName, http::HeaderValue)>, String> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, super::args::RawHeader(raw)) in given.iter().enumerate() {
        let which = format!("the {} --header", ordinal(i + 1));
        match raw.to_str() {
            None => bad.push(format!("{which} is not UTF-8 text")),
            Some(h) => match parse::header(h) {
                Ok(h) => good.push(h),
                Err(e) => bad.push(format!("{which}: {e}")),
            },
        }
    }
    if bad.is_empty() {
        Ok(good)
    } else {
        Err(bad.join("\nerror: "))
    }
}

/// What the flags give the pipeline (the `--header`s checked by [`headers`]).
fn given(args: &ScanArgs, headers: Vec<(http::HeaderName, http::HeaderValue)>) -> Given {
    let s = &args.scan;
    let pem = |p: &Option<std::path::PathBuf>| p.clone().map(Pem::File);
    Given {
        timeout: s.timeout,
        deadline: args.deadline,
        concurrency: s.concurrency,
        per_host: s.per_host,
        fail_under: args.report.fail_under,
        ca_files: s.ca_files.clone(),
        client_cert: pem(&s.client_cert),
        client_key: pem(&s.client_key),
        issuing_ca_cert: pem(&s.issuing_ca_cert),
        issuing_ca_key: pem(&s.issuing_ca_key),
        resolve: s.resolve.clone(),
        sni_names: s.sni_names.clone(),
        sibling_ports: s.sibling_ports.clone(),
        headers,
        skip_probes: s.skip_probes.clone(),
        tls_versions: s.tls_versions.clone(),
    }
}

/// An unreadable identity file, naming its flag or the config.
fn unreadable(e: &Unreadable, config: Option<&Path>) -> String {
    match (e.from_config, config) {
        (true, Some(c)) => format!("{}: {}: {e}", c.display(), e.setting),
        _ => format!("--{}: {e}", e.setting),
    }
}

/// Runs `scan`.
pub async fn scan(args: ScanArgs) -> anyhow::Result<Exit> {
    let r = &args.report;
    if r.format == Format::Jsonl && (r.json.is_some() || r.sarif.is_some() || r.markdown.is_some())
    {
        return usage(
            "--format jsonl writes each target as it finishes and keeps no report: \
             --json, --sarif and --markdown need the whole report (use --format json)",
        );
    }
    let headers = match headers(&args.scan.headers) {
        Ok(h) => h,
        Err(e) => return usage(e),
    };
    if let Err(e) = check_outputs(&args.report, &[]) {
        return usage(format!("{e:#}"));
    }
    let config = match args.config.as_deref().map(Config::load).transpose() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let given_targets = if args.urls.is_empty() {
        Vec::new()
    } else {
        match parse::targets(&args.urls) {
            Ok(t) => t,
            Err(e) => return usage(e),
        }
    };
    let given = given(&args, headers);
    let all = pipeline::targets(&given_targets, &given, config.as_ref());
    if all.is_empty() {
        return usage("no target URL given");
    }
    let total = all.len();
    // What the whole list hashes to, kept in each shard's report: `merge` refuses shards of
    // another list.
    let list = probe_core::report::ShardOf::list_of(all.iter().map(|t| t.url.as_str()));
    let targets = pipeline::shard_named(all, args.shard).await;
    if let Some((i, n)) = args.shard {
        crate::err_line!("shard {i}/{n}: {} target(s)", targets.len());
        if targets.is_empty() {
            crate::err_line!("error: {}", pipeline::empty_shard(i, n, total));
        }
    }
    let baseline = match baseline(&args.report) {
        Ok(b) => b,
        Err(e) => return usage(e),
    };
    let settings = match pipeline::settings(&given, config.as_ref()) {
        Ok(s) => s,
        Err(errors) => {
            let at = args.config.as_deref();
            let lines: Vec<String> = errors.iter().map(|e| unreadable(e, at)).collect();
            return usage(lines.join("\nerror: "));
        }
    };
    let scanner = match Scanner::new(&settings.options) {
        Ok(s) => s,
        // A setting the config may have given as well (review T: "--client-key: no PEM private
        // key found" for a config's `client-key:`).
        Err(e) => {
            return usage(match args.config.as_deref() {
                Some(c) => e.worded(|n| format!("--{n} (or `{n}:` in {})", c.display())),
                None => e.worded(|n| format!("--{n}")),
            })
        }
    };
    let threshold = Threshold::resolve(args.report.fail_under, settings.fail_under);
    // `--format json` alone (no other output, no baseline: its fixed findings need the whole
    // run) is written as jsonl is, its targets spilled to a temporary file: a fleet's report
    // held whole took 61 MiB at 1,000 targets.
    let json_alone = r.format == Format::Json
        && r.json.is_none()
        && r.sarif.is_none()
        && r.markdown.is_none()
        && baseline.is_none();
    if r.format == Format::Jsonl || json_alone {
        let streaming = Streaming {
            config: config.as_ref(),
            baseline: baseline.as_ref(),
            opts: &args.report,
            threshold,
            shard: probe_core::report::ShardOf::of(args.shard, Some(list)),
        };
        return streaming.scan(&scanner, &targets).await;
    }
    let mut report = if targets.is_empty() {
        Report::new(Vec::new(), 0.0)
    } else {
        crate::progress::scan(&scanner, &targets, config.as_ref()).await
    };
    report.shard = probe_core::report::ShardOf::of(args.shard, Some(list));
    let sarif = sarif_options(
        &args.report,
        args.config.as_deref(),
        config.as_ref(),
        args.shard,
    );
    finish_with(
        &mut report,
        config.as_ref(),
        baseline.as_ref(),
        &args.report,
        threshold,
        &sarif,
    )
}

/// `scan --format jsonl`: each target's line written as it finishes (policy applied), and only
/// what the exit code needs kept (its grade, error, incomplete probes, new findings): a few
/// hundred bytes per target instead of the whole report. `scan --format json` alone: each
/// target's text spilled to a temporary file as it finishes, the report written at the end.
struct Streaming<'a> {
    config: Option<&'a Config>,
    baseline: Option<&'a Report>,
    opts: &'a ReportOpts,
    threshold: Option<Grade>,
    /// `--shard I/N`, with the hash of the list it was cut from; without it, a suppression that
    /// matches none of the targets is worth a warning.
    shard: Option<probe_core::report::ShardOf>,
}

/// Where [`Streaming`] puts each finished target.
enum Sink {
    /// A JSON line each, written at once.
    Lines(Box<dyn std::io::Write>),
    /// The JSON report's entry, spilled until the end, with the progress shown as `scan` does.
    Report(render::json::Spill, crate::progress::Progress),
}

/// The config's policies and suppressions and the baseline, indexed by URL once, so each
/// finished target is judged against its own entries only (not the whole fleet's, per target).
struct PerTarget {
    policies: HashMap<String, TargetPolicy>,
    suppressions: Vec<Suppression>,
    baselines: HashMap<String, Report>,
    /// One date for the whole run, as the JSON path's one application at the end.
    today: time::Date,
    /// What the suppressions matched so far, for the warnings at the end.
    used: probe_core::policy::SuppressionUse,
}

impl PerTarget {
    fn new(config: Option<&Config>, baseline: Option<&Report>) -> Self {
        let mut policies = HashMap::new();
        let mut suppressions = Vec::new();
        if let Some(c) = config {
            for p in c.policies() {
                // The first policy of a URL applies, as `policy::apply` finds it.
                policies.entry(p.url.clone()).or_insert(p);
            }
            suppressions = c.suppressions();
        }
        let mut baselines: HashMap<String, Report> = HashMap::new();
        for t in baseline.map(|b| b.targets.as_slice()).unwrap_or_default() {
            baselines
                .entry(t.url.clone())
                .or_insert_with(|| Report::new(Vec::new(), 0.0))
                .targets
                .push(t.clone());
        }
        Self {
            used: probe_core::policy::SuppressionUse::new(suppressions.len()),
            policies,
            suppressions,
            baselines,
            today: time::OffsetDateTime::now_utc().date(),
        }
    }

    /// Applies what `pipeline::apply_policy` applies to the whole report, to one target.
    fn apply(&mut self, one: &mut Report, config: bool, baseline: bool) -> Vec<String> {
        let url = one
            .targets
            .first()
            .map(|t| t.url.clone())
            .unwrap_or_default();
        let mut warnings = Vec::new();
        if config {
            let policy: &[TargetPolicy] = self.policies.get(&url).map_or(&[], std::slice::from_ref);
            warnings = probe_core::policy::apply_tracking(
                one,
                policy,
                &self.suppressions,
                self.today,
                &mut self.used,
            )
            .iter()
            .map(ToString::to_string)
            .collect();
        }
        if baseline {
            let empty = Report::new(Vec::new(), 0.0);
            let base = self.baselines.get(&url).unwrap_or(&empty);
            probe_core::policy::compare_baseline(one, base);
            warnings.extend(pipeline::unsuppressed_since(one, base));
        }
        warnings
    }
}

impl Streaming<'_> {
    async fn scan(&self, scanner: &Scanner, targets: &[Target]) -> anyhow::Result<Exit> {
        let mut sink = if self.opts.format == Format::Json {
            Sink::Report(
                render::json::Spill::new(targets.len())
                    .context("a temporary file for the report's targets")?,
                crate::progress::Progress::new(targets.len(), self.config),
            )
        } else {
            Sink::Lines(match self.opts.output_file() {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout()),
            })
        };
        let mut per_target = PerTarget::new(self.config, self.baseline);
        let started = std::time::Instant::now();
        let (mut kept, mut warnings, mut failure) = (Vec::new(), BTreeSet::new(), None);
        // The baseline's findings on targets this run could not fully check: a JSON Lines
        // stream has no place for the report's `not_rechecked`, so stderr says how many.
        let mut not_rechecked = 0usize;
        // The earliest expiry of a suppression that suppressed something (ISO dates sort).
        let mut earliest_expiry: Option<String> = None;
        scanner
            .scan_each(targets, |i, target| {
                if let Sink::Report(_, progress) = &mut sink {
                    progress.target_done(&target);
                }
                let mut one = Report::new(vec![target], 0.0);
                warnings.extend(per_target.apply(
                    &mut one,
                    self.config.is_some(),
                    self.baseline.is_some(),
                ));
                not_rechecked += one.not_rechecked.len();
                for t in one.targets {
                    for s in t
                        .findings
                        .iter()
                        .filter_map(|f| f.marks.suppressed.as_ref())
                    {
                        if earliest_expiry.as_ref().is_none_or(|e| s.expires < *e) {
                            earliest_expiry = Some(s.expires.clone());
                        }
                    }
                    let written = match &mut sink {
                        Sink::Report(spill, _) => spill.add(i, &t).map_err(anyhow::Error::from),
                        Sink::Lines(sink) => render::jsonl::line(&t)
                            .map_err(anyhow::Error::from)
                            .and_then(|l| {
                                Ok(sink.write_all(l.as_bytes()).and_then(|()| sink.flush())?)
                            }),
                    };
                    match written {
                        // A closed pipe (`| head`) is not an error; the scan goes on for the exit code.
                        Err(e) if is_broken_pipe(&e) => {}
                        Err(e) => {
                            failure.get_or_insert(e);
                        }
                        Ok(()) => {}
                    }
                    kept.push(slim(t, self.opts.fail_on));
                }
            })
            .await;
        for w in per_target
            .used
            .warnings(&per_target.suppressions, self.shard.is_none())
        {
            warnings.insert(w.to_string());
        }
        if not_rechecked > 0 && self.opts.format == Format::Jsonl {
            warnings.insert(format!(
                "{not_rechecked} finding{} of the baseline {} not re-checked (its target was not \
                 scanned, incomplete, or the probe that raises it did not run): not fixed; \
                 `--format json` lists {} as `not_rechecked`",
                if not_rechecked == 1 { "" } else { "s" },
                if not_rechecked == 1 { "was" } else { "were" },
                if not_rechecked == 1 { "it" } else { "them" },
            ));
        }
        for w in &warnings {
            crate::err_line!("warning: {w}");
        }
        if let Some(e) = failure {
            let shown = self
                .opts
                .output_file()
                .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
            return Err(e.context(format!("writing {shown}")));
        }
        // A suppression valid when its target was judged but expired before the run ended (the
        // run crossed midnight UTC on its last day): the JSON path, judging at the end, would not
        // have applied it. Nothing can be regraded now: fail loudly.
        let today = time::OffsetDateTime::now_utc().date();
        if let Some(e) = earliest_expiry.filter(|e| *e < today.to_string()) {
            crate::err_line!(
                "error: a suppression that applied during the run expired on {e}, before the run \
                 ended: run the scan again"
            );
            return Ok(Exit::BelowThreshold);
        }
        let report = Report::new(kept, started.elapsed().as_secs_f64() * 1000.0);
        if let Sink::Report(spill, progress) = sink {
            progress.finish();
            let mut head = Report::new(Vec::new(), report.duration_ms);
            (head.grade, head.score) = (report.grade, report.score);
            head.shard = self.shard;
            let main = self.opts.output_file().unwrap_or(Path::new("-"));
            let written = if super::args::is_stdout(main) {
                match spill.finish(&head, std::io::stdout().lock()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    other => other,
                }
            } else {
                std::fs::File::create(main).and_then(|f| spill.finish(&head, f))
            };
            written.with_context(|| format!("writing {}", main.display()))?;
        }
        let gate = Gate {
            fail_under: self.threshold,
            fail_on: self.opts.fail_on,
            fail_on_incomplete: self.opts.fail_on_incomplete,
        };
        let decision = gate.decide(&report);
        explain(&report, &gate, &decision);
        Ok(decision.exit)
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// What the exit code and its explanation need of a target already written: its grade, error
/// and incomplete probes, and (with `--fail-on new`) its new findings; nothing else.
fn slim(mut t: TargetReport, fail_on: FailOn) -> TargetReport {
    t.probes = Vec::new();
    t.skipped_probes = Vec::new();
    t.config_probes = Vec::new();
    t.server_certificate = None;
    t.notes = Vec::new();
    t.tags = Vec::new();
    t.verification_detail = None;
    match fail_on {
        FailOn::New => t
            .findings
            .retain(|f| f.marks.baseline == Some(probe_core::report::BaselineState::New)),
        FailOn::Grade => t.findings = Vec::new(),
    }
    t.findings.shrink_to_fit();
    t
}

/// Runs `merge`.
pub async fn merge(args: MergeArgs) -> anyhow::Result<Exit> {
    if let Err(e) = check_outputs(&args.report, &[]) {
        return usage(format!("{e:#}"));
    }
    // An output on one of the reports merged would replace a shard's report with the merge (an
    // audit's `merge a.json b.json --json b.json`), as an output on the baseline is refused.
    for input in &args.reports {
        let mut both: Vec<(&str, &Path)> = args.report.named_paths();
        both.push(("REPORT", input));
        if let Some(names) = crate::files::same_destinations(&both, true).first() {
            let outputs: Vec<&str> = names.iter().copied().filter(|n| *n != "REPORT").collect();
            return usage(format!(
                "{} and the report {} to merge name the same file: the merge would replace it; \
                 write the merged report elsewhere",
                crate::files::and_list(&outputs),
                input.display()
            ));
        }
    }
    let config = match args.config.as_deref().map(Config::load).transpose() {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let mut reports = Vec::new();
    for path in &args.reports {
        match pipeline::read_report(path, &path.display().to_string()) {
            Ok(r) => reports.push(r),
            Err(e) => return usage(e),
        }
    }
    let baseline = match baseline(&args.report) {
        Ok(b) => b,
        Err(e) => return usage(e),
    };
    if let Some((path, s)) = args
        .reports
        .iter()
        .zip(&reports)
        .find_map(|(p, r)| r.shard.filter(|s| !s.is_valid()).map(|s| (p, s)))
    {
        return usage(format!(
            "{}: shard {}/{} is no shard (1 <= I <= N <= {})",
            path.display(),
            s.index,
            s.count,
            probe_core::report::ShardOf::MAX_COUNT
        ));
    }
    // Shards of different splits (2/3 beside 2/5) hold overlapping slices: no merge of them
    // says what was scanned (an audit's: exit 3 with stand-ins for shards that never existed).
    let mut splits: Vec<usize> = reports
        .iter()
        .filter_map(|r| r.shard.map(|s| s.count))
        .collect();
    splits.sort_unstable();
    splits.dedup();
    if splits.len() > 1 {
        let listed: Vec<String> = splits.iter().map(|n| format!("of {n}")).collect();
        return usage(format!(
            "the reports are shards of different splits ({}): merge the shards of one run",
            listed.join(", ")
        ));
    }
    // Shards cut from different target lists (another config's, a stale artifact of another
    // run's) are no shards of one run: merged, the targets of the shards they stand for would
    // never be scanned, and nothing would say so (review T: exit 0 over three broken targets).
    let mut lists: Vec<u32> = reports
        .iter()
        .flat_map(|r| r.shard.iter().chain(&r.shards))
        .filter_map(|s| s.list)
        .collect();
    lists.sort_unstable();
    lists.dedup();
    if lists.len() > 1 {
        return usage(
            "the reports are shards of different target lists (another config, or a shard of \
             another run): merge the shards of one run",
        );
    }
    // A shard that never reported (a crashed job) must not merge into a pass. Its targets are
    // known only where the config lists them: those missing are each listed as not scanned
    // (exit 3). Where none of the config's is missing, the shard may still have held targets
    // given to each job (`api-url`, URLs on the command line): it stands in the merged report
    // as not scanned (exit 3), so every output says so, a later merge too.
    let missing_shards = probe_core::policy::missing_shards(&reports);
    let mut report = probe_core::policy::merge(reports);
    let config_missing: Vec<probe_core::target::Target> = config
        .iter()
        .flat_map(|c| c.targets())
        .filter(|t| !report.targets.iter().any(|r| r.url == t.url))
        .collect();
    for s in &missing_shards {
        crate::err_line!(
            "error: shard {}/{} did not report: its targets were not scanned",
            s.index,
            s.count
        );
    }
    if config_missing.is_empty() {
        // An earlier merge's stand-in for a shard still missing stays, once.
        let stand_ins: Vec<_> = missing_shards
            .iter()
            .filter(|s| !report.targets.iter().any(|t| t.url == s.label()))
            .map(|s| probe_core::policy::unreported_shard(*s))
            .collect();
        report.targets.extend(stand_ins);
    }
    report.regrade();
    if config.is_some() {
        for t in config_missing {
            report.targets.push(probe_core::engine::failed(
                &t,
                probe_core::policy::UNREPORTED_TARGET.to_owned(),
            ));
        }
        report.targets.sort_by(|a, b| a.url.cmp(&b.url));
        report.regrade();
    }
    // Judged under the config given to the merge, not the ones the shards ran with.
    if config.is_some() {
        probe_core::policy::clear(&mut report);
    }
    if report.targets.is_empty() {
        crate::err_line!("error: the merged reports hold no target: nothing was scanned");
        return Ok(Exit::TargetError);
    }
    let threshold = Threshold::resolve(
        args.report.fail_under,
        pipeline::fail_under(None, config.as_ref()),
    );
    let sarif = sarif_options(&args.report, args.config.as_deref(), config.as_ref(), None);
    finish_with(
        &mut report,
        config.as_ref(),
        baseline.as_ref(),
        &args.report,
        threshold,
        &sarif,
    )
}

/// The SARIF's options: results on the config's `url:` lines (its path relative to the
/// repository: `GITHUB_WORKSPACE`, else the nearest directory with `.git`), the category and the
/// shard.
fn sarif_options(
    opts: &ReportOpts,
    path: Option<&Path>,
    config: Option<&Config>,
    shard: Option<(usize, usize)>,
) -> SarifOptions {
    let location = match (path, config) {
        (Some(p), Some(c)) => {
            let env = crate::github::env::Env::from_process();
            let root = crate::github::context::repository_root(&env, p);
            crate::github::context::config_location(&root, p, c)
        }
        _ => None,
    };
    SarifOptions {
        location,
        category: opts.sarif_category.clone(),
        shard,
    }
}

/// The `--baseline` report; `--fail-on new` needs one. A file that does not exist (yet) is a
/// warning and an empty baseline: every finding is then new ([`pipeline::read_baseline`]).
pub(crate) fn baseline(opts: &ReportOpts) -> Result<Option<Report>, String> {
    match &opts.baseline {
        Some(path) => {
            let shown = path.display().to_string();
            match pipeline::read_baseline(path, &shown) {
                Ok(Some(report)) => Ok(Some(report)),
                Ok(None) => {
                    crate::err_line!("warning: --baseline: {}", pipeline::no_baseline(&shown));
                    Ok(Some(Report::new(Vec::new(), 0.0)))
                }
                Err(e) => Err(format!("--baseline: {e}")),
            }
        }
        None if opts.fail_on == FailOn::New => Err("--fail-on new needs --baseline".to_owned()),
        None => Ok(None),
    }
}

/// Policy, baseline, outputs and exit code: shared by `scan` and `merge` (SARIF with its default
/// options; see [`finish_with`]).
pub(crate) fn finish(
    report: &mut Report,
    config: Option<&Config>,
    baseline: Option<&Report>,
    opts: &ReportOpts,
    threshold: Option<Grade>,
) -> anyhow::Result<Exit> {
    let sarif = SarifOptions {
        category: opts.sarif_category.clone(),
        ..SarifOptions::default()
    };
    finish_with(report, config, baseline, opts, threshold, &sarif)
}

/// [`finish`], with the SARIF's location, category and shard.
fn finish_with(
    report: &mut Report,
    config: Option<&Config>,
    baseline: Option<&Report>,
    opts: &ReportOpts,
    threshold: Option<Grade>,
    sarif: &SarifOptions,
) -> anyhow::Result<Exit> {
    for w in pipeline::apply_policy(report, config, baseline) {
        crate::err_line!("warning: {w}");
    }
    write_reports(report, opts, threshold, sarif)?;
    let gate = Gate {
        fail_under: threshold,
        fail_on: opts.fail_on,
        fail_on_incomplete: opts.fail_on_incomplete,
    };
    let decision = gate.decide(report);
    explain(report, &gate, &decision);
    Ok(decision.exit)
}

/// The report in `--format` to `--output` (else stdout), and the `--json`, `--sarif` and
/// `--markdown` copies.
fn write_reports(
    report: &Report,
    opts: &ReportOpts,
    threshold: Option<Grade>,
    sarif: &SarifOptions,
) -> anyhow::Result<()> {
    let color = use_color(opts.color, opts.output_file().is_some());
    let render = |r: &Report, f: Format, c: bool, t: Option<Grade>| {
        render_sarif_with(r, f, c, t, (opts.fail_on, !opts.fail_on_incomplete), sarif)
    };
    let main = opts.output_file().unwrap_or(Path::new("-"));
    if opts.format == Format::Json {
        write_json(main, report)?;
    } else {
        write(main, &render(report, opts.format, color, threshold)?)?;
    }
    if let Some(p) = &opts.json {
        write_json(p, report)?;
    }
    if let Some(p) = &opts.sarif {
        write(p, &render(report, Format::Sarif, false, threshold)?)?;
    }
    if let Some(p) = &opts.markdown {
        write(p, &render(report, Format::Markdown, false, threshold)?)?;
    }
    Ok(())
}

/// Says on stderr why the run fails (or only warns), in the flags' terms.
fn explain(report: &Report, gate: &Gate, decision: &Decision) {
    let new = &decision.new_findings;
    if !new.is_empty() {
        crate::err_line!(
            "{} new finding{} against the baseline: {}",
            new.len(),
            if new.len() == 1 { "" } else { "s" },
            new.join(", ")
        );
    }
    if decision.exit == Exit::BelowThreshold && decision.below_threshold {
        if let Some(t) = gate.fail_under {
            crate::err_line!("grade {} is below the threshold {t}", report.grade);
        }
    }
    if let Some(line) = crate::render::not_scanned_line(report, true) {
        crate::err_line!("error: {} (exit 3)", crate::render::text::clean(&line));
    }
    if let Some(line) = report.incomplete_line() {
        let (level, consequence) = if decision.exit == Exit::Incomplete {
            ("error", "exit 3")
        } else if gate.fail_on_incomplete {
            ("warning", "the run fails anyway")
        } else {
            ("warning", "--fail-on-incomplete false: a warning only")
        };
        crate::err_line!("{level}: {line} ({consequence})");
    }
}

/// Fails before any scan when the outputs cannot all be written as given: more than one of them
/// on stdout (`-`), two on one file, one on the `--baseline` file, or one that cannot be
/// written. `extra` are a command's own outputs (`--ca-out`).
pub fn check_outputs(opts: &ReportOpts, extra: &[(&'static str, &Path)]) -> anyhow::Result<()> {
    let stdout = opts.to_stdout();
    if stdout.len() > 1 {
        anyhow::bail!(
            "{} would each write to stdout: only one output may be `-` (give -o FILE for the \
             --format report)",
            crate::files::and_list(&stdout)
        );
    }
    let mut named = opts.named_paths();
    named.extend(extra.iter().copied());
    // A path that is where stdout already goes (`--json /dev/stdout`, `/dev/fd/1`, or the file
    // stdout is redirected to: `--json r.json > r.json`) is a second output on stdout: the two
    // reports would run together, or one replace the other (an audit's `json.load` failed).
    if let Some(first) = stdout.first() {
        if let Some((flag, path)) = named.iter().find(|(_, p)| is_where_stdout_goes(p)) {
            anyhow::bail!(
                "{flag} {} is where stdout goes, and {first} writes there too: give it another file",
                path.display()
            );
        }
    }
    check_distinct(&named, opts.baseline.as_deref())?;
    let paths: Vec<&Path> = named.iter().map(|(_, p)| *p).collect();
    check_writable(&paths)
}

/// Whether `path` is the file or pipe this process's stdout writes to (the same device and
/// inode; a terminal or `/dev/null` takes any number of writers). Unix only; elsewhere never.
fn is_where_stdout_goes(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd as _;
        use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
        let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
            return false;
        };
        let (Ok(out), Ok(named)) = (std::fs::File::from(fd).metadata(), std::fs::metadata(path))
        else {
            return false;
        };
        let kind = out.file_type();
        (kind.is_file() || kind.is_fifo() || kind.is_socket())
            && out.dev() == named.dev()
            && out.ino() == named.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Fails before any scan when two outputs name one file (`-o X --sarif X`, or paths that
/// resolve to it: a symlink, even to a file not there yet, or a hard link): the later write
/// would silently replace the earlier one. An output on the `baseline` file is refused too: a
/// failing run would write its own findings over the baseline, and the next run, compared with
/// them, would pass with the regression "accepted".
pub fn check_distinct(outputs: &[(&str, &Path)], baseline: Option<&Path>) -> anyhow::Result<()> {
    let mut all: Vec<(&str, &Path)> = outputs.to_vec();
    all.extend(baseline.map(|b| ("--baseline", b)));
    let groups = crate::files::same_destinations(&all, true);
    let shown = |names: &[&str]| {
        all.iter()
            .find(|(n, _)| names.first() == Some(n))
            .map_or_else(String::new, |(_, p)| format!(" ({})", p.display()))
    };
    if let Some(names) = groups.iter().find(|g| g.contains(&"--baseline")) {
        let outputs: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| *n != "--baseline")
            .collect();
        anyhow::bail!(
            "--baseline and {} name the same file{}: this run would overwrite its own baseline, \
             and a failing run's findings would become the next run's baseline (its regressions \
             no longer new); write the report elsewhere and copy it to the baseline after a run \
             that passes, or one whose findings you accept",
            crate::files::and_list(&outputs),
            shown(names)
        );
    }
    let clashes: Vec<String> = groups
        .iter()
        .map(|names| {
            format!(
                "{} name the same file{}",
                crate::files::and_list(names),
                shown(names)
            )
        })
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{}: one would overwrite the other; give each output its own path",
        clashes.join("; ")
    )
}

/// Fails before any scan when a report path cannot be written: a scan of many minutes must not
/// end in "cannot write". An existing file is left as it is (opened to append, nothing written).
pub fn check_writable(paths: &[&Path]) -> anyhow::Result<()> {
    for path in paths {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Writes the JSON report as it is serialised (never whole in memory): to stdout when its path
/// is `-`, where a closed pipe is no error.
fn write_json(path: &Path, report: &Report) -> anyhow::Result<()> {
    let written = if super::args::is_stdout(path) {
        match render::json::write_to(report, std::io::stdout().lock()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    } else {
        std::fs::File::create(path).and_then(|f| render::json::write_to(report, f))
    };
    written.with_context(|| format!("writing {}", path.display()))
}

/// Writes an output: to stdout when its path is `-`.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if super::args::is_stdout(path) {
        return Ok(stdout::write(text)?);
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
