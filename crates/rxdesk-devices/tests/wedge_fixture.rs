//! The keyboard-wedge classifier against the shared fixture
//! `tests/fixtures/wedge-timings.json` (the same file the UI's TypeScript
//! port can replay: keys by `KeyboardEvent.code`, times in ms, the
//! expected scan/typing outputs; `end` is when the final `tick` runs).

use rxdesk_devices::scan::wedge::{WedgeClassifier, WedgeKey, WedgeOptions, WedgeOutput};

#[test]
fn wedge_classifier_matches_the_shared_fixture() {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/wedge-timings.json")).unwrap();
    let opts = WedgeOptions {
        max_gap_ms: v["options"]["maxGapMs"].as_u64().unwrap(),
        min_length: v["options"]["minLength"].as_u64().unwrap() as usize,
    };
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let mut w = WedgeClassifier::new(opts);
        let mut got = Vec::new();
        for k in case["keys"].as_array().unwrap() {
            got.extend(w.feed(&WedgeKey {
                code: k["code"].as_str().unwrap().into(),
                shift: k["shift"].as_bool().unwrap(),
                time_ms: k["time"].as_u64().unwrap(),
            }));
        }
        got.extend(w.tick(case["end"].as_u64().unwrap()));
        let want: Vec<WedgeOutput> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let t = e["text"].as_str().unwrap().to_string();
                match e["kind"].as_str().unwrap() {
                    "scan" => WedgeOutput::Scan(t),
                    _ => WedgeOutput::Typing(t),
                }
            })
            .collect();
        assert_eq!(got, want, "case: {}", case["name"]);
    }
}
