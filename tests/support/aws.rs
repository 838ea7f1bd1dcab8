//! The fake AWS IAM and STS Query APIs (POST, form body, XML answers), for what moto cannot do
//! on demand: throttling then success, 5xx to the end, URL-encoded trust policies (moto sends
//! plain JSON), web identity. Mount it at "" and point `AWS_ENDPOINT_URL` at the server.
#![allow(dead_code)]

use std::sync::Mutex;

use super::server::{Ctx, Request, Response, Service, decode};

/// One role: its name and trust policy document (sent URL-encoded, as IAM does).
#[derive(Debug, Clone)]
pub struct FakeRole {
    pub name: String,
    pub trust_policy: String,
}

#[derive(Debug, Default)]
struct State {
    /// The account of the ambient credentials (GetCallerIdentity) and of the roles.
    account: String,
    roles: Vec<FakeRole>,
    /// Answer the next N ListRoles with `Throttling`.
    throttle_list_roles: usize,
    /// Answer every ListRoles with 503.
    list_roles_unavailable: bool,
    /// Every request: (action, authorization header, x-amz-security-token, body).
    seen: Vec<Seen>,
}

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub action: String,
    pub authorization: Option<String>,
    pub security_token: Option<String>,
    pub body: String,
}

pub struct FakeAws {
    state: Mutex<State>,
}

impl FakeAws {
    pub fn new(account: &str, roles: Vec<FakeRole>) -> FakeAws {
        FakeAws {
            state: Mutex::new(State {
                account: account.to_owned(),
                roles,
                ..State::default()
            }),
        }
    }

    pub fn throttle_list_roles(&self, times: usize) {
        self.state.lock().expect("lock").throttle_list_roles = times;
    }

    pub fn list_roles_unavailable(&self) {
        self.state.lock().expect("lock").list_roles_unavailable = true;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("lock").seen.clone()
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters (as IAM encodes documents).
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::new(
        status,
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        ),
    )
}

fn credentials(action: &str, key: &str, account: &str, role: &str) -> Response {
    Response::new(
        200,
        format!(
            "<{action}Response><{action}Result><Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret-{key}</SecretAccessKey><SessionToken>token-{key}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{role}/access-reconciler</Arn></AssumedRoleUser></{action}Result></{action}Response>"
        ),
    )
}

impl Service for FakeAws {
    fn handle(&self, req: &Request, _ctx: &Ctx) -> Response {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let params: Vec<(String, String)> = body
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (decode(k), decode(v)))
            .collect();
        let param = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let action = param("Action");
        let mut state = self.state.lock().expect("lock");
        state.seen.push(Seen {
            action: action.clone(),
            authorization: req.header("authorization").map(str::to_owned),
            security_token: req.header("x-amz-security-token").map(str::to_owned),
            body: body.clone(),
        });
        let account = state.account.clone();
        match action.as_str() {
            "GetCallerIdentity" => Response::new(
                200,
                format!(
                    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/reader</Arn><UserId>AIDA</UserId><Account>{account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
                ),
            ),
            "AssumeRoleWithWebIdentity" => credentials(&action, "ASIAOIDCKEY", &account, "ci"),
            "AssumeRole" => {
                let role = param("RoleArn");
                let role_account = role.split(':').nth(4).unwrap_or("").to_owned();
                credentials(&action, "ASIAROLEKEY", &role_account, "reader")
            }
            "ListRoles" => {
                if state.list_roles_unavailable {
                    return Response::new(503, "Service Unavailable");
                }
                if state.throttle_list_roles > 0 {
                    state.throttle_list_roles -= 1;
                    return error(400, "Throttling", "Rate exceeded");
                }
                let members: String = state
                    .roles
                    .iter()
                    .map(|r| {
                        format!(
                            "<member><Path>/</Path><RoleName>{}</RoleName><Arn>arn:aws:iam::{account}:role/{}</Arn><AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument></member>",
                            xml_escape(&r.name),
                            xml_escape(&r.name),
                            url_encode(&r.trust_policy)
                        )
                    })
                    .collect();
                Response::new(
                    200,
                    format!(
                        "<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles>{members}</Roles></ListRolesResult></ListRolesResponse>"
                    ),
                )
            }
            other => error(400, "InvalidAction", &format!("unknown action {other}")),
        }
    }
}
