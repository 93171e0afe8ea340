//! `kindred search`'s steering options: each aspect from its own images (`--colour-from`),
//! several images as one query (`--mix`), pushing away (`--not`, `--not-colour`), a palette
//! (`--palette`) and a region of the query image (`--region`). They fill a
//! [`crate::compose::Composition`], the one the app's composer fills.

use std::ffi::OsString;

use clap::Args;

use super::{QueryArg, QueryParser};
use crate::aspect::{Aspect, PerAspect};
use crate::colour::Swatch;
use crate::compose::Composition;
use crate::error::Result;
use crate::query::Query;
use crate::region::Region;

/// How the query images are combined and steered.
#[derive(Args, Debug, Default)]
pub struct Steering {
    /// Blend the query images into one query (each aspect: the mean of their vectors) instead of
    /// answering each on its own.
    #[arg(long)]
    pub mix: bool,
    /// Compare colour with this image (a file or `id:N`; repeatable: their mean). Aspects no
    /// image or palette is given for are off.
    #[arg(long = "colour-from", visible_alias = "color-from", value_name = "IMAGE", value_parser = QueryParser)]
    pub colour_from: Vec<QueryArg>,
    /// Compare texture (brushwork, grain) with this image (repeatable).
    #[arg(long = "texture-from", value_name = "IMAGE", value_parser = QueryParser)]
    pub texture_from: Vec<QueryArg>,
    /// Compare shape (composition, content) with this image (repeatable).
    #[arg(long = "shape-from", value_name = "IMAGE", value_parser = QueryParser)]
    pub shape_from: Vec<QueryArg>,
    /// Search by colours: `#rrggbb[:share],…`, e.g. '#1e3a8a:0.7,#fbbf24' (repeatable: a colour source).
    #[arg(long, value_name = "COLOURS", value_parser = parse_palette)]
    pub palette: Vec<PaletteArg>,
    /// Push results away from this image in every aspect (repeatable).
    #[arg(long = "not", value_name = "IMAGE", value_parser = QueryParser)]
    pub not: Vec<QueryArg>,
    /// Push results away from this image's colour (repeatable).
    #[arg(long = "not-colour", visible_alias = "not-color", value_name = "IMAGE", value_parser = QueryParser)]
    pub not_colour: Vec<QueryArg>,
    /// Push results away from this image's texture (repeatable).
    #[arg(long = "not-texture", value_name = "IMAGE", value_parser = QueryParser)]
    pub not_texture: Vec<QueryArg>,
    /// Push results away from this image's shape (repeatable).
    #[arg(long = "not-shape", value_name = "IMAGE", value_parser = QueryParser)]
    pub not_shape: Vec<QueryArg>,
    /// Search by a part of each query image only: X,Y,W,H in pixels of the picture as shown
    /// (orientation applied).
    #[arg(long, value_name = "X,Y,W,H", value_parser = parse_region, requires = "queries")]
    pub region: Option<Region>,
}

/// A palette as typed and its colours.
#[derive(Clone, Debug)]
pub struct PaletteArg {
    text: String,
    swatches: Vec<Swatch>,
}

fn parse_palette(s: &str) -> Result<PaletteArg, String> {
    crate::palette::parse(s).map(|swatches| PaletteArg { text: s.to_string(), swatches }).map_err(|e| e.to_string())
}

fn parse_region(s: &str) -> Result<Region, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

impl Steering {
    /// Whether the query images become one query.
    fn composes(&self) -> bool {
        self.mix || !self.palette.is_empty() || self.sources().iter().any(|(_, s)| !s.is_empty())
    }

    fn sources(&self) -> PerAspect<&Vec<QueryArg>> {
        PerAspect { colour: &self.colour_from, texture: &self.texture_from, shape: &self.shape_from }
    }

    fn away(&self) -> Vec<(&QueryArg, Option<Aspect>)> {
        let lists = [(&self.not, None), (&self.not_colour, Some(Aspect::Colour)), (&self.not_texture, Some(Aspect::Texture))];
        lists.into_iter().chain([(&self.not_shape, Some(Aspect::Shape))]).flat_map(|(args, a)| args.iter().map(move |q| (q, a))).collect()
    }

    /// The queries to answer, each with the text it is reported under: the positional images one
    /// by one (each pushed away from the `--not` images), or, composed, one query of everything.
    pub fn queries(&self, positional: &[QueryArg]) -> Result<Vec<QueryArg>> {
        let whole = |q: &QueryArg| match self.region {
            Some(region) => Query::Region { image: Box::new(q.query.clone()), region },
            None => q.query.clone(),
        };
        let region_text = |text: &std::ffi::OsStr| {
            let mut t = text.to_owned();
            if let Some(r) = self.region {
                t.push(format!("[{r}]"));
            }
            t
        };
        let away: Vec<(Query, Option<Aspect>)> = self.away().into_iter().map(|(q, a)| (q.query.clone(), a)).collect();
        let away_text: Vec<OsString> = self
            .away()
            .into_iter()
            .map(|(q, a)| {
                let mut t = OsString::from(format!(" − {}", a.map(|a| format!("{a}:")).unwrap_or_default()));
                t.push(&q.text);
                t
            })
            .collect();
        if !self.composes() {
            return positional
                .iter()
                .map(|q| {
                    let mut text = region_text(&q.text);
                    if away.is_empty() {
                        return Ok(QueryArg { text, query: whole(q) });
                    }
                    let query = Composition { whole: vec![whole(q)], away: away.clone(), ..Default::default() }.query()?;
                    away_text.iter().for_each(|t| text.push(t));
                    Ok(QueryArg { text, query })
                })
                .collect();
        }
        let mut composition = Composition { whole: positional.iter().map(whole).collect(), away, ..Default::default() };
        let mut parts: Vec<OsString> = positional.iter().map(|q| region_text(&q.text)).collect();
        for (aspect, images) in self.sources().iter() {
            for q in *images {
                composition.sources[aspect].push(q.query.clone());
                let mut t = OsString::from(format!("{aspect}:"));
                t.push(&q.text);
                parts.push(t);
            }
        }
        for p in &self.palette {
            composition.sources.colour.push(Query::Palette(p.swatches.clone()));
            parts.push(format!("palette:{}", p.text).into());
        }
        let mut text = parts.join(std::ffi::OsStr::new(" + "));
        away_text.iter().for_each(|t| text.push(t));
        Ok(vec![QueryArg { text, query: composition.query()? }])
    }
}
