//! Command-line arguments (clap derive). Every subcommand that touches a store takes
//! `--data-dir`/`--database` (also `KHIEN_DATA_DIR`/`KHIEN_DATABASE`, or `khien.toml`).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "khien", version, about = "Khiên — a province's platform for securing the information systems of its state agencies.", long_about = None)]
pub struct Cli {
    /// Log format on stderr: `text` (default) or `json`.
    #[arg(long, global = true, env = "KHIEN_LOG_FORMAT")]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// Data directory for the embedded SQLite database (created on first run). Default: ./khien-data
    #[arg(long, env = "KHIEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `postgres://user@host/db` for PostgreSQL (overrides --data-dir).
    #[arg(long, env = "KHIEN_DATABASE")]
    pub database: Option<String>,
    /// Configuration file (TOML). Default: ./khien.toml when it exists.
    #[arg(long, env = "KHIEN_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web application (pages and API). Creates the database and a first admin on first run.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on. Default: 127.0.0.1:8080
        #[arg(long, env = "KHIEN_LISTEN")]
        listen: Option<String>,
        /// Load the fictional demo province into an empty database and print its accounts.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS by a proxy).
        #[arg(long, env = "KHIEN_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Manage API tokens for machines.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// Import registry lists from CSV or XLSX: all rows or nothing.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Write a consistent copy of a live SQLite database to FILE (for PostgreSQL, use pg_dump).
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// Destination file (must not exist).
        file: PathBuf,
    },
    /// Audit-trail tools.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Parse reports without a database (prints normalised findings as JSON Lines).
    Parse {
        #[command(subcommand)]
        cmd: ParseCmd,
    },
    /// Sweep event logs (EVTX, JSON, JSON Lines; folders, gzip) with Sigma rules, like a
    /// responder's Hayabusa or Chainsaw run. No database.
    Hunt(HuntArgs),
    /// Sigma rule tools.
    Rules {
        #[command(subcommand)]
        cmd: RulesCmd,
    },
    /// Load the demo province (optionally scaled, for benchmarks) into an empty database.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        /// Multiply agencies, systems and assets (10 ≈ 8,100 agencies, 5,000 systems, 20,000 assets).
        #[arg(long, default_value_t = 1)]
        scale: u32,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account. The password is read from standard input.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        username: String,
        /// admin, analyst, inspector, officer or leader.
        #[arg(long)]
        role: String,
        /// Agency code bounding the account's scope (repeat for several; required for officers).
        #[arg(long)]
        agency: Vec<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
        /// Full name shown in the UI.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// JSON Lines output.
        #[arg(long)]
        json: bool,
    },
    /// Set a new password (read from standard input); the user must change it at next login.
    Passwd {
        #[command(flatten)]
        store: StoreArgs,
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account (its sessions end at once).
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        store: StoreArgs,
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create an API token for USERNAME and print it once.
    Create {
        #[command(flatten)]
        store: StoreArgs,
        username: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by id.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCmd {
    /// Import agencies (columns: code, name, kind, parent_code, address, email, phone).
    Agencies {
        #[command(flatten)]
        store: StoreArgs,
        file: PathBuf,
    },
    /// Import systems (columns: code, name, owner_code, category, operator_code, shared, user_codes, status, contact_*, assets...).
    Systems {
        #[command(flatten)]
        store: StoreArgs,
        file: PathBuf,
    },
    /// Import scanner reports: findings deduplicated against earlier scans (new, updated,
    /// reopened, fixed, unchanged), attached to a system or by assets. Each file is one
    /// transaction: a bad file changes nothing.
    Scan {
        #[command(flatten)]
        store: StoreArgs,
        /// Report files (.nessus, OpenVAS XML/CSV, Nuclei, Trivy, ZAP, SARIF, Burp, CSV/XLSX).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The report format (see `khien parse scan --help`); detected from content when omitted.
        #[arg(long)]
        format: Option<String>,
        /// Put every finding on the system with this code.
        #[arg(long, conflicts_with = "auto")]
        system: Option<String>,
        /// Attach each finding to the system whose assets match its IP, host or URL; the rest
        /// go to the unassigned list (the default when --system is not given).
        #[arg(long)]
        auto: bool,
        /// One JSON object per file on stdout (file, format, parsed, new, updated, reopened,
        /// fixed, unchanged, unassigned).
        #[arg(long)]
        json: bool,
    },
    /// Load CISA's Known Exploited Vulnerabilities catalogue (known_exploited_vulnerabilities.json);
    /// findings of those CVEs are flagged and get the critical deadline. Replaces the previous load.
    Kev {
        #[command(flatten)]
        store: StoreArgs,
        file: PathBuf,
    },
    /// Load FIRST EPSS scores (epss_scores-current.csv or .csv.gz); shown on findings as the
    /// probability of exploitation. Replaces the previous load.
    Epss {
        #[command(flatten)]
        store: StoreArgs,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the whole hash chain; exit 4 and name the first altered entry if it was tampered with.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ParseCmd {
    /// Print one JSON object per finding of a scanner report, as the scanner reported it.
    Scan {
        file: PathBuf,
        /// openvas-xml, openvas-csv, nessus, nessus-csv, nuclei, trivy, zap-xml, zap-json, sarif,
        /// burp or generic-csv; detected from the content when omitted.
        #[arg(long)]
        format: Option<String>,
    },
}

/// Options shared by the commands that load Sigma rules.
#[derive(Args, Debug, Clone, Default)]
pub struct RuleLoadArgs {
    /// Logsource mapping (SigmaHQ THOR-table format); default: the built-in Windows mapping.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Values for `expand` placeholders: a YAML map of name to a list of values.
    #[arg(long)]
    pub placeholders: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Event files or folders (searched recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Sigma rule files or folders.
    #[arg(long, required_unless_present = "parse_only", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Read and flatten every event but load no rules (the parsing floor of a hunt).
    #[arg(long)]
    pub parse_only: bool,
    #[command(flatten)]
    pub load: RuleLoadArgs,
    /// One detection per line as JSON on stdout.
    #[arg(long, conflicts_with = "csv")]
    pub jsonl: bool,
    /// Detections as CSV on stdout.
    #[arg(long)]
    pub csv: bool,
    /// Worker threads; default: every core.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Lowest rule level reported: informational, low, medium, high or critical.
    #[arg(long)]
    pub min_level: Option<String>,
    /// Only events at or after this time (RFC 3339, or YYYY-MM-DD[ hh:mm:ss] in UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Only events before this time.
    #[arg(long)]
    pub to: Option<String>,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Subcommand, Debug)]
pub enum RulesCmd {
    /// Load a rule set and report loaded, unsupported and invalid rules, like a linter.
    /// Exit 3 when any rule is invalid.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        load: RuleLoadArgs,
        /// One JSON object: `loaded`, `unsupported`, `invalid` (and more).
        #[arg(long)]
        json: bool,
    },
}
