//! A small bounded memory of signature checks that succeeded, so a
//! prescription costs its own two SM2 verifications and not five: the chain
//! link (issuer → signer certificate) and the CRL signature are the same
//! bytes for every prescription of an institution.
//!
//! Only the **signature** result is remembered, keyed by exactly what was
//! checked: the domain, the SM2 user id and the SM3 digests of the issuer's
//! DER and of the signed object's DER (the certificate and CRL types memoise
//! their digests, so a lookup hashes nothing); everything that depends on time
//! (validity, CRL freshness, revocation) is still evaluated on every call.
//! A failure is never remembered. The owner (trust store, CRL store) drops
//! its cache whenever its content changes.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// How many verified signatures a cache keeps (oldest dropped first).
pub const DEFAULT_CAPACITY: usize = 1024;

/// The key of one signature check: domain, user id, and the SM3 digests of
/// the issuer DER and of the signed DER, concatenated (length-prefixed user
/// id, so no two different inputs give the same key).
pub type Key = Vec<u8>;

/// [`Key`] from the DERs themselves (hashes both).
pub fn key(domain: &str, user_id: &str, issuer_der: &[u8], signed_der: &[u8]) -> Key {
    key_of_digests(
        domain,
        user_id,
        &crate::primitives::sm3(issuer_der),
        &crate::primitives::sm3(signed_der),
    )
}

/// [`Key`] from the SM3 digests of the issuer DER and the signed DER.
pub fn key_of_digests(
    domain: &str,
    user_id: &str,
    issuer_digest: &[u8; 32],
    signed_digest: &[u8; 32],
) -> Key {
    let mut buf = Vec::with_capacity(domain.len() + 5 + user_id.len() + 64);
    buf.extend_from_slice(domain.as_bytes());
    buf.push(0);
    buf.extend_from_slice(&(user_id.len() as u32).to_be_bytes());
    buf.extend_from_slice(user_id.as_bytes());
    buf.extend_from_slice(issuer_digest);
    buf.extend_from_slice(signed_digest);
    buf
}

#[derive(Debug, Default)]
struct Inner {
    set: HashSet<Key>,
    order: VecDeque<Key>,
}

/// A capped set of keys of signature checks that succeeded (FIFO eviction).
#[derive(Debug)]
pub struct VerifiedCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Default for VerifiedCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl VerifiedCache {
    /// An empty cache keeping at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Was the check with this key seen to succeed?
    pub fn contains(&self, key: &[u8]) -> bool {
        self.inner
            .lock()
            .map(|g| g.set.contains(key))
            .unwrap_or(false)
    }

    /// Remember a check that succeeded.
    pub fn insert(&self, key: Key) {
        let Ok(mut g) = self.inner.lock() else {
            return;
        };
        if !g.set.insert(key.clone()) {
            return;
        }
        g.order.push_back(key);
        while g.order.len() > self.capacity {
            if let Some(old) = g.order.pop_front() {
                g.set.remove(&old);
            }
        }
    }

    /// Forget everything (the owner's content changed).
    pub fn clear(&self) {
        if let Ok(mut g) = self.inner.lock() {
            g.set.clear();
            g.order.clear();
        }
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|g| g.set.len()).unwrap_or(0)
    }

    /// Nothing kept?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Run `check` unless a success with `key` is remembered; remember a success.
    pub fn check<E>(&self, key: Key, check: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        if self.contains(&key) {
            return Ok(());
        }
        check()?;
        self.insert(key);
        Ok(())
    }

    /// [`Self::check`] with the key [`key_of_digests`] of these inputs,
    /// written on the stack for the look-up and copied only to remember a
    /// success (decision 0032: every verification looks up two such keys,
    /// and allocated both).
    pub fn check_digests<E>(
        &self,
        domain: &str,
        user_id: &str,
        issuer_digest: &[u8; 32],
        signed_digest: &[u8; 32],
        check: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let mut buf = [0u8; 160];
        let len = domain.len() + 5 + user_id.len() + 64;
        let Some(key) = buf.get_mut(..len) else {
            let key = key_of_digests(domain, user_id, issuer_digest, signed_digest);
            return self.check(key, check);
        };
        let (d, rest) = key.split_at_mut(domain.len());
        d.copy_from_slice(domain.as_bytes());
        let (sep, rest) = rest.split_at_mut(5);
        sep[0] = 0;
        sep[1..].copy_from_slice(&(user_id.len() as u32).to_be_bytes());
        let (u, rest) = rest.split_at_mut(user_id.len());
        u.copy_from_slice(user_id.as_bytes());
        let (i, s) = rest.split_at_mut(32);
        i.copy_from_slice(issuer_digest);
        s.copy_from_slice(signed_digest);
        if self.contains(key) {
            return Ok(());
        }
        check()?;
        self.insert(key.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_forgets_the_oldest() {
        let c = VerifiedCache::new(2);
        c.insert(vec![1; 32]);
        c.insert(vec![2; 32]);
        c.insert(vec![2; 32]);
        assert_eq!(c.len(), 2);
        c.insert(vec![3; 32]);
        assert_eq!(c.len(), 2);
        assert!(!c.contains(&[1; 32]));
        assert!(c.contains(&[2; 32]) && c.contains(&[3; 32]));
        c.clear();
        assert!(c.is_empty());
    }

    #[test]
    fn failures_are_not_remembered() {
        let c = VerifiedCache::default();
        let mut calls = 0;
        let mut run = |ok: bool| {
            c.check(vec![7; 32], || {
                calls += 1;
                if ok {
                    Ok(())
                } else {
                    Err(())
                }
            })
        };
        assert!(run(false).is_err());
        assert!(run(true).is_ok());
        assert!(run(false).is_ok(), "a remembered success is not re-checked");
        assert_eq!(calls, 2);
    }

    /// The stack key is [`key_of_digests`]'s, byte for byte: a success is
    /// found under the other form, and one changed byte of either digest,
    /// the domain or the user id misses (the check runs again).
    #[test]
    fn check_digests_uses_the_same_key_and_misses_on_any_change() {
        let c = VerifiedCache::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let calls = std::cell::Cell::new(0);
        let ok = || {
            calls.set(calls.get() + 1);
            Ok::<(), ()>(())
        };
        c.check_digests("link", "1234567812345678", &a, &b, ok)
            .unwrap();
        assert!(c.contains(&key_of_digests("link", "1234567812345678", &a, &b)));
        c.check_digests("link", "1234567812345678", &a, &b, ok)
            .unwrap();
        assert_eq!(calls.get(), 1, "remembered");
        let mut a2 = a;
        a2[31] ^= 1;
        let mut b2 = b;
        b2[0] ^= 0x80;
        c.check_digests("link", "1234567812345678", &a2, &b, ok)
            .unwrap();
        c.check_digests("link", "1234567812345678", &a, &b2, ok)
            .unwrap();
        c.check_digests("crl", "1234567812345678", &a, &b, ok)
            .unwrap();
        c.check_digests("link", "1234567812345679", &a, &b, ok)
            .unwrap();
        assert_eq!(calls.get(), 5, "each changed input missed");
        // A user id too long for the stack buffer takes the allocating path.
        let long = "x".repeat(200);
        c.check_digests("link", &long, &a, &b, ok).unwrap();
        assert!(c.contains(&key_of_digests("link", &long, &a, &b)));
        assert!(c
            .check_digests("link", "1234567812345678", &a2, &b2, || Err(()))
            .is_err());
    }

    #[test]
    fn keys_separate_every_input() {
        let k = key("link", "1234567812345678", b"issuer", b"subject");
        assert_ne!(k, key("crl", "1234567812345678", b"issuer", b"subject"));
        assert_ne!(k, key("link", "", b"issuer", b"subject"));
        assert_ne!(k, key("link", "1234567812345678", b"issuer2", b"subject"));
        assert_ne!(k, key("link", "1234567812345678", b"issuer", b"subject2"));
        assert_eq!(k, key("link", "1234567812345678", b"issuer", b"subject"));
    }
}
