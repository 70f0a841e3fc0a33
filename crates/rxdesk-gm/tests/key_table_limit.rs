//! The per-key verification tables of decision 0015 are bounded: at most
//! `set_key_table_limit` tables in the process (least recently used dropped
//! first), 60 KiB each, and none with the limit at 0. Verdicts do not change
//! with the limit. One test in its own binary: it changes the process-wide
//! limit, which other tests running in parallel would see.

use rxdesk_gm::primitives::{
    key_table_count, set_key_table_limit, KEY_TABLES_DEFAULT_LIMIT, KEY_TABLE_BYTES,
};
use rxdesk_gm::{PrivateKey, PublicKey, Signature, DEFAULT_USER_ID};

struct Signer {
    pk: PublicKey,
    msg: Vec<u8>,
    sig: Signature,
    bad: Signature,
}

fn signer(i: u8) -> Signer {
    let sk = PrivateKey::generate().unwrap();
    let msg = vec![i; 64];
    let sig = sk.sign(&msg, DEFAULT_USER_ID).unwrap();
    let bad = sk.sign(b"another message", DEFAULT_USER_ID).unwrap();
    Signer {
        pk: sk.public_key(),
        msg,
        sig,
        bad,
    }
}

impl Signer {
    /// One verification through the table path; the verdicts are checked.
    fn use_once(&self) {
        self.pk
            .verify_cached(&self.msg, &self.sig, DEFAULT_USER_ID)
            .unwrap();
        assert!(self
            .pk
            .verify_cached(&self.msg, &self.bad, DEFAULT_USER_ID)
            .is_err());
    }
}

#[test]
fn key_tables_are_bounded_in_number_and_size() {
    assert_eq!(KEY_TABLE_BYTES, 64 * 15 * 64, "60 KiB per key");
    assert_eq!(KEY_TABLES_DEFAULT_LIMIT, 32);

    set_key_table_limit(4);
    let keys: Vec<Signer> = (0..6).map(signer).collect();
    for k in &keys {
        // use_once verifies twice: the table comes with the second call.
        k.use_once();
        k.use_once();
        assert!(k.pk.has_cached_table());
        assert!(key_table_count() <= 4, "{}", key_table_count());
    }
    assert_eq!(key_table_count(), 4);
    assert!(!keys[0].pk.has_cached_table() && !keys[1].pk.has_cached_table());
    assert!(keys[2..].iter().all(|k| k.pk.has_cached_table()));

    // Least recently used goes first: keys[2] is used again, so a new key
    // evicts keys[3] instead.
    keys[2].use_once();
    let newer = signer(6);
    newer.use_once();
    newer.use_once();
    assert!(newer.pk.has_cached_table());
    assert!(keys[2].pk.has_cached_table());
    assert!(!keys[3].pk.has_cached_table());
    assert_eq!(key_table_count(), 4);

    // An evicted key verifies as before and earns a table again like a new
    // key (three verifications), evicting the least recently used.
    let k0 = &keys[0];
    k0.pk
        .verify_cached(&k0.msg, &k0.sig, DEFAULT_USER_ID)
        .unwrap();
    k0.pk
        .verify_cached(&k0.msg, &k0.sig, DEFAULT_USER_ID)
        .unwrap();
    assert!(!k0.pk.has_cached_table());
    k0.pk
        .verify_cached(&k0.msg, &k0.sig, DEFAULT_USER_ID)
        .unwrap();
    assert!(k0.pk.has_cached_table());
    assert_eq!(key_table_count(), 4);

    // Limit 0: every table dropped at once, none built, verdicts unchanged.
    set_key_table_limit(0);
    assert_eq!(key_table_count(), 0);
    assert!(keys.iter().all(|k| !k.pk.has_cached_table()));
    for _ in 0..4 {
        keys[5].use_once();
    }
    assert!(!keys[5].pk.has_cached_table());
    assert_eq!(key_table_count(), 0);

    // Back on: a lower limit than the tables alive drops the surplus.
    set_key_table_limit(KEY_TABLES_DEFAULT_LIMIT);
    for k in &keys {
        for _ in 0..2 {
            k.use_once();
        }
    }
    assert_eq!(key_table_count(), 6);
    set_key_table_limit(2);
    assert_eq!(key_table_count(), 2);
    assert_eq!(keys.iter().filter(|k| k.pk.has_cached_table()).count(), 2);
    set_key_table_limit(KEY_TABLES_DEFAULT_LIMIT);
}
