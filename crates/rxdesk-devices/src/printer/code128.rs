//! CODE128 code set B encoding (pure), for drawing the bars in the receipt
//! PNG. The printer encodes barcodes itself; this only mirrors it.

/// Element widths (bar, space, bar, …) of symbol values 0..=105, then stop.
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

const START_B: usize = 104;
const STOP: usize = 106;

/// The symbol values of `data` in code set B with start, check and stop;
/// `None` if a character is outside ASCII 32..=126.
pub fn symbols_b(data: &str) -> Option<Vec<usize>> {
    let mut v = vec![START_B];
    for b in data.bytes() {
        if !(32..=126).contains(&b) {
            return None;
        }
        v.push(usize::from(b - 32));
    }
    let check = v
        .iter()
        .enumerate()
        .map(|(i, &s)| if i == 0 { s } else { i * s })
        .sum::<usize>()
        % 103;
    v.push(check);
    v.push(STOP);
    Some(v)
}

/// Module widths, alternating bar/space starting with a bar.
pub fn modules_b(data: &str) -> Option<Vec<u8>> {
    Some(
        symbols_b(data)?
            .into_iter()
            .flat_map(|s| PATTERNS[s].bytes().map(|c| c - b'0'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let sum: u32 = p.bytes().map(|c| u32::from(c - b'0')).sum();
            assert_eq!(sum, if i == STOP { 13 } else { 11 }, "pattern {i}");
        }
        let mut sorted: Vec<_> = PATTERNS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 107);
    }

    #[test]
    fn check_symbol_and_decode_back() {
        // "RX1": start B 104, R=50, X=56, 1=17 → (104 + 50 + 112 + 51) % 103 = 8
        assert_eq!(symbols_b("RX1").unwrap(), vec![104, 50, 56, 17, 8, 106]);
        assert!(symbols_b("药").is_none());
        let m = modules_b("RX202611230001").unwrap();
        // start + 14 characters + check = 16 symbols of 11 modules, stop 13
        assert_eq!(m.iter().map(|&w| u32::from(w)).sum::<u32>(), 16 * 11 + 13);
        let text: String = m[6..m.len() - 6 - 7]
            .chunks(6)
            .map(|c| {
                let p: String = c.iter().map(|d| char::from(b'0' + d)).collect();
                let v = PATTERNS.iter().position(|x| *x == p).unwrap();
                char::from(v as u8 + 32)
            })
            .collect();
        assert_eq!(text, "RX202611230001");
    }
}
