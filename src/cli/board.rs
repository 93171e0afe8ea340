//! `kindred board list | show | add | remove | rename | delete | export | similar`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;
use serde::Serialize;

use super::{JsonQuery, QueryArg, QueryParser, json_hits, print_hits};
use crate::board::Placement;
use crate::catalog::Status;
use crate::library::Library;
use crate::pathtext::{bytes_if_not_utf8, printable, printable_path};

/// What to do with boards.
#[derive(Subcommand, Debug)]
pub enum BoardCommand {
    /// List the boards and how many artworks each holds.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a board's artworks, in the order they were added.
    Show {
        /// Board name (case does not matter).
        name: String,
        /// Print as JSON (with each artwork's place on the canvas).
        #[arg(long)]
        json: bool,
    },
    /// Add library artworks to a board (made if there is none by that name).
    Add {
        /// Board name.
        name: String,
        /// Artworks: files in the library, or `id:N`.
        #[arg(required = true, value_parser = QueryParser)]
        artworks: Vec<QueryArg>,
    },
    /// Take artworks off a board (they stay in the library).
    Remove {
        /// Board name.
        name: String,
        /// Artworks: files in the library, or `id:N`.
        #[arg(required = true, value_parser = QueryParser)]
        artworks: Vec<QueryArg>,
    },
    /// Rename a board.
    Rename {
        /// Board name.
        name: String,
        /// New name.
        new_name: String,
    },
    /// Delete a board (its artworks stay in the library; Favourites cannot be deleted).
    Delete {
        /// Board name.
        name: String,
    },
    /// Copy a board's files into a folder (names kept, a suffix on collisions; originals untouched).
    Export {
        /// Board name.
        name: String,
        /// Folder to copy into (made if needed).
        dir: PathBuf,
        /// Also write a contact sheet: thumbnails, file names and the board's palette.
        #[arg(long, value_name = "FILE.png")]
        sheet: Option<PathBuf>,
        /// Print what was copied as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Artworks like the board as a whole (its artworks left out), as `search` prints them.
    Similar {
        /// Board name.
        name: String,
        /// How many results, and by which aspects.
        #[command(flatten)]
        ranking: super::Ranking,
        /// Print results as JSON, in the shape of `search --json`.
        #[arg(long)]
        json: bool,
    },
}

/// One artwork of `board show --json`.
#[derive(Serialize)]
struct JsonItem {
    id: i64,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    status: Status,
    #[serde(flatten)]
    placement: Placement,
}

/// `board show --json`.
#[derive(Serialize)]
struct JsonBoard {
    id: i64,
    name: String,
    created: i64,
    items: Vec<JsonItem>,
}

/// Runs a board command.
pub fn run(library: &mut Library, command: &BoardCommand) -> Result<()> {
    match command {
        BoardCommand::List { json } => {
            let boards = library.boards()?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&boards)?);
            } else {
                for b in boards {
                    println!("{:<24} {}", printable(b.name.as_bytes()), count(b.items));
                }
            }
        }
        BoardCommand::Show { name, json } => {
            let board = library.board(library.board_named(name)?)?;
            if *json {
                let items = board
                    .items
                    .iter()
                    .map(|i| JsonItem {
                        id: i.artwork.id,
                        path: i.artwork.path.to_string_lossy().into_owned(),
                        path_bytes: bytes_if_not_utf8(&i.artwork.path),
                        status: i.artwork.status,
                        placement: i.placement,
                    })
                    .collect();
                let s = board.summary;
                println!("{}", serde_json::to_string_pretty(&JsonBoard { id: s.id, name: s.name, created: s.created, items })?);
            } else {
                println!("{} ({})", printable(board.summary.name.as_bytes()), count(board.items.len()));
                for i in &board.items {
                    let missing = if i.artwork.status == Status::Missing { "  (missing)" } else { "" };
                    println!("  id:{:<6} {}{missing}", i.artwork.id, printable_path(&i.artwork.path));
                }
            }
        }
        BoardCommand::Add { name, artworks } => {
            let ids = artworks.iter().map(|a| library.artwork_of(&a.query)).collect::<crate::Result<Vec<_>>>()?;
            let (board, created) = library.board_named_or_created(name)?;
            let added = library.add_to_board(board, &ids)?;
            let name = printable(library.board(board)?.summary.name.as_bytes());
            if created {
                println!("created board {name}");
            }
            let already = distinct(&ids) - added;
            let already = if already > 0 { format!(" ({already} already on it)") } else { String::new() };
            println!("added {} to {name}{already}", count(added));
        }
        BoardCommand::Remove { name, artworks } => {
            let board = library.board_named(name)?;
            let ids = artworks.iter().map(|a| library.artwork_of(&a.query)).collect::<crate::Result<Vec<_>>>()?;
            let removed = library.remove_from_board(board, &ids)?;
            let name = printable(library.board(board)?.summary.name.as_bytes());
            let absent = distinct(&ids) - removed;
            let absent =
                if absent > 0 { format!(" ({absent} {} not on it)", if absent == 1 { "was" } else { "were" }) } else { String::new() };
            println!("removed {} from {name}{absent}", count(removed));
        }
        BoardCommand::Rename { name, new_name } => {
            let board = library.board_named(name)?;
            library.rename_board(board, new_name)?;
            println!("renamed {} to {}", printable(name.trim().as_bytes()), printable(new_name.trim().as_bytes()));
        }
        BoardCommand::Delete { name } => {
            let board = library.board_named(name)?;
            let n = library.board(board)?.items.len();
            library.delete_board(board)?;
            println!("deleted board {} ({} stay in the library)", printable(name.trim().as_bytes()), count(n));
        }
        BoardCommand::Export { name, dir, sheet, json } => {
            let board = library.board_named(name)?;
            let summary = library.export_board(board, dir)?;
            let sheet = sheet.as_ref().map(|path| library.contact_sheet(board, path)).transpose()?;
            if *json {
                let mut value = serde_json::to_value(&summary)?;
                value["sheet"] = serde_json::to_value(&sheet)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("copied {} to {}", files(summary.copied.len()), printable_path(dir));
                if let Some(s) = &sheet {
                    let left = if s.left_out > 0 { format!("; {} left off", s.left_out) } else { String::new() };
                    println!("contact sheet {} ({}×{} px, {}{left})", printable_path(&s.path), s.width, s.height, count(s.artworks));
                }
            }
            for (path, why) in &summary.skipped {
                eprintln!("kindred: skipped {}: {}", printable_path(path), printable(why.as_bytes()));
            }
            if !summary.skipped.is_empty() {
                bail!("{} of the board could not be copied (the others were)", files(summary.skipped.len()));
            }
        }
        BoardCommand::Similar { name, ranking, json } => {
            let board = library.board_named(name)?;
            let query = library.board_query(board)?;
            let results = library.search(&query, ranking.weights(), ranking.top)?;
            let label = format!("board:{}", library.board(board)?.summary.name);
            if *json {
                let out = [JsonQuery { query: label, query_bytes: None, error: None, results: json_hits(&results.hits) }];
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("{}", printable(label.as_bytes()));
                print_hits(&results.hits);
            }
        }
    }
    Ok(())
}

fn count(n: usize) -> String {
    if n == 1 { "1 artwork".into() } else { format!("{n} artworks") }
}

fn files(n: usize) -> String {
    if n == 1 { "1 file".into() } else { format!("{n} files") }
}

fn distinct(ids: &[i64]) -> usize {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len()
}
