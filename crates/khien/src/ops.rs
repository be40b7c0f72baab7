//! What each subcommand does.

use crate::cli::{AuditCmd, Cli, Command, ImportCmd, StoreArgs, TokenCmd, UserCmd};
use crate::config::{FileConfig, database};
use crate::{EXIT_INVALID, EXIT_TAMPERED, demo};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use khien_core::Principal;
use khien_store::import::{ImportOutcome, RowError};
use khien_store::users::{NewUser, random_password};
use khien_store::{Backend, Store, StoreError};
use std::io::Read;
use std::path::Path;

/// Open (and migrate) the store named by the arguments and config file.
async fn open(args: &StoreArgs) -> Result<(Store, FileConfig)> {
    let file = FileConfig::load(args.config.as_ref())?;
    let db = database(args, &file);
    let store = Store::open(&db).await.with_context(|| format!("cannot open the database {}", redact(&db)))?;
    store.migrate().await.context("cannot migrate the database schema")?;
    Ok((store, file))
}

/// Hide a password in a database URL.
fn redact(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &db[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &db[..s + 3], &db[at..]),
                None => db.to_string(),
            }
        }
        _ => db.to_string(),
    }
}

pub(crate) fn cli_principal() -> Principal {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Principal::system(&format!("cli:{who}"))
}

fn read_password(from_stdin: bool) -> Result<String> {
    if !from_stdin {
        bail!("give the password on standard input with --password-stdin (it never goes on the command line)");
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the password from standard input")?;
    let line = s.lines().next().unwrap_or_default().to_string();
    Ok(line)
}

/// Print validation problems and return the "invalid input" exit code.
fn invalid(errs: &[khien_core::FieldError]) -> u8 {
    for e in errs {
        eprintln!("error: {}: {}", e.field, e.problem.en());
    }
    EXIT_INVALID
}

fn store_error(e: StoreError) -> Result<u8> {
    match e {
        StoreError::Invalid(errs) => Ok(invalid(&errs)),
        StoreError::NotFound => {
            eprintln!("error: not found");
            Ok(EXIT_INVALID)
        }
        other => Err(other.into()),
    }
}

pub async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Serve { store, listen, demo, secure_cookies } => serve(store, listen, demo, secure_cookies).await,
        Command::Migrate { store } => {
            let (s, _) = open(&store).await?;
            println!("database schema is up to date ({:?})", s.backend());
            Ok(0)
        }
        Command::Demo { store, scale } => {
            let (s, _) = open(&store).await?;
            let accounts = demo::load(&s, scale, false).await?;
            demo::print(&accounts);
            Ok(0)
        }
        Command::Parse { cmd: crate::cli::ParseCmd::Scan { file, format } } => {
            crate::parse::scan(&file, format.as_deref())
        }
        Command::Hunt(args) => crate::hunt::run(args),
        Command::Rules { cmd: crate::cli::RulesCmd::Check { paths, load, json } } => {
            crate::hunt::check(&paths, &load, json)
        }
        Command::User { cmd } => user(cmd).await,
        Command::Token { cmd } => token(cmd).await,
        Command::Import { cmd } => import(cmd).await,
        Command::Backup { store, file } => backup(store, &file).await,
        Command::Audit { cmd: AuditCmd::Verify { store } } => {
            let (s, _) = open(&store).await?;
            let r = s.audit_verify().await?;
            match r.first_break {
                None => {
                    println!("audit chain intact: {} entries verified", r.checked);
                    Ok(0)
                }
                Some(b) => {
                    println!("audit chain BROKEN at entry {}: {}", b.seq, b.reason);
                    Ok(EXIT_TAMPERED)
                }
            }
        }
    }
}

async fn serve(args: StoreArgs, listen: Option<String>, demo_flag: bool, secure: bool) -> Result<u8> {
    let (store, file) = open(&args).await?;
    if demo_flag {
        let agencies = store.scalar(khien_store::sql::Sql::new("SELECT COUNT(*) FROM agencies")).await?;
        if agencies == 0 {
            let accounts = demo::load(&store, 1, true).await?;
            demo::print(&accounts);
        } else {
            println!("The database already has data; --demo loads nothing. Existing accounts keep their passwords.");
        }
    }
    if store.users_count().await? == 0 {
        let password = random_password();
        store
            .user_create(
                &cli_principal(),
                NewUser {
                    username: "admin".into(),
                    display_name: "Quản trị hệ thống".into(),
                    role: "admin".into(),
                    agency_codes: vec![],
                    password: password.clone(),
                    must_change_password: true,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the first admin: {e:?}"))?;
        println!("First run: created the province admin account.");
        println!("  username: admin");
        println!("  password: {password}   (shown once; you must change it at first login)");
    }
    let listen = listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener =
        tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let config =
        khien_web::WebConfig { secure_cookies: secure || file.secure_cookies.unwrap_or(false), ..Default::default() };
    println!("listening on http://{addr}");
    tracing::info!(%addr, backend = ?store.backend(), "khien serving");
    let state = khien_web::AppState::new(store.clone(), config);
    // Accepted risks reopen when their acceptance expires: checked at start and hourly.
    let housekeeping = {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                match khien_store::findings::expire_acceptances(&store).await {
                    Ok(n) if n > 0 => tracing::info!(reopened = n, "risk acceptances expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "checking risk acceptances"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            }
        })
    };
    khien_web::serve(listener, state).await?;
    housekeeping.abort();
    store.close().await;
    Ok(0)
}

async fn user(cmd: UserCmd) -> Result<u8> {
    match cmd {
        UserCmd::Add { store, username, role, agency, password_stdin, display_name } => {
            let password = read_password(password_stdin)?;
            let (s, _) = open(&store).await?;
            let nu = NewUser {
                username: username.clone(),
                display_name: display_name.unwrap_or_default(),
                role,
                agency_codes: agency,
                password,
                must_change_password: false,
            };
            match s.user_create(&cli_principal(), nu).await {
                Ok(u) => {
                    println!("created user {} (id {}, role {})", u.username, u.id, u.role);
                    Ok(0)
                }
                Err(e) => store_error(e),
            }
        }
        UserCmd::List { store, json } => {
            let (s, _) = open(&store).await?;
            let mut after = None;
            loop {
                let page =
                    s.users_list(&khien_core::Scope::All, None, khien_store::Page::new(after, Some(1000))).await?;
                for u in &page.items {
                    if json {
                        println!("{}", serde_json::to_string(u)?);
                    } else {
                        let scope = if u.agencies.is_empty() { "all".to_string() } else { u.agencies.join(",") };
                        let state = if u.user.disabled { "disabled" } else { "active" };
                        println!("{:<20} {:<10} {:<20} {}", u.user.username, u.user.role, scope, state);
                    }
                }
                match page.next {
                    Some(n) => after = n.parse().ok(),
                    None => break,
                }
            }
            Ok(0)
        }
        UserCmd::Passwd { store, username, password_stdin } => {
            let password = read_password(password_stdin)?;
            let (s, _) = open(&store).await?;
            let Some(u) = s.user_by_name(&username).await? else {
                eprintln!("error: no user named {username}");
                return Ok(EXIT_INVALID);
            };
            match s.user_set_password(&cli_principal(), u.id, None, &password).await {
                Ok(()) => {
                    println!("password of {username} changed; they must choose a new one at next login");
                    Ok(0)
                }
                Err(e) => store_error(e),
            }
        }
        UserCmd::Disable { store, username } => set_disabled(store, &username, true).await,
        UserCmd::Enable { store, username } => set_disabled(store, &username, false).await,
    }
}

async fn set_disabled(store: StoreArgs, username: &str, disabled: bool) -> Result<u8> {
    let (s, _) = open(&store).await?;
    let Some(u) = s.user_by_name(username).await? else {
        eprintln!("error: no user named {username}");
        return Ok(EXIT_INVALID);
    };
    match s.user_set_disabled(&cli_principal(), u.id, disabled).await {
        Ok(()) => {
            println!("{username} {}", if disabled { "disabled" } else { "enabled" });
            Ok(0)
        }
        Err(e) => store_error(e),
    }
}

async fn token(cmd: TokenCmd) -> Result<u8> {
    match cmd {
        TokenCmd::Create { store, username, name } => {
            let (s, _) = open(&store).await?;
            match s.token_create(&cli_principal(), &username, &name).await {
                Ok((_, secret)) => {
                    println!("{secret}");
                    eprintln!("API token created for {username}; it is shown only this once.");
                    Ok(0)
                }
                Err(e) => store_error(e),
            }
        }
        TokenCmd::List { store } => {
            let (s, _) = open(&store).await?;
            for t in s.tokens_list(&cli_principal(), true).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{:<6} {:<20} {:<16} {}… {}", t.id, t.username, t.name, t.prefix, state);
            }
            Ok(0)
        }
        TokenCmd::Revoke { store, id } => {
            let (s, _) = open(&store).await?;
            match s.token_revoke(&cli_principal(), id).await {
                Ok(()) => {
                    println!("token {id} revoked");
                    Ok(0)
                }
                Err(e) => store_error(e),
            }
        }
    }
}

fn print_row_errors(table: &khien_web::tabular::Table, cols: &[(&'static str, &[&str])], errs: &[RowError]) {
    eprintln!("The file was rejected; nothing was written. Problems:");
    for e in errs {
        let col = khien_web::tabular::column_of(table, cols, &e.field);
        eprintln!("  row {}, column {}: {}", e.row, if col.is_empty() { "-" } else { &col }, e.problem.en());
    }
}

async fn import(cmd: ImportCmd) -> Result<u8> {
    use khien_web::tabular::{self, AGENCY_COLUMNS, SYSTEM_COLUMNS};
    let (store, file, systems) = match cmd {
        ImportCmd::Agencies { store, file } => (store, file, false),
        ImportCmd::Systems { store, file } => (store, file, true),
        ImportCmd::Scan { store, files, format, system, auto: _, json } => {
            let (s, _) = open(&store).await?;
            return crate::scanimport::run(&s, &files, format.as_deref(), system.as_deref(), json).await;
        }
        ImportCmd::Kev { store, file } => {
            let (s, _) = open(&store).await?;
            return crate::scanimport::kev(&s, &file).await;
        }
        ImportCmd::Epss { store, file } => {
            let (s, _) = open(&store).await?;
            return crate::scanimport::epss(&s, &file).await;
        }
    };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let cols = if systems { SYSTEM_COLUMNS } else { AGENCY_COLUMNS };
    let table = match tabular::read_table(&bytes) {
        Ok(t) => t,
        Err(errs) => {
            print_row_errors(&tabular::Table::default(), cols, &errs);
            return Ok(EXIT_INVALID);
        }
    };
    let (s, _) = open(&store).await?;
    let pb = ProgressBar::new(table.rows.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(file.display().to_string());
    let progress = |n: usize| pb.set_position(n as u64);
    let outcome = if systems {
        match tabular::systems(&table) {
            Ok(rows) => s.import_systems(&cli_principal(), rows, &progress).await?,
            Err(errs) => ImportOutcome::Rejected(errs),
        }
    } else {
        match tabular::agencies(&table) {
            Ok(rows) => s.import_agencies(&cli_principal(), rows, &progress).await?,
            Err(errs) => ImportOutcome::Rejected(errs),
        }
    };
    pb.finish_and_clear();
    match outcome {
        ImportOutcome::Done(sum) => {
            println!(
                "imported {}: {} rows — {} created, {} updated, {} unchanged",
                file.display(),
                sum.rows,
                sum.created,
                sum.updated,
                sum.unchanged
            );
            Ok(0)
        }
        ImportOutcome::Rejected(errs) => {
            print_row_errors(&table, cols, &errs);
            Ok(EXIT_INVALID)
        }
    }
}

async fn backup(args: StoreArgs, out: &Path) -> Result<u8> {
    let (s, _) = open(&args).await?;
    if s.backend() == Backend::Postgres {
        eprintln!(
            "error: for PostgreSQL use pg_dump, e.g.  pg_dump --format=custom --file=khien.dump \"$KHIEN_DATABASE\""
        );
        return Ok(2);
    }
    if out.exists() {
        eprintln!("error: {} already exists; choose a new file name", out.display());
        return Ok(2);
    }
    s.backup_sqlite(out).await?;
    println!("backup written to {}", out.display());
    Ok(0)
}
