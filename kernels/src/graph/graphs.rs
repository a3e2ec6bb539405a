//! Node-labelled, optionally edge-labelled, undirected graphs.

use serde::{Deserialize, Serialize};

use crate::kernel::Samples;
use crate::structured::Memo;

/// One undirected graph: node labels and sorted adjacency lists, with an
/// edge label per adjacency entry when the graph has them.
///
/// ```
/// use kern_kernels::Graph;
/// // A path a - b - a, each edge given once.
/// let g = Graph::new(vec![0, 1, 0], &[(0, 1, None), (1, 2, None)]).unwrap();
/// assert_eq!(g.neighbours(1), &[0, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GraphRepr", into = "GraphRepr")]
pub struct Graph {
    labels: Vec<i64>,
    offsets: Vec<usize>,
    adjacency: Vec<u32>,
    edge_labels: Vec<i64>,
}

impl Graph {
    /// A graph with `labels.len()` nodes and the undirected `edges`
    /// (`(u, v, label)`; an edge listed in both directions is kept once, a
    /// self-loop is kept). Edge labels are used only when every edge has one.
    pub fn new(labels: Vec<i64>, edges: &[(usize, usize, Option<i64>)]) -> Result<Self, String> {
        let n = labels.len();
        if n > u32::MAX as usize {
            return Err(format!("{n} nodes is more than a graph may hold"));
        }
        let labelled = !edges.is_empty() && edges.iter().all(|e| e.2.is_some());
        let mut lists: Vec<Vec<(u32, i64)>> = vec![Vec::new(); n];
        for &(u, v, l) in edges {
            if u >= n || v >= n {
                return Err(format!("edge ({u}, {v}) names a node beyond the graph's {n}"));
            }
            let l = if labelled { l.unwrap_or(0) } else { 0 };
            lists[u].push((v as u32, l));
            if u != v {
                lists[v].push((u as u32, l));
            }
        }
        let mut g = Graph { labels, offsets: vec![0], adjacency: Vec::new(), edge_labels: Vec::new() };
        for mut list in lists {
            list.sort_by_key(|e| e.0);
            list.dedup_by_key(|e| e.0);
            for (v, l) in list {
                g.adjacency.push(v);
                if labelled {
                    g.edge_labels.push(l);
                }
            }
            g.offsets.push(g.adjacency.len());
        }
        Ok(g)
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.labels.len()
    }

    /// Node `v`'s label.
    pub fn label(&self, v: usize) -> i64 {
        self.labels[v]
    }

    /// Node `v`'s neighbours, ascending.
    pub fn neighbours(&self, v: usize) -> &[u32] {
        &self.adjacency[self.offsets[v]..self.offsets[v + 1]]
    }

    /// The labels of node `v`'s edges, in the order of [`Graph::neighbours`]
    /// (`None` for a graph without edge labels).
    pub fn edge_labels(&self, v: usize) -> Option<&[i64]> {
        (!self.edge_labels.is_empty()).then(|| &self.edge_labels[self.offsets[v]..self.offsets[v + 1]])
    }

    /// Whether every edge carries a label.
    pub fn has_edge_labels(&self) -> bool {
        !self.edge_labels.is_empty()
    }

    /// The largest degree.
    pub fn max_degree(&self) -> usize {
        (0..self.n_nodes()).map(|v| self.neighbours(v).len()).max().unwrap_or(0)
    }
}

/// Graphs, one per sample, with a memo of what kernels derive from them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Graphs {
    graphs: Vec<Graph>,
    #[serde(skip)]
    pub(crate) memo: Memo,
}

impl Graphs {
    /// The collection of `graphs`.
    pub fn new(graphs: Vec<Graph>) -> Self {
        Self { graphs, memo: Memo::default() }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        Samples::len(self)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        Samples::len(self) == 0
    }

    /// The `i`-th graph.
    pub fn get(&self, i: usize) -> &Graph {
        &self.graphs[i]
    }

    /// The graphs at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Self {
        Self::new(rows.iter().map(|&i| self.graphs[i].clone()).collect())
    }

    /// Every graph, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Graph> {
        self.graphs.iter()
    }
}

impl Samples for Graphs {
    fn len(&self) -> usize {
        self.graphs.len()
    }
}

impl PartialEq for Graphs {
    fn eq(&self, other: &Self) -> bool {
        self.graphs == other.graphs
    }
}

/// The stored form, checked on reading (a model file may be corrupt).
#[derive(Serialize, Deserialize)]
struct GraphRepr {
    labels: Vec<i64>,
    offsets: Vec<usize>,
    adjacency: Vec<u32>,
    edge_labels: Vec<i64>,
}

impl TryFrom<GraphRepr> for Graph {
    type Error = String;
    fn try_from(r: GraphRepr) -> Result<Self, String> {
        let n = r.labels.len();
        let ok = r.offsets.len() == n + 1
            && r.offsets[0] == 0
            && r.offsets.windows(2).all(|w| w[0] <= w[1])
            && r.offsets[n] == r.adjacency.len()
            && r.adjacency.iter().all(|&v| (v as usize) < n)
            && (r.edge_labels.is_empty() || r.edge_labels.len() == r.adjacency.len());
        if !ok {
            return Err("a stored graph's adjacency is inconsistent".into());
        }
        Ok(Graph { labels: r.labels, offsets: r.offsets, adjacency: r.adjacency, edge_labels: r.edge_labels })
    }
}

impl From<Graph> for GraphRepr {
    fn from(g: Graph) -> Self {
        GraphRepr { labels: g.labels, offsets: g.offsets, adjacency: g.adjacency, edge_labels: g.edge_labels }
    }
}
