//! AWS Signature Version 4, pure: the `Authorization` header of a request, from the request's
//! parts, the secret key and the time. Checked against the worked example in AWS's
//! documentation, and (in the moto tests) by a server that verifies signatures.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// RFC 3986 unreserved characters stay; everything else is %XX (as SigV4 requires).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// URI-encode a query or form value the way SigV4 and the Query API expect.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// A form body (`application/x-www-form-urlencoded`) from key/value pairs, in order.
pub fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What is signed.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The absolute path (`/` for the Query APIs).
    pub path: &'a str,
    /// `(name, value)` query pairs, not yet encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Every header to sign (at least `host` and `x-amz-date`), any case.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The scope of a signature.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
    pub time: DateTime<Utc>,
}

impl Scope<'_> {
    /// `YYYYMMDDTHHMMSSZ`, the `x-amz-date` header.
    pub fn amz_date(&self) -> String {
        self.time.format("%Y%m%dT%H%M%SZ").to_string()
    }

    fn date(&self) -> String {
        self.time.format("%Y%m%d").to_string()
    }

    fn credential_scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date(),
            self.region,
            self.service
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The canonical request (SigV4 task 1) and the signed header list.
fn canonical(req: &Request<'_>) -> (String, String) {
    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (k.to_ascii_lowercase(), value)
        })
        .collect();
    headers.sort();
    let signed = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        req.path,
        query,
        canonical_headers,
        signed,
        hex(&Sha256::digest(req.body))
    );
    (text, signed)
}

/// The `Authorization` header value for `req`, signed with `secret` for `access_key_id`.
pub fn authorization(
    req: &Request<'_>,
    scope: &Scope<'_>,
    access_key_id: &str,
    secret: &str,
) -> String {
    let (canonical, signed) = canonical(req);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        scope.amz_date(),
        scope.credential_scope(),
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = [scope.region, scope.service, "aws4_request"].iter().fold(
        hmac(format!("AWS4{secret}").as_bytes(), scope.date().as_bytes()),
        |k, part| hmac(&k, part.as_bytes()),
    );
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{}, SignedHeaders={signed}, Signature={signature}",
        scope.credential_scope()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The worked example of AWS's SigV4 documentation: IAM ListUsers by GET.
    #[test]
    fn matches_the_documented_example() {
        let headers = [
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("Host", "iam.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ];
        let req = Request {
            method: "GET",
            path: "/",
            query: &[("Version", "2010-05-08"), ("Action", "ListUsers")],
            headers: &headers,
            body: b"",
        };
        let scope = Scope {
            region: "us-east-1",
            service: "iam",
            time: Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap(),
        };
        let (canonical, signed) = canonical(&req);
        assert_eq!(signed, "content-type;host;x-amz-date");
        assert_eq!(
            hex(&Sha256::digest(canonical.as_bytes())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let auth = authorization(
            &req,
            &scope,
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        );
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn forms_and_values_are_encoded() {
        assert_eq!(
            form(&[("Action", "ListRoles"), ("Marker", "a+b/c=")]),
            "Action=ListRoles&Marker=a%2Bb%2Fc%3D"
        );
        assert_eq!(encode("a b~é"), "a%20b~%C3%A9");
    }
}
