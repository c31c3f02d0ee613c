//! Bounded reads and contained writes, for every file a front end reads or writes on a user's
//! behalf.
//!
//! - [`read_text`]: a regular file only (a directory, a FIFO, a device such as `/dev/zero` is
//!   refused at once, before it is opened), and at most a limit of bytes (a larger file is
//!   refused, not read in part); a leading UTF-8 byte-order mark (Windows editors write one) is
//!   dropped. Errors name the file and what is wrong, never what it holds; a binary PEM file
//!   says what it looks like (DER, PKCS#12) and how to convert it.
//! - [`check_regular`]: the same checks, for a file another component reads (the CA files).
//! - [`write_contained`]: writes a report without following a symlink at its path or on the way
//!   to it (a temporary file in the same directory, renamed over the destination).

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// Most bytes of a PEM file (a key, a certificate chain, a CA bundle).
pub const PEM_LIMIT: u64 = 4 * 1024 * 1024;
/// Most bytes of a config file (50,000 targets take about 3 MiB).
pub const CONFIG_LIMIT: u64 = 32 * 1024 * 1024;
/// Most bytes of a JSON report read back (a baseline, a shard's report).
pub const REPORT_LIMIT: u64 = 512 * 1024 * 1024;
/// Most bytes of the runner's event file (`GITHUB_EVENT_PATH`; GitHub caps webhook payloads at
/// 25 MB).
pub const EVENT_LIMIT: u64 = 32 * 1024 * 1024;

/// Why a file was not read; never quotes its contents.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No such file.
    #[error("no such file")]
    NotFound,
    /// Not a regular file.
    #[error("{0}, not a regular file")]
    NotRegular(&'static str),
    /// Larger than the limit.
    #[error("{size} bytes, more than the {limit} bytes allowed for {what}")]
    TooLarge {
        /// Its size (at least).
        size: u64,
        /// The limit.
        limit: u64,
        /// What the file is (`a PEM file`).
        what: &'static str,
    },
    /// Not UTF-8 text; for a PEM file, what it looks like instead and how to convert it
    /// ([`binary_hint`]), else empty.
    #[error("not UTF-8 text{0}")]
    NotText(&'static str),
    /// Any other I/O error.
    #[error("{0}")]
    Io(std::io::Error),
}

impl ReadError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

fn io(e: std::io::Error) -> ReadError {
    if e.kind() == std::io::ErrorKind::NotFound {
        ReadError::NotFound
    } else {
        ReadError::Io(e)
    }
}

/// Checks that `path` (symlinks followed) is a regular file of at most `limit` bytes.
pub fn check_regular(path: &Path, limit: u64, what: &'static str) -> Result<(), ReadError> {
    let meta = match std::fs::metadata(path) {
        // A link whose target is gone is there, and no file: never "nothing there yet".
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_ok() =>
        {
            return Err(ReadError::NotRegular("a symbolic link to nothing"));
        }
        other => other.map_err(io)?,
    };
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
            what,
        });
    }
    Ok(())
}

/// The UTF-8 byte-order mark, which some editors put at the start of a text file.
pub const BOM: &str = "\u{feff}";

/// `text` without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// What a binary file given where PEM text is expected looks like, and how to convert it (a
/// DER certificate or key, a PKCS#12 bundle: each a DER SEQUENCE, told apart by what opens
/// it), as a suffix for [`ReadError::NotText`]; empty when it looks like none of them.
pub fn binary_hint(bytes: &[u8]) -> &'static str {
    // A SEQUENCE (0x30) with a short or long length, then what it opens with.
    let body = match bytes {
        [0x30, len, rest @ ..] if *len < 0x80 => rest,
        [0x30, len @ 0x81..=0x84, rest @ ..] => rest.get(usize::from(len - 0x80)..).unwrap_or(&[]),
        _ => return "",
    };
    match body {
        // PFX: version INTEGER 3.
        [0x02, 0x01, 0x03, ..] => {
            ": it looks like PKCS#12 (.p12/.pfx): convert it to PEM with `openssl pkcs12 -in FILE \
             -nodes -out FILE.pem` (then give the certificate and the key as separate files)"
        }
        // PKCS#8, PKCS#1 (version 0) or SEC1 (version 1) private key.
        [0x02, 0x01, 0x00 | 0x01, ..] => {
            ": it looks like a DER private key: convert it to PEM with `openssl pkey -inform der \
             -in FILE -out FILE.pem`"
        }
        // A certificate: its TBSCertificate SEQUENCE.
        [0x30, ..] => {
            ": it looks like DER: convert it to PEM with `openssl x509 -inform der -in FILE -out \
             FILE.pem`"
        }
        _ => "",
    }
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text, without a leading byte-order
/// mark. A PEM file (`what` is `"a PEM file"`) that is binary says what it looks like.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    check_regular(path, limit, what)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may have grown since: never read more than the limit.
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
            what,
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with(BOM) {
                text.drain(..BOM.len());
            }
            Ok(text)
        }
        Err(e) if what == "a PEM file" => Err(ReadError::NotText(binary_hint(e.as_bytes()))),
        Err(_) => Err(ReadError::NotText("")),
    }
}

/// Why a report path was refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// Absolute, and not under an allowed root.
    #[error("an absolute path outside the workspace and RUNNER_TEMP: give a path relative to the workspace")]
    Absolute,
    /// Climbs out with `..`.
    #[error("a path with `..`: give a path inside the workspace")]
    Parent,
    /// Empty or a directory.
    #[error("not a file name")]
    NotAFile,
    /// A directory on its way is a symlink (never followed) or a file; or it names a directory.
    #[error("not writable: {0}")]
    Unwritable(String),
}

/// Resolves an output path given by a user: relative to `workspace`, or absolute under one of
/// `roots` (the workspace, `RUNNER_TEMP`); never with a `..` component.
pub fn contained(workspace: &Path, roots: &[PathBuf], given: &str) -> Result<PathBuf, PathError> {
    let p = Path::new(given);
    if given.trim().is_empty() || given.ends_with('/') || given.ends_with('\\') {
        return Err(PathError::NotAFile);
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(PathError::Parent);
    }
    let (root, path) = if p.is_absolute() || p.has_root() {
        match roots.iter().find(|r| p.starts_with(r) && p != r.as_path()) {
            Some(r) => (r.as_path(), p.to_path_buf()),
            None => return Err(PathError::Absolute),
        }
    } else {
        (workspace, workspace.join(p))
    };
    // What the write will refuse, refused now: before the scan, not after it.
    walk_parents(root, &path, false).map_err(|e| PathError::Unwritable(e.to_string()))?;
    Ok(path)
}

/// Walks the directories from `root` down to `path`'s parent: a symlink among them (never
/// followed) or a file is an error, and so is a directory at `path` itself; a directory that does
/// not exist yet is made when `create`, else the walk ends there (nothing below it exists).
fn walk_parents(root: &Path, path: &Path, create: bool) -> std::io::Result<()> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut dir = root.to_path_buf();
    let parents: Vec<Component<'_>> = rel.parent().map_or_else(Vec::new, |p| {
        p.components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect()
    });
    for c in parents {
        dir.push(c);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(std::io::Error::other(format!(
                    "{} is a symlink: not followed",
                    dir.display()
                )))
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is not a directory",
                    dir.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                std::fs::create_dir(&dir)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if m.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is a directory",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Where a file would be written, for comparing two outputs: absolute (relative to the current
/// directory), `.` and `..` resolved, the parent directory's symlinks resolved when it exists,
/// and with `follow`, a symlink at the path itself too (a plain write follows it;
/// [`write_contained`] replaces it), even one whose target does not exist yet (a write creates
/// it there).
pub fn destination(path: &Path, follow: bool) -> PathBuf {
    let mut path = path.to_path_buf();
    if follow {
        // A chain of links, each relative to its own directory; at most 40, as the kernel.
        for _ in 0..40 {
            if let Ok(p) = std::fs::canonicalize(&path) {
                return p;
            }
            match std::fs::read_link(&path) {
                Ok(target) => {
                    path = match path.parent() {
                        Some(dir) if target.is_relative() => dir.join(target),
                        _ => target,
                    };
                }
                Err(_) => break,
            }
        }
    }
    let absolute = if path.is_absolute() {
        path
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    match (out.parent(), out.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(out),
        _ => out,
    }
}

/// The device and inode of an existing file (symlinks followed): two names of one file (a hard
/// link) share them.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Path) -> Option<(u64, u64)> {
    None
}

/// The outputs (each named as its option or input, e.g. `--sarif`) that would be written to the
/// same file as another: each group of two or more names, in the order given. With `follow`
/// (writes that follow a symlink at the path and write into the file, as `std::fs::write`), two
/// names of one existing file (a hard link) are one file too.
pub fn same_destinations<'a>(outputs: &[(&'a str, &Path)], follow: bool) -> Vec<Vec<&'a str>> {
    type Group<'a> = (PathBuf, Option<(u64, u64)>, Vec<&'a str>);
    let mut groups: Vec<Group<'a>> = Vec::new();
    for (name, path) in outputs {
        let d = destination(path, follow);
        let id = if follow { file_id(&d) } else { None };
        let same = |(p, i, _): &&mut Group<'a>| *p == d || (id.is_some() && *i == id);
        match groups.iter_mut().find(same) {
            Some((_, _, names)) => names.push(name),
            None => groups.push((d, id, vec![name])),
        }
    }
    groups
        .into_iter()
        .map(|(_, _, names)| names)
        .filter(|names| names.len() > 1)
        .collect()
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Writes `text` to `path` without following symlinks: every existing directory between `root`
/// and `path` must be a real directory (not a symlink), and the file is written to a temporary
/// file beside it, then renamed over it (a symlink at `path` is replaced, its target untouched).
pub fn write_contained(root: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    walk_parents(root, path, true)?;
    let parent = path.parent().unwrap_or(root);
    let mut tmp = tempfile::Builder::new()
        .prefix(".mtls-scan-")
        .tempfile_in(parent)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing at the path is "not found"; a link to nothing is there, and no file.
    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_not_a_missing_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let nothing = dir.path().join("nothing");
        assert!(check_regular(&nothing, 10, "a test").is_err_and(|e| e.is_not_found()));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&nothing, &link)?;
        let e = check_regular(&link, 10, "a test").err();
        assert!(
            matches!(e, Some(ReadError::NotRegular("a symbolic link to nothing"))),
            "{e:?}"
        );
        Ok(())
    }

    #[test]
    fn refuses_what_is_not_a_small_regular_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 100])?;
        assert!(matches!(
            read_text(&big, 10, "a test"),
            Err(ReadError::TooLarge { .. })
        ));
        assert_eq!(read_text(&big, 100, "a test")?.len(), 100);
        assert!(matches!(
            read_text(dir.path(), 10, "x"),
            Err(ReadError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 10, "x"),
            Err(ReadError::NotRegular("a device"))
        ));
        assert!(read_text(&dir.path().join("none"), 10, "x").is_err_and(|e| e.is_not_found()));
        Ok(())
    }

    #[test]
    fn output_paths_stay_inside() {
        let ws = Path::new("/w");
        let roots = [PathBuf::from("/w"), PathBuf::from("/tmp/runner")];
        assert_eq!(
            contained(ws, &roots, "out/a.sarif").ok(),
            Some(PathBuf::from("/w/out/a.sarif"))
        );
        assert!(matches!(
            contained(ws, &roots, "../a.sarif"),
            Err(PathError::Parent)
        ));
        assert!(matches!(
            contained(ws, &roots, "/etc/passwd"),
            Err(PathError::Absolute)
        ));
        assert!(contained(ws, &roots, "/tmp/runner/x.sarif").is_ok());
        assert!(matches!(
            contained(ws, &roots, "out/"),
            Err(PathError::NotAFile)
        ));
    }

    /// What the write would refuse is refused when the path is given (before a scan): a
    /// symlinked directory on the way, a file on the way, a directory at the path.
    #[cfg(unix)]
    #[test]
    fn unwritable_outputs_are_refused_when_given() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let ws = dir.path().join("ws");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(ws.join("real"))?;
        std::fs::create_dir(&outside)?;
        std::os::unix::fs::symlink(&outside, ws.join("linkdir"))?;
        std::fs::write(ws.join("file"), "x")?;
        let roots = [ws.clone()];
        for (given, why) in [
            ("linkdir/r.json", "is a symlink: not followed"),
            ("linkdir/new/r.json", "is a symlink: not followed"),
            ("file/r.json", "is not a directory"),
            ("real", "is a directory"),
        ] {
            match contained(&ws, &roots, given) {
                Err(PathError::Unwritable(e)) => assert!(e.contains(why), "{given}: {e}"),
                other => panic!("{given}: {other:?}"),
            }
        }
        for given in ["real/r.json", "new/dir/r.json", "r.json"] {
            assert_eq!(contained(&ws, &roots, given).ok(), Some(ws.join(given)));
        }
        assert!(!ws.join("new").exists(), "checking makes no directory");
        Ok(())
    }

    /// Two outputs on one file are found whatever the spelling: `./x`, `d/../x`, an absolute
    /// path, a symlinked directory; a symlink at the path itself only when writes follow it.
    #[test]
    fn outputs_on_one_file_are_found() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        std::fs::create_dir(d.join("sub"))?;
        let a = d.join("a.json");
        let same = [
            ("--output", a.clone()),
            ("--json", d.join("b.json")),
            ("--sarif", d.join("./sub/../a.json")),
            ("--markdown", d.join("sub/../b.json")),
        ];
        let given: Vec<(&str, &Path)> = same.iter().map(|(n, p)| (*n, p.as_path())).collect();
        assert_eq!(
            same_destinations(&given, true),
            [vec!["--output", "--sarif"], vec!["--json", "--markdown"]]
        );
        assert!(same_destinations(&given[..2], true).is_empty());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.join("sub"), d.join("link"))?;
            let via = d.join("link/c.sarif");
            let real = d.join("sub/c.sarif");
            let pair = [
                ("report-file", via.as_path()),
                ("sarif-file", real.as_path()),
            ];
            assert_eq!(
                same_destinations(&pair, false),
                [vec!["report-file", "sarif-file"]]
            );
            std::os::unix::fs::symlink(&a, d.join("to-a.json"))?;
            let to_a = d.join("to-a.json");
            let pair = [("--json", to_a.as_path()), ("--sarif", a.as_path())];
            std::fs::write(&a, "x")?;
            assert_eq!(same_destinations(&pair, true).len(), 1);
            assert!(same_destinations(&pair, false).is_empty());
        }
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        Ok(())
    }

    /// A leading byte-order mark is dropped (one inside is kept); a binary file given as PEM
    /// says what it looks like.
    #[test]
    fn a_byte_order_mark_is_dropped_and_binary_pem_is_named(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("x.pem");
        std::fs::write(&p, "\u{feff}-----BEGIN X-----\u{feff}")?;
        assert_eq!(
            read_text(&p, 100, "a PEM file")?,
            "-----BEGIN X-----\u{feff}"
        );
        assert_eq!(strip_bom("\u{feff}a"), "a");
        for (bytes, want) in [
            (
                &[0x30, 0x82, 0x01, 0x00, 0x30, 0x82, 0xff][..],
                "looks like DER",
            ),
            (&[0x30, 0x81, 0x90, 0x02, 0x01, 0x03, 0xff][..], "PKCS#12"),
            (
                &[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0xff][..],
                "DER private key",
            ),
        ] {
            std::fs::write(&p, bytes)?;
            let e = read_text(&p, 100, "a PEM file")
                .err()
                .map(|e| e.to_string());
            assert!(
                e.as_ref().is_some_and(|e| e.contains(want)),
                "{bytes:?}: {e:?}"
            );
            let e = read_text(&p, 100, "a JSON report")
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                e.as_deref(),
                Some("not UTF-8 text"),
                "a hint for PEM files only"
            );
        }
        assert_eq!(binary_hint(&[0xff, 0x30]), "");
        assert_eq!(binary_hint(&[0x30]), "");
        assert_eq!(binary_hint(&[0x30, 0x84]), "", "a length cut short");
        Ok(())
    }

    /// A symlink to a file not there yet, or a chain of them, is the file a write through it
    /// creates; a hard link is the file it names.
    #[cfg(unix)]
    #[test]
    fn links_to_one_file_are_one_destination() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        std::fs::create_dir(d.join("sub"))?;
        std::os::unix::fs::symlink("sub/target.out", d.join("one"))?;
        std::os::unix::fs::symlink("one", d.join("two"))?;
        std::os::unix::fs::symlink(d.join("loop"), d.join("loop"))?;
        let target = d.join("sub/../sub/target.out");
        let pair = |a: &Path, b: &Path, follow: bool| {
            same_destinations(&[("--json", a), ("--sarif", b)], follow).len()
        };
        assert_eq!(pair(&d.join("two"), &target, true), 1);
        assert_eq!(pair(&d.join("two"), &target, false), 0, "a link replaced");
        assert_eq!(pair(&d.join("loop"), &target, true), 0, "a loop ends");
        std::fs::write(d.join("sub/target.out"), "x")?;
        std::fs::hard_link(d.join("sub/target.out"), d.join("hard"))?;
        assert_eq!(pair(&d.join("hard"), &target, true), 1);
        assert_eq!(
            pair(&d.join("hard"), &target, false),
            0,
            "renamed over: apart"
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn writes_never_follow_symlinks() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let ws = dir.path().join("ws");
        std::fs::create_dir(&ws)?;
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep")?;
        std::os::unix::fs::symlink(&victim, ws.join("a.sarif"))?;
        write_contained(&ws, &ws.join("a.sarif"), "new")?;
        assert_eq!(std::fs::read_to_string(&victim)?, "keep");
        assert_eq!(std::fs::read_to_string(ws.join("a.sarif"))?, "new");
        std::os::unix::fs::symlink(dir.path(), ws.join("up"))?;
        assert!(write_contained(&ws, &ws.join("up/b.sarif"), "x").is_err());
        assert!(!dir.path().join("b.sarif").exists());
        write_contained(&ws, &ws.join("d/e/c.sarif"), "x")?;
        assert!(ws.join("d/e/c.sarif").is_file());
        Ok(())
    }
}
