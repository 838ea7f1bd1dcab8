//! The IAM and STS Query APIs over HTTPS: endpoints, SigV4, retries, and AWS's error answers.
//!
//! - Endpoints: `AWS_ENDPOINT_URL_IAM` / `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else
//!   `https://iam.amazonaws.com` (signed for us-east-1) and `https://sts.<region>.amazonaws.com`.
//! - Throttling, 429, 5xx and network failures are retried with exponential backoff and jitter
//!   ([`RetryPolicy`]: a zero base delay makes tests never sleep); other errors are not.
//! - Bodies are never logged (STS answers hold keys); an error shows AWS's code and message only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::credentials::{AwsEnv, Credentials};
use super::sigv4;

/// The Query API version of IAM and of STS.
const IAM_VERSION: &str = "2010-05-08";
const STS_VERSION: &str = "2011-06-15";

/// Which API a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
        }
    }

    fn version(self) -> &'static str {
        match self {
            Service::Iam => IAM_VERSION,
            Service::Sts => STS_VERSION,
        }
    }
}

/// How often and how patiently to retry throttling, 5xx and network failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub tries: u32,
    /// The first backoff; doubles each retry, times a jitter factor in [0.5, 1.5).
    pub base_delay: Duration,
    /// The longest one request may take.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            tries: 5,
            base_delay: Duration::from_millis(200),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The wait before retry `n` (1-based).
pub fn backoff(base: Duration, n: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << n.saturating_sub(1).min(10));
    exp.mul_f64(0.5 + fastrand::f64())
}

/// Counters, for the benchmark and for -v logging.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: AtomicU64,
    /// Retries after throttling, 5xx or a network failure.
    pub retries: AtomicU64,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// AWS refused the action: the credentials lack a permission.
    #[error("AWS denied {action} ({code}: {message})")]
    AccessDenied {
        action: String,
        code: String,
        message: String,
    },
    /// Still throttled or failing after every retry.
    #[error("{action} still failed after {tries} tries: {last}")]
    GaveUp {
        action: String,
        tries: u32,
        last: String,
    },
    /// Any other error answer (bad credentials, invalid input, ...).
    #[error("{action} failed: HTTP {status} {code}: {message}")]
    Api {
        action: String,
        status: u16,
        code: String,
        message: String,
    },
    /// The answer is not what the API documents.
    #[error("{action}: the answer is not the XML expected ({detail})")]
    Malformed { action: String, detail: String },
    /// A bad endpoint variable.
    #[error("{0}")]
    Endpoint(String),
}

/// An endpoint: the URL requests go to and the region they are signed for.
#[derive(Debug, Clone)]
struct Endpoint {
    uri: Uri,
    host: String,
    path: String,
    region: String,
}

impl Endpoint {
    fn parse(url: &str, region: &str, var: &str) -> Result<Endpoint, CallError> {
        let bad = |why: &str| CallError::Endpoint(format!("{var} is {url:?}: {why}"));
        let uri: Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        match uri.scheme_str() {
            Some("https" | "http") => {}
            _ => {
                return Err(bad(
                    "it must start with https:// (or http:// for a local emulator)",
                ));
            }
        }
        let host = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .filter(|a| !a.is_empty() && !a.contains('@'))
            .ok_or_else(|| bad("it has no host"))?;
        let path = match uri.path() {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        Ok(Endpoint {
            uri,
            host,
            path,
            region: region.to_owned(),
        })
    }
}

/// A client of the IAM and STS Query APIs.
#[derive(Clone)]
pub struct QueryClient {
    http: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    iam: Endpoint,
    sts: Endpoint,
    retry: RetryPolicy,
    pub stats: Arc<Stats>,
}

impl std::fmt::Debug for QueryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryClient")
            .field("iam", &self.iam.uri)
            .field("sts", &self.sts.uri)
            .finish_non_exhaustive()
    }
}

impl QueryClient {
    /// A client for the endpoints and region `env` names.
    pub fn new(env: &AwsEnv, retry: RetryPolicy) -> Result<Self, CallError> {
        let region = env.region();
        let pick = |specific: &'static str| {
            env.get(specific)
                .map(|u| (u.to_owned(), specific))
                .or_else(|| {
                    env.get("AWS_ENDPOINT_URL")
                        .map(|u| (u.to_owned(), "AWS_ENDPOINT_URL"))
                })
        };
        let iam = match pick("AWS_ENDPOINT_URL_IAM") {
            Some((url, var)) => Endpoint::parse(&url, &region, var)?,
            // IAM is global: one endpoint, signed for us-east-1 (partition aws).
            None => Endpoint::parse("https://iam.amazonaws.com", "us-east-1", "IAM")?,
        };
        let sts = match pick("AWS_ENDPOINT_URL_STS") {
            Some((url, var)) => Endpoint::parse(&url, &region, var)?,
            None => Endpoint::parse(
                &format!("https://sts.{region}.amazonaws.com"),
                &region,
                "AWS_REGION",
            )?,
        };
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match builder.with_native_roots() {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("no system root certificates ({e}); HTTPS to AWS will fail");
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                    rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth(),
                )
            }
        };
        let connector = builder.https_or_http().enable_http1().build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            http,
            iam,
            sts,
            retry,
            stats: Arc::new(Stats::default()),
        })
    }

    /// The IAM endpoint's URL.
    pub fn iam_url(&self) -> String {
        self.iam.uri.to_string()
    }

    /// Call `action` with `params`, signed with `creds` (unsigned when `None`, for
    /// sts:AssumeRoleWithWebIdentity), retrying as [`RetryPolicy`] says. Returns the XML body.
    pub async fn call(
        &self,
        service: Service,
        action: &str,
        params: &[(&str, &str)],
        creds: Option<&Credentials>,
    ) -> Result<String, CallError> {
        let name = format!("{}:{action}", service.name());
        let endpoint = match service {
            Service::Iam => &self.iam,
            Service::Sts => &self.sts,
        };
        let mut all = vec![("Action", action), ("Version", service.version())];
        all.extend_from_slice(params);
        let body = sigv4::form(&all);
        let tries = self.retry.tries.max(1);
        let mut n = 0;
        loop {
            n += 1;
            let outcome = self.once(endpoint, service, &body, creds).await;
            let retryable = match outcome {
                Ok((status, text)) if status.is_success() => return Ok(text),
                Ok((status, text)) => {
                    let (code, message) = error_parts(&text);
                    let code =
                        code.unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned());
                    let message = message.unwrap_or_default();
                    if is_throttling(&code)
                        || status == StatusCode::TOO_MANY_REQUESTS
                        || status.is_server_error()
                    {
                        format!("HTTP {} {code}: {message}", status.as_u16())
                    } else if is_access_denied(&code) {
                        return Err(CallError::AccessDenied {
                            action: name,
                            code,
                            message,
                        });
                    } else {
                        return Err(CallError::Api {
                            action: name,
                            status: status.as_u16(),
                            code,
                            message,
                        });
                    }
                }
                Err(network) => network,
            };
            if n >= tries {
                return Err(CallError::GaveUp {
                    action: name,
                    tries,
                    last: retryable,
                });
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            let wait = backoff(self.retry.base_delay, n);
            tracing::debug!("{name}: {retryable}; retry {n} in {wait:?}");
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// One request: the status and body, or a network failure (retryable).
    async fn once(
        &self,
        endpoint: &Endpoint,
        service: Service,
        body: &str,
        creds: Option<&Credentials>,
    ) -> Result<(StatusCode, String), String> {
        let scope = sigv4::Scope {
            region: &endpoint.region,
            service: service.name(),
            time: Utc::now(),
        };
        let date = scope.amz_date();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let mut headers = vec![
            ("content-type", content_type),
            ("host", endpoint.host.as_str()),
            ("x-amz-date", date.as_str()),
        ];
        if let Some(token) = creds.and_then(Credentials::session_token) {
            headers.push(("x-amz-security-token", token));
        }
        let auth = creds.map(|c| {
            sigv4::authorization(
                &sigv4::Request {
                    method: "POST",
                    path: &endpoint.path,
                    query: &[],
                    headers: &headers,
                    body: body.as_bytes(),
                },
                &scope,
                c.access_key_id(),
                c.secret_access_key(),
            )
        });
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(endpoint.uri.clone());
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        if let Some(auth) = &auth {
            req = req.header("authorization", auth);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let send = async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| network_error(&e))?;
            let status = resp.status();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("the connection dropped while reading the answer: {e}"))?
                .to_bytes();
            Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
        };
        match tokio::time::timeout(self.retry.timeout, send).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {:?}", self.retry.timeout)),
        }
    }
}

/// A network failure, with its causes (hyper's own message is terse).
fn network_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The `Code` and `Message` of an AWS error answer, when it has them.
pub fn error_parts(xml: &str) -> (Option<String>, Option<String>) {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return (None, None);
    };
    let text = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().chars().take(500).collect::<String>())
    };
    (text("Code"), text("Message"))
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "RequestThrottled"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "ServiceUnavailable"
            | "InternalFailure"
            | "InternalError"
            | "IDPCommunicationError"
    )
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "UnauthorizedAccess"
    )
}

/// The text of the first element named `name` under `node`.
pub fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .and_then(|n| n.text())
}

/// The first element named `name` anywhere in the document.
pub fn find<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_read() {
        let xml = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
  <Message>User: arn:aws:sts::1:assumed-role/x is not authorized to perform: iam:ListRoles</Message></Error>
  <RequestId>1</RequestId></ErrorResponse>"#;
        let (code, message) = error_parts(xml);
        assert_eq!(code.as_deref(), Some("AccessDenied"));
        assert!(message.unwrap().contains("iam:ListRoles"));
        assert_eq!(error_parts("<html>busy</html>"), (None, None));
        assert_eq!(error_parts("not xml"), (None, None));
        assert!(is_throttling("Throttling") && is_throttling("RequestLimitExceeded"));
        assert!(!is_throttling("AccessDenied"));
        assert!(is_access_denied("AccessDenied") && !is_access_denied("InvalidClientTokenId"));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_zero_never_waits() {
        for n in 1..=4 {
            let d = backoff(Duration::from_millis(100), n);
            let base = 100u64 << (n - 1);
            assert!(d >= Duration::from_millis(base / 2), "{n}: {d:?}");
            assert!(d < Duration::from_millis(base * 3 / 2 + 1), "{n}: {d:?}");
        }
        assert_eq!(backoff(Duration::ZERO, 5), Duration::ZERO);
        // Large retry counts do not overflow.
        let _ = backoff(Duration::from_secs(1), 60);
    }

    #[test]
    fn endpoints_from_the_environment() {
        let env = |pairs: &[(&str, &str)]| AwsEnv::from_pairs(pairs.iter().copied(), None);
        let c = QueryClient::new(&env(&[]), RetryPolicy::default()).unwrap();
        assert_eq!(c.iam.uri.to_string(), "https://iam.amazonaws.com/");
        assert_eq!(c.iam.region, "us-east-1");
        assert_eq!(c.sts.host, "sts.us-east-1.amazonaws.com");
        let c = QueryClient::new(
            &env(&[
                ("AWS_REGION", "eu-west-2"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_ENDPOINT_URL_STS", "http://localhost:6000/sts"),
            ]),
            RetryPolicy::default(),
        )
        .unwrap();
        assert_eq!(
            (c.iam.host.as_str(), c.iam.path.as_str()),
            ("127.0.0.1:5000", "/")
        );
        assert_eq!(c.iam.region, "eu-west-2");
        assert_eq!(
            (c.sts.host.as_str(), c.sts.path.as_str()),
            ("localhost:6000", "/sts")
        );
        let c = QueryClient::new(
            &env(&[("AWS_ENDPOINT_URL_IAM", "http://iam.local")]),
            RetryPolicy::default(),
        )
        .unwrap();
        assert_eq!(c.iam.host, "iam.local");
        assert_eq!(c.sts.host, "sts.us-east-1.amazonaws.com");
        let err = QueryClient::new(
            &env(&[("AWS_ENDPOINT_URL", "ftp://x")]),
            RetryPolicy::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("AWS_ENDPOINT_URL is \"ftp://x\""),
            "{err}"
        );
    }
}
