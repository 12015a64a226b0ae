// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p triage_desktop bindings`; do not edit.

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type TaskKind = "image-classification" | "row-classification" | "object-detection" | "image-multilabel" | "row-multilabel" | "text-classification" | "text-multilabel";

export type ExportFormat = "gt-manifest" | "csv" | "parquet" | "coco" | "yolo" | "profile-json" | "profile-html";

export type Strategy = "least-confidence" | "margin" | "entropy" | "random";

export type ConsolidationMethod = "em" | "one-coin" | "majority";

export type AnnotationSource = "human" | "model" | "import" | "consolidated";

export type ItemKind = "image" | "row" | "text";

export type Label = { "class": number } | { "classes": Array<number> } | { "boxes": BoxesLabel };

export type BoundingBox = { 
/**
 * The class index.
 */
class_id: number, 
/**
 * Pixels from the left edge.
 */
left: number, 
/**
 * Pixels from the top edge.
 */
top: number, 
/**
 * Width in pixels.
 */
width: number, 
/**
 * Height in pixels.
 */
height: number, };

export type ImageSize = { 
/**
 * Width in pixels.
 */
width: number, 
/**
 * Height in pixels.
 */
height: number, 
/**
 * Colour channels.
 */
depth: number, };

export type BoxesLabel = { 
/**
 * One entry, the image's size.
 */
image_size: Array<ImageSize>, 
/**
 * The boxes.
 */
annotations: Array<BoundingBox>, };

export type Problem = { 
/**
 * The file.
 */
file: string, 
/**
 * Where in the file, when it is one part of it: `line 3`,
 * `row 7, column "bill"`, `byte 120`.
 */
position: string | null, 
/**
 * What is wrong, in words a user can act on.
 */
reason: string, };

export type LabelCounts = { 
/**
 * All items.
 */
items: number, 
/**
 * Items whose current label is a person's.
 */
human: number, 
/**
 * Items whose current label is a model's.
 */
model: number, 
/**
 * Items whose current label came with the data.
 */
import: number, 
/**
 * Items whose current label is consolidated.
 */
consolidated: number, 
/**
 * Items with no label.
 */
unlabeled: number, };

export type LakeAccess = { 
/**
 * An S3-compatible endpoint (`http://127.0.0.1:9000`); AWS when empty.
 */
endpoint: string | null, 
/**
 * The region; `AWS_REGION`/`AWS_DEFAULT_REGION`, else `us-east-1`.
 */
region: string | null, 
/**
 * A named profile from `~/.aws/credentials` and `~/.aws/config`.
 */
profile: string | null, 
/**
 * How requests name the bucket.
 */
addressing: Addressing, };

export type Addressing = "auto" | "path" | "virtual-hosted";

export type WrittenFile = { 
/**
 * Its path or key.
 */
key: string, 
/**
 * Its size.
 */
size_bytes: number, 
/**
 * SHA-256 of its bytes, hex.
 */
sha256: string, };

export type ClassDto = { 
/**
 * Its index, which Ground Truth writes as the label value.
 */
index: number, 
/**
 * Its name.
 */
name: string, 
/**
 * The key that applies it.
 */
hotkey: string | null, 
/**
 * Its CSS colour.
 */
colour: string, };

export type ShareRole = "lead" | "annotator";

export type ShareInfo = { 
/**
 * The task set's address.
 */
url: string, 
/**
 * As whom.
 */
role: ShareRole, 
/**
 * How the lake was reached when it was shared or joined.
 */
lake: LakeAccess, };

export type Status = { 
/**
 * The project folder.
 */
dir: string, 
/**
 * The task.
 */
task: TaskKind, 
/**
 * Whether each item's label is a set of classes.
 */
multilabel: boolean, 
/**
 * Whether the items are images (else table rows).
 */
images: boolean, 
/**
 * The export formats that can hold this task's labels.
 */
export_formats: Array<ExportFormat>, 
/**
 * The classes.
 */
classes: Array<ClassDto>, 
/**
 * The Ground Truth job name.
 */
job_name: string, 
/**
 * The Ground Truth label attribute.
 */
attribute: string, 
/**
 * Items by the source of their current label.
 */
counts: LabelCounts, 
/**
 * The same, for each class, in class order.
 */
per_class: Array<LabelCounts>, 
/**
 * Who labels in this project; the app asks once when it is unset.
 */
annotator: string | null, 
/**
 * The team share it belongs to, if any.
 */
share: ShareInfo | null, };

export type LabelDto = { 
/**
 * The item.
 */
item: number, 
/**
 * The event that gives it.
 */
event: number, 
/**
 * The class name, the set's names, or how many boxes.
 */
class_name: string, 
/**
 * Who gave it.
 */
source: AnnotationSource, 
/**
 * The person.
 */
annotator: string | null, 
/**
 * The model's confidence.
 */
confidence: number | null, 
/**
 * When.
 */
at: string, } & ({ "class": number } | { "classes": Array<number> } | { "boxes": BoxesLabel });

export type ItemDto = { 
/**
 * Its id.
 */
id: number, 
/**
 * `image`, `row` or `text`.
 */
kind: ItemKind, 
/**
 * The image's path or URI.
 */
uri: string | null, 
/**
 * The table's id value.
 */
external_id: string | null, 
/**
 * Its row in its table.
 */
row_index: number | null, 
/**
 * Image width.
 */
width: number | null, 
/**
 * Image height.
 */
height: number | null, 
/**
 * The cached thumbnail, when one was made.
 */
thumbnail: string | null, 
/**
 * The local file to show: the image itself, or for an `s3://` image
 * its copy in the project's cache.
 */
image: string | null, 
/**
 * A row's values, or the manifest line it came from.
 */
payload: JsonValue | null, 
/**
 * A text item's text.
 */
text: string | null, 
/**
 * Its current label.
 */
label: LabelDto | null, };

export type SourceKind = "image-folder" | "table" | "manifest" | "share" | "text-folder";

export type ImportReport = { 
/**
 * What was imported.
 */
path: string, 
/**
 * What kind of source it was.
 */
kind: SourceKind, 
/**
 * Items added.
 */
added: number, 
/**
 * Items that were already in the project and left alone.
 */
already_present: number, 
/**
 * Items added with a label that came with them.
 */
labeled: number, 
/**
 * Everything skipped, with its file, position and reason.
 */
problems: Array<Problem>, };

export type Interval = { 
/**
 * The point estimate.
 */
estimate: number, 
/**
 * The lower bound.
 */
low: number, 
/**
 * The upper bound.
 */
high: number, 
/**
 * How many observations it rests on.
 */
n: number, };

export type ClassThreshold = { 
/**
 * The class.
 */
class_name: string, 
/**
 * Its threshold; none means the class auto-labels nothing.
 */
threshold: number | null, };

export type ModelStatus = { 
/**
 * The latest model's version.
 */
model_version: number, 
/**
 * Its algorithm.
 */
algorithm: string, 
/**
 * The family the user pinned, if any; otherwise the data chose.
 */
pinned: Family | null, 
/**
 * Every candidate the round tried, best score first.
 */
candidates: Array<CandidateDto>, 
/**
 * Candidates left out for time: the round's budget was spent, or
 * scoring with them would take too long.
 */
skipped: Array<string>, 
/**
 * The target its thresholds were chosen for.
 */
target: number, 
/**
 * The pooled threshold.
 */
threshold: number | null, 
/**
 * Each class's threshold.
 */
class_thresholds: Array<ClassThreshold>, 
/**
 * The estimate from the audit set.
 */
estimated_accuracy: Interval | null, 
/**
 * The accuracy people measured by spot checks.
 */
spot_checked_accuracy: Interval | null, 
/**
 * Spot checks still waiting for a person.
 */
spot_checks_pending: number, };

export type ModelKind = "text" | "image";

export type ModelInfo = { 
/**
 * The name people choose it by.
 */
name: string, 
/**
 * The folder, absolute.
 */
path: string, 
/**
 * SHA-256 of `model.safetensors`, hex.
 */
sha256: string, 
/**
 * What it embeds.
 */
kind: ModelKind, 
/**
 * The length of its vectors.
 */
dims: number, };

export type CandidateDto = { 
/**
 * The algorithm with its settings, e.g. `knn(k=9)`.
 */
algorithm: string, 
/**
 * Its family.
 */
family: Family, 
/**
 * The calibration that suited it best.
 */
calibration: Calibration, 
/**
 * Its held-out log-loss after calibration, on the audit items (on all
 * trusted labels while those are few). The choice takes the lowest, or
 * the plainest family within one standard error of it.
 */
score: number, 
/**
 * Its held-out accuracy on the trusted labels.
 */
accuracy: number, 
/**
 * It is the model the round kept.
 */
chosen: boolean, };

export type Family = "logistic" | "bayes" | "knn" | "forest";

export type Calibration = "none" | "platt" | "isotonic";

export type RoundSummary = { 
/**
 * The round's id.
 */
round_id: number, 
/**
 * The model trained, if there were enough labels.
 */
model_version: number | null, 
/**
 * Its algorithm.
 */
algorithm: string | null, 
/**
 * Its cross-validated accuracy on the trusted labels.
 */
cv_accuracy: number | null, 
/**
 * The pooled threshold.
 */
threshold: number | null, 
/**
 * Each class's threshold.
 */
class_thresholds: Array<ClassThreshold>, 
/**
 * The estimated accuracy of auto-labels, from the audit set.
 */
estimated_accuracy: Interval | null, 
/**
 * Human labels in the audit set.
 */
audit_size: number, 
/**
 * New auto-labels.
 */
auto_labeled: number, 
/**
 * Earlier auto-labels taken back.
 */
revoked: number, 
/**
 * Items queued for people.
 */
queued: number, 
/**
 * Likely label errors found.
 */
suspects: number, 
/**
 * Items by label source after the round.
 */
counts: LabelCounts, };

export type SuspectDto = { 
/**
 * The item.
 */
item: ItemDto, 
/**
 * The class people gave.
 */
given: string, 
/**
 * The class the model predicts.
 */
predicted: string, 
/**
 * The model's out-of-fold confidence in it.
 */
confidence: number, };

export type SimilarDto = { 
/**
 * The open item.
 */
item: ItemDto, 
/**
 * The labeled item it is like.
 */
like: number, 
/**
 * The class a person confirms with one key.
 */
proposed: string, 
/**
 * Cosine similarity of their features.
 */
cosine: number, };

export type Gates = { 
/**
 * The share of spot-checked auto-labels people confirmed is at least
 * this. Checked when the export holds auto-labels.
 */
min_spot_check_accuracy: number | null, 
/**
 * The audit set's estimate of the auto-labels' accuracy is at least
 * this. Checked when the export holds auto-labels.
 */
min_estimated_accuracy: number | null, 
/**
 * At most this many disagreements between people wait for a review.
 */
max_open_disagreements: number | null, 
/**
 * Krippendorff's alpha over the items several people answered is at
 * least this.
 */
min_agreement: number | null, 
/**
 * The export's largest class has at most this many times the labels
 * of its smallest.
 */
max_imbalance_ratio: number | null, 
/**
 * The profile raises no drift alert.
 */
no_drift_alerts: boolean, };

export type GateFailure = { 
/**
 * The gate, named as its command-line flag: `min-spot-check-accuracy`.
 */
gate: string, 
/**
 * What was measured against what the gate asks, in words.
 */
message: string, };

export type Override = { 
/**
 * Who exported.
 */
by: string | null, 
/**
 * When.
 */
at: string, 
/**
 * The reason they gave.
 */
reason: string, 
/**
 * The gates that failed, by flag name.
 */
failed: Array<string>, };

export type TeamReview = { 
/**
 * People who answered.
 */
annotators: number, 
/**
 * Krippendorff's alpha over the items several people answered.
 */
alpha: number | null, 
/**
 * Disagreements still waiting for a review.
 */
open_disagreements: number, };

export type ShareCount = { 
/**
 * `train`, `validation` or `test`.
 */
name: string, 
/**
 * Items in it.
 */
items: number, };

export type ExportReview = { 
/**
 * Always [`REVIEW_SCHEMA`].
 */
schema: string, 
/**
 * The project's items by the source of their current label.
 */
project: LabelCounts, 
/**
 * What the export holds with the chosen filters, by the same sources
 * (a label a filter drops counts as unlabeled).
 */
export: LabelCounts, 
/**
 * The shares of the split, when there is one.
 */
shares: Array<ShareCount>, 
/**
 * The labels the export holds per class, most first.
 */
distribution: Array<ValueCount>, 
/**
 * Its largest class over its smallest; `None` below two classes.
 */
imbalance_ratio: number | null, 
/**
 * The accuracy the thresholds were chosen for.
 */
target: number | null, 
/**
 * The auto-labels' accuracy as the audit set estimates it.
 */
estimated_accuracy: Interval | null, 
/**
 * The auto-labels' accuracy as people's spot checks measured it.
 */
spot_checked_accuracy: Interval | null, 
/**
 * Spot checks still waiting for a person.
 */
spot_checks_pending: number, 
/**
 * The project profile's alerts that bear on the export.
 */
alerts: Array<Alert>, 
/**
 * Agreement, when several people label the project.
 */
team: TeamReview | null, 
/**
 * The project's gates.
 */
gates: Gates, 
/**
 * The gates this export fails; empty when it may go.
 */
failures: Array<GateFailure>, 
/**
 * Set when the export went out though gates failed.
 */
overridden: Override | null, };

export type ExportSummary = { 
/**
 * The review it was written with (also its `review.json`).
 */
review: ExportReview, 
/**
 * The destination folder.
 */
destination: string, 
/**
 * Each file written, with its size and SHA-256.
 */
files: Array<WrittenFile>, 
/**
 * Items in the project.
 */
items: number, 
/**
 * Items written with a label.
 */
labeled: number, 
/**
 * Whether the export is in the project's history: not when the
 * project is read-only.
 */
recorded: boolean, 
/**
 * The catalog entry put over it (`glue:DATABASE.TABLE`), if asked.
 */
catalog: string | null, };

export type PushSummary = { 
/**
 * Events pushed (0: nothing new since the last push).
 */
events: number, 
/**
 * The object, when one was put.
 */
url: string | null, };

export type PullSummary = { 
/**
 * Pushes found in the lake.
 */
objects: number, 
/**
 * Events added to this project.
 */
added: number, 
/**
 * Events that were here already.
 */
already: number, 
/**
 * Each annotator's events found.
 */
per_annotator: { [key in string]: number }, 
/**
 * Events or lines left out, named by object and line.
 */
problems: Array<Problem>, };

export type AnnotatorAgreement = { 
/**
 * Their name (`unknown` for answers given without one).
 */
annotator: string, 
/**
 * Items they answered.
 */
answers: number, 
/**
 * Their accuracy as Dawid–Skene estimates it, from the items several
 * people answered; `None` when they share none.
 */
estimated_accuracy: number | null, };

export type PairAgreement = { 
/**
 * One person.
 */
a: string, 
/**
 * The other.
 */
b: string, 
/**
 * Items both answered.
 */
shared: number, 
/**
 * Cohen's kappa over those; `None` below two items.
 */
cohen_kappa: number | null, };

export type Agreement = { 
/**
 * Everyone who answered.
 */
annotators: Array<AnnotatorAgreement>, 
/**
 * Every pair that shares at least one item.
 */
pairs: Array<PairAgreement>, 
/**
 * Items answered by two people or more.
 */
items_with_several: number, 
/**
 * Fleiss' kappa over those.
 */
fleiss_kappa: number | null, 
/**
 * Krippendorff's alpha (nominal) over those.
 */
krippendorff_alpha: number | null, 
/**
 * Items whose answers differ: the review queue, by item id.
 */
disagreements: Array<number>, };

export type ReviewItem = { 
/**
 * The item, with its current label.
 */
item: ItemDto, 
/**
 * Each person's standing answer, by name.
 */
answers: Array<[string, string]>, 
/**
 * Its current label is a review (the lead's own, or anyone's here
 * after a consolidation): it stands, and the app leaves it out.
 */
reviewed: boolean, 
/**
 * The class to offer the lead: the consolidated label when there is
 * one, else the answer most people gave (none on a tie).
 */
proposed: string | null, };

export type ConsolidationSummary = { 
/**
 * Items answered by two people or more.
 */
items: number, 
/**
 * Consolidated labels written (items whose merged label or confidence
 * changed since the last consolidation).
 */
written: number, 
/**
 * Items whose answers differ.
 */
disagreements: number, };

export type ColumnKind = "categorical" | "ordinal" | "quantitative" | "datetime" | "text" | "identifier" | "image-reference";

export type Profile = { 
/**
 * Always [`SCHEMA`].
 */
schema: string, 
/**
 * What was profiled: a file path or a project folder.
 */
source: string, 
/**
 * Data rows (items for a project).
 */
rows: number, 
/**
 * One entry per column, in the table's order.
 */
columns: Array<ColumnProfile>, 
/**
 * Facts about the table as a whole.
 */
dataset: DatasetFacts, 
/**
 * Label views, when a label column is known.
 */
labels: LabelFacts | null, 
/**
 * Image files, when the source has them.
 */
images: ImageFacts | null, 
/**
 * Everything worth a look, each with the threshold that raised it.
 */
alerts: Array<Alert>, 
/**
 * How the profile was computed, and its error bounds when streamed.
 */
method: ProfileMethod, 
/**
 * Parts of a table split over many files or objects (a lake prefix)
 * that could not be read: the profile is of the others.
 */
skipped?: Array<Unreadable>, };

export type ProfileMethod = { 
/**
 * Exact or streaming.
 */
mode: ProfileMode, 
/**
 * Streaming: every quantile's normalized rank error, with 99%
 * confidence; a histogram bin's count is within this share of the rows
 * at each edge, and outliers likewise.
 */
quantile_rank_error: number | null, 
/**
 * Streaming: the relative standard error of a distinct count that is
 * not exact (`distinct_exact` false).
 */
distinct_standard_error: number | null, 
/**
 * Streaming: the share of the rows `duplicate_rows` was counted on
 * (rows and their copies are sampled together by their hash, and the
 * count scaled up); 1 when it is exact.
 */
duplicate_rows_sampled: number | null, 
/**
 * Streaming: what was left out because it needs every row at once.
 */
omitted: Array<string>, };

export type ProfileMode = "exact" | "streaming";

export type ColumnProfile = { 
/**
 * The column's name.
 */
name: string, 
/**
 * The storage type polars read it as.
 */
dtype: string, 
/**
 * Its kind, inferred or set by the user.
 */
kind: ColumnKind, 
/**
 * True when the user set the kind.
 */
kind_overridden: boolean, 
/**
 * Non-missing values.
 */
count: number, 
/**
 * Missing values.
 */
missing: number, 
/**
 * Distinct non-missing values.
 */
distinct: number, 
/**
 * Whether `distinct` is exact: always in an exact profile; in a
 * streaming one, while the column had fewer distinct values than the
 * summary's counters.
 */
distinct_exact: boolean, 
/**
 * The most frequent values, most frequent first (ties by value).
 */
top_values: Array<ValueCount>, 
/**
 * How far below its true count a top value's count may be: 0 in an
 * exact profile, and in a streaming one while the column had fewer
 * distinct values than the summary's counters.
 */
top_values_shortfall: number, 
/**
 * For numeric columns (quantitative, ordinal, identifier of numbers).
 */
numeric: NumericStats | null, 
/**
 * For datetime columns.
 */
datetime: DatetimeStats | null, 
/**
 * For text columns: the length of each value in characters.
 */
text_length: NumericStats | null, };

export type ValueCount = { 
/**
 * The value as text.
 */
value: string, 
/**
 * Rows holding it.
 */
count: number, };

export type NumericStats = { 
/**
 * Smallest value.
 */
min: number, 
/**
 * Largest value.
 */
max: number, 
/**
 * Arithmetic mean.
 */
mean: number, 
/**
 * Sample standard deviation (n − 1); 0 for one value.
 */
std: number, 
/**
 * Sample skewness (adjusted Fisher–Pearson, as pandas); 0 when constant.
 */
skewness: number, 
/**
 * Quantiles at 5, 25, 50, 75 and 95%, linearly interpolated (numpy's
 * default).
 */
quantiles: Quantiles, 
/**
 * Values equal to zero.
 */
zeros: number, 
/**
 * Values outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR].
 */
outliers: number, 
/**
 * Equal-width bins over [min, max].
 */
histogram: Histogram, };

export type Quantiles = { 
/**
 * 5th percentile.
 */
p5: number, 
/**
 * First quartile.
 */
p25: number, 
/**
 * Median.
 */
p50: number, 
/**
 * Third quartile.
 */
p75: number, 
/**
 * 95th percentile.
 */
p95: number, };

export type Histogram = { 
/**
 * Bin edges, ascending.
 */
edges: Array<number>, 
/**
 * Values per bin.
 */
counts: Array<number>, };

export type DatetimeStats = { 
/**
 * Earliest value.
 */
min: string, 
/**
 * Latest value.
 */
max: string, 
/**
 * Equal-width bins over epoch milliseconds (UTC).
 */
histogram: Histogram, };

export type DatasetFacts = { 
/**
 * Rows that repeat an earlier row exactly (all columns).
 */
duplicate_rows: number, 
/**
 * Numeric pairs (quantitative and ordinal columns).
 */
numeric_correlations: CorrelationMatrix | null, 
/**
 * Categorical pairs.
 */
categorical_associations: CorrelationMatrix | null, };

export type CorrelationMatrix = { 
/**
 * Column names, in matrix order.
 */
columns: Array<string>, 
/**
 * Pearson's r (numeric) or Cramér's V (categorical), row by row. `None`
 * where a pair has fewer than two complete rows or a constant side.
 */
primary: Array<Array<number | null>>, 
/**
 * Spearman's ρ for numeric pairs; absent for categorical ones.
 */
spearman: Array<Array<number | null>> | null, };

export type LabelFacts = { 
/**
 * The column holding labels.
 */
column: string, 
/**
 * Rows with a label.
 */
labeled: number, 
/**
 * Rows per class, most frequent first.
 */
distribution: Array<ValueCount>, 
/**
 * Largest class over smallest class; `None` with fewer than two classes.
 */
imbalance_ratio: number | null, 
/**
 * How strongly each feature goes with the label.
 */
features: Array<FeatureVsLabel>, 
/**
 * Rows per label source (human, model, import…), when known.
 */
sources: Array<ValueCount>, 
/**
 * Model confidence per class, for rows that have one.
 */
confidence: Array<ClassConfidence>, 
/**
 * Drift between labeled, unlabeled and auto-labeled rows, and
 * between the shares of a split.
 */
drift: Array<Drift>, 
/**
 * The shares of a split (an export's train, validation and test), when
 * the profile has one; empty otherwise.
 */
splits: Array<SplitFacts>, };

export type SplitFacts = { 
/**
 * `train`, `validation` or `test`.
 */
name: string, 
/**
 * Rows in it.
 */
rows: number, 
/**
 * Rows with a label.
 */
labeled: number, 
/**
 * Rows per class, in the whole distribution's order.
 */
distribution: Array<ValueCount>, };

export type FeatureVsLabel = { 
/**
 * The feature column.
 */
column: string, 
/**
 * `correlation-ratio` (η, numeric features) or `cramers-v`
 * (categorical features); both lie in [0, 1].
 */
measure: string, 
/**
 * The measure's value.
 */
value: number, 
/**
 * For numeric features: the mean per class, in distribution order.
 */
class_means: Array<[string, number]>, };

export type ClassConfidence = { 
/**
 * The class.
 */
class: string, 
/**
 * Rows of this class with a confidence.
 */
count: number, 
/**
 * Ten bins over [0, 1].
 */
histogram: Histogram, };

export type Drift = { 
/**
 * The feature column.
 */
column: string, 
/**
 * The reference part (`labeled`: human labels; `train` in a split).
 */
reference: string, 
/**
 * The part compared with it (`unlabeled` or `auto-labeled`; another
 * share of a split).
 */
compared: string, 
/**
 * `psi` (numeric, over the reference's deciles) or `chi-square`
 * (categorical).
 */
test: string, 
/**
 * PSI, or the chi-square statistic.
 */
statistic: number, 
/**
 * The chi-square p-value; `None` for PSI.
 */
p_value: number | null, 
/**
 * Cramér's V of the part against the category, for chi-square: the
 * effect size, since p-values shrink with any large sample.
 */
effect: number | null, };

export type ImageFacts = { 
/**
 * Files looked at.
 */
files: number, 
/**
 * Files whose header could be read.
 */
readable: number, 
/**
 * Files that could not be read, with the reason.
 */
unreadable: Array<Unreadable>, 
/**
 * Files per format.
 */
formats: Array<ValueCount>, 
/**
 * Width in pixels.
 */
width: NumericStats | null, 
/**
 * Height in pixels.
 */
height: NumericStats | null, 
/**
 * Width over height.
 */
aspect: NumericStats | null, 
/**
 * File size in KiB.
 */
file_kib: NumericStats | null, 
/**
 * Groups of near-identical images (difference hash within
 * [`crate::images::NEAR_DUPLICATE_BITS`] bits), largest first.
 */
near_duplicates: Array<Array<string>>, };

export type Unreadable = { 
/**
 * The file's path or the object's `s3://` address.
 */
path: string, 
/**
 * Why.
 */
reason: string, };

export type Alert = { 
/**
 * Stable id: `high-missing`, `high-cardinality`, `constant`, `skewed`,
 * `duplicates`, `imbalance`, `drift`, `mixed-types`, `unreadable-images`,
 * `near-duplicate-images`.
 */
kind: string, 
/**
 * The column it concerns, if one.
 */
column: string | null, 
/**
 * What was measured, in words.
 */
message: string, 
/**
 * The measured value.
 */
value: number, 
/**
 * The threshold it crossed.
 */
threshold: number, };

export type ChartSvg = { 
/**
 * Where the chart belongs: `column/<name>/<what>`, `dataset/<what>`,
 * `labels/<what>` or `images/<what>`.
 */
key: string, 
/**
 * The SVG document.
 */
svg: string, };

export type CommandError = { code: string, message: string, };

export type NewClass = { name: string, hotkey: string | null, };

export type ImportRequest = { labelsFromFolders: boolean, idColumn: string | null, labelColumn: string | null, textColumn: string | null, lake: LakeAccess, };

export type ExportRequest = { to: string, formats: Array<ExportFormat>, labeledOnly: boolean, humanOnly: boolean, minConfidence: number | null, lake: LakeAccess, copyImages: boolean, 
/**
 * Train, validation and test shares; empty for no split.
 */
split: Array<number>, 
/**
 * Export although gates fail, for this reason.
 */
overrideReason: string | null, 
/**
 * `glue:DATABASE.TABLE` over the Parquet of an S3 export.
 */
catalog: string | null, };

export type Diagnostics = { version: string, os: string, arch: string, 
/**
 * The WebKitGTK package's version, where the system can say.
 */
webkit_gtk: string | null, 
/**
 * The project file schema this build writes.
 */
project_schema: number, 
/**
 * Where this run logs.
 */
log_file: string | null, };

export type RoundRequest = { target: number, strategy: Strategy, batch: number, 
/**
 * A pinned model family; none lets the data choose.
 */
model: Family | null, };

export type Progress = { done: number, total: number, };

export type RoundProgress = { step: string, share: number, };

export type Flagged = { item: ItemDto, note: string | null, };

export type ProfileView = { profile: Profile, charts: Array<ChartSvg>, };
