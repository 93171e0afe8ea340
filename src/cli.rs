//! The command-line interface: `kindred import | search | info`, all on the library API.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::aspect::Weights;
use crate::import::{ImportSummary, Phase, Progress};
use crate::index::Metric;
use crate::library::{IndexKind, Library, LibraryOptions};
use crate::search::Query;

/// Kindred: find kindred artworks by colour, texture and shape, offline.
#[derive(Parser, Debug)]
#[command(name = "kindred", version, about, long_about = None)]
pub struct Cli {
    /// Library directory (default: the OS data directory, e.g. ~/.local/share/kindred).
    #[arg(long, global = true, value_name = "DIR", env = "KINDRED_LIBRARY")]
    pub library: Option<PathBuf>,
    /// Index implementation: auto (exact below 2000 artworks), exact, or hnsw.
    #[arg(long, global = true, value_name = "KIND", default_value = "auto", value_parser = parse_index_kind)]
    pub index: IndexKind,
    /// Without a command: open the app showing the works kindred to this image.
    #[arg(long, value_name = "IMAGE")]
    pub open: Option<PathBuf>,
    /// What to do; without a command the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import (or re-scan) image files and folders into the library.
    Import {
        /// Files or folders; folders are walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Distance metric for this library: cosine, euclidean, manhattan, ip.
        #[arg(long)]
        metric: Option<Metric>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find the artworks most like each query image (a file, or `id:N` for a library artwork).
    Search {
        /// Query images: files, or `id:N` for a library artwork.
        #[arg(required = true, value_parser = parse_query)]
        queries: Vec<QueryArg>,
        /// Number of results per query (at most the number of artworks in the library).
        #[arg(long, short = 'k', default_value_t = 10)]
        top: usize,
        /// Aspect to compare: all, colour, texture or shape.
        #[arg(long, default_value = "all", conflicts_with = "weights", value_parser = parse_aspect)]
        aspect: Weights,
        /// Explicit weights for colour, texture and shape, e.g. 1,0.5,0.
        #[arg(long, value_name = "C,T,S", value_parser = parse_weights)]
        weights: Option<Weights>,
        /// Print results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show counts, model, runtime, metric and index state.
    Info {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A query as typed: the text (echoed in the output) and what it means.
#[derive(Clone, Debug)]
pub struct QueryArg {
    /// As typed.
    pub text: String,
    /// A file or a library artwork.
    pub query: Query,
}

/// `id:N` is a library artwork, anything else a file (checked when the search runs).
fn parse_query(s: &str) -> Result<QueryArg, String> {
    let query = match s.strip_prefix("id:") {
        Some(id) => Query::Artwork(id.parse().map_err(|_| format!("`{s}`: expected id:NUMBER"))?),
        None => Query::File(PathBuf::from(s)),
    };
    Ok(QueryArg { text: s.to_owned(), query })
}

/// `all`, `colour`, `texture` or `shape` (the aspect presets; explicit weights go to `--weights`).
fn parse_aspect(s: &str) -> Result<Weights, String> {
    if s.contains(',') {
        return Err(format!("unknown aspect `{s}` (all, colour, texture, shape); use --weights C,T,S for weights"));
    }
    s.parse().map_err(|_| format!("unknown aspect `{s}` (all, colour, texture, shape)"))
}

/// Three weights `c,t,s` (or a preset name).
fn parse_weights(s: &str) -> Result<Weights, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

fn parse_index_kind(s: &str) -> Result<IndexKind, String> {
    match s {
        "auto" => Ok(IndexKind::Auto),
        "exact" => Ok(IndexKind::Exact),
        "hnsw" => Ok(IndexKind::Hnsw),
        _ => Err(format!("unknown index `{s}` (auto, exact, hnsw)")),
    }
}

impl Cli {
    /// Opens the library the flags point at.
    pub fn open_library(&self) -> Result<Library> {
        let dir = match &self.library {
            Some(d) => d.clone(),
            None => Library::default_dir()?,
        };
        Ok(Library::open(&dir, LibraryOptions { index: self.index, ..Default::default() })?)
    }
}

/// Runs a subcommand.
pub fn run(cli: &Cli, command: &Command) -> Result<()> {
    let mut library = cli.open_library()?;
    if let Some(notice) = library.take_notice() {
        eprintln!("kindred: note: {notice}");
    }
    let result = match command {
        Command::Import { paths, metric, json } => import(&mut library, paths, *metric, *json),
        Command::Search { queries, top, aspect, weights, json } => {
            search(&mut library, queries, *top, weights.as_ref().unwrap_or(aspect), *json)
        }
        Command::Info { json } => info(&mut library, *json),
    };
    // What the library queued on the way (e.g. an index it could not save).
    while let Some(notice) = library.take_notice() {
        eprintln!("kindred: note: {notice}");
    }
    result
}

fn import(library: &mut Library, paths: &[PathBuf], metric: Option<Metric>, json: bool) -> Result<()> {
    if let Some(m) = metric {
        library.set_metric(m)?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // First Ctrl-C: finish the batch in flight and stop cleanly. Second: leave at once.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nkindred: stopping after the current batch (Ctrl-C again to quit now)");
    });
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:10} [{bar:30}] {pos}/{len} {per_sec:>9} ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut on_progress = |p: &Progress| match p.phase {
        Phase::Scanning => bar.set_message("scanning"),
        Phase::Embedding => {
            bar.set_message("embedding");
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        }
        Phase::Indexing => bar.set_message("indexing"),
        Phase::Finished => bar.finish_and_clear(),
    };
    let summary = library.import(paths, &cancel, &mut on_progress)?;
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    if summary.cancelled {
        bail!("import cancelled; run the same command again to resume");
    }
    Ok(())
}

fn print_summary(s: &ImportSummary) {
    println!(
        "added {}, updated {}, unchanged {}, moved {}, missing {}, failed {}",
        s.added, s.updated, s.unchanged, s.moved, s.missing, s.failed
    );
    for (path, reason) in &s.errors {
        println!("  error: {}: {reason}", path.display());
    }
}

#[derive(Serialize)]
struct JsonHit {
    path: PathBuf,
    score: f32,
    id: i64,
}

#[derive(Serialize)]
struct JsonQuery {
    query: String,
    results: Vec<JsonHit>,
}

fn search(library: &mut Library, queries: &[QueryArg], k: usize, weights: &Weights, json: bool) -> Result<()> {
    let mut out = Vec::new();
    for QueryArg { text: q, query } in queries {
        let results = library.search(query, weights, k).with_context(|| format!("query {q}"))?;
        if let Some(notice) = library.take_notice() {
            eprintln!("kindred: note: {notice}");
        }
        if json {
            let results = results.hits.into_iter().map(|h| JsonHit { path: h.path, score: h.score, id: h.id }).collect();
            out.push(JsonQuery { query: q.clone(), results });
        } else {
            println!("{q}");
            for (rank, h) in results.hits.iter().enumerate() {
                let missing = if h.missing { "  (missing)" } else { "" };
                println!("  {:>2}. {:.3}  {}{missing}", rank + 1, h.score, h.path.display());
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

fn info(library: &mut Library, json: bool) -> Result<()> {
    let info = library.info()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    let c = &info.counts;
    let read_only = if info.read_only { " (read-only: search only)" } else { "" };
    println!("library   {}{read_only}", info.library.display());
    println!("artworks  {} searchable, {} failed, {} missing, {} awaiting re-embedding", c.ok, c.failed, c.missing, c.stale);
    println!("model     {} (sha256 {})", info.model, info.model_sha256);
    match &info.runtime_path {
        Some(p) => println!("runtime   ONNX Runtime {} ({})", info.runtime, p.display()),
        None => println!("runtime   {}", info.runtime),
    }
    println!("metric    {}", info.metric);
    println!("index     {} with {} vectors per aspect ({})", info.index.kind, info.index.vectors, info.index.state);
    Ok(())
}
