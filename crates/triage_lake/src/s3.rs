//! Publishing an export to S3 (or an S3-compatible store) through
//! `object_store`. Every object is sent with its SHA-256, which the store
//! verifies and which is kept as the object's `sha256` metadata; small
//! objects are create-only puts (`If-None-Match: *`), large ones multipart
//! uploads that are aborted if they fail. Data objects go first and the
//! manifest last. A reader that sees a manifest can trust every object it
//! names; nothing published is ever replaced; and running an interrupted
//! export again converges, because an object already there with the same
//! hash counts as put.

use std::path::Path;

use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, GetOptions, ObjectStore, PutMode, PutMultipartOptions,
    PutOptions, PutPayload, RetryConfig, WriteMultipart,
};

use serde::{Deserialize, Serialize};

use crate::{Error, Result, WrittenFile, credentials, sha256_hex};

/// How to reach the lake: the one type that imports, exports, teams and
/// every shell pass around. It names an address and a profile, never
/// credentials, so a project may remember it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct LakeAccess {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); AWS when empty.
    pub endpoint: Option<String>,
    /// The region; `AWS_REGION`/`AWS_DEFAULT_REGION`, else `us-east-1`.
    pub region: Option<String>,
    /// A named profile from `~/.aws/credentials` and `~/.aws/config`.
    pub profile: Option<String>,
    /// How requests name the bucket.
    pub addressing: Addressing,
}

/// Where a request names the bucket: in the path (`endpoint/bucket/key`)
/// or in the host name (`bucket.s3.amazonaws.com/key`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    /// As boto3 and the AWS CLI choose: path style through an endpoint
    /// given (an IP address or `localhost` cannot carry a bucket in its
    /// name, and S3-compatible stores all take path style), and on AWS
    /// itself virtual-hosted, unless the bucket's name cannot be a host
    /// name (dots, capitals, underscores).
    #[default]
    Auto,
    /// Always `endpoint/bucket/key`.
    Path,
    /// Always `bucket.endpoint/key`.
    VirtualHosted,
}

impl Addressing {
    /// Whether requests for `bucket` through `endpoint` (AWS when `None`)
    /// go path style.
    pub fn path_style(self, endpoint: Option<&str>, bucket: &str) -> bool {
        match self {
            Self::Path => true,
            Self::VirtualHosted => false,
            Self::Auto => endpoint.is_some() || !is_host_label(bucket),
        }
    }

    /// The name a saved setting or a form gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Path => "path",
            Self::VirtualHosted => "virtual-hosted",
        }
    }

    /// The inverse of [`Self::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Auto, Self::Path, Self::VirtualHosted]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

/// Whether a bucket name can be one label of a host name (botocore's
/// rule): 1 to 63 letters, digits and hyphens, not starting or ending
/// with a hyphen. Capitals pass, as there, since hosts ignore case.
fn is_host_label(bucket: &str) -> bool {
    (1..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-')
}

impl LakeAccess {
    /// The endpoint requests go to: the one given, else the one the AWS
    /// CLI would take from the environment; AWS when `None`.
    pub(crate) fn s3_endpoint(&self) -> Option<String> {
        self.endpoint
            .clone()
            .or_else(|| credentials::endpoint_from_env("S3"))
    }

    /// The same, with blank fields (an empty form field) left out.
    pub fn cleaned(&self) -> Self {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            endpoint: given(&self.endpoint),
            region: given(&self.region),
            profile: given(&self.profile),
            addressing: self.addressing,
        }
    }
}

/// Where an export goes: `s3://bucket/prefix`, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Target {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without slashes at either end; may be empty.
    pub prefix: String,
    /// How to reach it.
    pub access: LakeAccess,
}

impl S3Target {
    /// `s3://bucket/prefix`, reached as `access` says.
    pub fn new(url: &str, access: &LakeAccess) -> Result<Self> {
        Ok(Self {
            access: access.cleaned(),
            ..Self::parse(url)?
        })
    }

    /// Parses `s3://bucket/prefix`.
    pub fn parse(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| Error::Invalid(format!("'{url}' is not an s3:// address")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Invalid(format!("'{url}' names no bucket")));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            access: LakeAccess::default(),
        })
    }

    /// The `s3://` address of a key in this bucket.
    pub fn url_of(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// A connection that publishes the files of one export under
/// `<prefix>/<export-id>/`.
pub struct S3Publisher {
    store: AmazonS3,
    runtime: tokio::runtime::Runtime,
    target: S3Target,
    base: String,
}

pub(crate) fn s3_err(target: &S3Target, key: &str, e: object_store::Error) -> Error {
    // object_store's messages name the key and the status, never secrets.
    let reason = e.to_string();
    let reason = match what_to_try(&reason, target) {
        Some(hint) => format!("{reason}\n  try: {hint}"),
        None => reason,
    };
    Error::Remote {
        url: target.url_of(key),
        reason,
    }
}

/// What to try after a store's error, for the errors people meet first:
/// the wrong addressing for an S3-compatible store, a bucket or region
/// that is not what they think, keys the store does not know, an endpoint
/// that does not answer.
fn what_to_try(reason: &str, target: &S3Target) -> Option<String> {
    let access = &target.access;
    let endpoint = access.s3_endpoint();
    let endpoint = endpoint.as_deref();
    let virtual_hosted = !access.addressing.path_style(endpoint, &target.bucket);
    let says = |codes: &[&str]| codes.iter().any(|c| reason.contains(c));
    if says(&["NoSuchBucket"]) {
        return Some(match endpoint {
            Some(_) if virtual_hosted => "--path-style: this endpoint took the first part of \
                 the path for the bucket, so it may not read buckets from host names"
                .into(),
            _ => format!(
                "check that the bucket '{}' exists and is in the region given (--region)",
                target.bucket
            ),
        });
    }
    if says(&[
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraint",
    ]) {
        return Some(format!(
            "--region: the bucket '{}' is in another region",
            target.bucket
        ));
    }
    if says(&[
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "AccessDenied",
    ]) {
        let whose = match &access.profile {
            Some(profile) => format!("the profile '{profile}'"),
            None => "the AWS_* variables, AWS_PROFILE or the default profile".into(),
        };
        return Some(format!(
            "check the credentials ({whose}) and that they may use the bucket '{}'",
            target.bucket
        ));
    }
    if says(&["error sending request", "Connection refused", "dns error"]) {
        return Some(match endpoint {
            Some(_) if virtual_hosted => "--path-style: a virtual-hosted request goes to \
                 the bucket's own host name, which an S3-compatible store may not have"
                .into(),
            Some(endpoint) => {
                format!("check that {endpoint} is the store's address and that it is running")
            }
            None => "check the network connection to AWS".into(),
        });
    }
    None
}

/// A client for one bucket, and a runtime to drive it from sync code,
/// signed in as the AWS CLI would be (see [`credentials`]); nothing secret
/// is kept beyond the client.
pub(crate) fn connect_store(
    target: &S3Target,
    bucket: &str,
) -> Result<(AmazonS3, tokio::runtime::Runtime)> {
    let access = &target.access;
    let runtime = runtime()?;
    let signed_in = runtime.block_on(credentials::sign_in(
        access.profile.as_deref(),
        access.region.as_deref(),
    ))?;
    let endpoint = access.s3_endpoint();
    let mut builder = AmazonS3Builder::new()
        .with_credentials(signed_in.credentials)
        .with_bucket_name(bucket)
        .with_region(signed_in.region)
        .with_checksum_algorithm(Checksum::SHA256)
        .with_virtual_hosted_style_request(
            !access.addressing.path_style(endpoint.as_deref(), bucket),
        )
        .with_retry(retry_policy());
    if let Some(endpoint) = &endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    let store = builder
        .build()
        .map_err(|e| s3_err(target, &target.prefix, e))?;
    Ok((store, runtime))
}

/// A runtime to drive the async clients from sync code.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: "tokio runtime".into(),
            source,
        })
}

/// Objects to fetch from S3 at once: enough to hide each request's latency.
const FETCHES_IN_FLIGHT: usize = 16;

/// Fetches objects (a manifest, the images it names) into local files.
/// Each object is written to a temporary name and renamed, so a cached file
/// is always whole; an object that carries `sha256` metadata (as Triage's
/// exports do) is checked against it.
pub fn fetch_objects(
    target: &S3Target,
    wanted: &[(String, std::path::PathBuf)],
) -> Vec<Result<()>> {
    let mut by_bucket: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let mut results: Vec<Result<()>> = Vec::with_capacity(wanted.len());
    for (i, (url, _)) in wanted.iter().enumerate() {
        match S3Target::parse(url) {
            Ok(t) if !t.prefix.is_empty() => {
                by_bucket.entry(t.bucket).or_default().push(i);
                results.push(Ok(()));
            }
            _ => results.push(Err(Error::Invalid(format!(
                "'{url}' is not an s3://bucket/key address"
            )))),
        }
    }
    for (bucket, indices) in by_bucket {
        let (store, runtime) = match connect_store(target, &bucket) {
            Ok(c) => c,
            Err(e) => {
                let reason = e.to_string();
                for i in indices {
                    results[i] = Err(Error::Invalid(reason.clone()));
                }
                continue;
            }
        };
        runtime.block_on(async {
            for chunk in indices.chunks(FETCHES_IN_FLIGHT) {
                let mut set = tokio::task::JoinSet::new();
                for &i in chunk {
                    let (url, dest) = wanted[i].clone();
                    let store = store.clone();
                    set.spawn(async move { (i, fetch_one(&store, &url, &dest).await) });
                }
                while let Some(done) = set.join_next().await {
                    if let Ok((i, r)) = done {
                        results[i] = r;
                    }
                }
            }
        });
    }
    results
}

async fn fetch_one(store: &AmazonS3, url: &str, dest: &Path) -> Result<()> {
    let key = url
        .strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .map_or("", |(_, k)| k);
    let remote = |reason: String| Error::Remote {
        url: url.to_owned(),
        reason,
    };
    let got = store
        .get_opts(&Key::from(key), GetOptions::default())
        .await
        .map_err(|e| remote(e.to_string()))?;
    let promised = got
        .attributes
        .get(&Attribute::Metadata(SHA256_METADATA.into()))
        .map(|v| v.as_ref().to_owned());
    let bytes = got.bytes().await.map_err(|e| remote(e.to_string()))?;
    if let Some(promised) = promised {
        let actual = sha256_hex(&bytes);
        if actual != promised {
            return Err(remote(format!(
                "its SHA-256 is {actual}, but its metadata says {promised}"
            )));
        }
    }
    let io = |source| Error::Io {
        path: dest.display().to_string(),
        source,
    };
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = dest.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&tmp, &bytes)
        .map_err(io)
        .and_then(|()| crate::local::replace(&tmp, dest))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

impl S3Publisher {
    /// Connects with credentials from the environment (the standard
    /// `AWS_*` variables); nothing secret is kept beyond the client. An
    /// empty `export_id` publishes under the prefix itself.
    pub fn connect(target: &S3Target, export_id: &str) -> Result<Self> {
        let (store, runtime) = connect_store(target, &target.bucket)?;
        let base = [target.prefix.as_str(), export_id]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Self {
            store,
            runtime,
            target: target.clone(),
            base,
        })
    }

    /// The key a file of this export gets.
    pub fn key_of(&self, name: &str) -> String {
        if self.base.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.base)
        }
    }

    /// The `s3://` address of this publisher's base.
    pub fn base_url(&self) -> String {
        self.target.url_of(&self.base)
    }

    /// The `s3://` address of a name under this publisher's base.
    pub fn url_of(&self, name: &str) -> String {
        self.target.url_of(&self.key_of(name))
    }

    /// An object's bytes, checked against its `sha256` metadata when it has
    /// one; `None` when there is no such object.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let key = self.key_of(name);
        let got = self.runtime.block_on(
            self.store
                .get_opts(&Key::from(key.as_str()), GetOptions::default()),
        );
        let got = match got {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(s3_err(&self.target, &key, e)),
        };
        let promised = got
            .attributes
            .get(&Attribute::Metadata(SHA256_METADATA.into()))
            .map(|v| v.as_ref().to_owned());
        let bytes = self
            .runtime
            .block_on(got.bytes())
            .map_err(|e| s3_err(&self.target, &key, e))?;
        if let Some(promised) = promised {
            let actual = sha256_hex(&bytes);
            if actual != promised {
                return Err(Error::Remote {
                    url: self.target.url_of(&key),
                    reason: format!("its SHA-256 is {actual}, but its metadata says {promised}"),
                });
            }
        }
        Ok(Some(bytes.to_vec()))
    }

    /// The names of the objects directly in `folder` under this
    /// publisher's base (one level, no subfolders), relative to the base,
    /// sorted.
    pub fn list(&self, folder: &str) -> Result<Vec<String>> {
        let below = self.key_of(folder);
        let found = self
            .runtime
            .block_on(
                self.store
                    .list_with_delimiter(Some(&Key::from(below.as_str()))),
            )
            .map_err(|e| s3_err(&self.target, &below, e))?;
        let strip = if self.base.is_empty() {
            String::new()
        } else {
            format!("{}/", self.base)
        };
        let mut names: Vec<String> = found
            .objects
            .into_iter()
            .filter_map(|m| m.location.as_ref().strip_prefix(&strip).map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Puts a small object from memory, create-only, as [`Self::put`] does.
    pub fn put_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<WrittenFile> {
        let key = self.key_of(name);
        let file = WrittenFile {
            key: self.target.url_of(&key),
            size_bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        };
        self.put_small(&key, bytes, &file)?;
        Ok(file)
    }

    /// A create-only put; an object already there with the same hash counts
    /// as put.
    fn put_small(&self, key: &str, bytes: Vec<u8>, file: &WrittenFile) -> Result<()> {
        self.runtime
            .block_on(put_create(&self.store, &self.target, key, bytes, file))
    }

    /// Puts staged files under their names, each as [`Self::put`] does,
    /// [`PUTS_IN_FLIGHT`] at a time: one request at a time would wait on
    /// each in turn, which dominates for many small objects (copied
    /// images). `landed` hears of each put as it is confirmed (progress)
    /// and may stop the run by returning an error (a cancel); no put
    /// starts after that, or after a put fails, and that error is
    /// returned. Puts in flight are then dropped: a single put lands whole
    /// or not at all. Order among the files is not kept, so a file that
    /// names others (a manifest) goes in a later call. The files come
    /// back as put, in the order given.
    pub fn put_all<E: From<Error>>(
        &self,
        files: &[(&WrittenFile, &str)],
        mut landed: impl FnMut(&WrittenFile) -> std::result::Result<(), E>,
    ) -> std::result::Result<Vec<WrittenFile>, E> {
        let mut put: Vec<Option<WrittenFile>> = vec![None; files.len()];
        // Large files go up in parts, one file at a time (its parts are
        // the concurrency), before the small ones.
        let (large, small): (Vec<usize>, Vec<usize>) =
            (0..files.len()).partition(|&i| files[i].0.size_bytes >= MULTIPART_FROM);
        for i in large {
            let (staged, name) = files[i];
            let file = self.put(staged, name)?;
            landed(&file)?;
            put[i] = Some(file);
        }
        self.runtime.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            let mut next = small.into_iter();
            loop {
                while set.len() < PUTS_IN_FLIGHT
                    && let Some(i) = next.next()
                {
                    let (staged, name) = files[i];
                    let bytes = read(Path::new(&staged.key))?;
                    let key = self.key_of(name);
                    let file = WrittenFile {
                        key: self.target.url_of(&key),
                        ..staged.clone()
                    };
                    let (store, target) = (self.store.clone(), self.target.clone());
                    set.spawn(async move {
                        put_create(&store, &target, &key, bytes, &file)
                            .await
                            .map(|()| (i, file))
                    });
                }
                let Some(done) = set.join_next().await else {
                    break;
                };
                let (i, file) =
                    done.map_err(|e| Error::Invalid(format!("a put did not finish: {e}")))??;
                landed(&file)?;
                put[i] = Some(file);
            }
            Ok::<_, E>(())
        })?;
        Ok(put.into_iter().flatten().collect())
    }

    /// Puts one file so that nothing already published is ever replaced.
    /// If the key holds an object with the same SHA-256 (kept as its
    /// `sha256` metadata), an earlier run put it and this one converges;
    /// another hash means another export owns the id. Large files go up in
    /// parts, and a failed multipart upload is aborted, so no parts are left
    /// behind. Call it for the data objects first and the manifest last.
    ///
    /// `staged` is a file a [`crate::LocalFolder`] wrote: its key is its
    /// path, and its hash and size were taken as it was written.
    pub fn put(&self, staged: &WrittenFile, name: &str) -> Result<WrittenFile> {
        let local = Path::new(&staged.key);
        let key = self.key_of(name);
        let location = Key::from(key.as_str());
        let size_bytes = staged.size_bytes;
        let file = WrittenFile {
            key: self.target.url_of(&key),
            size_bytes,
            sha256: staged.sha256.clone(),
        };
        // A multipart upload cannot be made create-only, so look first; a
        // small put is create-only and looks only if it is refused.
        if size_bytes >= MULTIPART_FROM && self.already_put(&location, &file)? {
            return Ok(file);
        }
        if size_bytes < MULTIPART_FROM {
            self.put_small(&key, read(local)?, &file)?;
            return Ok(file);
        }
        match self.put_parts(local, &location, sha256_attributes(&file)) {
            Ok(()) => Ok(file),
            Err(_) if self.already_put(&location, &file)? => Ok(file),
            Err(e) => Err(s3_err(&self.target, &key, e)),
        }
    }

    /// Whether the key holds this file already; an error if it holds
    /// something else.
    fn already_put(&self, location: &Key, file: &WrittenFile) -> Result<bool> {
        self.runtime
            .block_on(already_there(&self.store, &self.target, location, file))
    }

    /// A multipart upload, part by part from the file; aborted on failure.
    fn put_parts(
        &self,
        local: &Path,
        location: &Key,
        attributes: Attributes,
    ) -> std::result::Result<(), object_store::Error> {
        self.runtime.block_on(async {
            let options = PutMultipartOptions {
                attributes,
                ..PutMultipartOptions::default()
            };
            let upload = self.store.put_multipart_opts(location, options).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
            let sent = async {
                let mut input =
                    std::fs::File::open(local).map_err(|e| object_store::Error::Generic {
                        store: "local file",
                        source: Box::new(e),
                    })?;
                let mut buf = vec![0u8; PART_SIZE];
                loop {
                    let n = std::io::Read::read(&mut input, &mut buf).map_err(|e| {
                        object_store::Error::Generic {
                            store: "local file",
                            source: Box::new(e),
                        }
                    })?;
                    if n == 0 {
                        break;
                    }
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                    writer.write(&buf[..n]);
                }
                writer.wait_for_capacity(0).await
            }
            .await;
            match sent {
                Ok(()) => writer.finish().await.map(drop),
                Err(e) => {
                    // Leave no parts behind; the error that matters is the first.
                    let _ = writer.abort().await;
                    Err(e)
                }
            }
        })
    }
}

/// A create-only put; an object already there with the same hash counts
/// as put.
async fn put_create(
    store: &AmazonS3,
    target: &S3Target,
    key: &str,
    bytes: Vec<u8>,
    file: &WrittenFile,
) -> Result<()> {
    let location = Key::from(key);
    let options = PutOptions {
        mode: PutMode::Create,
        attributes: sha256_attributes(file),
        ..PutOptions::default()
    };
    match store
        .put_opts(&location, PutPayload::from(bytes), options)
        .await
    {
        Ok(_) => Ok(()),
        // A create-only put lost a race, or a retry of a put that had
        // landed: what is there now decides.
        Err(_) if already_there(store, target, &location, file).await? => Ok(()),
        Err(e) => Err(s3_err(target, key, e)),
    }
}

/// Whether the key holds this file already; an error if it holds
/// something else.
async fn already_there(
    store: &AmazonS3,
    target: &S3Target,
    location: &Key,
    file: &WrittenFile,
) -> Result<bool> {
    let head = GetOptions {
        head: true,
        ..GetOptions::default()
    };
    let theirs = match store.get_opts(location, head).await {
        Ok(got) => got
            .attributes
            .get(&Attribute::Metadata(SHA256_METADATA.into()))
            .map(|v| v.as_ref().to_owned()),
        Err(object_store::Error::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(s3_err(target, location.as_ref(), e)),
    };
    if theirs.as_deref() == Some(file.sha256.as_str()) {
        Ok(true)
    } else {
        Err(Error::Invalid(format!(
            "{} is already published by another export with different contents; \
             choose another export id",
            file.key
        )))
    }
}

fn sha256_attributes(file: &WrittenFile) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(
        Attribute::Metadata(SHA256_METADATA.into()),
        file.sha256.clone().into(),
    );
    attributes
}

/// The metadata key that carries each object's SHA-256.
const SHA256_METADATA: &str = "sha256";
/// Files this large go up in parts.
const MULTIPART_FROM: u64 = 16 * 1024 * 1024;
/// The part size: above S3's 5 MiB minimum.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploading at once.
const PARTS_IN_FLIGHT: usize = 4;
/// Small objects uploading at once (`put_all`): as wide as the AWS CLI's
/// default of 10 concurrent requests, about.
const PUTS_IN_FLIGHT: usize = 8;

/// Failed requests are retried with exponential backoff (0.1 s doubling,
/// at most 5 s apart, 5 retries): enough for a dropped connection or a
/// throttled moment, and a dead endpoint fails within seconds, not minutes.
fn retry_policy() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: std::time::Duration::from_millis(100),
            max_backoff: std::time::Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 5,
        retry_timeout: std::time::Duration::from_secs(60),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bucket_and_prefix() {
        let t = S3Target::parse("s3://lake/jobs/digits/").unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.prefix.as_str()),
            ("lake", "jobs/digits")
        );
        let t = S3Target::parse("s3://lake").unwrap();
        assert_eq!((t.bucket.as_str(), t.prefix.as_str()), ("lake", ""));
        assert!(S3Target::parse("s3:///x").is_err());
        assert!(S3Target::parse("/tmp/x").is_err());
        assert_eq!(t.url_of("a/b"), "s3://lake/a/b");
    }

    #[test]
    fn blank_access_fields_are_left_out() {
        let form = LakeAccess {
            endpoint: Some(" http://127.0.0.1:9000 ".into()),
            region: Some("  ".into()),
            profile: Some(String::new()),
            addressing: Addressing::Path,
        };
        let t = S3Target::new("s3://lake/x", &form).unwrap();
        assert_eq!(
            t.access,
            LakeAccess {
                endpoint: Some("http://127.0.0.1:9000".into()),
                addressing: Addressing::Path,
                ..LakeAccess::default()
            }
        );
    }

    #[test]
    fn addressing_is_chosen_as_boto3_chooses() {
        let auto = Addressing::Auto;
        // An endpoint given (an IP address, localhost, any S3-compatible
        // store): path style, which is what failed before.
        assert!(auto.path_style(Some("http://127.0.0.1:9000"), "lake"));
        assert!(auto.path_style(Some("http://localhost:9000"), "lake"));
        // AWS: virtual-hosted, unless the name cannot be a host label.
        assert!(!auto.path_style(None, "lake-2026"));
        assert!(auto.path_style(None, "my.lake"));
        assert!(auto.path_style(None, "my_lake"));
        assert!(auto.path_style(None, "-lake"));
        // Forced either way.
        assert!(Addressing::Path.path_style(None, "lake"));
        assert!(!Addressing::VirtualHosted.path_style(Some("http://127.0.0.1:9000"), "lake"));
        for a in [
            Addressing::Auto,
            Addressing::Path,
            Addressing::VirtualHosted,
        ] {
            assert_eq!(Addressing::from_name(a.name()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.name());
        }
        assert_eq!(Addressing::from_name("sideways"), None);
    }

    #[test]
    fn a_store_error_says_what_to_try() {
        let at = |endpoint: Option<&str>, addressing, profile: Option<&str>| {
            let access = LakeAccess {
                endpoint: endpoint.map(str::to_owned),
                profile: profile.map(str::to_owned),
                addressing,
                ..LakeAccess::default()
            };
            S3Target::new("s3://lake/exports", &access).unwrap()
        };
        let moto = Some("http://127.0.0.1:5000");
        let no_bucket =
            "Error performing PUT: <Code>NoSuchBucket</Code><BucketName>exports</BucketName>";
        let hint = what_to_try(no_bucket, &at(moto, Addressing::VirtualHosted, None)).unwrap();
        assert!(hint.starts_with("--path-style"), "{hint}");
        let hint = what_to_try(no_bucket, &at(None, Addressing::Auto, None)).unwrap();
        assert!(hint.contains("bucket 'lake' exists"), "{hint}");
        let denied = "Client error with status 403 Forbidden: <Code>InvalidAccessKeyId</Code>";
        let hint = what_to_try(denied, &at(moto, Addressing::Auto, Some("lake"))).unwrap();
        assert!(hint.contains("the profile 'lake'"), "{hint}");
        let refused =
            "error sending request for url (http://127.0.0.1:5000/lake/x): Connection refused";
        let hint = what_to_try(refused, &at(moto, Addressing::Auto, None)).unwrap();
        assert!(
            hint.contains("http://127.0.0.1:5000 is the store's address"),
            "{hint}"
        );
        assert_eq!(
            what_to_try(
                "Object at location x not found",
                &at(moto, Addressing::Auto, None)
            ),
            None
        );
    }
}
