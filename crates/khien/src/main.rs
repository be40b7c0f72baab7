//! The `khien` binary: one program for the whole platform. `khien serve` runs the web app;
//! the other subcommands administer a store from the command line.
//!
//! Exit codes: 0 success; 1 runtime failure (database unreachable, I/O); 2 bad command line;
//! 3 rejected input (validation errors, nothing written); 4 audit chain broken.

mod cli;
mod config;
mod demo;
mod hunt;
mod ops;
mod parse;
mod scanimport;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc: the import pipeline allocates a finding's texts on the parser thread and frees
/// them on the database thread; glibc's allocator spent a tenth of a large import on that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for rejected input.
pub const EXIT_INVALID: u8 = 3;
/// Exit code for a broken audit chain.
pub const EXIT_TAMPERED: u8 = 4;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    config::init_logging(args.log_format.as_deref());
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(ops::run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
