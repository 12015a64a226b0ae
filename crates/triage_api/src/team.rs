//! Teams through the lake: the lead shares a task set once, each annotator
//! joins with a local project of their share, pushes their events back as
//! create-only objects, and the lead pulls them all in.
//!
//! Reads and writes the lake through `triage_lake` (the wire format lives in
//! `triage_lake::share`); calls `triage_learn::sampling` for the
//! assignment; writes the store's share settings and merged events.
//!
//! Nothing is ever replaced: every put is create-only, and a push names the
//! range of events it holds, so pushing or pulling again changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use triage_core::{ItemKind, SharedEvent, Timestamp};
use triage_data::Problem;
use triage_data::image_file::{self, ImageLimits};
use triage_lake::share::{
    EVENTS_DIR, EVENTS_FORMAT, PushHeader, SHARE_FILE, SHARE_FORMAT, ShareFile, SharedItem,
    key_safe, parse_push, push_bytes, read_json_lines, to_json_lines,
};
use triage_lake::{Addressing, LakeAccess, LocalFolder, S3Publisher, S3Target, sha256_hex};
use triage_learn::sampling;
use triage_store::{NewItem, SourceKind};

use crate::{CreateOptions, Error, Project, Result};

/// Settings a shared project keeps.
const SHARE_URL: &str = "share_url";
const SHARE_ID: &str = "share_id";
const SHARE_ROLE: &str = "share_role";
const PUSHED_UP_TO: &str = "pushed_up_to";
/// The person who labels in this project (asked once, or set by `join`).
const ANNOTATOR: &str = "annotator";

/// The lake settings a shared project remembers (never credentials), so
/// push and pull need no options.
const LAKE_KEYS: [&str; 4] = [
    "lake_endpoint",
    "lake_region",
    "lake_profile",
    "lake_addressing",
];
/// Before addressing had a choice of three: "1" for path style.
const OLD_PATH_STYLE_KEY: &str = "lake_path_style";

fn connect(lake: &LakeAccess, url: &str) -> Result<S3Publisher> {
    Ok(S3Publisher::connect(&S3Target::new(url, lake)?, "")?)
}

fn remember(lake: &LakeAccess, store: &mut triage_store::Store) -> Result<()> {
    let [endpoint, region, profile, addressing] = LAKE_KEYS;
    let lake = lake.cleaned();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    store.set_setting(endpoint, &text(&lake.endpoint))?;
    store.set_setting(region, &text(&lake.region))?;
    store.set_setting(profile, &text(&lake.profile))?;
    store.set_setting(addressing, lake.addressing.name())?;
    Ok(())
}

fn remembered(store: &triage_store::Store) -> Result<LakeAccess> {
    let [endpoint, region, profile, addressing] = LAKE_KEYS;
    let get =
        |k: &str| -> Result<Option<String>> { Ok(store.setting(k)?.filter(|v| !v.is_empty())) };
    let addressing = match get(addressing)? {
        Some(name) => Addressing::from_name(&name).unwrap_or_default(),
        None if get(OLD_PATH_STYLE_KEY)?.as_deref() == Some("1") => Addressing::Path,
        None => Addressing::Auto,
    };
    Ok(LakeAccess {
        endpoint: get(endpoint)?,
        region: get(region)?,
        profile: get(profile)?,
        addressing,
    })
}

/// These options, or when none are given, the remembered ones.
fn or_remembered(lake: &LakeAccess, store: &triage_store::Store) -> Result<LakeAccess> {
    let lake = lake.cleaned();
    if lake == LakeAccess::default() {
        remembered(store)
    } else {
        Ok(lake)
    }
}

/// How to split the work.
#[derive(Debug, Clone)]
pub struct ShareOptions {
    /// Who labels, by the names they join with.
    pub annotators: Vec<String>,
    /// How many annotators label each item (at most all of them).
    pub overlap: usize,
    /// Items every annotator labels, drawn at random; by default 5% (at
    /// least one), so every pair of annotators can be compared.
    pub audit: Option<usize>,
    /// The seed of the draw and the assignment.
    pub seed: u64,
    /// How to reach the lake.
    pub lake: LakeAccess,
}

/// What `share` published.
#[derive(Debug, Clone, Serialize)]
pub struct ShareSummary {
    /// Where: pass it to `triage join`.
    pub url: String,
    /// The task set's id (a hash of its items and assignment).
    pub id: String,
    /// Items shared.
    pub items: usize,
    /// Of which every annotator labels.
    pub audit: usize,
    /// Each annotator's share.
    pub per_annotator: BTreeMap<String, usize>,
    /// Images put into the lake (local images the others cannot reach).
    pub images_uploaded: usize,
    /// The same task set was already there; nothing new was put.
    pub already_published: bool,
}

/// What `join` made.
#[derive(Debug, Clone, Serialize)]
pub struct JoinSummary {
    /// The new project's folder.
    pub dir: String,
    /// Who labels in it.
    pub annotator: String,
    /// Items in this annotator's share.
    pub items: usize,
    /// Of which every annotator labels.
    pub audit: usize,
    /// Images that could not be fetched or read, and why.
    pub problems: Vec<Problem>,
}

/// What `push` put.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PushSummary {
    /// Events pushed (0: nothing new since the last push).
    pub events: usize,
    /// The object, when one was put.
    pub url: Option<String>,
}

/// What `pull` merged.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PullSummary {
    /// Pushes found in the lake.
    pub objects: usize,
    /// Events added to this project.
    pub added: u64,
    /// Events that were here already.
    pub already: u64,
    /// Each annotator's events found.
    pub per_annotator: BTreeMap<String, usize>,
    /// Events or lines left out, named by object and line.
    pub problems: Vec<Problem>,
}

fn read_share(lake: &S3Publisher) -> Result<Option<ShareFile>> {
    let Some(bytes) = lake.get(SHARE_FILE)? else {
        return Ok(None);
    };
    ShareFile::parse(&bytes)
        .map(Some)
        .map_err(|reason| Error::Path {
            path: lake.url_of(SHARE_FILE),
            reason,
        })
}

/// A name set for every project opened in this session
/// (`TRIAGE_ANNOTATOR`, for shared kiosks and tests); otherwise each
/// project's own, asked once.
pub fn session_annotator() -> Option<String> {
    std::env::var("TRIAGE_ANNOTATOR")
        .ok()
        .filter(|n| !n.trim().is_empty())
}

/// The login name (`USER`, `USERNAME` or `LOGNAME`): who labels when
/// nobody said, and the name the app offers when it asks.
pub fn login_name() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
}

/// A project's part in a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ShareRole {
    /// Made the share with `share`; pulls everyone's labels.
    Lead,
    /// Joined it with `join`; pushes their own.
    Annotator,
}

impl ShareRole {
    /// The name stored in the project's settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Annotator => "annotator",
        }
    }

    fn of(stored: &str) -> Self {
        if stored == "lead" {
            Self::Lead
        } else {
            Self::Annotator
        }
    }
}

/// Which share a project belongs to, and as whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ShareInfo {
    /// The task set's address.
    pub url: String,
    /// As whom.
    pub role: ShareRole,
    /// How the lake was reached when it was shared or joined.
    pub lake: LakeAccess,
}

impl Project {
    /// The share this project belongs to, if any.
    pub fn share_info(&self) -> Result<Option<ShareInfo>> {
        let url = self.store.setting(SHARE_URL)?;
        let role = self.store.setting(SHARE_ROLE)?;
        let lake = remembered(&self.store)?;
        Ok(url.zip(role).map(|(url, role)| ShareInfo {
            url,
            role: ShareRole::of(&role),
            lake,
        }))
    }

    /// The person who labels in this project, once asked.
    pub fn annotator(&self) -> Result<Option<String>> {
        Ok(self.store.setting(ANNOTATOR)?)
    }

    /// Who a person's label, undo or flag given here is credited to: the
    /// name given, else the session's ([`session_annotator`]), else the
    /// project's annotator, else the login name. The one rule every shell
    /// follows.
    pub fn labeler(&self, given: Option<&str>) -> Result<Option<String>> {
        if let Some(name) = given
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or_else(session_annotator)
        {
            return Ok(Some(name));
        }
        Ok(self.annotator()?.or_else(login_name))
    }

    /// Records who labels in this project.
    pub fn set_annotator(&mut self, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("an annotator needs a name".into()));
        }
        Ok(self.store.set_setting(ANNOTATOR, name)?)
    }

    /// Publishes this project's items as a task set at `url`, each item
    /// assigned to `overlap` annotators and the audit items to all. Local
    /// images go into the lake first, then the items, then `share.json`.
    /// Sharing the same task set again converges; a different one at the
    /// same place is refused.
    pub fn share(&mut self, url: &str, options: &ShareOptions) -> Result<ShareSummary> {
        let mut annotators: Vec<String> = options
            .annotators
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        annotators.sort();
        annotators.dedup();
        if annotators.len() < 2 {
            return Err(Error::Invalid(
                "a share needs at least two annotators (--annotators a,b,c)".into(),
            ));
        }
        if options.overlap == 0 {
            return Err(Error::Invalid("the overlap must be at least 1".into()));
        }
        let overlap = options.overlap.min(annotators.len());
        let lake = connect(&options.lake, url)?;

        let mut items = Vec::new();
        let keys: std::collections::HashMap<_, _> = self.store.item_keys()?.into_iter().collect();
        self.store.for_each_item::<Error>(|row| {
            items.push((keys.get(&row.id).cloned().unwrap_or_default(), row));
            Ok(())
        })?;
        let mut order: Vec<usize> = (0..items.len()).collect();
        sampling::shuffle(&mut order, options.seed);
        let audit = options
            .audit
            .unwrap_or_else(|| (items.len() / 20).max(1))
            .min(items.len());
        let who = sampling::assign(items.len(), &annotators, overlap, audit);

        let mut uploads = Vec::new();
        let mut lines = Vec::with_capacity(items.len());
        for (pos, &i) in order.iter().enumerate() {
            let (key, row) = &items[i];
            let mut uri = row.uri.clone();
            if row.kind == ItemKind::Image
                && let Some(local) = row.uri.as_deref().filter(|u| !u.starts_with("s3://"))
            {
                // Under its hash, so equal names never clash; with its file
                // name, so people see what it is.
                let file = Path::new(local)
                    .file_name()
                    .map(|f| key_safe(&f.to_string_lossy()))
                    .unwrap_or_else(|| "image".into());
                let name = format!("data/{}/{file}", row.content_hash);
                uri = Some(lake.url_of(&name));
                uploads.push((std::path::PathBuf::from(local), name));
            }
            lines.push(SharedItem {
                key: key.clone(),
                kind: row.kind,
                uri,
                row_index: row.row_index,
                external_id: row.external_id.clone(),
                content_hash: row.content_hash.clone(),
                width: row.width,
                height: row.height,
                payload: row.payload.clone(),
                annotators: who[pos].clone(),
                audit: pos < audit,
            });
        }
        let items_file = to_json_lines(&lines)?;
        let hash = sha256_hex(&items_file);
        let share = ShareFile {
            format: SHARE_FORMAT.into(),
            id: hash[..16].to_owned(),
            schema: self.schema.clone(),
            job_name: self.job_name.clone(),
            attribute: self.attribute.clone(),
            annotators: annotators.clone(),
            overlap,
            seed: options.seed,
            audit,
            items: format!("items-{}.jsonl", &hash[..16]),
            item_count: lines.len(),
        };
        let mut per_annotator: BTreeMap<String, usize> =
            annotators.iter().map(|a| (a.clone(), 0)).collect();
        for line in &lines {
            for a in &line.annotators {
                *per_annotator.entry(a.clone()).or_default() += 1;
            }
        }
        let mut summary = ShareSummary {
            url: lake.base_url(),
            id: share.id.clone(),
            items: lines.len(),
            audit,
            per_annotator,
            images_uploaded: 0,
            already_published: false,
        };
        match read_share(&lake)? {
            Some(there) if there.id == share.id => summary.already_published = true,
            Some(there) => {
                return Err(Error::Path {
                    path: lake.url_of(SHARE_FILE),
                    reason: format!(
                        "another task set ({}) is published here; share to another prefix",
                        there.id
                    ),
                });
            }
            None => {
                let staged = uploads
                    .iter()
                    .map(|(local, _)| triage_lake::hash_file(local))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let files: Vec<_> = staged
                    .iter()
                    .zip(&uploads)
                    .map(|(file, (_, name))| (file, name.as_str()))
                    .collect();
                lake.put_all(&files, |_| Ok::<_, Error>(()))?;
                summary.images_uploaded = uploads.len();
                lake.put_bytes(&share.items, items_file)?;
                let json =
                    serde_json::to_vec_pretty(&share).map_err(|e| Error::Invalid(e.to_string()))?;
                lake.put_bytes(SHARE_FILE, json)?;
            }
        }
        self.store.set_setting(SHARE_URL, &summary.url)?;
        self.store.set_setting(SHARE_ID, &share.id)?;
        self.store
            .set_setting(SHARE_ROLE, ShareRole::Lead.as_str())?;
        remember(&options.lake, &mut self.store)?;
        Ok(summary)
    }

    /// Creates a project in `dir` for one annotator's share of the task set
    /// at `url`: the same classes, the items assigned to them (their images
    /// fetched into the project's cache), and no labels, so each person
    /// answers on their own.
    pub fn join(
        url: &str,
        dir: &Path,
        annotator: &str,
        lake: &LakeAccess,
        at: Timestamp,
    ) -> Result<(Self, JoinSummary)> {
        let publisher = connect(lake, url)?;
        let share = read_share(&publisher)?.ok_or_else(|| Error::Path {
            path: publisher.url_of(SHARE_FILE),
            reason: "no task set is published here (run `triage share` first)".into(),
        })?;
        let annotator = annotator.trim();
        if !share.annotators.iter().any(|a| a == annotator) {
            return Err(Error::Invalid(format!(
                "'{annotator}' is not an annotator of this task set ({})",
                share.annotators.join(", ")
            )));
        }
        let items_url = publisher.url_of(&share.items);
        let bytes = publisher.get(&share.items)?.ok_or_else(|| Error::Path {
            path: items_url.clone(),
            reason: "missing, though share.json names it".into(),
        })?;
        let (lines, mut problems) =
            read_json_lines::<SharedItem>(&items_url, &String::from_utf8_lossy(&bytes), 1);
        let mine: Vec<SharedItem> = lines
            .into_iter()
            .map(|(_, item)| item)
            .filter(|item| item.annotators.iter().any(|a| a == annotator))
            .collect();

        let options = CreateOptions {
            task: share.schema.task,
            classes: share
                .schema
                .classes
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            hotkeys: share.schema.classes.iter().map(|c| c.hotkey).collect(),
            job_name: Some(share.job_name.clone()),
            attribute: Some(share.attribute.clone()),
        };
        let mut project = Project::create(dir, &options, at)?;
        project.set_annotator(annotator)?;
        project
            .store
            .set_setting(SHARE_URL, &publisher.base_url())?;
        project.store.set_setting(SHARE_ID, &share.id)?;
        project
            .store
            .set_setting(SHARE_ROLE, ShareRole::Annotator.as_str())?;
        remember(lake, &mut project.store)?;

        // Images are fetched whole into the cache (those not there yet),
        // then thumbnailed from it.
        let images: Vec<(String, std::path::PathBuf)> = mine
            .iter()
            .filter(|i| i.kind == ItemKind::Image)
            .filter_map(|i| {
                let uri = i.uri.as_ref()?;
                Some((uri.clone(), project.s3_cache_path(uri)?))
            })
            .collect();
        let wanted: Vec<(String, std::path::PathBuf)> = images
            .iter()
            .filter(|(_, path)| !path.is_file())
            .cloned()
            .collect();
        let target = S3Target::new(url, lake)?;
        for ((uri, _), result) in wanted
            .iter()
            .zip(triage_lake::fetch_objects(&target, &wanted))
        {
            if let Err(e) = result {
                problems.push(Problem {
                    file: uri.clone(),
                    position: None,
                    reason: format!("cannot fetch: {e}"),
                });
            }
        }
        let thumbs = project.thumbs_dir();
        let unreadable: Vec<Problem> = images
            .par_iter()
            .filter(|(_, path)| path.is_file())
            .filter_map(|(uri, path)| {
                image_file::inspect(path, ImageLimits::default(), Some(&thumbs))
                    .err()
                    .map(|reason| Problem {
                        file: uri.clone(),
                        position: None,
                        reason,
                    })
            })
            .collect();
        problems.extend(unreadable);

        let audit = mine.iter().filter(|i| i.audit).count();
        let new_items: Vec<NewItem> = mine
            .into_iter()
            .map(|i| NewItem {
                kind: i.kind,
                ref_key: i.key,
                uri: i.uri,
                row_index: i.row_index,
                external_id: i.external_id,
                content_hash: i.content_hash,
                width: i.width,
                height: i.height,
                payload: i.payload,
                label: None,
            })
            .collect();
        let source = project
            .store
            .add_source(SourceKind::Share, &items_url, None, at)?;
        project.store.insert_items(source, &new_items, at)?;
        let summary = JoinSummary {
            dir: dir.display().to_string(),
            annotator: annotator.to_owned(),
            items: new_items.len(),
            audit,
            problems,
        };
        Ok((project, summary))
    }

    fn share_setting(&self, key: &str) -> Result<String> {
        self.store.setting(key)?.ok_or_else(|| {
            Error::Invalid(format!(
                "{} is not part of a share: run `triage share` (lead) or `triage join` (annotator) first",
                self.dir.display()
            ))
        })
    }

    /// Puts the people's events given here since the last push into the
    /// lake as one create-only object, named by the range of events it
    /// holds. Nothing new, nothing put. With no `lake` options, the ones
    /// the project was joined with are used.
    pub fn push(&mut self, lake: &LakeAccess) -> Result<PushSummary> {
        let url = self.share_setting(SHARE_URL)?;
        let share = self.share_setting(SHARE_ID)?;
        let annotator = self.annotator()?.ok_or_else(|| {
            Error::Invalid("this project has no annotator name; set one first".into())
        })?;
        let after: i64 = self
            .store
            .setting(PUSHED_UP_TO)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (events, last) = self.store.local_human_events(after, &annotator)?;
        let Some(last) = last else {
            return Ok(PushSummary {
                events: 0,
                url: None,
            });
        };
        let header = PushHeader {
            format: EVENTS_FORMAT.into(),
            share,
            annotator: annotator.clone(),
            classes: self.schema.classes.iter().map(|c| c.name.clone()).collect(),
        };
        let bytes = push_bytes(&header, &events)?;
        let name = format!(
            "{EVENTS_DIR}{}--{}--{:012}-{last:012}.jsonl",
            key_safe(&annotator),
            self.store.project_uid()?,
            after + 1
        );
        let publisher = connect(&or_remembered(lake, &self.store)?, &url)?;
        let put = publisher.put_bytes(&name, bytes)?;
        self.store.set_setting(PUSHED_UP_TO, &last.to_string())?;
        tracing::info!("pushed {} events to {}", events.len(), put.key);
        Ok(PushSummary {
            events: events.len(),
            url: Some(put.key),
        })
    }

    /// Merges every annotator's pushed events into this (the lead's)
    /// project, in one transaction. Pushes are immutable, so each is
    /// fetched once into the cache; events already here are left alone.
    pub fn pull(&mut self, lake: &LakeAccess) -> Result<PullSummary> {
        let url = self.share_setting(SHARE_URL)?;
        let share = self.share_setting(SHARE_ID)?;
        if self.store.setting(SHARE_ROLE)?.as_deref() != Some(ShareRole::Lead.as_str()) {
            return Err(Error::Invalid(format!(
                "{} was joined as an annotator; pull into the lead's project, which `triage share` made",
                self.dir.display()
            )));
        }
        let publisher = connect(&or_remembered(lake, &self.store)?, &url)?;
        let names = publisher.list(EVENTS_DIR)?;
        let classes: Vec<String> = self.schema.classes.iter().map(|c| c.name.clone()).collect();
        let mut events: Vec<SharedEvent> = Vec::new();
        // Where each event was read, to name it if the merge skips it.
        let mut origin: std::collections::HashMap<String, (String, usize)> = Default::default();
        let mut problems = Vec::new();
        let mut per_annotator = BTreeMap::new();
        for name in &names {
            let object_url = publisher.url_of(name);
            let bytes = match self.s3_cache_path(&object_url).filter(|p| p.is_file()) {
                Some(cached) => std::fs::read(&cached).map_err(|e| Error::Path {
                    path: cached.display().to_string(),
                    reason: e.to_string(),
                })?,
                None => {
                    let Some(bytes) = publisher.get(name)? else {
                        continue;
                    };
                    // Cached whole (a temporary name, then a rename).
                    if let Some(path) = self.s3_cache_path(&object_url)
                        && let (Some(dir), Some(file)) = (path.parent(), path.file_name())
                    {
                        LocalFolder::new(dir)?.write(&file.to_string_lossy(), &bytes)?;
                    }
                    bytes
                }
            };
            let (found, mut bad) = parse_push(&object_url, &bytes, &share, &classes);
            problems.append(&mut bad);
            for (line, event) in found {
                *per_annotator.entry(event.annotator.clone()).or_insert(0) += 1;
                origin.insert(event.uid.clone(), (object_url.clone(), line));
                events.push(event);
            }
        }
        let merged = self.store.merge_events(&events)?;
        problems.extend(merged.skipped.into_iter().map(|(uid, reason)| {
            let (file, line) = origin.get(&uid).cloned().unwrap_or_default();
            Problem {
                file,
                position: Some(format!("line {line}")),
                reason: format!("event {uid}: {reason}; skipped"),
            }
        }));
        tracing::info!(
            "pulled {} pushes: {} events added, {} already here, {} skipped",
            names.len(),
            merged.added,
            merged.already,
            problems.len()
        );
        for problem in &problems {
            tracing::warn!("skipped {problem}");
        }
        Ok(PullSummary {
            objects: names.len(),
            added: merged.added,
            already: merged.already,
            per_annotator,
            problems,
        })
    }
}
