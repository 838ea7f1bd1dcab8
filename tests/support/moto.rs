//! moto's server mode for the AWS tests and the AWS benchmark: start one on a free local port,
//! and set it up (accounts, roles, users) through the library's own signed Query API client.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use access_reconciler::sources::aws::client::{QueryClient, Service, child_text, find};
use access_reconciler::sources::aws::credentials::{AwsEnv, Credentials};
use access_reconciler::sources::aws::live::no_wait;
use serde_json::{Value, json};

/// A moto server on a free local port, stopped (by its own process id) when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    /// Start moto, or `None` (with a message saying why) when it is not installed.
    // The skip notice goes to the test's stderr; the print_stderr guard is for the binary.
    #[allow(clippy::print_stderr)]
    pub fn start() -> Option<Moto> {
        let program = std::env::var_os("ACCESS_RECONCILER_MOTO")
            .map(PathBuf::from)
            .or_else(|| which("moto_server"));
        let Some(program) = program else {
            eprintln!(
                "moto test skipped: moto_server not found (run `bash .ci/moto`, or `pip install 'moto[server]'`, or set ACCESS_RECONCILER_MOTO)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_remove("MOTO_ACCOUNT_ID")
            .env_remove("INITIAL_NO_AUTH_ACTION_COUNT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start within 60s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Enforce IAM authentication (and SigV4 signatures) from the next request on.
    pub async fn enforce_auth(&self) {
        let status = post(&format!("{}/moto-api/reset-auth", self.url), "0").await;
        assert_eq!(status, 200);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A plain POST (for moto's own control API).
pub async fn post(url: &str, body: &str) -> u16 {
    use http_body_util::Full;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let req = http::Request::post(url)
        .body(Full::new(bytes::Bytes::from(body.to_owned())))
        .expect("request");
    client
        .request(req)
        .await
        .expect("moto answers")
        .status()
        .as_u16()
}

/// Keys moto does not know: it treats them as the default account 123456789012.
pub fn admin() -> Credentials {
    Credentials::new(
        "AKIAMOTOADMIN0000000".into(),
        "admin-secret".into(),
        None,
        "test",
    )
}

pub fn setup_client(url: &str) -> QueryClient {
    let env = AwsEnv::from_pairs([("AWS_ENDPOINT_URL", url)], None);
    QueryClient::new(&env, no_wait(1)).expect("client")
}

pub fn xml_text(body: &str, parent: &str, name: &str) -> String {
    let doc = roxmltree::Document::parse(body).expect("xml");
    let node = find(&doc, parent).unwrap_or_else(|| panic!("no {parent} in {body}"));
    child_text(node, name).unwrap_or("").to_owned()
}

/// Credentials inside account `id` (moto lets any role ARN be assumed; the keys it returns
/// belong to that account).
pub async fn into_account(c: &QueryClient, id: &str) -> Credentials {
    let body = c
        .call(
            Service::Sts,
            "AssumeRole",
            &[
                ("RoleArn", &format!("arn:aws:iam::{id}:role/setup")),
                ("RoleSessionName", "setup"),
            ],
            Some(&admin()),
        )
        .await
        .expect("assume role");
    Credentials::new(
        xml_text(&body, "Credentials", "AccessKeyId"),
        xml_text(&body, "Credentials", "SecretAccessKey"),
        Some(xml_text(&body, "Credentials", "SessionToken")),
        format!("setup {id}"),
    )
}

pub async fn create_role(c: &QueryClient, creds: &Credentials, name: &str, doc: &Value) {
    c.call(
        Service::Iam,
        "CreateRole",
        &[
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &doc.to_string()),
        ],
        Some(creds),
    )
    .await
    .unwrap_or_else(|e| panic!("create {name}: {e}"));
}

pub fn trust(email: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::999999999999:user/{email}")},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})
}
