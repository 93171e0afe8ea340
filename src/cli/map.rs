//! `kindred map [--aspect A] [--json] [--png FILE]`: the collection laid out in 2-D.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;

use super::parse_aspect;
use crate::aspect::Weights;
use crate::library::Library;
use crate::map::render;
use crate::pathtext::printable_path;

/// What `kindred map` was asked for.
#[derive(Args, Debug)]
pub struct MapArgs {
    /// Aspect the artworks are compared by: all, colour, texture or shape.
    #[arg(long, default_value = "all", value_parser = parse_aspect)]
    pub aspect: Weights,
    /// Print as JSON: {"points": [{"id", "path", "x", "y", "cluster"}], "clusters": [{"id", "size", "palette", "centre", "outline"}]}.
    #[arg(long)]
    pub json: bool,
    /// Also draw the map as a PNG picture to FILE (not over an existing file).
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
}

/// Checks an output file before the map is computed (which may take minutes): not there yet, in a
/// folder that exists.
fn check_output(out: &Path) -> Result<()> {
    if out.exists() {
        bail!("{} already exists; choose another file name for the map picture", printable_path(out));
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!("cannot write {}: folder {} does not exist", printable_path(out), printable_path(parent));
    }
    Ok(())
}

/// Runs `kindred map`.
pub fn run(library: &mut Library, args: &MapArgs) -> Result<()> {
    if let Some(out) = &args.png {
        check_output(out)?;
    }
    let map = library.map(&args.aspect)?;
    let picture = args.png.as_deref().map(|out| render::write_png(&map, out)).transpose()?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "weights": map.weights, "points": map.points, "clusters": map.clusters }))?
        );
        return Ok(());
    }
    let clustered: usize = map.clusters.iter().map(|c| c.size).sum();
    println!(
        "map of {} artworks: {} clusters holding {clustered}, {} on their own",
        map.points.len(),
        map.clusters.len(),
        map.points.len() - clustered
    );
    for c in &map.clusters {
        let palette: Vec<String> = c.palette.iter().map(|s| format!("#{:02x}{:02x}{:02x}", s.rgb[0], s.rgb[1], s.rgb[2])).collect();
        println!("  cluster {:>3}  {:>6} artworks  at ({:.2}, {:.2})  {}", c.id, c.size, c.centre[0], c.centre[1], palette.join(" "));
    }
    if let Some(p) = picture {
        println!("wrote {} ({}×{} px)", printable_path(&p.path), p.width, p.height);
    }
    Ok(())
}
