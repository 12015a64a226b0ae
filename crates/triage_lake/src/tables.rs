//! Tables in the lake: the objects under an `s3://bucket/prefix/`, and
//! polars' options to read them where they are (Parquet through range
//! requests, row group by row group), signed in as an export is.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use object_store::aws::AmazonS3ConfigKey as Key;
use object_store::path::Path as ObjectPath;
use object_store::{ClientConfigKey, ObjectStore, ObjectStoreExt};
use polars::io::cloud::CloudOptions;
use polars::io::cloud::credential_provider::{ObjectStoreCredential, PlCredentialProvider};
use polars::prelude::PolarsError;

use crate::credentials::{self, SdkCredentials};
use crate::s3::{S3Target, connect_store, runtime, s3_err};
use crate::{Error, Result};

/// How long polars keeps credentials before asking again; our own cache
/// behind it renews them before they expire.
const ASK_AGAIN: Duration = Duration::from_secs(60);

/// One object under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeObject {
    /// Its `s3://bucket/key` address.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The objects under `target`'s prefix, in every folder below it, in key
/// order (or the one object the prefix names). Names starting with `_` or `.` are left out, as Spark, Hive and
/// Athena leave them out (`_SUCCESS`, `.crc` files, `_temporary/`).
pub fn list_objects(target: &S3Target) -> Result<Vec<LakeObject>> {
    let (store, runtime) = connect_store(target, &target.bucket)?;
    let hidden = |path: &ObjectPath| {
        path.filename()
            .is_some_and(|name| name.starts_with('_') || name.starts_with('.'))
    };
    let mut objects = Vec::new();
    let mut folders =
        vec![(!target.prefix.is_empty()).then(|| ObjectPath::from(target.prefix.as_str()))];
    while let Some(folder) = folders.pop() {
        let listed = runtime
            .block_on(store.list_with_delimiter(folder.as_ref()))
            .map_err(|e| s3_err(target, folder.as_ref().map_or("", |f| f.as_ref()), e))?;
        folders.extend(
            listed
                .common_prefixes
                .into_iter()
                .filter(|p| !hidden(p))
                .map(Some),
        );
        objects.extend(
            listed
                .objects
                .into_iter()
                .filter(|meta| !hidden(&meta.location))
                .map(|meta| LakeObject {
                    url: target.url_of(meta.location.as_ref()),
                    size: meta.size,
                }),
        );
    }
    if objects.is_empty() && !target.prefix.is_empty() {
        // The address may name one object rather than a folder.
        let key = ObjectPath::from(target.prefix.as_str());
        if let Ok(meta) = runtime.block_on(store.head(&key)) {
            objects.push(LakeObject {
                url: target.url_of(meta.location.as_ref()),
                size: meta.size,
            });
        }
    }
    objects.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(objects)
}

/// polars' options for reading objects in `target`'s bucket: the same
/// endpoint, region, addressing and sign-in (the AWS CLI's chain, or the
/// profile named) as an export, so whoever can export can read.
pub fn polars_cloud_options(target: &S3Target) -> Result<CloudOptions> {
    let access = &target.access;
    let signed_in = runtime()?.block_on(credentials::sign_in(
        access.profile.as_deref(),
        access.region.as_deref(),
    ))?;
    let endpoint = access.s3_endpoint();
    let path_style = access
        .addressing
        .path_style(endpoint.as_deref(), &target.bucket);
    let mut config = vec![
        (Key::Region, signed_in.region),
        (Key::VirtualHostedStyleRequest, (!path_style).to_string()),
    ];
    if let Some(endpoint) = endpoint {
        config.push((
            Key::Client(ClientConfigKey::AllowHttp),
            endpoint.starts_with("http://").to_string(),
        ));
        config.push((Key::Endpoint, endpoint));
    }
    let credentials = signed_in.credentials;
    Ok(CloudOptions::default()
        .with_aws(config)
        .with_credential_provider(Some(PlCredentialProvider::from_func(move || {
            let credentials = credentials.clone();
            Box::pin(async move { current(credentials).await })
        }))))
}

/// Our renewing cache's credentials, as polars asks for them. polars runs
/// this on its own tokio runtime; the work is spawned there so that the
/// future polars holds is only a handle.
async fn current(
    credentials: Arc<SdkCredentials>,
) -> polars::prelude::PolarsResult<(ObjectStoreCredential, u64)> {
    let credential = tokio::spawn(async move { credentials.current().await })
        .await
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?
        .map_err(|e: Error| PolarsError::ComputeError(e.to_string().into()))?;
    let until = (SystemTime::now() + ASK_AGAIN)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok((ObjectStoreCredential::Aws(credential), until))
}
