//! One module per subcommand: its arguments and the function that runs it.

pub mod agreement;
pub mod consolidate;
pub mod explore;
pub mod export;
pub mod import;
pub mod init;
pub mod join;
pub mod label;
pub mod profile;
pub mod pull;
pub mod push;
pub mod queue;
pub mod review;
pub mod revoke;
pub mod share;
pub mod simulate;
pub mod status;
pub mod train;
pub mod undo;
