import type { Box } from "./boxes";

// The shapes triage_api returns, as the shell serialises them.

export type TaskKind =
  | "image-classification"
  | "row-classification"
  | "object-detection"
  | "image-multilabel"
  | "row-multilabel";

export interface ClassDto {
  index: number;
  name: string;
  hotkey: string | null;
  colour: string;
}

export interface LabelCounts {
  items: number;
  human: number;
  model: number;
  import: number;
  consolidated: number;
  unlabeled: number;
}

export interface Status {
  dir: string;
  task: TaskKind;
  classes: ClassDto[];
  job_name: string;
  attribute: string;
  counts: LabelCounts;
  per_class: LabelCounts[];
  /** Who labels in this project; null until the app has asked. */
  annotator: string | null;
  /** The team share it belongs to. */
  share: ShareInfo | null;
}

export interface ShareInfo {
  url: string;
  role: "lead" | "annotator";
  /** How the lake was reached when it was shared or joined. */
  lake: LakeAccess;
}

/** How to reach the lake (triage_lake::LakeAccess); never credentials. */
export interface LakeAccess {
  endpoint: string | null;
  region: string | null;
  profile: string | null;
  path_style: boolean;
}

export function noLake(): LakeAccess {
  return { endpoint: null, region: null, profile: null, path_style: false };
}

export interface PushSummary {
  events: number;
  url: string | null;
}

export interface PullSummary {
  objects: number;
  added: number;
  already: number;
  per_annotator: Record<string, number>;
  problems: Problem[];
}

export interface LabelDto {
  item: number;
  event: number;
  /** Exactly one of `class`, `classes` and `boxes` is there. */
  class?: number;
  /** The class indices, for multi-label projects. */
  classes?: number[];
  /** Boxes in image pixels, for detection. */
  boxes?: { image_size: { width: number; height: number; depth: number }[]; annotations: Box[] };
  /** The class name, the set's names, or a summary of the boxes. */
  class_name: string;
  source: "human" | "model" | "import" | "consolidated";
  annotator: string | null;
  confidence: number | null;
  at: string;
}

export interface ItemDto {
  id: number;
  kind: "image" | "row" | "text";
  uri: string | null;
  external_id: string | null;
  row_index: number | null;
  width: number | null;
  height: number | null;
  thumbnail: string | null;
  /** The local file to show (an s3:// image's cached copy). */
  image: string | null;
  payload: Record<string, unknown> | null;
  label: LabelDto | null;
}

export interface Problem {
  file: string;
  position: string | null;
  reason: string;
}

export interface ImportReport {
  path: string;
  kind: string;
  added: number;
  already_present: number;
  labeled: number;
  problems: Problem[];
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  n: number;
}

export interface ClassThreshold {
  class_name: string;
  threshold: number | null;
}

export interface ModelStatus {
  model_version: number;
  algorithm: string;
  target: number;
  threshold: number | null;
  class_thresholds: ClassThreshold[];
  estimated_accuracy: Interval | null;
  spot_checked_accuracy: Interval | null;
  spot_checks_pending: number;
}

export interface RoundSummary {
  round_id: number;
  model_version: number | null;
  algorithm: string | null;
  cv_accuracy: number | null;
  threshold: number | null;
  class_thresholds: ClassThreshold[];
  estimated_accuracy: Interval | null;
  audit_size: number;
  auto_labeled: number;
  revoked: number;
  queued: number;
  suspects: number;
  counts: LabelCounts;
}

export interface SuspectDto {
  item: ItemDto;
  given: string;
  predicted: string;
  confidence: number;
}

export interface Flagged {
  item: ItemDto;
  note: string | null;
}

/** An error from a command: a stable code and a message for people. */
export interface CommandError {
  code: string;
  message: string;
}

export interface WrittenFile {
  key: string;
  size_bytes: number;
  sha256: string;
}

export interface ExportSummary {
  destination: string;
  files: WrittenFile[];
  items: number;
  labeled: number;
}

/** A column's kind in a profile (schema triage-profile/1). */
export type ColumnKind =
  | "categorical"
  | "ordinal"
  | "quantitative"
  | "datetime"
  | "text"
  | "identifier"
  | "image-reference";

export interface ValueCount {
  value: string;
  count: number;
}

export interface NumericStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  skewness: number;
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number };
  zeros: number;
  outliers: number;
}

export interface ColumnProfile {
  name: string;
  dtype: string;
  kind: ColumnKind;
  kind_overridden: boolean;
  count: number;
  missing: number;
  distinct: number;
  top_values: ValueCount[];
  numeric: NumericStats | null;
  datetime: { min: string; max: string } | null;
  text_length: NumericStats | null;
}

export interface Alert {
  kind: string;
  column: string | null;
  message: string;
  value: number;
  threshold: number;
}

export interface FeatureVsLabel {
  column: string;
  measure: string;
  value: number;
}

export interface Drift {
  column: string;
  reference: string;
  compared: string;
  test: string;
  statistic: number;
  p_value: number | null;
  effect: number | null;
}

export interface Profile {
  schema: string;
  source: string;
  rows: number;
  columns: ColumnProfile[];
  dataset: { duplicate_rows: number };
  labels: {
    column: string;
    labeled: number;
    imbalance_ratio: number | null;
    distribution: ValueCount[];
    sources: ValueCount[];
    features: FeatureVsLabel[];
    drift: Drift[];
  } | null;
  images: {
    files: number;
    readable: number;
    unreadable: { path: string; reason: string }[];
    near_duplicates: string[][];
  } | null;
  alerts: Alert[];
}

/** A profile with its charts drawn as SVG, keyed `column/<name>/<what>`. */
export interface ProfileView {
  profile: Profile;
  charts: { key: string; svg: string }[];
}

export interface AnnotatorAgreement {
  annotator: string;
  answers: number;
  estimated_accuracy: number | null;
}

export interface PairAgreement {
  a: string;
  b: string;
  shared: number;
  cohen_kappa: number | null;
}

export interface Agreement {
  annotators: AnnotatorAgreement[];
  pairs: PairAgreement[];
  items_with_several: number;
  fleiss_kappa: number | null;
  krippendorff_alpha: number | null;
  disagreements: number[];
}

export interface ReviewItem {
  item: ItemDto;
  /** [annotator, class name] for each person's answer. */
  answers: [string, string][];
  reviewed: boolean;
}

export interface ConsolidationSummary {
  items: number;
  written: number;
  disagreements: number;
}
