//! The `aws` section of a v2 snapshot, exactly as the contract shows it:
//! `{"accounts": {"staging": {"id": "...", "roles": [{"name": ..., "trust_policy": <JSON>}]}}}`,
//! and the decoding of a role's trust policy from what IAM sends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every managed role of each account read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsSection {
    /// Account name (as in the mapping) -> what was read there.
    pub accounts: BTreeMap<String, AccountRoles>,
}

/// The managed roles of one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountRoles {
    /// The 12-digit account id the roles were read from.
    pub id: String,
    /// Sorted by name.
    pub roles: Vec<RoleEntry>,
}

/// One role and its trust policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleEntry {
    pub name: String,
    /// The decoded trust policy document. When IAM sent something that is not JSON, the raw
    /// text is kept here as a JSON string, so the offline run reports it as unparsable too.
    pub trust_policy: Value,
}

/// The result of reading AWS: the accounts read whole, and why each other account was not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsRead {
    pub section: AwsSection,
    /// Account name -> why it was not read whole. These accounts are not in `section`.
    pub unread: BTreeMap<String, String>,
}

/// Decode an `AssumeRolePolicyDocument` as IAM sends it: URL-encoded (the real service) or
/// plain JSON (some emulators). Text that is neither is kept as a JSON string.
pub fn decode_trust_policy(raw: &str) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(raw) {
        return v;
    }
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8();
    match decoded {
        Ok(text) => serde_json::from_str::<Value>(&text).unwrap_or(Value::String(raw.to_owned())),
        Err(_) => Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_encodings_decode_to_the_same_document() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:user/jane.doe@x.gov.uk"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
        let plain = doc.to_string();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&plain, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert!(encoded.starts_with("%7B"));
        assert_eq!(decode_trust_policy(&plain), doc);
        assert_eq!(decode_trust_policy(&encoded), doc);
        // A plain document with a literal % in a value stays as it is.
        let pct = r#"{"Statement": [], "Sid": "100%25"}"#;
        assert_eq!(decode_trust_policy(pct)["Sid"], "100%25");
    }

    #[test]
    fn garbage_is_kept_as_a_string() {
        assert_eq!(decode_trust_policy("not json"), json!("not json"));
        assert_eq!(decode_trust_policy("%FF%FE"), json!("%FF%FE"));
    }

    #[test]
    fn section_matches_the_contract_shape() {
        let text = r#"{"accounts": {"staging": {"id": "111111111111",
            "roles": [{"name": "jane.doe-developer", "trust_policy": {"Version": "2012-10-17", "Statement": []}}]}}}"#;
        let section: AwsSection = serde_json::from_str(text).unwrap();
        assert_eq!(
            section.accounts["staging"].roles[0].name,
            "jane.doe-developer"
        );
        let back: Value = serde_json::to_value(&section).unwrap();
        let want: Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, want);
    }
}
