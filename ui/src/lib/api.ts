// Typed calls to the shell's commands. Each is one use case of triage_api;
// the argument and result types are generated from Rust (bindings.ts).
import { Channel, convertFileSrc, invoke } from "@tauri-apps/api/core";
import type { Box } from "./boxes";
import type {
  Agreement,
  ColumnKind,
  ConsolidationMethod,
  ExportRequest,
  ExportReview,
  Diagnostics,
  Gates,
  ImportRequest,
  NewClass,
  Progress,
  RoundProgress,
  RoundRequest,
  ConsolidationSummary,
  ExportSummary,
  Flagged,
  ImportReport,
  ItemDto,
  LabelDto,
  LakeAccess,
  ModelInfo,
  ModelStatus,
  ProfileView,
  PullSummary,
  PushSummary,
  ReviewItem,
  RoundSummary,
  Status,
  SuspectDto,
  SimilarDto,
  TaskKind,
} from "./types";

export const api = {
  startupProject: () => invoke<Status | null>("startup_project"),
  recentProjects: () => invoke<string[]>("recent_projects"),
  createProject: (dir: string, task: TaskKind, classes: NewClass[]) =>
    invoke<Status>("create_project", { dir, task, classes }),
  openProject: (dir: string) => invoke<Status>("open_project", { dir }),
  status: () => invoke<Status>("status"),
  setAnnotator: (name: string) => invoke<Status>("set_annotator", { name }),
  suggestedAnnotator: () => invoke<string | null>("suggested_annotator"),
  importPath: (path: string, options: ImportRequest, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return invoke<ImportReport>("import_path", { path, options, onProgress: channel });
  },
  nextItems: (n: number, skipped: number[]) => invoke<ItemDto[]>("next_items", { n, skipped }),
  getItem: (item: number) => invoke<ItemDto>("get_item", { item }),
  labelItem: (item: number, className: string, timeSpentMs: number | null) =>
    invoke<LabelDto>("label_item", { item, className, timeSpentMs }),
  labelBoxes: (item: number, boxes: Box[], timeSpentMs: number | null) =>
    invoke<LabelDto>("label_boxes", { item, boxes, timeSpentMs }),
  labelClasses: (item: number, classNames: string[], timeSpentMs: number | null) =>
    invoke<LabelDto>("label_classes", { item, classNames, timeSpentMs }),
  undo: () => invoke<LabelDto | null>("undo"),
  flagItem: (item: number, note: string | null) => invoke<void>("flag_item", { item, note }),
  resolveFlags: (item: number) => invoke<number>("resolve_flags", { item }),
  flagged: () => invoke<Flagged[]>("flagged"),
  runRound: (options: RoundRequest, onProgress: (p: RoundProgress) => void) => {
    const channel = new Channel<RoundProgress>();
    channel.onmessage = onProgress;
    return invoke<RoundSummary>("run_round", { options, onProgress: channel });
  },
  /** Stops the running round or feature computation. */
  cancelModelJob: () => invoke<boolean>("cancel_model_job"),
  listModels: () => invoke<ModelInfo[]>("list_models"),
  addModel: (path: string, name: string | null) => invoke<ModelInfo>("add_model", { path, name }),
  projectModel: () => invoke<ModelInfo | null>("project_model"),
  useModel: (name: string, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return invoke<number>("use_model", { name, onProgress: channel });
  },
  exportLabels: (request: ExportRequest, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return invoke<ExportSummary>("export_labels", { request, onProgress: channel });
  },
  exportReview: (request: ExportRequest) => invoke<ExportReview>("export_review", { request }),
  gates: () => invoke<Gates>("gates"),
  setGates: (gates: Gates) => invoke<void>("set_gates", { gates }),
  modelStatus: () => invoke<ModelStatus | null>("model_status"),
  diagnostics: () => invoke<Diagnostics>("diagnostics"),
  openDemo: () => invoke<Status>("open_demo"),
  autoLabeled: (className: string | null, minConfidence: number, maxConfidence: number, limit: number) =>
    invoke<ItemDto[]>("auto_labeled", { className, minConfidence, maxConfidence, limit }),
  labelErrors: () => invoke<SuspectDto[]>("label_errors"),
  similarItems: (item: number | null, n: number) => invoke<SimilarDto[]>("similar_items", { item, n }),
  agreement: () => invoke<Agreement>("agreement"),
  reviewQueue: () => invoke<ReviewItem[]>("review_queue"),
  consolidate: (method: ConsolidationMethod) => invoke<ConsolidationSummary>("consolidate", { method }),
  pushLabels: (lake: LakeAccess) => invoke<PushSummary>("push_labels", { lake }),
  pullLabels: (lake: LakeAccess) => invoke<PullSummary>("pull_labels", { lake }),
  spotCheck: (n: number) => invoke<ItemDto[]>("spot_check", { n }),
  profile: (kinds: Record<string, ColumnKind>) => invoke<ProfileView>("profile", { kinds }),
};

/** The address the window loads an item's image from: the original for
 * the label screen, the cached thumbnail for grids when there is one. */
export function imageSrc(item: ItemDto, thumbnail = false): string | null {
  const path = thumbnail ? (item.thumbnail ?? item.image) : item.image;
  return path ? convertFileSrc(path) : null;
}
