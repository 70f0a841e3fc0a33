//! `rxdesk chain register|sync|status` and `rxdesk stock transfer-out`
//! against the real head office (`rxdesk-hq` over a throwaway PostgreSQL,
//! issue 17): a wrong registration code and an unreachable head office
//! exit 1 with a sentence; a registered counter pushes its ledger's history
//! (its sale appears at head office once) and reports its status.

use rxdesk_chain::testing::TempPostgres;
use rxdesk_chain::{ChainDb, VersionWindow};
use std::path::Path;
use std::process::{Command, Output};

fn rxdesk(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rxdesk"))
        .args(args)
        .env("RXDESK_HOME", home)
        .env("RXDESK_PASSWORD", "boss-password")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn register_sync_status_and_refusals_from_the_command_line() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path();
    let db_path = home.join("rxdesk.sqlite3");
    let db = db_path.to_str().unwrap();
    let o = rxdesk(
        home,
        &[
            "queue",
            "demo",
            "--db",
            db,
            "--sales",
            "1",
            "--manager",
            "boss",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let store_code = rxdesk_store::Store::open(&db_path)
        .unwrap()
        .institution()
        .unwrap()
        .expect("the demo ledger has its institution");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = TempPostgres::shared().fresh_database().unwrap();
    let (chain, reg_code, port, server) = rt.block_on(async {
        let chain = ChainDb::open(&url).await.unwrap();
        let code = chain.add_store(&store_code, "一号店", 0).await.unwrap();
        let state = rxdesk_hq::AppState::new(
            chain.clone(),
            rxdesk_hq::HqConfig {
                admin_token: "admin-secret".into(),
                window: VersionWindow::CURRENT,
                body_limit: rxdesk_hq::DEFAULT_BODY_LIMIT,
            },
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let _ = rxdesk_hq::serve(l, state).await;
        });
        (chain, code, port, server)
    });
    let hq = format!("http://127.0.0.1:{port}");

    let o = rxdesk(home, &["chain", "--db", db, "status"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("未注册"), "{}", text(&o));
    let o = rxdesk(home, &["chain", "--db", db, "sync"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("rxdesk chain register"), "{}", text(&o));

    // A wrong registration code: exit 1, a sentence, nothing kept.
    let register = |code: &str| {
        rxdesk(
            home,
            &[
                "chain",
                "--db",
                db,
                "register",
                "--hq",
                &hq,
                "--store",
                &store_code,
                "--counter",
                "1",
                "--code",
                code,
            ],
        )
    };
    // Another store's code than the ledger's: refused before HQ is asked.
    let o = rxdesk(
        home,
        &[
            "chain",
            "--db",
            db,
            "register",
            "--hq",
            &hq,
            "--store",
            "P99999999999",
            "--counter",
            "1",
            "--code",
            &reg_code,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("store_code_mismatch"), "{}", text(&o));
    let o = register("wrong-code");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("注册码无效"), "{}", text(&o));
    assert!(text(&o).contains("bad_registration_code"), "{}", text(&o));

    let o = register(&reg_code);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("registered"), "{}", text(&o));

    // One round: the ledger's whole history, its sale once.
    let o = rxdesk(home, &["chain", "--db", db, "sync", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["recordsPushed"].as_u64().unwrap() > 0, "{r}");
    let o = rxdesk(home, &["chain", "--db", db, "sync"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pushed: 0"), "{}", text(&o));
    let counts = rt.block_on(chain.record_counts()).unwrap();
    assert_eq!(counts["sale"], 1, "{counts:?}");

    let o = rxdesk(home, &["chain", "--db", db, "status", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["registered"], true, "{s}");
    assert_eq!(s["backlog"], 0, "{s}");
    assert!(s["lastSyncAt"].is_i64(), "{s}");

    // A transfer to a malformed store code is refused with a sentence.
    let o = rxdesk(
        home,
        &[
            "stock",
            "--db",
            db,
            "transfer-out",
            "--operator",
            "boss",
            "--to",
            "nope",
            "--codes",
            "81305119999999999991",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("12"), "{}", text(&o));

    // Head office gone: exit 1, the counter's sentence, the error kept.
    server.abort();
    let _ = rt.block_on(server);
    let o = rxdesk(home, &["chain", "--db", db, "sync", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("无法连接总部"), "{}", text(&o));
    let o = rxdesk(home, &["chain", "--db", db, "status"]);
    assert!(text(&o).contains("hq_unreachable"), "{}", text(&o));
}
