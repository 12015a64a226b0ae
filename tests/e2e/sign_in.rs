//! Every AWS sign-in the AWS CLI knows, end to end: the real CLI exports to
//! moto_server through a recorder that shows which key signed each
//! request. STS (AssumeRole, AssumeRoleWithWebIdentity) is moto's; the SSO
//! portal and the ECS and EC2 metadata endpoints, which moto does not
//! serve, are small HTTP servers here that answer as AWS documents them.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use crate::s3::{Moto, Recorder};
use crate::{path_str, penguin_project, repo, triage_bin};

/// An HTTP server answering by method and path (query included), keeping
/// every request's head.
struct Stub {
    endpoint: String,
    seen: Arc<Mutex<String>>,
}

impl Stub {
    fn start(answer: fn(&str, &str) -> Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(String::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for mut conn in listener.incoming().map_while(Result::ok) {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                let _ = conn.read_exact(&mut body);
                log.lock().unwrap().push_str(&head);
                let mut words = head.split_whitespace();
                let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let (status, body) = match answer(method, path) {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", String::new()),
                };
                let _ = write!(
                    conn,
                    // The TTL header is IMDSv2's, with its session token;
                    // the other endpoints ignore it.
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                     x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { endpoint, seen }
    }

    fn seen(&self) -> String {
        self.seen.lock().unwrap().clone()
    }
}

/// The IAM Identity Center portal's GetRoleCredentials.
fn sso_portal(method: &str, path: &str) -> Option<String> {
    (method == "GET" && path.starts_with("/federation/credentials?")).then(|| {
        r#"{"roleCredentials": {"accessKeyId": "AKIASSOKEY", "secretAccessKey": "sso-secret-x5",
            "sessionToken": "sso-session-token", "expiration": 4102444800000}}"#
            .to_owned()
    })
}

/// The ECS container credentials endpoint.
fn ecs(method: &str, path: &str) -> Option<String> {
    (method == "GET" && path == "/creds").then(|| {
        r#"{"AccessKeyId": "AKIAECSKEY", "SecretAccessKey": "ecs-secret-x6",
            "Token": "ecs-session-token", "Expiration": "2100-01-01T00:00:00Z"}"#
            .to_owned()
    })
}

/// EC2 instance metadata (IMDSv2: a session token first).
fn imds(method: &str, path: &str) -> Option<String> {
    match (method, path) {
        ("PUT", "/latest/api/token") => Some("imds-session".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Some("lake-role".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/lake-role") => Some(
            r#"{"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "AKIAIMDSKEY",
                "SecretAccessKey": "imds-secret-x7", "Token": "imds-session-token",
                "Expiration": "2100-01-01T00:00:00Z", "LastUpdated": "2026-01-01T00:00:00Z"}"#
                .into(),
        ),
        _ => None,
    }
}

/// Every variable that could sign in from the test's own environment.
const AWS_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
];

/// The shared files: static keys (no `default`, so the chain goes on past
/// them), a `credential_process`, an assumed role, SSO, and a role with no
/// source.
fn aws_files(home: &Path) {
    let aws = home.join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    let process = aws.join("process.sh");
    std::fs::write(
        &process,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESSKEY\", \
         \"SecretAccessKey\": \"process-secret-x4\", \"SessionToken\": \"process-session-token\"}'\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", path_str(&process)])
        .status()
        .unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[lake]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile-secret-x2\n",
    )
    .unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile lake]\nregion = eu-west-1\n\
             [profile proc]\ncredential_process = {}\n\
             [profile role]\nrole_arn = arn:aws:iam::123456789012:role/labeler\nsource_profile = lake\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Labeler\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
             [profile orphan]\nrole_arn = arn:aws:iam::123456789012:role/labeler\n",
            path_str(&process)
        ),
    )
    .unwrap();
    // What `aws sso login --sso-session corp` leaves: a token under the
    // SHA-1 of the session's name.
    let name = Command::new("sh")
        .args(["-c", "printf corp | sha1sum"])
        .output()
        .unwrap();
    let name = String::from_utf8(name.stdout).unwrap()[..40].to_owned();
    std::fs::write(
        aws.join(format!("sso/cache/{name}.json")),
        r#"{"accessToken": "sso-bearer-token", "expiresAt": "2100-01-01T00:00:00Z",
            "region": "us-east-1", "startUrl": "https://corp.awsapps.com/start"}"#,
    )
    .unwrap();
}

#[test]
fn every_aws_sign_in_reaches_the_store_with_its_own_keys() {
    let moto = Moto::with_bucket("lake");
    let s3 = Recorder::start(&moto.endpoint);
    let sts = Recorder::start(&moto.endpoint);
    let (sso, ecs, imds) = (Stub::start(sso_portal), Stub::start(ecs), Stub::start(imds));
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    aws_files(&home);
    let token = tmp.path().join("web-identity-token");
    std::fs::write(&token, "a-web-identity-token").unwrap();
    let p = tmp.path().join("penguins");
    let ps = path_str(&p);
    penguin_project(&p);

    let mut outputs = Vec::new();
    let mut export = |profile: Option<&str>, env: &[(&str, &str)]| -> (bool, String, String) {
        let mut cmd = Command::new(triage_bin());
        cmd.args([
            "export",
            ps,
            "--to",
            "s3://lake/sign-in",
            "--format",
            "gt-manifest",
            "--endpoint",
            &s3.endpoint,
        ])
        .current_dir(repo());
        for var in AWS_VARIABLES {
            cmd.env_remove(var);
        }
        cmd.env("HOME", &home)
            .env("AWS_ENDPOINT_URL_STS", &sts.endpoint)
            .env("AWS_ENDPOINT_URL_SSO", &sso.endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(name) = profile {
            cmd.args(["--profile", name]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out: Output = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        outputs.push(out.clone());
        (out.status.success(), s3.take(), stderr)
    };
    let signed_by = |sent: &str, key: &str| {
        // Every request the store saw was signed by this key.
        let keys: std::collections::BTreeSet<&str> = sent
            .split("Credential=")
            .skip(1)
            .map(|s| s.split('/').next().unwrap())
            .collect();
        assert_eq!(keys.into_iter().collect::<Vec<_>>(), vec![key], "{sent}");
    };

    // A named profile, with stale keys and a session token in the
    // environment: the profile's keys alone, and no token.
    let (ok, sent, err) = export(
        Some("lake"),
        &[
            ("AWS_ACCESS_KEY_ID", "AKIASTALEKEY"),
            ("AWS_SECRET_ACCESS_KEY", "stale-secret-x8"),
            ("AWS_SESSION_TOKEN", "STALE-SESSION-TOKEN"),
        ],
    );
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAPROFILEKEY");
    assert!(sent.contains("/eu-west-1/s3/aws4_request"), "{sent}");
    assert!(!sent.contains("STALE-SESSION-TOKEN") && !sent.contains("x-amz-security-token"));

    // Environment keys, with their session token.
    let (ok, sent, err) = export(
        None,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAENVKEY"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret-x3"),
            ("AWS_SESSION_TOKEN", "env-session-token"),
        ],
    );
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAENVKEY");
    assert!(
        sent.contains("x-amz-security-token: env-session-token"),
        "{sent}"
    );

    // AWS_PROFILE.
    let (ok, sent, err) = export(None, &[("AWS_PROFILE", "lake")]);
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAPROFILEKEY");

    // The default profile, from the file AWS_SHARED_CREDENTIALS_FILE names.
    let default = tmp.path().join("default-credentials");
    std::fs::write(
        &default,
        "[default]\naws_access_key_id = AKIADEFAULTKEY\naws_secret_access_key = default-secret-x1\n",
    )
    .unwrap();
    let (ok, sent, err) = export(None, &[("AWS_SHARED_CREDENTIALS_FILE", path_str(&default))]);
    assert!(ok, "{err}");
    signed_by(&sent, "AKIADEFAULTKEY");

    // credential_process.
    let (ok, sent, err) = export(Some("proc"), &[]);
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAPROCESSKEY");
    assert!(sent.contains("x-amz-security-token: process-session-token"));

    // role_arn with source_profile: STS AssumeRole signed by the source's
    // keys, then the store by the role's.
    let (ok, sent, err) = export(Some("role"), &[]);
    assert!(ok, "{err}");
    let asked = sts.take();
    assert!(asked.contains("Action=AssumeRole&"), "{asked}");
    assert!(asked.contains("Credential=AKIAPROFILEKEY/"), "{asked}");
    let role_key = sent
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    assert!(role_key.starts_with("ASIA"), "{role_key}");
    signed_by(&sent, &role_key);

    // Web identity, from the variables Kubernetes sets.
    let (ok, sent, err) = export(
        None,
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", path_str(&token)),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/labeler"),
            ("AWS_ROLE_SESSION_NAME", "triage-e2e"),
        ],
    );
    assert!(ok, "{err}");
    let asked = sts.take();
    assert!(asked.contains("AssumeRoleWithWebIdentity"), "{asked}");
    assert!(asked.contains("a-web-identity-token"), "{asked}");
    assert!(sent.contains("Credential=ASIA"), "{sent}");

    // IAM Identity Center, from `aws sso login`'s cached token.
    let (ok, sent, err) = export(Some("sso"), &[]);
    assert!(ok, "{err}");
    signed_by(&sent, "AKIASSOKEY");
    let asked = sso.seen();
    assert!(asked.contains("role_name=Labeler"), "{asked}");
    assert!(
        asked.contains("x-amz-sso_bearer_token: sso-bearer-token"),
        "{asked}"
    );

    // ECS container credentials.
    let ecs_uri = format!("{}/creds", ecs.endpoint);
    let (ok, sent, err) = export(None, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &ecs_uri)]);
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAECSKEY");

    // EC2 instance metadata, IMDSv2.
    let (ok, sent, err) = export(
        None,
        &[
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint),
        ],
    );
    assert!(ok, "{err}");
    signed_by(&sent, "AKIAIMDSKEY");
    assert!(
        imds.seen()
            .contains("x-aws-ec2-metadata-token: imds-session")
    );

    // Errors name the profile and what is missing.
    let (ok, _, err) = export(Some("nope"), &[]);
    assert!(!ok);
    assert!(err.contains("AWS profile 'nope'"), "{err}");
    let (ok, _, err) = export(Some("orphan"), &[]);
    assert!(!ok);
    assert!(err.contains("AWS profile 'orphan'"), "{err}");
    assert!(
        err.contains("source_profile") || err.contains("credential_source"),
        "{err}"
    );

    // No secret in the project folder, the output, or the errors.
    let mut everything = crate::s3::all_bytes(&p);
    for out in &outputs {
        everything.extend(&out.stdout);
        everything.extend(&out.stderr);
    }
    let everything = String::from_utf8_lossy(&everything);
    for secret in [
        "default-secret-x1",
        "profile-secret-x2",
        "env-secret-x3",
        "process-secret-x4",
        "sso-secret-x5",
        "ecs-secret-x6",
        "imds-secret-x7",
        "stale-secret-x8",
        "sso-bearer-token",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}
