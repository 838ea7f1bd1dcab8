//! The live AWS reader against moto's server mode (a real IAM/STS emulator that checks SigV4
//! signatures when auth is on) and, for throttling, 5xx, URL-encoded trust policies and web
//! identity, against small local fakes (wiremock). Nothing leaves 127.0.0.1.
//!
//! moto: `ACCESS_RECONCILER_MOTO` names the `moto_server` program (`.ci/moto` installs one in a
//! venv and sets it), else `moto_server` on PATH; without either, the moto tests print why and
//! pass without checking anything.

#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeMap;

use access_reconciler::sources::aws::client::Service;
use access_reconciler::sources::aws::credentials::AwsEnv;
use access_reconciler::sources::aws::live::no_wait;
use access_reconciler::sources::aws::{AwsAccount, AwsMapping, AwsReader, ReadOptions};
use moto::{Moto, admin, create_role, into_account, setup_client, trust, xml_text};
use serde_json::json;

fn mapping(accounts: &[(&str, &str, Option<&str>)]) -> AwsMapping {
    AwsMapping {
        users_account: "999999999999".into(),
        suffixes: vec!["developer".into(), "fulladmin".into()],
        ignore: vec![],
        accounts: accounts
            .iter()
            .map(|(name, id, read_role)| {
                (
                    (*name).to_owned(),
                    AwsAccount {
                        id: (*id).to_owned(),
                        read_role: read_role.map(str::to_owned),
                        roles: BTreeMap::new(),
                        temporary: vec![],
                    },
                )
            })
            .collect(),
    }
}

fn reader(url: &str, key: &str, secret: &str, page_size: u32) -> AwsReader {
    let env = AwsEnv::from_pairs(
        [
            ("AWS_ENDPOINT_URL", url),
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ],
        None,
    );
    AwsReader::new(
        &env,
        ReadOptions {
            retry: no_wait(2),
            page_size,
        },
    )
    .expect("reader")
}

#[tokio::test]
async fn moto_read_role_every_page_and_managed_roles_only() {
    let Some(moto) = Moto::start() else { return };
    let c = setup_client(&moto.url);
    let staging = into_account(&c, "111111111111").await;
    for i in 0..23 {
        create_role(
            &c,
            &staging,
            &format!("person{i:02}-developer"),
            &trust(&format!("person{i:02}@x.gov.uk")),
        )
        .await;
    }
    create_role(
        &c,
        &staging,
        "AWSServiceRoleForSupport",
        &json!({"Statement": []}),
    )
    .await;
    create_role(
        &c,
        &staging,
        "access-reconciler-read",
        &json!({"Statement": []}),
    )
    .await;
    // A role in another account must not show up.
    let production = into_account(&c, "222222222222").await;
    create_role(&c, &production, "other-developer", &trust("other@x.gov.uk")).await;

    let m = mapping(&[(
        "staging",
        "111111111111",
        Some("arn:aws:iam::111111111111:role/access-reconciler-read"),
    )]);
    let r = reader(&moto.url, "AKIAMOTOREADER000000", "reader-secret", 10);
    let read = r.read(&m, None).await;
    assert!(read.unread.is_empty(), "{:?}", read.unread);
    let roles = &read.section.accounts["staging"];
    assert_eq!(roles.id, "111111111111");
    let names: Vec<&str> = roles.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 23, "{names:?}");
    assert_eq!(names[0], "person00-developer");
    // moto sends the document as plain JSON; it decodes to the same document.
    assert_eq!(roles.roles[5].trust_policy, trust("person05@x.gov.uk"));
    // 25 roles in pages of 10: 3 ListRoles pages, after one AssumeRole.
    assert_eq!(r.requests(), (4, 0));
}

#[tokio::test]
async fn moto_ambient_credentials_of_another_account_leave_it_unread() {
    let Some(moto) = Moto::start() else { return };
    let c = setup_client(&moto.url);
    create_role(
        &c,
        &admin(),
        "jane.doe-developer",
        &trust("jane.doe@x.gov.uk"),
    )
    .await;
    // Unknown keys are moto's default account 123456789012.
    let m = mapping(&[
        ("default", "123456789012", None),
        ("production", "222222222222", None),
    ]);
    let r = reader(&moto.url, "AKIAMOTOREADER000000", "reader-secret", 1000);
    let read = r.read(&m, None).await;
    assert_eq!(
        read.section.accounts.keys().collect::<Vec<_>>(),
        ["default"]
    );
    assert_eq!(read.section.accounts["default"].roles.len(), 1);
    let why = &read.unread["production"];
    assert!(
        why.contains(
            "AWS account production (222222222222): the credentials are for account 123456789012"
        ),
        "{why}"
    );
    // A read_role in another account than the account's id is refused before any request.
    let m = mapping(&[(
        "staging",
        "111111111111",
        Some("arn:aws:iam::222222222222:role/reader"),
    )]);
    let read = r.read(&m, None).await;
    assert!(
        read.unread["staging"].contains("read_role"),
        "{:?}",
        read.unread
    );
}

#[tokio::test]
async fn moto_access_denied_names_the_action_and_the_policy_and_signatures_verify() {
    let Some(moto) = Moto::start() else { return };
    let c = setup_client(&moto.url);
    let a = admin();
    // Two users in the default account: one may only call GetCallerIdentity, one may read.
    let mut keys = Vec::new();
    for (user, actions) in [
        ("limited", json!(["sts:GetCallerIdentity"])),
        ("reader", json!(["sts:GetCallerIdentity", "iam:ListRoles"])),
    ] {
        c.call(Service::Iam, "CreateUser", &[("UserName", user)], Some(&a))
            .await
            .expect("user");
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]});
        c.call(
            Service::Iam,
            "PutUserPolicy",
            &[
                ("UserName", user),
                ("PolicyName", "read"),
                ("PolicyDocument", &policy.to_string()),
            ],
            Some(&a),
        )
        .await
        .expect("policy");
        let body = c
            .call(
                Service::Iam,
                "CreateAccessKey",
                &[("UserName", user)],
                Some(&a),
            )
            .await
            .expect("key");
        keys.push((
            xml_text(&body, "AccessKey", "AccessKeyId"),
            xml_text(&body, "AccessKey", "SecretAccessKey"),
        ));
    }
    create_role(&c, &a, "jane.doe-developer", &trust("jane.doe@x.gov.uk")).await;
    moto.enforce_auth().await;

    let m = mapping(&[("default", "123456789012", None)]);
    let limited = reader(&moto.url, &keys[0].0, &keys[0].1, 1000);
    let read = limited.read(&m, None).await;
    let why = &read.unread["default"];
    assert!(
        why.contains("AWS denied iam:ListRoles (AccessDenied"),
        "{why}"
    );
    assert!(
        why.contains("attach a read-only policy allowing iam:ListRoles and sts:GetCallerIdentity"),
        "{why}"
    );
    assert!(read.section.accounts.is_empty());

    // The reader's signatures are checked by moto here: a good key reads, a wrong secret does not.
    let ok = reader(&moto.url, &keys[1].0, &keys[1].1, 1000)
        .read(&m, None)
        .await;
    assert!(ok.unread.is_empty(), "{:?}", ok.unread);
    assert_eq!(ok.section.accounts["default"].roles.len(), 1);
    let bad = reader(&moto.url, &keys[1].0, "wrong-secret", 1000)
        .read(&m, None)
        .await;
    let why = &bad.unread["default"];
    assert!(why.contains("sts:GetCallerIdentity failed"), "{why}");
    assert!(!why.contains("wrong-secret"), "{why}");
}
