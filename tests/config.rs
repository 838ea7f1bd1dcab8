//! The config and mapping parsers through the library: every invalid fixture (message and line
//! asserted, and the rendered errors snapshotted), files that cannot be configs (non-UTF-8, too
//! big, a directory, missing), and a proptest that feeds arbitrary bytes and mutated configs.
//!
//! The binary's `check` command is tested elsewhere (tests/check.rs); this file needs only the
//! library, so it runs fast.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use access_reconciler::config::{self, ConfigErrors, Mapping, people};
use proptest::prelude::*;

/// Read and parse a config file under fixtures/ with the built-in mapping.
fn load_config(rel: &str) -> Result<config::Config, ConfigErrors> {
    let path = common::root().join("fixtures").join(rel);
    let display = format!("fixtures/{rel}");
    let text = config::read_file(&path, &display)?;
    people::parse(&display, &text, &Mapping::builtin())
}

/// Read and parse a mapping file under fixtures/.
fn load_mapping(rel: &str) -> Result<Mapping, ConfigErrors> {
    let path = common::root().join("fixtures").join(rel);
    let display = format!("fixtures/{rel}");
    let text = config::read_file(&path, &display)?;
    Mapping::parse(&display, &text)
}

/// The errors of an invalid fixture, as (line, message), after checking the file's top comment
/// says it is not OK.
fn config_errors(rel: &str) -> Vec<(usize, String)> {
    let errors = match load_config(rel) {
        Ok(c) => panic!(
            "{rel} should be invalid, but parsed {} people",
            c.people.len()
        ),
        Err(e) => e,
    };
    insta::assert_snapshot!(rel.replace(['/', '.'], "_"), errors.to_string());
    errors
        .0
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect()
}

fn mapping_errors(rel: &str) -> Vec<(usize, String)> {
    let errors = match load_mapping(rel) {
        Ok(m) => panic!("{rel} should be invalid, but parsed {m:?}"),
        Err(e) => e,
    };
    insta::assert_snapshot!(rel.replace(['/', '.'], "_"), errors.to_string());
    errors
        .0
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect()
}

/// Assert that the errors are exactly these (line, start of message) pairs.
#[track_caller]
fn assert_errors(actual: &[(usize, String)], expected: &[(usize, &str)]) {
    let ok = actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|((l, m), (el, em))| l == el && m.starts_with(em));
    assert!(ok, "expected {expected:#?}\ngot {actual:#?}");
}

#[test]
fn every_invalid_fixture_states_its_intent() {
    for dir in ["fixtures/invalid", "fixtures/invalid/mapping"] {
        for entry in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // An empty file cannot carry a comment; its name states its intent.
            if path.file_name().is_some_and(|n| n == "empty.yml") {
                assert!(text.is_empty());
                continue;
            }
            assert!(
                text.starts_with("# NOT OK: "),
                "{} must start with `# NOT OK: <intent>`",
                path.display()
            );
        }
    }
}

#[test]
fn every_invalid_config_fixture_is_refused_with_a_location() {
    for entry in std::fs::read_dir(common::root().join("fixtures/invalid")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let errors = load_config(&format!("invalid/{name}")).expect_err(&name);
        assert!(!errors.0.is_empty(), "{name}");
        for e in &errors.0 {
            assert!(e.line > 0 && e.col > 0, "{name}: unlocated error {e}");
            assert!(e.help.is_some(), "{name}: error without help: {e}");
        }
    }
}

#[test]
fn yaml_syntax() {
    assert_errors(
        &config_errors("invalid/yaml_syntax.yml"),
        &[(
            4,
            "invalid YAML: mapping values are not allowed in this context",
        )],
    );
}

#[test]
fn not_a_sequence() {
    assert_errors(
        &config_errors("invalid/not_a_sequence.yml"),
        &[(
            2,
            "the top level must be a list of people, but it is a mapping",
        )],
    );
}

#[test]
fn item_not_mapping() {
    assert_errors(
        &config_errors("invalid/item_not_mapping.yml"),
        &[
            (
                4,
                "entry 2 of the list must be a mapping of keys to values, but it is a string",
            ),
            (
                5,
                "entry 3 of the list must be a mapping of keys to values, but it is a sequence",
            ),
        ],
    );
}

#[test]
fn wrong_types() {
    assert_errors(
        &config_errors("invalid/wrong_types.yml"),
        &[
            (3, "`email` must be a single value, but it is a sequence"),
            (
                6,
                "`probation_passed` must be true or false, but it is `yes`",
            ),
            (
                7,
                "`apprentice` must be true or false, but it is `\"false\"`",
            ),
            (
                8,
                "`absent_since`: `31/01/2026` is not a date in the form YYYY-MM-DD",
            ),
            (
                9,
                "`security_clearance` must be one of BPSS, SC, DV or none, but it is `sc`",
            ),
            (12, "`absent_since`: `2026-02-30` is not a real date"),
            (14, "`sponsor` must be a single value, but it is a mapping"),
        ],
    );
}

#[test]
fn missing_name() {
    assert_errors(
        &config_errors("invalid/missing_name.yml"),
        &[(5, "this person's entry has no `name`")],
    );
}

#[test]
fn role_without_login() {
    assert_errors(
        &config_errors("invalid/role_without_login.yml"),
        &[(
            2,
            "`role: production_deploy_access` (line 4) is set but the entry has no `github_username`",
        )],
    );
}

#[test]
fn unknown_role() {
    let errors = load_config("invalid/unknown_role.yml").unwrap_err();
    assert_errors(
        &config_errors("invalid/unknown_role.yml"),
        &[(4, "unknown role `production_deploy`")],
    );
    let help = errors.0[0].help.as_deref().unwrap();
    assert!(
        help.contains("platformengineer, production_admin_access, production_deploy_access"),
        "{help}"
    );
}

#[test]
fn invalid_login() {
    assert_errors(
        &config_errors("invalid/invalid_login.yml"),
        &[
            (
                3,
                "`-jane` is not a valid GitHub login: it starts or ends with a hyphen",
            ),
            (
                5,
                "`sam--example` is not a valid GitHub login: it has two hyphens in a row",
            ),
            (7, "`kim_example` is not a valid GitHub login: only ASCII"),
            (
                9,
                "`lee-example-with-a-very-long-login-name-x` is not a valid GitHub login: it is longer than 39 characters",
            ),
        ],
    );
}

#[test]
fn duplicate_login() {
    assert_errors(
        &config_errors("invalid/duplicate_login.yml"),
        &[(
            7,
            "github_username `Jane-Example` is also used at line 3 (Jane Example)",
        )],
    );
}

#[test]
fn duplicate_email() {
    assert_errors(
        &config_errors("invalid/duplicate_email.yml"),
        &[(
            7,
            "email `Jane.Example@digital.cabinet-office.gov.uk` is also used at line 3 (Jane Example)",
        )],
    );
}

#[test]
fn control_character() {
    assert_errors(
        &config_errors("invalid/control_character.yml"),
        &[
            (
                3,
                "`name` contains the invisible control character U+001B, which could disguise the reports",
            ),
            (
                6,
                "`sponsor` contains the invisible control character U+202E, which could disguise the reports",
            ),
        ],
    );
}

#[test]
fn misspelt_key() {
    assert_errors(
        &config_errors("invalid/misspelt_key.yml"),
        &[
            (
                3,
                "unknown key `githhub_username`: did you mean `github_username`?",
            ),
            (
                4,
                "unknown key `probation_pased`: did you mean `probation_passed`?",
            ),
        ],
    );
}

#[test]
fn empty_and_comments_only() {
    assert_errors(
        &config_errors("invalid/empty.yml"),
        &[(1, "the config lists no people")],
    );
    assert_errors(
        &config_errors("invalid/comments_only.yml"),
        &[(1, "the config lists no people")],
    );
}

#[test]
fn tabs() {
    let e = config_errors("invalid/tabs.yml");
    assert_errors(&e, &[(3, "invalid YAML")]);
    let errors = load_config("invalid/tabs.yml").unwrap_err();
    assert_eq!(errors.0[0].col, 1);
    assert!(errors.0[0].help.as_deref().unwrap().contains("tabs"));
}

#[test]
fn alias_bomb() {
    let e = config_errors("invalid/alias_bomb.yml");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].1.contains("100000 nodes"), "{e:?}");
}

#[test]
fn deep_nesting() {
    assert_errors(
        &config_errors("invalid/deep_nesting.yml"),
        &[(2, "the YAML is nested more than 100 levels deep")],
    );
}

#[test]
fn multiple_documents() {
    assert_errors(
        &config_errors("invalid/multiple_documents.yml"),
        &[(4, "a second YAML document starts here")],
    );
}

#[test]
fn duplicate_key() {
    assert_errors(
        &config_errors("invalid/duplicate_key.yml"),
        &[(5, "duplicate key `role`: it is already set at line 4:3")],
    );
}

#[test]
fn mapping_unknown_key() {
    assert_errors(
        &mapping_errors("invalid/mapping/unknown_key.yml"),
        &[
            (
                6,
                "unknown key `ignroe` in the mapping: did you mean `ignore`?",
            ),
            (7, "unknown key `teams` in the mapping"),
        ],
    );
}

#[test]
fn mapping_role_without_teams() {
    assert_errors(
        &mapping_errors("invalid/mapping/role_without_teams.yml"),
        &[
            (4, "role `production_deploy_access` has no teams"),
            (5, "role `production_admin_access` has no teams"),
        ],
    );
}

#[test]
fn mapping_invalid_slug() {
    assert_errors(
        &mapping_errors("invalid/mapping/invalid_slug.yml"),
        &[
            (3, "`GOV-UK` is not a valid team slug"),
            (5, "`gov uk deploy` is not a valid team slug"),
            (6, "`-gov-uk-production-admin` is not a valid team slug"),
        ],
    );
}

#[test]
fn mapping_missing_org() {
    assert_errors(
        &mapping_errors("invalid/mapping/missing_org.yml"),
        &[(2, "the mapping has no `org`")],
    );
}

#[test]
fn mapping_invalid_org() {
    assert_errors(
        &mapping_errors("invalid/mapping/invalid_org.yml"),
        &[(
            2,
            "`org: alpha_gov` is not a valid GitHub organisation login",
        )],
    );
}

#[test]
fn mapping_not_a_mapping() {
    assert_errors(
        &mapping_errors("invalid/mapping/not_a_mapping.yml"),
        &[(2, "the mapping file must be a mapping")],
    );
}

#[test]
fn mapping_wrong_types() {
    assert_errors(
        &mapping_errors("invalid/mapping/wrong_types.yml"),
        &[
            (3, "`everyone` must be a list, but it is a string"),
            (
                4,
                "`roles` must map each role to its teams, but it is a sequence",
            ),
            (
                6,
                "an item of `senior_tech` must be a single value, but it is a sequence",
            ),
        ],
    );
}

#[test]
fn mapping_team_in_everyone_and_a_role() {
    assert_errors(
        &mapping_errors("invalid/mapping/everyone_in_role.yml"),
        &[(
            5,
            "team `gov-uk-production-deploy` is in `everyone` and also in role `production_deploy_access`",
        )],
    );
}

#[test]
fn builtin_mapping_is_valid() {
    let m = Mapping::builtin();
    assert_eq!(m.org(), Some("alphagov"));
    assert_eq!(m.role_names().len(), 3);
}

// ---- files that cannot be configs, made at run time ----

fn read(path: &Path) -> Result<String, config::ConfigError> {
    config::read_file(path, &path.display().to_string())
}

#[test]
fn non_utf8_bytes_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yml");
    std::fs::write(&path, b"- name: Jane\n  email: j\xffx@example.org\n").unwrap();
    let e = read(&path).unwrap_err();
    assert_eq!((e.line, e.col), (2, 11));
    assert_eq!(e.message, "the file is not valid UTF-8");
}

#[test]
fn a_50_mb_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yml");
    let line = "- name: Jane Example\n";
    let mut text = String::with_capacity(50 * 1024 * 1024 + line.len());
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(line);
    }
    std::fs::write(&path, &text).unwrap();
    let e = read(&path).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(e.message.contains("the limit is 10485760 bytes"), "{e}");
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = read(dir.path()).unwrap_err();
    assert_eq!(e.message, "is a directory, not a file");
}

#[test]
fn a_missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = read(&dir.path().join("nope.yml")).unwrap_err();
    assert_eq!(e.message, "file not found");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: file not found\n  help: check the path, or pass the right one with --config/--mapping",
            dir.path().join("nope.yml").display()
        )
    );
}

#[test]
fn a_large_valid_config_parses() {
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!(
            "- name: Person {i}\n  email: p{i}@example.org\n  github_username: person-{i}\n  role: production_deploy_access\n  security_clearance: BPSS\n  sponsor: Lead {i}\n"
        ));
    }
    let c = people::parse("big.yml", &text, &Mapping::builtin()).unwrap();
    assert_eq!(c.people.len(), 2000);
    assert_eq!(c.people[1999].pos.line, 1999 * 6 + 1);
}

// ---- fuzzing inside `cargo test` ----

/// A valid config to mutate.
const VALID: &str = "\
# people with production access
- name: Jane Example
  email: jane@example.org
  github_username: jane-example
  role: production_admin_access
  sponsor: \"Sam Lead\"
  security_clearance: SC
  probation_passed: true
  admin_checklist_reviewed_by: Pat Senior
  absent_since: 2026-01-31
  team: platform
- name: Kim Example
  github_username: kim-example
  role: production_deploy_access
  why_do_they_need_access: |
    deploys apps
  apprentice: true
- {name: Lee Example, role: ~}
";

#[test]
fn the_mutation_seed_is_valid() {
    let c = people::parse("v.yml", VALID, &Mapping::builtin()).unwrap();
    assert_eq!(c.people.len(), 3);
}

/// Parse bytes the way the binary does: write them to a file, read it, parse it. Errors are
/// fine; panics are not (a panic fails the test).
fn read_and_parse(dir: &Path, bytes: &[u8]) {
    let path = dir.join("fuzz.yml");
    std::fs::write(&path, bytes).unwrap();
    if let Ok(text) = read(&path) {
        match people::parse("fuzz.yml", &text, &Mapping::builtin()) {
            Ok(c) => assert!(c.people.iter().all(|p| p.pos.line > 0)),
            Err(e) => assert!(!e.0.is_empty()),
        }
        let _ = Mapping::parse("fuzz.yml", &text);
    }
}

/// A YAML-ish fragment to splice into the seed.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("&a [*a, *a]".to_owned()),
        Just("*a".to_owned()),
        Just("[[[[[[".to_owned()),
        Just("{".to_owned()),
        Just("\t".to_owned()),
        Just("\n- ".to_owned()),
        Just(": ".to_owned()),
        Just("---\n".to_owned()),
        Just("\"\\u00e9".to_owned()),
        Just("é☃".to_owned()),
        Just("\r\n".to_owned()),
        Just("? ".to_owned()),
        Just("!!str ".to_owned()),
        Just("|\n".to_owned()),
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        read_and_parse(dir.path(), &bytes);
    }

    #[test]
    fn mutated_configs_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8, fragment()), 1..6)
    ) {
        let mut text = VALID.as_bytes().to_vec();
        for (at, cut, insert) in edits {
            let at = at.index(text.len() + 1);
            let end = (at + cut).min(text.len());
            text.splice(at..end, insert.into_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        read_and_parse(dir.path(), &text);
    }
}
