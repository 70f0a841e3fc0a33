//! 代购 stored with the sale (V9 `sale_proxies`): the agent's name and ID
//! number sealed at rest, read back opened and masked; a relationship
//! outside the fixed list or a missing authorisation refuses the whole sale
//! (nothing is written).

mod common;

use common::{fixture, otc_sale};
use rxdesk_store::ledger::NewProxy;

fn proxy(relationship: &str, authorisation: &str) -> NewProxy {
    NewProxy {
        agent_name: "王小明".into(),
        agent_certno: "110101197001010016".into(),
        relationship: relationship.into(),
        authorisation: authorisation.into(),
    }
}

#[test]
fn the_agent_is_sealed_with_the_sale_and_a_bad_relationship_refuses_the_sale() {
    let f = fixture();
    let s = &f.store;
    let sales_before: i64 = rusqlite::Connection::open(s.path())
        .unwrap()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    let e = s
        .record_sale_full(
            &f.cashier,
            &otc_sale(&f, 71),
            &[],
            Some(&proxy("neighbour", "医保电子凭证（令牌 110000…gsan）")),
        )
        .unwrap_err();
    assert!(e.to_string().contains("代购关系"), "{e}");
    let e = s
        .record_sale_full(
            &f.cashier,
            &otc_sale(&f, 72),
            &[],
            Some(&proxy("child", " ")),
        )
        .unwrap_err();
    assert!(e.to_string().contains("授权"), "{e}");
    let c = rusqlite::Connection::open(s.path()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, sales_before, "a refused proxy writes no sale");

    let rec = s
        .record_sale_full(
            &f.cashier,
            &otc_sale(&f, 73),
            &[],
            Some(&proxy("child", "医保电子凭证（令牌 110000…gsan）")),
        )
        .unwrap();
    let (name, certno): (Vec<u8>, Vec<u8>) = c
        .query_row(
            "SELECT agent_name, agent_certno FROM sale_proxies WHERE sale_id = ?1",
            [rec.sale_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(!String::from_utf8_lossy(&name).contains("王小明"));
    assert!(!String::from_utf8_lossy(&certno).contains("110101197001010016"));
    let p = s.sale_proxy(rec.sale_id).unwrap().unwrap();
    assert_eq!(p.agent_name, "王小明");
    assert_eq!(p.relationship_zh, "子女");
    assert!(p.agent_certno_masked.ends_with("0016"));
    assert!(!p.agent_certno_masked.contains("19700101"));
    // A sale without an agent has none.
    let plain = s.record_sale(&f.cashier, &otc_sale(&f, 74)).unwrap();
    assert_eq!(s.sale_proxy(plain.sale_id).unwrap(), None);
}
