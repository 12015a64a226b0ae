//! AWS sign-in through the AWS SDK's own resolver (`aws-config`), so every
//! source the AWS CLI knows works, in its order: a profile named
//! explicitly (and then nothing else: stale `AWS_*` keys in the
//! environment are ignored); otherwise the `AWS_*` variables, the profile
//! `AWS_PROFILE` names (or `default`), web identity, ECS and EC2 instance
//! metadata. A profile may hold keys, a `credential_process`, IAM Identity
//! Center (SSO, from `aws sso login`'s token cache) or a `role_arn` with
//! its `source_profile`. Our code is only the adapter to `object_store`
//! and a cache that renews credentials before they expire, so a long
//! upload outlives them. Secrets go to the client and nowhere else: no
//! error message, log line or project setting ever holds one.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::Region;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::region::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_glue::config::SharedHttpClient;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use object_store::CredentialProvider;
use object_store::aws::AwsCredential;

use crate::{Error, Result};

/// Credentials are fetched again this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// Who signs in for one connection, and in which region.
pub(crate) struct SignIn {
    /// Credentials, cached and renewed; `object_store` asks before each
    /// request.
    pub credentials: Arc<SdkCredentials>,
    /// `region` as given, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the
    /// profile's, else `us-east-1`.
    pub region: String,
    /// The SDK's HTTP client, for the SDK's own clients (Glue).
    pub http: SharedHttpClient,
}

/// Resolves the sign-in for `profile` (the standard chain when `None`)
/// and fetches credentials once, so a missing profile or an expired SSO
/// session is an error now, naming the profile, rather than at the first
/// request.
pub(crate) async fn sign_in(profile: Option<&str>, region: Option<&str>) -> Result<SignIn> {
    // The SDK's HTTP client for STS, SSO and the metadata endpoints, on
    // ring as object_store's is, so no second crypto library is built.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = ProviderConfig::without_region().with_http_client(http.clone());
    let region = match region {
        Some(region) => region.to_owned(),
        None => {
            let mut from_profile = ProfileFileRegionProvider::builder().configure(&config);
            if let Some(name) = profile {
                from_profile = from_profile.profile_name(name);
            }
            match EnvironmentVariableRegionProvider::new().region().await {
                Some(region) => region.to_string(),
                None => from_profile
                    .build()
                    .region()
                    .await
                    .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string()),
            }
        }
    };
    // STS and SSO sign their own requests in this region.
    let config = config.with_region(Some(Region::new(region.clone())));
    let (provider, whose) = match profile {
        Some(name) => {
            let provider = ProfileFileCredentialsProvider::builder()
                .configure(&config)
                .profile_name(name)
                .build();
            (
                SharedCredentialsProvider::new(provider),
                format!("AWS profile '{name}'"),
            )
        }
        None => {
            let chain = DefaultCredentialsChain::builder()
                .configure(config)
                .build()
                .await;
            (
                SharedCredentialsProvider::new(chain),
                "the AWS credential chain (AWS_* variables, AWS_PROFILE or the default \
                 profile, web identity, ECS, instance metadata)"
                    .to_owned(),
            )
        }
    };
    let credentials = Arc::new(SdkCredentials {
        provider,
        whose,
        cached: tokio::sync::Mutex::new(None),
    });
    credentials.current().await?;
    Ok(SignIn {
        credentials,
        region,
        http,
    })
}

/// The endpoint the AWS CLI would use for `service` (`S3`, `GLUE`) when
/// none is given: `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`.
pub(crate) fn endpoint_from_env(service: &str) -> Option<String> {
    [
        format!("AWS_ENDPOINT_URL_{service}"),
        "AWS_ENDPOINT_URL".into(),
    ]
    .into_iter()
    .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

/// The SDK's credentials as `object_store` wants them.
#[derive(Debug)]
pub(crate) struct SdkCredentials {
    provider: SharedCredentialsProvider,
    /// Where they come from, for errors.
    whose: String,
    cached: tokio::sync::Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

impl SdkCredentials {
    /// The credentials, fetched again when they expire within
    /// [`RENEW_BEFORE`].
    pub(crate) async fn current(&self) -> Result<Arc<AwsCredential>> {
        let mut cached = self.cached.lock().await;
        if let Some((credential, expiry)) = cached.as_ref()
            && expiry.is_none_or(|at| at > SystemTime::now() + RENEW_BEFORE)
        {
            return Ok(credential.clone());
        }
        let fresh = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| Error::Invalid(format!("{}: {}", self.whose, causes(&e))))?;
        let credential = Arc::new(AwsCredential {
            key_id: fresh.access_key_id().to_owned(),
            secret_key: fresh.secret_access_key().to_owned(),
            token: fresh.session_token().map(str::to_owned),
        });
        *cached = Some((credential.clone(), fresh.expiry()));
        Ok(credential)
    }
}

impl SdkCredentials {
    /// The SDK provider behind this cache, for the SDK's own clients.
    pub(crate) fn provider(&self) -> SharedCredentialsProvider {
        self.provider.clone()
    }
}

#[async_trait::async_trait]
impl CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        self.current()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })
    }
}

/// An error and its causes on one line: the SDK's top-level messages
/// ("the credential provider was not enabled") say little without them.
/// None of them holds a secret: the SDK redacts commands and keys.
pub(crate) fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::Credentials;
    use aws_credential_types::provider::future;

    use super::*;

    /// Hands out numbered keys, each valid for `lasts`.
    #[derive(Debug)]
    struct Numbered {
        calls: Arc<AtomicUsize>,
        lasts: Duration,
    }

    impl ProvideCredentials for Numbered {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            future::ProvideCredentials::ready(Ok(Credentials::new(
                format!("AKIA{n}"),
                "secret",
                Some(format!("token-{n}")),
                Some(SystemTime::now() + self.lasts),
                "numbered",
            )))
        }
    }

    fn cache(lasts: Duration) -> (SdkCredentials, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let provider = Numbered {
            calls: calls.clone(),
            lasts,
        };
        let cache = SdkCredentials {
            provider: SharedCredentialsProvider::new(provider),
            whose: "test".into(),
            cached: tokio::sync::Mutex::new(None),
        };
        (cache, calls)
    }

    #[test]
    fn credentials_are_kept_until_they_near_expiry_then_renewed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // An hour left: one fetch serves every request.
        let (long, calls) = cache(Duration::from_secs(3600));
        for _ in 0..3 {
            let c = runtime.block_on(long.get_credential()).unwrap();
            assert_eq!(c.key_id, "AKIA0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Inside the renewal window (as an hour-long upload's session
        // credentials come to be): each request gets fresh ones.
        let (short, calls) = cache(Duration::from_secs(60));
        let keys: Vec<String> = (0..3)
            .map(|_| runtime.block_on(short.get_credential()).unwrap())
            .map(|c| format!("{} {}", c.key_id, c.token.clone().unwrap_or_default()))
            .collect();
        assert_eq!(keys, ["AKIA0 token-0", "AKIA1 token-1", "AKIA2 token-2"]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn causes_are_joined_once_each() {
        let inner = std::io::Error::other("profile `x` was not defined");
        let outer = Error::Io {
            path: "config".into(),
            source: inner,
        };
        assert_eq!(causes(&outer), "config: profile `x` was not defined");
    }
}
