//! The app's explicit states: which view is shown, and where the current query's search stands.

use std::collections::HashSet;

use crate::catalog::ArtworkId;
use crate::search::Hit;

use super::board_view::BoardView;
use super::duplicates_view::DuplicatesView;
use super::ranked::Ranked;
use super::results::GridNav;
use super::trail::TrailEntry;

/// What the central area shows; the lightbox opens over it (`KindredApp::lightbox`, lightbox.rs),
/// so closing it finds the view as it was, and so does the collection map (map_view.rs). A new view (board, duplicates) is a
/// variant here owning its state, drawn from its own file by `KindredApp::draw` (app.rs) and entered
/// or left through [`super::action::Action`]s in `KindredApp::apply` (action.rs).
pub enum View {
    /// Every artwork as a grid.
    Library,
    /// A query: its trail, its search and its results.
    Query(QueryView),
    /// A board, as a grid or a free canvas (board_view.rs).
    Board(BoardView),
    /// The groups of copies in the library (duplicates_view.rs).
    Duplicates(DuplicatesView),
}

impl View {
    /// The trail of queries (empty in the library).
    pub(super) fn trail(&self) -> &[TrailEntry] {
        match self {
            View::Library | View::Board(_) | View::Duplicates(_) => &[],
            View::Query(q) => &q.trail,
        }
    }
}

/// The query view's state.
pub struct QueryView {
    /// Queries, oldest first; the last is the current one. Never empty: Back from the first query
    /// leaves for [`View::Library`].
    pub(super) trail: Vec<TrailEntry>,
    /// The current query's search.
    pub(super) search: SearchState,
    /// Selection and scroll position of the results.
    pub(super) results: GridNav,
    /// Number of results asked for ("Show more" asks for more).
    pub(super) k: usize,
    /// Pictures whose copies the artist unfolded (kept by "Show more").
    pub(super) unfolded: HashSet<ArtworkId>,
    /// "Show more" asked: the selected and the marked artworks, found again in the longer results.
    pub(super) keep: Option<(Option<ArtworkId>, Vec<ArtworkId>)>,
}

impl QueryView {
    /// A trail of one query, not yet searched.
    pub(super) fn new(entry: TrailEntry) -> Self {
        Self {
            trail: vec![entry],
            search: SearchState::Idle,
            results: GridNav::default(),
            k: super::app::RESULTS_K,
            unfolded: HashSet::new(),
            keep: None,
        }
    }

    /// The query on screen.
    pub(super) fn current(&self) -> &TrailEntry {
        self.trail.last().expect("a query view has a query")
    }

    /// The results once found (none while searching or after a failure).
    pub(super) fn hits(&self) -> &[Hit] {
        match &self.search {
            SearchState::Ready(ranked) => ranked.hits(),
            _ => &[],
        }
    }

    /// Selection and scroll position of the results.
    pub fn results(&self) -> &GridNav {
        &self.results
    }

    /// The selected result, if any.
    pub(super) fn selected_hit(&self) -> Option<&Hit> {
        self.hits().get(self.results.selected?)
    }
}

/// Where a search stands. Answers carry the token of their request, so a late answer to a query
/// the user has already left is recognised and dropped.
#[derive(Clone, Debug)]
pub enum SearchState {
    /// No query (the library is shown).
    Idle,
    /// Asked the worker; waiting for the answer to `token`.
    Searching {
        /// Identifies the awaited answer.
        token: u64,
    },
    /// The results, best first, copies of one picture folded.
    Ready(Box<Ranked>),
    /// No results, and why.
    Failed(SearchFailure),
}

/// Why a search gave nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchFailure {
    /// Every aspect weight is zero: there is nothing to rank by, so nothing was asked.
    NoWeights,
    /// The worker could not run the query (the banner says so too).
    Query(String),
}
