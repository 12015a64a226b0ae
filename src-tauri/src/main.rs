//! The Triage desktop app: a Tauri window over `triage_api`. Every command
//! in [`commands`] is a few lines that call one use case; the shell adds
//! only what a window needs: which project is open, the recent list, the
//! round running in the background, and which folders images may be read
//! from.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod commands;
mod state;

use tauri::Manager;

fn main() -> anyhow::Result<()> {
    let log = triage_api::logging::log_file("triage-desktop");
    let log_file = triage_api::logging::init("triage-desktop", 0, Some(&log));
    let start_project = std::env::args_os().nth(1).map(std::path::PathBuf::from);
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let config = app.path().app_config_dir()?;
            app.manage(state::AppState::new(
                config,
                start_project.clone(),
                log_file.clone(),
            ));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::startup_project,
            commands::recent_projects,
            commands::create_project,
            commands::open_project,
            commands::open_demo,
            commands::status,
            commands::set_annotator,
            commands::agreement,
            commands::review_queue,
            commands::consolidate,
            commands::push_labels,
            commands::pull_labels,
            commands::suggested_annotator,
            commands::import_path,
            commands::next_items,
            commands::get_item,
            commands::label_item,
            commands::label_boxes,
            commands::label_classes,
            commands::undo,
            commands::flag_item,
            commands::resolve_flags,
            commands::flagged,
            commands::run_round,
            commands::cancel_model_job,
            commands::list_models,
            commands::add_model,
            commands::project_model,
            commands::use_model,
            commands::export_labels,
            commands::export_review,
            commands::gates,
            commands::set_gates,
            commands::model_status,
            commands::auto_labeled,
            commands::label_errors,
            commands::similar_items,
            commands::spot_check,
            commands::profile,
            commands::diagnostics,
        ])
        .run(tauri::generate_context!())?;
    Ok(())
}
