//! The command-line interface: `kindred import | search | duplicates | info | board | map`, all on the library API.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::aspect::Weights;
use crate::import::{ImportSummary, Phase, Progress};
use crate::index::Metric;
use crate::library::{IndexKind, Library, LibraryOptions};
use crate::pathtext::{bytes_if_not_utf8, printable, printable_path};
use crate::search::Query;

/// Kindred: find kindred artworks by colour, texture and shape, offline.
#[derive(Parser, Debug)]
#[command(name = "kindred", about, long_about = None, disable_version_flag = true)]
pub struct Cli {
    /// Print the version, the model id and the ONNX Runtime version (and where it was found).
    #[arg(short = 'V', long)]
    pub version: bool,
    /// Library directory (default: the OS data directory, e.g. ~/.local/share/kindred).
    #[arg(long, global = true, value_name = "DIR", env = "KINDRED_LIBRARY")]
    pub library: Option<PathBuf>,
    /// Index implementation: auto (exact below 2000 artworks), exact, or hnsw.
    #[arg(long, global = true, value_name = "KIND", default_value = "auto", value_parser = parse_index_kind)]
    pub index: IndexKind,
    /// Without a command: open the app showing the works kindred to this image. Without IMAGE
    /// (a desktop launcher's `--open %f` with no file) the app opens as usual.
    #[arg(long, value_name = "IMAGE")]
    pub open: Option<Option<PathBuf>>,
    /// What to do; without a command the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Import (or re-scan) image files and folders into the library. The library remembers them:
    /// without paths, every folder imported before is scanned again.
    Import {
        /// Files or folders; folders are walked recursively. None: rescan the library's folders.
        paths: Vec<PathBuf>,
        /// Distance metric for this library: cosine, euclidean, manhattan, ip.
        #[arg(long)]
        metric: Option<Metric>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find the artworks most like each query image (a file, or `id:N` for a library artwork),
    /// or like a composed query: the colour of one image, the texture of another, a palette, less
    /// like a third. Scores read "more alike than this share of the library's pairs".
    Search {
        /// Query images: files, or `id:N` for a library artwork. Each is answered on its own
        /// unless `--mix`, `--*-from` or `--palette` compose them into one query.
        #[arg(required_unless_present_any = ["colour_from", "texture_from", "shape_from", "palette"], value_parser = QueryParser)]
        queries: Vec<QueryArg>,
        /// How the query is composed and steered.
        #[command(flatten)]
        steering: Box<steer::Steering>,
        /// How many results, and by which aspects.
        #[command(flatten)]
        ranking: Ranking,
        /// Only results in this folder (or its subfolders).
        #[arg(long = "in", value_name = "FOLDER")]
        within: Option<PathBuf>,
        /// Print results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the library's folders (those it follows, and their subfolders) with how many
    /// searchable artworks each holds.
    Folders {
        /// Stop following this folder (one `kindred info` lists as followed): no more rescans or watching of
        /// it. Its artworks stay in the library and in searches (import it again to follow it).
        #[arg(long, value_name = "FOLDER")]
        forget: Option<PathBuf>,
        /// Print as JSON: [{"path", "depth", "artworks"}], depth first (with --forget:
        /// {"root", "artworks"}).
        #[arg(long)]
        json: bool,
    },
    /// List groups of copies: byte-identical files, and near-duplicates (resized, re-encoded,
    /// lightly cropped or retouched), best-quality member first. Nothing is moved or deleted.
    Duplicates {
        /// How alike the composition of two near-duplicates must be: the cosine of their shape
        /// vectors, from -1 to 1 (default 0.65; higher is stricter). Colour must reach 0.9.
        #[arg(long, value_name = "T", value_parser = parse_similarity)]
        threshold: Option<f32>,
        /// Print as JSON: {"groups": [{"kind": "exact"|"near", "members": [{"id", "path", "size", "width", "height"}]}]}.
        #[arg(long)]
        json: bool,
    },
    /// Follow the library's folders: new and changed files are imported, moved ones re-linked,
    /// deleted ones marked missing, within seconds, until Ctrl-C. Starts with a rescan.
    Watch {
        /// Print each batch's summary as one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Show counts, model, runtime, metric and index state.
    Info {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A map of the collection: every artwork placed so kindred ones sit together, clusters
    /// labelled by their palette and size (computed once, kept in the library until it changes).
    Map(map::MapArgs),
    /// Boards: named collections of artworks (Favourites is the first).
    Board {
        /// What to do with boards.
        #[command(subcommand)]
        action: board::BoardCommand,
    },
}

mod board;
mod map;
mod steer;
mod watch;

/// How results are ranked and how many are shown (`search`, `board similar`).
#[derive(Args, Debug)]
pub struct Ranking {
    /// Number of results per query (at most the number of artworks in the library).
    #[arg(long, short = 'k', default_value_t = 10)]
    pub top: usize,
    /// Aspect to compare: all, colour, texture or shape.
    #[arg(long, default_value = "all", conflicts_with = "weights", value_parser = parse_aspect)]
    pub aspect: Weights,
    /// Explicit weights for colour, texture and shape, e.g. 1,0.5,0.
    #[arg(long, value_name = "C,T,S", value_parser = parse_weights)]
    pub weights: Option<Weights>,
}

impl Ranking {
    /// The weights asked for: explicit ones, else the aspect's preset.
    pub fn weights(&self) -> &Weights {
        self.weights.as_ref().unwrap_or(&self.aspect)
    }
}

/// A query as typed: the text (echoed in the output) and what it means.
#[derive(Clone, Debug)]
pub struct QueryArg {
    /// As typed (a file name need not be UTF-8).
    pub text: OsString,
    /// A file or a library artwork.
    pub query: Query,
}

/// `id:N` is a library artwork, anything else a file (checked when the search runs). Parses OS
/// strings: a query file's name need not be UTF-8.
#[derive(Clone, Debug)]
pub(crate) struct QueryParser;

impl clap::builder::TypedValueParser for QueryParser {
    type Value = QueryArg;

    fn parse_ref(&self, cmd: &clap::Command, _arg: Option<&clap::Arg>, value: &OsStr) -> Result<QueryArg, clap::Error> {
        let query = match value.as_encoded_bytes().strip_prefix(b"id:") {
            Some(id) => Query::Artwork(std::str::from_utf8(id).ok().and_then(|id| id.parse().ok()).ok_or_else(|| {
                let message = format!("`{}`: expected id:NUMBER\n", value.to_string_lossy());
                clap::Error::raw(clap::error::ErrorKind::ValueValidation, message).with_cmd(cmd)
            })?),
            None => Query::File(PathBuf::from(value)),
        };
        Ok(QueryArg { text: value.to_owned(), query })
    }
}

/// `all`, `colour`, `texture` or `shape` (the aspect presets; explicit weights go to `--weights`).
pub(crate) fn parse_aspect(s: &str) -> Result<Weights, String> {
    if s.contains(',') {
        return Err(format!("unknown aspect `{s}` (all, colour, texture, shape); use --weights C,T,S for weights"));
    }
    s.parse().map_err(|_| format!("unknown aspect `{s}` (all, colour, texture, shape)"))
}

/// Three weights `c,t,s` (or a preset name).
pub(crate) fn parse_weights(s: &str) -> Result<Weights, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

/// A cosine similarity, -1 to 1.
fn parse_similarity(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(t) if (-1.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("threshold {s} is not a similarity between -1 and 1")),
    }
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
    /// Opens the library the flags point at, creating it when `create` (importing); commands that
    /// only read never create one ("no library at …").
    pub fn open_library(&self, create: bool) -> Result<Library> {
        let dir = match &self.library {
            Some(d) => d.clone(),
            None => Library::default_dir()?,
        };
        let options = LibraryOptions { index: self.index, ..Default::default() };
        Ok(if create { Library::open(&dir, options)? } else { Library::open_existing(&dir, options)? })
    }
}

/// `kindred --version`: the version, the model id vectors are tagged with, and the ONNX Runtime
/// this binary loads (its own version and where it was found, or why it cannot be loaded: the
/// pinned version is named either way).
pub fn version_report() -> String {
    let runtime = match crate::runtime::runtime() {
        Ok(r) => format!("ONNX Runtime {} ({}, {})", r.version, r.path.display(), r.source.describe()),
        Err(e) => format!("ONNX Runtime {} (not loadable: {e})", crate::runtime::ORT_VERSION),
    };
    format!("kindred {}\nmodel {}\n{}", env!("CARGO_PKG_VERSION"), crate::model::ModelId::current(), printable(runtime.as_bytes()))
}

/// Prints a notice from the library on stderr, control characters escaped.
fn print_notice(notice: &str) {
    eprintln!("kindred: note: {}", printable(notice.as_bytes()));
}

/// Runs a subcommand.
pub fn run(cli: &Cli, command: &Command) -> Result<()> {
    let mut library = cli.open_library(matches!(command, Command::Import { .. }))?;
    if let Some(notice) = library.take_notice() {
        print_notice(&notice);
    }
    let result = match command {
        Command::Import { paths, metric, json } => import(&mut library, paths, *metric, *json),
        Command::Search { queries, steering, ranking, within, json } => match steering.queries(queries) {
            Ok(queries) => search(&mut library, &queries, ranking.top, ranking.weights(), within.as_deref(), *json),
            Err(e) => Err(e.into()),
        },
        Command::Folders { forget: Some(folder), json } => forget_folder(&mut library, folder, *json),
        Command::Folders { forget: None, json } => folders(&library, *json),
        Command::Duplicates { threshold, json } => duplicates(&mut library, *threshold, *json),
        Command::Watch { json } => watch::run(&mut library, *json),
        Command::Info { json } => info(&mut library, *json),
        Command::Board { action } => board::run(&mut library, action),
        Command::Map(args) => map::run(&mut library, args),
    };
    // What the library queued on the way (e.g. an index it could not save).
    while let Some(notice) = library.take_notice() {
        print_notice(&notice);
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
    let summary = if paths.is_empty() {
        let roots = library.roots()?;
        if roots.is_empty() {
            bail!("the library follows no folders yet: import one with `kindred import FOLDER`");
        }
        if !json {
            let list: Vec<String> = roots.iter().map(|r| printable_path(r)).collect();
            eprintln!("rescanning {}", list.join(", "));
        }
        library.rescan(&cancel, &mut on_progress)?
    } else {
        library.import(paths, &cancel, &mut on_progress)?
    };
    bar.finish_and_clear();
    if json {
        let mut value = serde_json::to_value(&summary)?;
        // `errors` holds [path, reason] pairs with lossy paths; the exact bytes of each path that
        // is not UTF-8 are in `errors_path_bytes` (same order, null for UTF-8 paths).
        if summary.errors.iter().any(|(p, _)| p.to_str().is_none()) {
            let bytes: Vec<Option<Vec<u8>>> = summary.errors.iter().map(|(p, _)| bytes_if_not_utf8(p)).collect();
            value["errors_path_bytes"] = serde_json::to_value(bytes)?;
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
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
        println!("  error: {}: {}", printable_path(path), printable(reason.as_bytes()));
    }
}

/// A path in JSON: always a string (lossy where it must be), plus its exact bytes when the name
/// is not UTF-8.
#[derive(Serialize)]
struct JsonHit {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    /// Calibrated: the share of the library's pairs less alike ([`crate::calibration`]).
    score: f32,
    /// The raw weighted similarity (cosine under the default metric).
    cosine: f32,
    id: i64,
}

#[derive(Serialize)]
struct JsonQuery {
    query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_bytes: Option<Vec<u8>>,
    /// Why this query has no results (the others are still answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    results: Vec<JsonHit>,
}

/// Whether a search error belongs to its query (a missing or unreadable file, not an image, an
/// unknown id), so the other queries are still answered; anything else (the model, the runtime,
/// the catalog) would fail them all and stops the command.
fn query_error(e: &crate::Error) -> bool {
    matches!(e, crate::Error::Io { .. } | crate::Error::Decode { .. } | crate::Error::Usage(_))
}

/// Answers each query. A query that fails on its own account is reported (on stderr, and as its
/// `error` in JSON) and the others are answered; the command then exits 1.
fn search(
    library: &mut Library,
    queries: &[QueryArg],
    k: usize,
    weights: &Weights,
    within: Option<&std::path::Path>,
    json: bool,
) -> Result<()> {
    if let Some(folder) = within
        && !folder.is_dir()
    {
        bail!("--in {}: no such folder", printable_path(folder));
    }
    let mut out = Vec::new();
    let mut failed = 0;
    for QueryArg { text, query } in queries {
        let q = printable(text.as_encoded_bytes());
        let searched = match within {
            Some(folder) => library.search_in(query, weights, k, folder),
            None => library.search(query, weights, k),
        };
        let results = match searched {
            Ok(r) => r,
            Err(e) if query_error(&e) => {
                failed += 1;
                let why = anyhow::Error::from(e).chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ");
                eprintln!("kindred: error: query {q}: {}", printable(why.as_bytes()));
                if json {
                    let query = text.to_string_lossy().into_owned();
                    out.push(JsonQuery { query, query_bytes: bytes_if_not_utf8(text.as_ref()), error: Some(why), results: Vec::new() });
                }
                continue;
            }
            Err(e) => return Err(anyhow::Error::from(e).context(format!("query {q}"))),
        };
        while let Some(notice) = library.take_notice() {
            print_notice(&notice);
        }
        if json {
            let query = text.to_string_lossy().into_owned();
            out.push(JsonQuery { query, query_bytes: bytes_if_not_utf8(text.as_ref()), error: None, results: json_hits(&results.hits) });
        } else {
            println!("{q}");
            print_hits(&results.hits);
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    if failed > 0 {
        bail!("{failed} of {} queries failed (the others were answered)", queries.len());
    }
    Ok(())
}

fn folders(library: &Library, json: bool) -> Result<()> {
    let tree = library.folders()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&tree)?);
        return Ok(());
    }
    if tree.is_empty() {
        println!("the library follows no folders yet: import one with `kindred import FOLDER`");
    }
    for folder in &tree {
        let name = if folder.depth == 0 {
            printable_path(&folder.path)
        } else {
            crate::pathtext::printable(folder.path.file_name().unwrap_or_default().as_encoded_bytes())
        };
        println!("{:>8}  {}{name}", crate::readable::thousands(folder.artworks), "  ".repeat(folder.depth));
    }
    Ok(())
}

fn forget_folder(library: &mut Library, folder: &std::path::Path, json: bool) -> Result<()> {
    let stopped = library.stop_following(folder)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stopped)?);
    } else {
        println!("{}", printable(stopped.to_string().as_bytes()));
    }
    Ok(())
}

fn duplicates(library: &mut Library, threshold: Option<f32>, json: bool) -> Result<()> {
    let groups = library.duplicates(threshold)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "groups": groups }))?);
        return Ok(());
    }
    if groups.is_empty() {
        println!("no copies found among the library's artworks");
        return Ok(());
    }
    let copies: usize = groups.iter().map(|g| g.members.len() - 1).sum();
    let (n, plural) = (groups.len(), groups.len() != 1);
    let (is, s) = if plural { ("are", "s") } else { ("is", "") };
    let copies = if copies == 1 { "1 copy".to_string() } else { format!("{copies} copies") };
    println!("{n} picture{s} {is} in the library more than once ({copies}); best quality first:");
    for group in &groups {
        let kind = match group.kind {
            crate::duplicates::Sameness::Exact => "identical files",
            crate::duplicates::Sameness::Near => "near-duplicates",
        };
        println!("\n{} {kind}", group.members.len());
        for m in &group.members {
            let size = match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => "?".into(),
            };
            println!("  {size:>11}  {:>9}  {}", crate::readable::file_size(m.size), printable_path(&m.path));
        }
    }
    Ok(())
}

/// Hits as `search --json` prints them.
fn json_hits(hits: &[crate::search::Hit]) -> Vec<JsonHit> {
    hits.iter()
        .map(|h| JsonHit {
            path: h.path.to_string_lossy().into_owned(),
            path_bytes: bytes_if_not_utf8(&h.path),
            score: h.alike,
            cosine: h.score,
            id: h.id,
        })
        .collect()
}

/// Hits as `search` prints them: rank, calibrated score, raw similarity, path.
fn print_hits(hits: &[crate::search::Hit]) {
    for (rank, h) in hits.iter().enumerate() {
        let missing = if h.missing { "  (missing)" } else { "" };
        let alike = crate::readable::alike(h.alike);
        println!("  {:>2}. {alike:>12}  cos {:.3}  {}{missing}", rank + 1, h.score, printable_path(&h.path));
    }
}

fn info(library: &mut Library, json: bool) -> Result<()> {
    let info = library.info()?;
    if json {
        let mut value = serde_json::to_value(&info)?;
        value["formats"] = serde_json::to_value(crate::decode::supported_names())?;
        // Paths are lossy strings; the exact bytes of one that is not UTF-8 are in `<field>_bytes`.
        for (field, path) in
            [("library", Some(&info.library)), ("catalog", Some(&info.catalog)), ("runtime_path", info.runtime_path.as_ref())]
        {
            if let Some(bytes) = path.and_then(|p| bytes_if_not_utf8(p)) {
                value[format!("{field}_bytes")] = serde_json::to_value(bytes)?;
            }
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let c = &info.counts;
    let read_only = if info.read_only { " (read-only: search only)" } else { "" };
    println!("library   {}{read_only}", printable_path(&info.library));
    println!("artworks  {} searchable, {} failed, {} missing, {} awaiting re-embedding", c.ok, c.failed, c.missing, c.stale);
    println!("model     {} (sha256 {})", info.model, info.model_sha256);
    match (&info.runtime_path, info.runtime_source) {
        (Some(p), Some(source)) => {
            println!("runtime   ONNX Runtime {} ({}, {})", info.runtime, printable_path(p), source.describe())
        }
        (Some(p), None) => println!("runtime   ONNX Runtime {} ({})", info.runtime, printable_path(p)),
        (None, _) => println!("runtime   {}", info.runtime),
    }
    let roots: Vec<String> = info.roots.iter().map(|r| printable_path(r)).collect();
    println!("folders   {}", if roots.is_empty() { "none yet (`kindred import FOLDER`)".to_string() } else { roots.join(", ") });
    println!("metric    {}", info.metric);
    println!("index     {} with {} vectors per aspect ({})", info.index.kind, info.index.vectors, info.index.state);
    println!("formats   {}", crate::decode::supported_list());
    Ok(())
}
