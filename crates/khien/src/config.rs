//! Configuration: defaults → `khien.toml` → `KHIEN_*` environment → flags (clap merges the
//! last two), and logging set-up.

use crate::cli::StoreArgs;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::PathBuf;

/// Settings that may come from `khien.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database: Option<String>,
    pub listen: Option<String>,
    pub secure_cookies: Option<bool>,
}

impl FileConfig {
    /// Read the file named by `--config`/`KHIEN_CONFIG`, else `./khien.toml` if present.
    pub fn load(explicit: Option<&PathBuf>) -> Result<FileConfig> {
        let path = match explicit {
            Some(p) => p.clone(),
            None => {
                let p = PathBuf::from("khien.toml");
                if !p.exists() {
                    return Ok(FileConfig::default());
                }
                p
            }
        };
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is not valid", path.display()))
    }
}

/// The database to open: a URL, or a data directory.
pub fn database(args: &StoreArgs, file: &FileConfig) -> String {
    if let Some(db) = args.database.clone().or_else(|| file.database.clone()) {
        return db;
    }
    args.data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("khien-data"))
        .to_string_lossy()
        .into_owned()
}

/// Log to stderr, as text or JSON; `RUST_LOG` filters (default `info`).
pub fn init_logging(format: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,evtx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
