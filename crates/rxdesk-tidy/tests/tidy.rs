//! The repository's house rules, checked on every `cargo test --workspace`.
//!
//! Each test names the rule, says why it exists, and on failure lists every
//! offending place so the fix is obvious. The rules:
//! - every Rust source file opens with a `//!` module doc saying why it exists;
//! - crate dependencies point the way ARCHITECTURE.md draws them (the domain
//!   core depends on no other RxDesk crate; no production crate depends on the
//!   center emulator or the demo world; only `rxdesk-gm` links the 国密
//!   primitives; only `rxdesk-store` links SQLite through rusqlite; only
//!   `rxdesk-chain` links sqlx; only `rxdesk-devices` loads vendor libraries);
//! - every crate inherits `[workspace.lints]`;
//! - the code cites no document that is not in the repository (the reference
//!   notes outside it, or issue numbers), and every `docs/…` path it cites exists;
//! - fuzz corpora are not tracked file by file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Directories never walked: build output, installed packages, fuzz output.
fn skipped(dir: &Path) -> bool {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(
        name,
        "target" | "node_modules" | "corpus" | "artifacts" | "dist" | ".git" | ".tools"
    ) || name.starts_with("target-")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if !skipped(&p) {
                walk(&p, out, keep);
            }
        } else if keep(&p) {
            out.push(p);
        }
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for top in ["crates", "src-tauri", "benches"] {
        walk(&root.join(top), &mut out, &|p| {
            p.extension().is_some_and(|e| e == "rs")
        });
    }
    out
}

/// The first line that is not blank, an inner attribute or a plain comment.
fn opens_with_module_doc(text: &str) -> bool {
    for line in text.lines() {
        let s = line.trim();
        if s.is_empty() || s.starts_with("#![") || (s.starts_with("//") && !s.starts_with("//!")) {
            continue;
        }
        return s.starts_with("//!");
    }
    false
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    // Why: a reader landing in any file learns why it exists before how.
    let root = repo_root();
    let files = rust_files(&root);
    assert!(files.len() > 100, "walked too few files: {}", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap_or_default();
            !opens_with_module_doc(&text)
        })
        .map(|p| rel(&root, p))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` module doc:\n  {}",
        missing.join("\n  ")
    );
}

/// One manifest: its package name and its normal (non-dev) dependencies.
struct Manifest {
    name: String,
    deps: Vec<String>,
    lints_workspace: bool,
    /// Optional dependencies that only the feature `demo` turns on
    /// (`demo = ["dep:X"]`, no other feature naming X).
    demo_feature_only: Vec<String>,
    /// Where this manifest turns on another crate's `demo` feature other
    /// than through its own `demo` feature: a normal dependency declared
    /// with `features = ["demo"]`, or a feature other than `demo` naming
    /// `X/demo` (each entry says which).
    demo_turned_on: Vec<String>,
}

/// Where `v` turns on a `demo` feature of a dependency other than through
/// its own `demo` feature.
fn demo_turned_on(v: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = v.get("dependencies").and_then(|t| t.as_table()) {
        for (name, d) in t {
            let on = d
                .get("features")
                .and_then(|f| f.as_array())
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("demo")));
            if on {
                out.push(format!("dependency {name} with features = [\"demo\"]"));
            }
        }
    }
    if let Some(fs) = v.get("features").and_then(|f| f.as_table()) {
        for (feature, items) in fs.iter().filter(|(k, _)| k.as_str() != "demo") {
            for i in items.as_array().into_iter().flatten() {
                if let Some(i) = i.as_str().filter(|i| i.ends_with("/demo")) {
                    out.push(format!("feature {feature} = [\"{i}\"]"));
                }
            }
        }
    }
    out
}

/// The optional dependencies of `v` that only its `demo` feature enables.
fn demo_feature_only(v: &toml::Value) -> Vec<String> {
    let optional: Vec<String> = v
        .get("dependencies")
        .and_then(|t| t.as_table())
        .map(|t| {
            t.iter()
                .filter(|(_, d)| d.get("optional").and_then(|o| o.as_bool()) == Some(true))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let features = v.get("features").and_then(|f| f.as_table());
    let names = |f: &toml::Value| -> Vec<String> {
        f.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    optional
        .into_iter()
        .filter(|d| {
            let mention = |items: &[String]| {
                items
                    .iter()
                    .any(|i| i == &format!("dep:{d}") || i == d || i.starts_with(&format!("{d}/")))
            };
            features.is_some_and(|fs| {
                fs.get("demo").is_some_and(|f| mention(&names(f)))
                    && fs
                        .iter()
                        .filter(|(k, _)| k.as_str() != "demo")
                        .all(|(_, f)| !mention(&names(f)))
            })
        })
        .collect()
}

fn dep_names(table: Option<&toml::Value>) -> Vec<String> {
    table
        .and_then(|t| t.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

fn manifests(root: &Path) -> Vec<Manifest> {
    let mut paths = vec![root.join("Cargo.toml")];
    let mut crates: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|p| p.is_file())
        .collect();
    crates.sort();
    paths.extend(crates);
    paths
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).expect("manifest");
            let v: toml::Value = text
                .parse()
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = v["package"]["name"]
                .as_str()
                .expect("package.name")
                .to_string();
            let mut deps = dep_names(v.get("dependencies"));
            if let Some(targets) = v.get("target").and_then(|t| t.as_table()) {
                for t in targets.values() {
                    deps.extend(dep_names(t.get("dependencies")));
                }
            }
            let lints_workspace = v
                .get("lints")
                .and_then(|l| l.get("workspace"))
                .and_then(|w| w.as_bool())
                .unwrap_or(false);
            Manifest {
                name,
                deps,
                lints_workspace,
                demo_feature_only: demo_feature_only(&v),
                demo_turned_on: demo_turned_on(&v),
            }
        })
        .collect()
}

/// Crates that ship in the product: the desktop app and what it links, and
/// the chain's head-office server (`rxdesk-hq`, a production server that is
/// not part of the desktop) with its database layer and the sync protocol
/// both ends share.
const PRODUCTION: &[&str] = &[
    "rxdesk-desktop",
    "rxdesk-app",
    "rxdesk-core",
    "rxdesk-gm",
    "rxdesk-wire",
    "rxdesk-center",
    "rxdesk-store",
    "rxdesk-devices",
    "rxdesk-receipts",
    "rxdesk-sync",
    "rxdesk-chain",
    "rxdesk-hq",
];

/// The composition root (`rxdesk_app::app`): the one production crate that
/// may link `rxdesk-demo`, and only as an optional dependency of its `demo`
/// feature (it seeds the demo pharmacy on a demo first start).
const COMPOSITION_ROOT: &str = "rxdesk-app";

/// The rehearsal world: never a dependency of a production crate.
const DEMO_WORLD: &[&str] = &["rxdesk-center-sim", "rxdesk-demo"];

fn violations(ms: &[Manifest]) -> Vec<String> {
    let mut bad = Vec::new();
    // Which crates may link which outside libraries, and why.
    let exclusive: BTreeMap<&str, (&[&str], &str)> = BTreeMap::from([
        (
            "sm2",
            (
                &["rxdesk-gm"][..],
                "all 国密 crypto goes through rxdesk_gm::primitives",
            ),
        ),
        (
            "sm3",
            (
                &["rxdesk-gm"][..],
                "all 国密 crypto goes through rxdesk_gm::primitives",
            ),
        ),
        (
            "sm4",
            (
                &["rxdesk-gm"][..],
                "all 国密 crypto goes through rxdesk_gm::primitives",
            ),
        ),
        (
            "efficient-sm2",
            (
                &["rxdesk-gm"][..],
                "all 国密 crypto goes through rxdesk_gm::primitives",
            ),
        ),
        (
            "rusqlite",
            (
                &["rxdesk-store"][..],
                "the store is the only crate that opens the database",
            ),
        ),
        (
            "sqlx",
            (
                &["rxdesk-chain"][..],
                "head office's chain database (PostgreSQL and SQLite, one set of queries) is opened only by rxdesk-chain",
            ),
        ),
        (
            "libloading",
            (
                &["rxdesk-devices"][..],
                "vendor libraries are loaded only on rxdesk-devices' vendor threads",
            ),
        ),
    ]);
    for m in ms {
        if m.name == "rxdesk-core" {
            for d in m.deps.iter().filter(|d| d.starts_with("rxdesk-")) {
                bad.push(format!(
                    "rxdesk-core depends on {d}: the domain core depends on no other RxDesk crate"
                ));
            }
        }
        if PRODUCTION.contains(&m.name.as_str()) {
            for d in m.deps.iter().filter(|d| DEMO_WORLD.contains(&d.as_str())) {
                // The composition root may link the demo data crate behind
                // its `demo` feature only (a pharmacy's build leaves it out);
                // never the emulator, and no library crate at all.
                if m.name == COMPOSITION_ROOT
                    && d == "rxdesk-demo"
                    && m.demo_feature_only.contains(d)
                {
                    continue;
                }
                bad.push(format!(
                    "{} depends on {d}: production code never reaches the emulator or demo world",
                    m.name
                ));
            }
        }
        if PRODUCTION.contains(&m.name.as_str()) {
            // A production crate's demo parts are compiled only when the
            // desktop's `demo` feature asks for them (a pharmacy's build
            // leaves it off); nothing may switch them on unconditionally.
            for how in &m.demo_turned_on {
                bad.push(format!(
                    "{} turns on a demo feature ({how}): only its own `demo` feature may",
                    m.name
                ));
            }
        }
        for d in &m.deps {
            if d == "rxdesk-tidy" {
                bad.push(format!(
                    "{} depends on rxdesk-tidy (a test-only crate)",
                    m.name
                ));
            }
            if let Some((owners, why)) = exclusive.get(d.as_str()) {
                if !owners.contains(&m.name.as_str()) {
                    bad.push(format!("{} depends on {d}: {why}", m.name));
                }
            }
        }
    }
    bad
}

#[test]
fn crate_dependencies_point_the_way_the_architecture_draws_them() {
    let ms = manifests(&repo_root());
    assert!(ms.iter().any(|m| m.name == "rxdesk-core"));
    let bad = violations(&ms);
    assert!(
        bad.is_empty(),
        "dependency rules broken:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn the_dependency_rules_catch_what_they_forbid() {
    // The rules themselves are tested, so a typo cannot make them vacuous.
    let fake = |name: &str, deps: &[&str]| Manifest {
        name: name.into(),
        deps: deps.iter().map(|d| d.to_string()).collect(),
        lints_workspace: true,
        demo_feature_only: Vec::new(),
        demo_turned_on: Vec::new(),
    };
    for (m, expect) in [
        (fake("rxdesk-core", &["rxdesk-gm"]), "domain core"),
        (
            fake("rxdesk-app", &["rxdesk-center-sim"]),
            "emulator or demo world",
        ),
        (
            fake("rxdesk-store", &["rxdesk-demo"]),
            "emulator or demo world",
        ),
        (
            fake("rxdesk-app", &["rxdesk-demo"]),
            "emulator or demo world",
        ),
        // The desktop shell linking the demo crate unconditionally.
        (
            fake("rxdesk-desktop", &["rxdesk-demo"]),
            "emulator or demo world",
        ),
        (
            fake("rxdesk-desktop", &["rxdesk-center-sim"]),
            "emulator or demo world",
        ),
        (fake("rxdesk-center", &["sm2"]), "国密"),
        (fake("rxdesk-app", &["rusqlite"]), "opens the database"),
        (fake("rxdesk-receipts", &["libloading"]), "vendor"),
        (fake("rxdesk-hq", &["sqlx"]), "chain database"),
        (fake("rxdesk-store", &["sqlx"]), "chain database"),
    ] {
        let bad = violations(&[m]);
        assert!(
            bad.iter().any(|b| b.contains(expect)),
            "rule not applied: {expect}: {bad:?}"
        );
    }
    assert!(violations(&[fake("rxdesk-gm", &["sm2", "rxdesk-core"])]).is_empty());
    assert!(violations(&[fake("rxdesk-chain", &["sqlx", "rxdesk-sync"])]).is_empty());
    // A production crate switching a demo feature on unconditionally.
    let v: toml::Value = r#"
        [package]
        name = "rxdesk-app"
        [dependencies]
        rxdesk-center = { path = "x", features = ["demo"] }
        rxdesk-devices = { path = "y" }
        [features]
        default = ["rxdesk-devices/demo"]
        demo = ["rxdesk-center/demo"]
    "#
    .parse()
    .unwrap();
    let mut app = fake("rxdesk-app", &["rxdesk-center", "rxdesk-devices"]);
    app.demo_turned_on = demo_turned_on(&v);
    assert_eq!(app.demo_turned_on.len(), 2, "{:?}", app.demo_turned_on);
    let bad = violations(&[app]);
    assert!(bad.iter().any(|b| b.contains("rxdesk-center")), "{bad:?}");
    assert!(bad.iter().any(|b| b.contains("default")), "{bad:?}");
    // Behind the composition root's `demo` feature only: allowed; the
    // same in the shell (not the composition root) is not.
    let mut root = fake("rxdesk-app", &["rxdesk-demo"]);
    root.demo_feature_only = vec!["rxdesk-demo".into()];
    assert!(violations(&[root]).is_empty());
    let mut shell = fake("rxdesk-desktop", &["rxdesk-demo"]);
    shell.demo_feature_only = vec!["rxdesk-demo".into()];
    assert!(!violations(&[shell]).is_empty());
    // An optional dependency that another feature (say `default`) names
    // directly is not "demo feature only".
    let v: toml::Value = r#"
        [package]
        name = "rxdesk-desktop"
        [dependencies]
        rxdesk-demo = { path = "x", optional = true }
        [features]
        default = ["dep:rxdesk-demo"]
        demo = ["dep:rxdesk-demo"]
    "#
    .parse()
    .unwrap();
    assert!(demo_feature_only(&v).is_empty());
    let v: toml::Value = r#"
        [package]
        name = "rxdesk-desktop"
        [dependencies]
        rxdesk-demo = { path = "x", optional = true }
        [features]
        default = ["demo"]
        demo = ["dep:rxdesk-demo"]
    "#
    .parse()
    .unwrap();
    assert_eq!(demo_feature_only(&v), vec!["rxdesk-demo".to_string()]);
}

/// Where a manifest turns on a `testing` feature (rxdesk-chain's throwaway
/// PostgreSQL) outside its dev-dependencies: a normal or build dependency
/// with `features = ["testing"]`, a feature naming `X/testing`, or a
/// `default` feature that includes `testing`.
fn testing_outside_dev(v: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    let named = |d: &toml::Value| {
        d.get("features")
            .and_then(|f| f.as_array())
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("testing")))
    };
    let mut tables: Vec<(&str, &toml::Value)> = Vec::new();
    for t in ["dependencies", "build-dependencies"] {
        if let Some(d) = v.get(t) {
            tables.push((t, d));
        }
    }
    if let Some(targets) = v.get("target").and_then(|t| t.as_table()) {
        for t in targets.values() {
            if let Some(d) = t.get("dependencies") {
                tables.push(("target dependencies", d));
            }
        }
    }
    for (where_, d) in tables {
        for (name, dep) in d.as_table().into_iter().flatten() {
            if named(dep) {
                out.push(format!("{where_}: {name} with features = [\"testing\"]"));
            }
        }
    }
    if let Some(fs) = v.get("features").and_then(|f| f.as_table()) {
        for (feature, items) in fs {
            for i in items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i.as_str())
            {
                if i.ends_with("/testing") || (feature == "default" && i == "testing") {
                    out.push(format!("feature {feature} = [\"{i}\"]"));
                }
            }
        }
    }
    out
}

#[test]
fn the_throwaway_postgresql_is_only_in_tests() {
    let root = repo_root();
    let mut bad = Vec::new();
    for p in std::iter::once(root.join("Cargo.toml")).chain(
        fs::read_dir(root.join("crates"))
            .expect("crates/")
            .flatten()
            .map(|e| e.path().join("Cargo.toml"))
            .filter(|p| p.is_file()),
    ) {
        let v: toml::Value = fs::read_to_string(&p)
            .expect("manifest")
            .parse()
            .expect("toml");
        for b in testing_outside_dev(&v) {
            bad.push(format!("{}: {b}", rel(&root, &p)));
        }
    }
    assert!(
        bad.is_empty(),
        "`testing` turned on outside dev-dependencies:\n{}",
        bad.join("\n")
    );
    // The check catches what it forbids.
    let caught: toml::Value = r#"
        [dependencies]
        rxdesk-chain = { path = "../rxdesk-chain", features = ["testing"] }
        [features]
        default = ["testing"]
        x = ["rxdesk-chain/testing"]
    "#
    .parse()
    .unwrap();
    assert_eq!(testing_outside_dev(&caught).len(), 3);
    let fine: toml::Value = r#"
        [dev-dependencies]
        rxdesk-chain = { path = "../rxdesk-chain", features = ["testing"] }
    "#
    .parse()
    .unwrap();
    assert!(testing_outside_dev(&fine).is_empty());
}

#[test]
fn every_crate_inherits_the_workspace_lints() {
    let bad: Vec<String> = manifests(&repo_root())
        .into_iter()
        .filter(|m| !m.lints_workspace)
        .map(|m| m.name)
        .collect();
    assert!(
        bad.is_empty(),
        "these crates lack `[lints] workspace = true`: {bad:?}"
    );
}

/// Documents that live outside the repository: citing them leaves a reader
/// of a clean clone with nothing to open.
const OUTSIDE_DOCS: &[&str] = &[
    "PROTOCOL.md",
    "DECISIONS.md",
    "TAURI-NOTES",
    "FIELD-NOTES",
    "CRYPTO-NOTES",
    "REQUIREMENTS.md",
    "STYLE.md",
];

fn text_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let keep = |p: &Path| {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        let in_scripts = p.parent().is_some_and(|d| d.ends_with("scripts"));
        matches!(
            ext,
            "rs" | "ts" | "svelte" | "md" | "toml" | "sh" | "mjs" | "js" | "yaml" | "yml" | "py"
        ) || in_scripts
    };
    for top in [
        "crates",
        "src-tauri",
        "ui",
        "docs",
        "scripts",
        "assets",
        "tests",
        "benches",
        ".ci",
    ] {
        walk(&root.join(top), &mut out, &keep);
    }
    for f in ["ARCHITECTURE.md", "README.md", "Cargo.toml"] {
        out.push(root.join(f));
    }
    out
}

/// `issue #N` (any case), which a clean clone cannot open.
fn cites_issue_number(line: &str) -> bool {
    let lower = line.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("issue #") {
        let after = &rest[i + "issue #".len()..];
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            return true;
        }
        rest = after;
    }
    false
}

/// Repository paths cited as `docs/….md` that must exist.
fn cited_doc_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("docs/") {
        // Only a path that starts the citation (not `…/docs/…` of an URL).
        let before = rest[..i].chars().last();
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "/._-".contains(c)))
            .unwrap_or(tail.len());
        let path = tail[..end].trim_end_matches('.');
        if !matches!(before, Some(c) if c.is_ascii_alphanumeric() || c == '/' || c == '.')
            && path.ends_with(".md")
        {
            out.push(path.to_string());
        }
        rest = &tail[end.max(1)..];
    }
    out
}

#[test]
fn the_code_cites_only_documents_in_the_repository() {
    let root = repo_root();
    let mut bad = Vec::new();
    for p in text_files(&root) {
        let r = rel(&root, &p);
        // The table of old citations names them by design.
        if r.ends_with("docs/reference/CITATIONS.md")
            || r.ends_with("scripts/rewrite-citations")
            || r.starts_with("crates/rxdesk-tidy/")
        {
            continue;
        }
        let Ok(text) = fs::read_to_string(&p) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for d in OUTSIDE_DOCS {
                if line.contains(d) {
                    bad.push(format!(
                        "{r}:{}: cites {d}, which is not in the repository",
                        n + 1
                    ));
                }
            }
            if cites_issue_number(line) {
                bad.push(format!(
                    "{r}:{}: cites an issue number; say what it decided, or cite a doc",
                    n + 1
                ));
            }
            for d in cited_doc_paths(line) {
                if !root.join(&d).is_file() {
                    bad.push(format!("{r}:{}: cites {d}, which does not exist", n + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} citation(s) of documents a clean clone does not have:\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

#[test]
fn citation_scanners_find_what_they_look_for() {
    assert!(cites_issue_number("see Issue #7 for why"));
    assert!(!cites_issue_number("issue #N is a placeholder"));
    assert_eq!(cited_doc_paths("see docs/rules.md."), vec!["docs/rules.md"]);
    assert_eq!(
        cited_doc_paths("(`docs/decisions/0001-gm-crypto-library.md`)"),
        vec!["docs/decisions/0001-gm-crypto-library.md"]
    );
    assert!(cited_doc_paths("https://example.org/docs/x.md").is_empty());
    assert!(opens_with_module_doc(
        "#![forbid(unsafe_code)]\n//! Why.\nfn x() {}"
    ));
    assert!(!opens_with_module_doc("use std::fs;\n//! late"));
}

#[test]
fn fuzz_corpora_are_not_tracked_file_by_file() {
    // A corpus is thousands of machine-made files; it is kept as one archive
    // per fuzz package (`fuzz/corpus.tar.xz`, unpacked by scripts/fuzz).
    let root = repo_root();
    let out = std::process::Command::new("git")
        .args(["ls-files", "--", "crates/*/fuzz/corpus"])
        .current_dir(&root)
        .output();
    let Ok(out) = out else {
        // Not a git checkout (e.g. a source archive): nothing is tracked.
        return;
    };
    let tracked = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(
        tracked, 0,
        "fuzz corpus files are tracked; archive them instead"
    );
}

/// `cargo tree` of `package` with the given extra arguments: one line per
/// normal or build dependency, `name version (path) [its features]`.
fn cargo_tree(package: &str, extra: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(repo_root())
        .args(["tree", "--offline", "-p", package, "-e", "normal,build"])
        .args(["--prefix", "none", "--format", "{p} [{f}]"])
        .args(extra)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package} {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The RxDesk crates of a [`cargo_tree`] listing that bring in the demo
/// world: the demo crate, the emulator, or a crate built with its `demo`
/// feature (`name [features]`, sorted, once each).
fn demo_lines(tree: &str) -> Vec<String> {
    let mut v: Vec<String> = tree
        .lines()
        .filter(|l| l.starts_with("rxdesk-"))
        .filter_map(|l| {
            let name = l.split_whitespace().next()?;
            let features = l.rsplit_once('[')?.1.split(']').next()?;
            let demo = features.split(',').any(|f| f == "demo");
            (DEMO_WORLD.contains(&name) || demo).then(|| format!("{name} [{features}]"))
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn production_build_has_no_demo_world() {
    // Why: a pharmacy's counter must never trust the demo CA, sign in a demo
    // account, talk to the demo center with compiled-in credentials or pay
    // through a simulator. The desktop built without its default `demo`
    // feature (the pharmacy's build) compiles none of that code: no
    // rxdesk-demo, no emulator, no `demo` feature of any RxDesk crate (demo
    // CA issuance in rxdesk-gm, demo credentials in rxdesk-center, device
    // simulators in rxdesk-devices, demo accounts and the payment simulator
    // in rxdesk-app). Each production library crate on its own likewise.
    let prod = cargo_tree("rxdesk-desktop", &["--no-default-features"]);
    assert!(prod.contains("rxdesk-app "), "tree too small:\n{prod}");
    let found = demo_lines(&prod);
    assert!(
        found.is_empty(),
        "the production desktop build links demo material:\n  {}",
        found.join("\n  ")
    );
    // (The desktop binary's default features are the demo build, checked
    // below; every library crate, the composition root included, links no
    // demo material unless asked.)
    for lib in PRODUCTION.iter().filter(|p| **p != "rxdesk-desktop") {
        let found = demo_lines(&cargo_tree(lib, &[]));
        assert!(
            found.is_empty(),
            "{lib} on its own links demo material:\n  {}",
            found.join("\n  ")
        );
    }
    // The check is not vacuous: the demo build (default features) has it all.
    let demo = demo_lines(&cargo_tree("rxdesk-desktop", &[]));
    for want in [
        "rxdesk-demo [",
        "rxdesk-app [demo]",
        "rxdesk-center [demo]",
        "rxdesk-devices [demo]",
    ] {
        assert!(
            demo.iter().any(|l| l.starts_with(want)),
            "the demo build lacks {want}: {demo:?}"
        );
    }
}
