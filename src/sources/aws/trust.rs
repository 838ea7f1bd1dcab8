//! What a role's trust policy allows, for one person: which principals other than that person's
//! IAM user can assume it, and whether the person can assume it without MFA. Pure.

use serde_json::{Map, Value};

/// The condition key that says the caller signed in with MFA.
const MFA_KEY: &str = "aws:MultiFactorAuthPresent";

/// What [`check`] found in one trust policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustCheck {
    /// Every principal of an Allow statement other than the person's user, each once, in
    /// document order (`*`, account roots, other users, `Service: ...`, `Federated: ...`).
    pub untrusted: Vec<String>,
    /// Why the document could not be read, when it could not (fail closed: reported as an
    /// untrusted principal).
    pub unparsable: Option<String>,
    /// An Allow statement names the person's user without requiring
    /// `aws:MultiFactorAuthPresent` true.
    pub mfa_not_required: bool,
}

/// Check a decoded trust policy against the ARNs of the person's own IAM user(s) (compared
/// case-insensitively). Any Allow statement counts, whatever its Action.
pub fn check(policy: &Value, own: &[String]) -> TrustCheck {
    let mut out = TrustCheck::default();
    if let Err(why) = walk(policy, own, &mut out) {
        out.unparsable = Some(why);
    }
    out
}

fn walk(policy: &Value, own: &[String], out: &mut TrustCheck) -> Result<(), String> {
    let doc = match policy {
        Value::Object(doc) => doc,
        Value::String(_) => return Err("the trust policy is not JSON".into()),
        _ => return Err("the trust policy is not a JSON object".into()),
    };
    let statements: Vec<&Value> = match doc.get("Statement") {
        None => return Ok(()),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err("`Statement` is neither an object nor a list".into()),
    };
    for (i, st) in statements.into_iter().enumerate() {
        let Value::Object(st) = st else {
            return Err(format!("statement {} is not an object", i + 1));
        };
        match st.get("Effect") {
            Some(Value::String(e)) if e == "Allow" => {}
            Some(Value::String(e)) if e == "Deny" => continue,
            _ => return Err(format!("statement {} has no Effect Allow or Deny", i + 1)),
        }
        if let Some(not) = st.get("NotPrincipal") {
            let except = principal_names(not).map_err(|e| format!("statement {}: {e}", i + 1))?;
            push(
                out,
                format!(
                    "NotPrincipal (everyone except {})",
                    except
                        .iter()
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        }
        let Some(principal) = st.get("Principal") else {
            push(out, "a statement with no Principal".into());
            continue;
        };
        let names = principal_names(principal).map_err(|e| format!("statement {}: {e}", i + 1))?;
        let mut names_own = false;
        for (kind, name) in names {
            let is_own = kind == "AWS" && own.iter().any(|o| o.eq_ignore_ascii_case(&name));
            if is_own {
                names_own = true;
            } else if kind == "AWS" || kind == "*" {
                push(out, name);
            } else {
                push(out, format!("{kind}: {name}"));
            }
        }
        if names_own && !requires_mfa(st.get("Condition")) {
            out.mfa_not_required = true;
        }
    }
    Ok(())
}

fn push(out: &mut TrustCheck, name: String) {
    if !out.untrusted.contains(&name) {
        out.untrusted.push(name);
    }
}

/// The (type, value) pairs of a Principal: `"*"` is `("*", "*")`; `{"AWS": "a"}` or
/// `{"AWS": ["a", "b"]}` give one pair per value.
fn principal_names(p: &Value) -> Result<Vec<(String, String)>, String> {
    match p {
        Value::String(s) if s == "*" => Ok(vec![("*".into(), "*".into())]),
        Value::String(s) => Err(format!(
            "the principal {s:?} is neither \"*\" nor a mapping"
        )),
        Value::Object(map) => {
            let mut names = Vec::new();
            for (kind, v) in map {
                match v {
                    Value::String(s) => names.push((kind.clone(), s.clone())),
                    Value::Array(items) => {
                        for item in items {
                            let Value::String(s) = item else {
                                return Err(format!("a {kind} principal is not a string"));
                            };
                            names.push((kind.clone(), s.clone()));
                        }
                    }
                    _ => return Err(format!("the {kind} principal is not a string or list")),
                }
            }
            Ok(names)
        }
        _ => Err("the principal is neither \"*\" nor a mapping".into()),
    }
}

/// Whether a Condition block requires `aws:MultiFactorAuthPresent` true under `Bool` or
/// `BoolIfExists`: `true`, `"true"`, or a non-empty list of only those.
fn requires_mfa(condition: Option<&Value>) -> bool {
    let Some(Value::Object(cond)) = condition else {
        return false;
    };
    ["Bool", "BoolIfExists"].iter().any(|op| {
        let Some(Value::Object(keys)) = cond.get(*op) else {
            return false;
        };
        mfa_value(keys)
    })
}

fn mfa_value(keys: &Map<String, Value>) -> bool {
    let is_true = |v: &Value| matches!(v, Value::Bool(true)) || v.as_str() == Some("true");
    keys.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(MFA_KEY))
        .any(|(_, v)| match v {
            Value::Array(items) => !items.is_empty() && items.iter().all(is_true),
            v => is_true(v),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JANE: &str = "arn:aws:iam::999999999999:user/jane.doe@x.gov.uk";

    fn own() -> Vec<String> {
        vec![JANE.to_owned()]
    }

    fn allow(principal: Value, condition: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": principal, "Action": "sts:AssumeRole", "Condition": condition}]})
    }

    fn mfa() -> Value {
        json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    }

    #[test]
    fn the_persons_own_user_with_mfa_is_clean() {
        let c = check(&allow(json!({"AWS": JANE}), mfa()), &own());
        assert_eq!(c, TrustCheck::default());
        // ARNs compare case-insensitively; a one-item list is the same.
        let upper = JANE.to_uppercase();
        let c = check(&allow(json!({"AWS": [upper]}), mfa()), &own());
        assert_eq!(c, TrustCheck::default());
    }

    #[test]
    fn every_other_principal_is_named() {
        let principal = json!({
            "AWS": [JANE, "arn:aws:iam::999999999999:user/other@x.gov.uk", "*",
                    "arn:aws:iam::999999999999:root", "123456789012"],
            "Service": "ec2.amazonaws.com",
            "Federated": ["arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"],
        });
        let c = check(&allow(principal, mfa()), &own());
        assert_eq!(
            c.untrusted,
            vec![
                "arn:aws:iam::999999999999:user/other@x.gov.uk",
                "*",
                "arn:aws:iam::999999999999:root",
                "123456789012",
                "Federated: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
                "Service: ec2.amazonaws.com",
            ]
        );
        assert!(!c.mfa_not_required);
        assert_eq!(c.unparsable, None);
    }

    #[test]
    fn bare_star_and_aws_star_are_both_untrusted() {
        assert_eq!(
            check(&allow(json!("*"), mfa()), &own()).untrusted,
            vec!["*"]
        );
        assert_eq!(
            check(&allow(json!({"AWS": "*"}), mfa()), &own()).untrusted,
            vec!["*"]
        );
    }

    #[test]
    fn any_action_counts_and_deny_does_not() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:user/x"}, "Action": "sts:TagSession"},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]});
        assert_eq!(check(&doc, &own()).untrusted, vec!["arn:aws:iam::1:user/x"]);
    }

    #[test]
    fn not_principal_and_missing_principal_are_untrusted() {
        let doc = json!({"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": JANE}}});
        assert_eq!(
            check(&doc, &own()).untrusted,
            vec![format!("NotPrincipal (everyone except {JANE})")]
        );
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]});
        assert_eq!(
            check(&doc, &own()).untrusted,
            vec!["a statement with no Principal"]
        );
    }

    #[test]
    fn mfa_conditions() {
        let ok = [
            json!({"Bool": {"aws:MultiFactorAuthPresent": true}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": ["true", true]}}),
            json!({"Bool": {"AWS:multifactorauthpresent": "true"}}),
            json!({"StringEquals": {"x": "y"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        ];
        for cond in ok {
            let c = check(&allow(json!({"AWS": JANE}), cond.clone()), &own());
            assert!(!c.mfa_not_required, "{cond}");
        }
        let missing = [
            Value::Null,
            json!({}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": []}}),
            json!({"Bool": {"aws:MultiFactorAuthPresent": "TRUE "}}),
            json!({"StringEquals": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            json!({"Bool": "aws:MultiFactorAuthPresent"}),
            json!("Bool"),
        ];
        for cond in missing {
            let c = check(&allow(json!({"AWS": JANE}), cond.clone()), &own());
            assert!(c.mfa_not_required, "{cond}");
            assert!(c.untrusted.is_empty());
        }
        // Without MFA, but for another principal only: that is untrusted, not mfa.
        let c = check(
            &allow(json!({"AWS": "arn:aws:iam::1:user/x"}), Value::Null),
            &own(),
        );
        assert!(!c.mfa_not_required);
        // One statement with MFA and one without: not required.
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": JANE}, "Condition": mfa()},
            {"Effect": "Allow", "Principal": {"AWS": JANE}}]});
        assert!(check(&doc, &own()).mfa_not_required);
    }

    #[test]
    fn unparsable_documents_say_why() {
        let cases = [
            (json!("%7Bbroken"), "not JSON"),
            (json!([1]), "not a JSON object"),
            (json!({"Statement": 3}), "neither an object nor a list"),
            (json!({"Statement": [3]}), "statement 1 is not an object"),
            (json!({"Statement": [{"Principal": "*"}]}), "no Effect"),
            (
                json!({"Statement": [{"Effect": "allow", "Principal": "*"}]}),
                "no Effect",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Principal": "me"}]}),
                "neither",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": 3}}]}),
                "not a string or list",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": [3]}}]}),
                "not a string",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Principal": 3}]}),
                "neither",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "NotPrincipal": 3}]}),
                "neither",
            ),
        ];
        for (doc, why) in cases {
            let c = check(&doc, &own());
            let got = c.unparsable.unwrap_or_default();
            assert!(got.contains(why), "{doc}: {got}");
        }
        // No statements at all: nothing can assume the role.
        assert_eq!(
            check(&json!({"Version": "2012-10-17"}), &own()),
            TrustCheck::default()
        );
    }
}
