//! Family B envelope (docs/reference/wire-protocol.md §3): SM4 session key from appId/appSecret,
//! `encData` = upper-case hex SM4-ECB of the business JSON, `signData` =
//! Base64(r‖s) SM2 signature over the §3.4 sign string with the plaintext
//! `data` (variant V1). All crypto goes through `rxdesk_gm::primitives`.
//!
//! Responses (RxDesk's choice where §3.2 is silent, docs/protocol.md): the
//! platform signs the sign string of `{appId, code, message, encType,
//! signType, timestamp, data}` (plaintext `data`) with the platform key; the
//! client verifies with the configured platform public key.

use crate::canonical::sign_string;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rxdesk_gm::primitives::{sm4_ecb_decrypt, sm4_ecb_encrypt};
use rxdesk_gm::{PrivateKey, PublicKey, Signature};
use serde_json::{Map, Value};

/// Why an envelope could not be built or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// appId shorter than 16 characters, secret empty, bad key.
    #[error("bad credentials: {0}")]
    Credentials(String),
    /// A field is missing or has the wrong JSON type.
    #[error("envelope field {0} missing or not a string")]
    Missing(&'static str),
    /// encData is not hex / does not decrypt / is not UTF-8 JSON.
    #[error("encData cannot be decrypted: {0}")]
    BadEncData(String),
    /// signData is not Base64 of 64 bytes, or does not verify.
    #[error("signData does not verify: {0}")]
    BadSignature(String),
}

/// SM4 session key (§3.3 steps 1–3).
pub fn session_key(app_id: &str, app_secret: &str) -> Result<[u8; 16], EnvelopeError> {
    let k1: Vec<u8> = app_id.chars().take(16).collect::<String>().into_bytes();
    if k1.len() != 16 {
        return Err(EnvelopeError::Credentials(
            "appId must start with 16 ASCII characters".into(),
        ));
    }
    let c = sm4_ecb_encrypt(&k1, app_secret.as_bytes())
        .map_err(|e| EnvelopeError::Credentials(e.to_string()))?;
    let hex = hex::encode_upper(c);
    let mut key = [0u8; 16];
    key.copy_from_slice(&hex.as_bytes()[..16]);
    Ok(key)
}

/// `encData` of a JSON text.
pub fn encrypt_data(key: &[u8; 16], json: &str) -> Result<String, EnvelopeError> {
    sm4_ecb_encrypt(key, json.as_bytes())
        .map(hex::encode_upper)
        .map_err(|e| EnvelopeError::Credentials(e.to_string()))
}

/// Decrypt `encData` back to the JSON text.
pub fn decrypt_data(key: &[u8; 16], enc_data: &str) -> Result<String, EnvelopeError> {
    let bytes =
        hex::decode(enc_data.trim()).map_err(|_| EnvelopeError::BadEncData("not hex".into()))?;
    let plain =
        sm4_ecb_decrypt(key, &bytes).map_err(|e| EnvelopeError::BadEncData(e.to_string()))?;
    String::from_utf8(plain).map_err(|_| EnvelopeError::BadEncData("not UTF-8".into()))
}

/// One side's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// appId (≥ 16 characters).
    pub app_id: String,
    /// appSecret.
    pub app_secret: String,
    /// SM2 user id for signData (default `1234567812345678`; some servers use appSecret).
    pub user_id: String,
}

fn sign_b64(key: &PrivateKey, text: &str, user_id: &str) -> Result<String, EnvelopeError> {
    let sig = key
        .sign(text.as_bytes(), user_id)
        .map_err(|e| EnvelopeError::Credentials(e.to_string()))?;
    Ok(B64.encode(sig.to_raw()))
}

fn verify_b64<'u>(
    key: &PublicKey,
    text: &str,
    sig_b64: &str,
    user_ids: &[&'u str],
) -> Result<&'u str, EnvelopeError> {
    let raw = B64
        .decode(sig_b64.trim())
        .map_err(|_| EnvelopeError::BadSignature("not Base64".into()))?;
    let sig = Signature::from_raw(&raw).map_err(|e| EnvelopeError::BadSignature(e.to_string()))?;
    for uid in user_ids {
        if key.verify(text.as_bytes(), &sig, uid).is_ok() {
            return Ok(uid);
        }
    }
    Err(EnvelopeError::BadSignature(
        "no accepted user id verifies".into(),
    ))
}

/// Build a request body: `{appId, encType, signType, timestamp, version, encData, signData}`.
pub fn build_request(
    creds: &Credentials,
    key: &PrivateKey,
    data: &Value,
    timestamp: &str,
    version: &str,
) -> Result<Value, EnvelopeError> {
    let mut env = Map::new();
    env.insert("appId".into(), creds.app_id.clone().into());
    env.insert("encType".into(), "SM4".into());
    env.insert("signType".into(), "SM2".into());
    env.insert("timestamp".into(), timestamp.into());
    env.insert("version".into(), version.into());
    env.insert("data".into(), data.clone());
    let text = sign_string(&env, &creds.app_secret);
    let sign = sign_b64(key, &text, &creds.user_id)?;
    let sk = session_key(&creds.app_id, &creds.app_secret)?;
    let json =
        serde_json::to_string(data).map_err(|e| EnvelopeError::Credentials(e.to_string()))?;
    env.remove("data");
    env.insert("encData".into(), encrypt_data(&sk, &json)?.into());
    env.insert("signData".into(), sign.into());
    Ok(Value::Object(env))
}

fn str_field<'a>(env: &'a Map<String, Value>, k: &'static str) -> Result<&'a str, EnvelopeError> {
    env.get(k)
        .and_then(Value::as_str)
        .ok_or(EnvelopeError::Missing(k))
}

/// The appId of a request body (to look up the secret and key).
pub fn request_app_id(env: &Map<String, Value>) -> Result<&str, EnvelopeError> {
    str_field(env, "appId")
}

/// Open a request (server side): decrypt `encData`, check `signData` with the
/// application's public key, trying variant V1 (plaintext data) then V2
/// (ciphertext string), and each accepted user id.
pub fn open_request(
    env: &Map<String, Value>,
    app_secret: &str,
    app_key: &PublicKey,
    user_ids: &[&str],
) -> Result<Value, EnvelopeError> {
    open_request_with_id(env, app_secret, app_key, user_ids).map(|(d, _)| d)
}

/// [`open_request`], also returning the user id that verified (the server
/// answers with the same convention).
pub fn open_request_with_id<'u>(
    env: &Map<String, Value>,
    app_secret: &str,
    app_key: &PublicKey,
    user_ids: &[&'u str],
) -> Result<(Value, &'u str), EnvelopeError> {
    let app_id = str_field(env, "appId")?;
    let enc = str_field(env, "encData")?;
    let sig = str_field(env, "signData")?;
    let sk = session_key(app_id, app_secret)?;
    let json = decrypt_data(&sk, enc)?;
    let data: Value = serde_json::from_str(&json)
        .map_err(|e| EnvelopeError::BadEncData(format!("not JSON: {e}")))?;
    let mut head: Map<String, Value> = env.clone();
    head.remove("encData");
    head.remove("signData");
    head.insert("data".into(), data.clone());
    let v1 = sign_string(&head, app_secret);
    if let Ok(uid) = verify_b64(app_key, &v1, sig, user_ids) {
        return Ok((data, uid));
    }
    head.insert("data".into(), Value::String(enc.to_string()));
    let v2 = sign_string(&head, app_secret);
    let uid = verify_b64(app_key, &v2, sig, user_ids)?;
    Ok((data, uid))
}

/// Build a response body (server side).
pub fn build_response(
    creds: &Credentials,
    platform_key: &PrivateKey,
    code: i64,
    message: &str,
    data: Option<&Value>,
    timestamp: &str,
) -> Result<Value, EnvelopeError> {
    let mut env = Map::new();
    env.insert("appId".into(), creds.app_id.clone().into());
    env.insert("code".into(), code.into());
    env.insert("message".into(), message.into());
    env.insert("encType".into(), "SM4".into());
    env.insert("signType".into(), "SM2".into());
    env.insert("timestamp".into(), timestamp.into());
    if let Some(d) = data {
        env.insert("data".into(), d.clone());
    }
    let text = sign_string(&env, &creds.app_secret);
    let sign = sign_b64(platform_key, &text, &creds.user_id)?;
    if let Some(d) = env.remove("data") {
        let sk = session_key(&creds.app_id, &creds.app_secret)?;
        let json =
            serde_json::to_string(&d).map_err(|e| EnvelopeError::Credentials(e.to_string()))?;
        env.insert("encData".into(), encrypt_data(&sk, &json)?.into());
    }
    env.insert("signData".into(), sign.into());
    Ok(Value::Object(env))
}

/// An opened, verified response.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedResponse {
    /// 0 = success.
    pub code: i64,
    /// Message text.
    pub message: String,
    /// Decrypted business output (Null when absent).
    pub data: Value,
}

/// Open a response (client side), verifying the platform signature.
pub fn open_response(
    env: &Map<String, Value>,
    app_secret: &str,
    app_id: &str,
    platform_key: &PublicKey,
    user_ids: &[&str],
) -> Result<OpenedResponse, EnvelopeError> {
    let code = match env.get("code") {
        Some(Value::Number(n)) => n.as_i64().ok_or(EnvelopeError::Missing("code"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| EnvelopeError::Missing("code"))?,
        _ => return Err(EnvelopeError::Missing("code")),
    };
    let message = env
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut head = env.clone();
    head.remove("signData");
    let data = match head.remove("encData") {
        Some(Value::String(enc)) if !enc.is_empty() => {
            let sk = session_key(app_id, app_secret)?;
            let json = decrypt_data(&sk, &enc)?;
            serde_json::from_str(&json)
                .map_err(|e| EnvelopeError::BadEncData(format!("not JSON: {e}")))?
        }
        _ => Value::Null,
    };
    if !data.is_null() {
        head.insert("data".into(), data.clone());
    }
    let sig = str_field(env, "signData")?;
    verify_b64(platform_key, &sign_string(&head, app_secret), sig, user_ids)?;
    Ok(OpenedResponse {
        code,
        message,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP_ID: &str = "1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D";
    const SECRET: &str = "SYNTHETICSECRET0123456789ABCDEF0";
    const PLAIN: &str = r#"{"hiRxno":"11000000000000000001","fixmedinsCode":"P11000000001","pharName":"张三","rxDrugCnt":2,"flag":true,"memo":"","list":[{"b":"2","a":1.5}]}"#;

    #[test]
    fn protocol_3_7_key_and_encdata() {
        let k = session_key(APP_ID, SECRET).unwrap();
        assert_eq!(&k, b"C5CA063D195E9579");
        let enc = encrypt_data(&k, PLAIN).unwrap();
        assert_eq!(enc, "69CF303218DA84CC7C3A914AB44D9C9B25633FCC21F9585715C0D9E92C998312621532DBFAEA17CE2CDF7CEDEAD54EE63BDD676F5E6C45C4D29752514DA985648FA40FBCC8DEC21FAB60B7ECF42EF2FF9AA7794D59A6680996AC2A83E589660A49D71A55A2F92F8E5C592E859914C09FF1DD21750C0C332C3E795ADD6A773654EAE3DE0FBE4816CA3D259CF8EFC67AB83E89C80178E3A2C565D39A81BBBF46D1");
        assert_eq!(decrypt_data(&k, &enc).unwrap(), PLAIN);
        assert!(decrypt_data(&k, "ZZ").is_err());
        assert!(decrypt_data(&k, "00112233").is_err());
    }

    #[test]
    fn protocol_3_7_signatures_verify_through_open_request() {
        let pk = PublicKey::from_base64(
            "BJg9Zy+u//X00ubhygGD0csZkwImD1QHN5ImoUPg5LHNCLRZeLS2DV6EFi4CqhxPnBL6UbekYWs7isH8a1De/lw=",
        )
        .unwrap();
        let k = session_key(APP_ID, SECRET).unwrap();
        for sig in [
            "c2ZItPw1cgJxklAGhjLq53k4fujLtAC7FGCe1ZSLNwMXeOuZeTiCAS+XxoXOQfIwzJpJ/mNqkZqE/cy+FifuhA==",
            "REHDuugwbvaBkupwO1p7hYEZROHI5eXgrWgYwcXjZAGuUaVMWJ1ihUm764LMRkl4bnfnexmEuoiq/WJP4pmN6g==",
        ] {
            let env: Map<String, Value> = serde_json::from_value(serde_json::json!({
                "appId": APP_ID, "encType": "SM4", "signType": "SM2",
                "timestamp": "1700000000000", "version": "1.0.0",
                "encData": encrypt_data(&k, PLAIN).unwrap(), "signData": sig
            }))
            .unwrap();
            let data = open_request(&env, SECRET, &pk, &[rxdesk_gm::DEFAULT_USER_ID, SECRET]).unwrap();
            assert_eq!(data["pharName"], "张三");
            // Only the matching user id is accepted.
            let one = if sig.starts_with('c') { SECRET } else { rxdesk_gm::DEFAULT_USER_ID };
            assert!(open_request(&env, SECRET, &pk, &[one]).is_err());
        }
    }

    #[test]
    fn request_and_response_round_trip_and_detect_tampering() {
        let app_key =
            PrivateKey::from_base64("LhnJxxhZx9YOSMDOGRuhuqjvJT/pT72OE22vCkkFGxI=").unwrap();
        let platform = PrivateKey::generate().unwrap();
        let creds = Credentials {
            app_id: APP_ID.into(),
            app_secret: SECRET.into(),
            user_id: rxdesk_gm::DEFAULT_USER_ID.into(),
        };
        let data: Value = serde_json::from_str(PLAIN).unwrap();
        let req = build_request(&creds, &app_key, &data, "1700000000000", "1.0.0").unwrap();
        let m = req.as_object().unwrap();
        assert!(m.get("data").is_none());
        let got = open_request(
            m,
            SECRET,
            &app_key.public_key(),
            &[rxdesk_gm::DEFAULT_USER_ID],
        )
        .unwrap();
        assert_eq!(got, data);
        let mut bad = m.clone();
        bad.insert("timestamp".into(), "1700000000001".into());
        assert!(matches!(
            open_request(
                &bad,
                SECRET,
                &app_key.public_key(),
                &[rxdesk_gm::DEFAULT_USER_ID]
            ),
            Err(EnvelopeError::BadSignature(_))
        ));

        let resp =
            build_response(&creds, &platform, 0, "成功", Some(&data), "1700000000002").unwrap();
        let r = open_response(
            resp.as_object().unwrap(),
            SECRET,
            APP_ID,
            &platform.public_key(),
            &[rxdesk_gm::DEFAULT_USER_ID],
        )
        .unwrap();
        assert_eq!((r.code, r.data), (0, data));
        let other = PrivateKey::generate().unwrap();
        assert!(open_response(
            resp.as_object().unwrap(),
            SECRET,
            APP_ID,
            &other.public_key(),
            &[rxdesk_gm::DEFAULT_USER_ID]
        )
        .is_err());
    }
}
