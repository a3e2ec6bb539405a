//! Reading graphs from a TU Dortmund data-set folder: `DS_A.txt` (edges,
//! 1-based node ids), `DS_graph_indicator.txt` (each node's graph),
//! optional `DS_node_labels.txt`, `DS_edge_labels.txt` (one per line of
//! `DS_A.txt`) and `DS_graph_labels.txt`.

use std::path::Path;

use kern_kernels::{Graph, Graphs};

use super::{LabelBuilder, Labels, for_each_line};
use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// Graphs read from a TU folder.
#[derive(Clone, Debug)]
pub struct LoadedGraphs {
    /// The graphs, in the order of their ids.
    pub x: Graphs,
    /// Their labels, when the folder has `DS_graph_labels.txt`.
    pub labels: Option<Labels>,
}

/// The `DS` of the folder's `DS_A.txt`.
fn tu_prefix(dir: &Path) -> Result<String> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io { file: dir.to_path_buf(), source })?;
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix("_A.txt").map(str::to_string))
        .collect();
    found.sort();
    if found.len() == 1 {
        Ok(found.remove(0))
    } else {
        Err(Error::Data { file: dir.to_path_buf(), kind: DataErrorKind::NotTuFolder })
    }
}

/// The files of a TU folder as bytes: what [`read_tu_bytes`] parses.
#[derive(Clone, Copy, Debug, Default)]
pub struct TuFiles<'a> {
    /// `DS_A.txt`: one edge `u, v` per line, 1-based node ids.
    pub a: &'a [u8],
    /// `DS_graph_indicator.txt`: each node's graph, 1-based.
    pub graph_indicator: &'a [u8],
    /// `DS_node_labels.txt`: one integer per node [default: all 0].
    pub node_labels: Option<&'a [u8]>,
    /// `DS_edge_labels.txt`: one integer per line of `DS_A.txt`.
    pub edge_labels: Option<&'a [u8]>,
    /// `DS_graph_labels.txt`: one label per graph (needed to fit).
    pub graph_labels: Option<&'a [u8]>,
}

/// Reads the graphs of a TU folder.
///
/// ```no_run
/// let data = kern::io::read_tu("../shared/data/tu/MUTAG".as_ref())?;
/// println!("{} graphs", data.x.len());
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_tu(dir: &Path) -> Result<LoadedGraphs> {
    if !dir.is_dir() {
        return Err(Error::Data { file: dir.to_path_buf(), kind: DataErrorKind::NotTuFolder });
    }
    let ds = tu_prefix(dir)?;
    let read = |suffix: &str| -> Result<Option<Vec<u8>>> {
        let path = dir.join(format!("{ds}_{suffix}.txt"));
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { file: path, source }),
        }
    };
    let indicator = read("graph_indicator")?.ok_or_else(|| Error::Data {
        file: dir.join(format!("{ds}_graph_indicator.txt")),
        kind: DataErrorKind::MissingTuFile,
    })?;
    let a = read("A")?
        .ok_or_else(|| Error::Data { file: dir.join(format!("{ds}_A.txt")), kind: DataErrorKind::MissingTuFile })?;
    let (node_labels, edge_labels, graph_labels) = (read("node_labels")?, read("edge_labels")?, read("graph_labels")?);
    let files = TuFiles {
        a: &a,
        graph_indicator: &indicator,
        node_labels: node_labels.as_deref(),
        edge_labels: edge_labels.as_deref(),
        graph_labels: graph_labels.as_deref(),
    };
    read_tu_bytes(dir, &ds, &files)
}

/// Parses a TU data set from its files' bytes; `dir` and `ds` name the
/// files in errors (`dir/ds_A.txt:LINE: ...`).
///
/// ```
/// use kern::io::{TuFiles, read_tu_bytes};
/// let files = TuFiles { a: b"1, 2\n2, 1\n", graph_indicator: b"1\n1\n2\n", graph_labels: Some(b"a\nb\n"), ..Default::default() };
/// let data = read_tu_bytes("mem".as_ref(), "DS", &files)?;
/// assert_eq!((data.x.len(), data.x.get(0).n_nodes()), (2, 2));
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_tu_bytes(dir: &Path, ds: &str, files: &TuFiles<'_>) -> Result<LoadedGraphs> {
    let path = |suffix: &str| dir.join(format!("{ds}_{suffix}.txt"));
    let nodes = read_nodes(&path("graph_indicator"), files.graph_indicator)?;
    let node_labels = match files.node_labels {
        Some(bytes) => {
            let labels = read_column(&path("node_labels"), bytes, parse_integer)?;
            check_count(&path("node_labels"), labels.len(), nodes.graph.len(), "node labels")?;
            labels
        }
        None => vec![0; nodes.graph.len()],
    };
    let edges = read_edges(&path("A"), files.a, &nodes)?;
    let edge_labels = match files.edge_labels {
        Some(bytes) => {
            let labels = read_column(&path("edge_labels"), bytes, parse_integer)?;
            check_count(&path("edge_labels"), labels.len(), edges.len(), "edge labels (one per edge line)")?;
            Some(labels)
        }
        None => None,
    };
    let graphs = assemble(&nodes, &node_labels, &edges, edge_labels.as_deref());
    let labels = match files.graph_labels {
        Some(bytes) => Some(read_graph_labels(&path("graph_labels"), bytes, nodes.sizes.len())?),
        None => None,
    };
    Ok(LoadedGraphs { x: Graphs::new(graphs), labels })
}

/// Each node's graph (1-based), its index within its graph, and the graphs' sizes.
struct Nodes {
    graph: Vec<usize>,
    local: Vec<usize>,
    sizes: Vec<usize>,
}

/// The graph indicator: ids from 1, every graph up to the largest with a node.
fn read_nodes(path: &Path, bytes: &[u8]) -> Result<Nodes> {
    let graph: Vec<usize> = read_column(path, bytes, |v, line, p| {
        positive(v).ok_or_else(|| parse_err(p, line, ParseErrorKind::BadId { text: v.to_string() }))
    })?;
    let n_nodes = graph.len();
    if n_nodes == 0 {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::Empty });
    }
    let n_graphs = *graph.iter().max().expect("not empty");
    if n_graphs > n_nodes {
        return Err(Error::Data {
            file: path.to_path_buf(),
            kind: DataErrorKind::GraphWithoutNodes { graph: n_graphs },
        });
    }
    let mut sizes = vec![0usize; n_graphs];
    let local: Vec<usize> = graph
        .iter()
        .map(|&g| {
            sizes[g - 1] += 1;
            sizes[g - 1] - 1
        })
        .collect();
    if let Some(g) = sizes.iter().position(|&s| s == 0) {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::GraphWithoutNodes { graph: g + 1 } });
    }
    Ok(Nodes { graph, local, sizes })
}

/// The edges `(graph, u, v)` in file order, `u` and `v` within the graph.
fn read_edges(path: &Path, bytes: &[u8], nodes: &Nodes) -> Result<Vec<(usize, usize, usize)>> {
    let n_nodes = nodes.graph.len();
    let mut edges = Vec::new();
    for_each_line(path, bytes, |line, raw| {
        let text = std::str::from_utf8(raw).map_err(|_| parse_err(path, line, ParseErrorKind::NotUtf8))?.trim();
        if text.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err(parse_err(path, line, ParseErrorKind::Ragged { expected: 2, got: fields.len() }));
        }
        let node = |t: &str| -> Result<usize> {
            match positive(t) {
                Some(v) if v <= n_nodes => Ok(v - 1),
                Some(v) => Err(parse_err(path, line, ParseErrorKind::NodeOutOfRange { node: v, n_nodes })),
                None => Err(parse_err(path, line, ParseErrorKind::BadId { text: t.to_string() })),
            }
        };
        let (u, v) = (node(fields[0])?, node(fields[1])?);
        let (gu, gv) = (nodes.graph[u], nodes.graph[v]);
        if gu != gv {
            return Err(parse_err(path, line, ParseErrorKind::EdgeAcrossGraphs { u: u + 1, v: v + 1, gu, gv }));
        }
        edges.push((gu - 1, nodes.local[u], nodes.local[v]));
        Ok(())
    })?;
    Ok(edges)
}

/// The graphs from their nodes' labels and edges.
fn assemble(
    nodes: &Nodes,
    node_labels: &[i64],
    edges: &[(usize, usize, usize)],
    edge_labels: Option<&[i64]>,
) -> Vec<Graph> {
    let mut graph_edges: Vec<Vec<(usize, usize, Option<i64>)>> = vec![Vec::new(); nodes.sizes.len()];
    for (e, &(g, u, v)) in edges.iter().enumerate() {
        graph_edges[g].push((u, v, edge_labels.map(|l| l[e])));
    }
    let mut labels_of: Vec<Vec<i64>> = nodes.sizes.iter().map(|&s| Vec::with_capacity(s)).collect();
    for (node, &g) in nodes.graph.iter().enumerate() {
        labels_of[g - 1].push(node_labels[node]);
    }
    labels_of
        .into_iter()
        .zip(graph_edges)
        .map(|(labels, edges)| Graph::new(labels, &edges).expect("edges checked against the graph's nodes"))
        .collect()
}

/// One label per graph.
fn read_graph_labels(path: &Path, bytes: &[u8], n_graphs: usize) -> Result<Labels> {
    let mut builder = LabelBuilder::new();
    let mut count = 0;
    for_each_line(path, bytes, |line, raw| {
        let text = std::str::from_utf8(raw).map_err(|_| parse_err(path, line, ParseErrorKind::NotUtf8))?.trim();
        if !text.is_empty() {
            builder.push(text, line);
            count += 1;
        }
        Ok(())
    })?;
    check_count(path, count, n_graphs, "graph labels")?;
    Ok(builder.finish())
}

fn parse_integer(t: &str, line: usize, p: &Path) -> Result<i64> {
    t.parse::<i64>().map_err(|_| parse_err(p, line, ParseErrorKind::NotANumber { field: 1, text: t.to_string() }))
}

fn parse_err(path: &Path, line: usize, kind: ParseErrorKind) -> Error {
    Error::Parse { file: path.to_path_buf(), line, kind }
}

/// A 1-based id.
fn positive(text: &str) -> Option<usize> {
    text.parse::<usize>().ok().filter(|&v| v >= 1)
}

/// One value per non-blank line.
fn read_column<T>(path: &Path, bytes: &[u8], parse: impl Fn(&str, usize, &Path) -> Result<T>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for_each_line(path, bytes, |line, raw| {
        let text = std::str::from_utf8(raw).map_err(|_| parse_err(path, line, ParseErrorKind::NotUtf8))?.trim();
        if text.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = text.split(',').collect();
        if fields.len() != 1 {
            return Err(parse_err(path, line, ParseErrorKind::Ragged { expected: 1, got: fields.len() }));
        }
        out.push(parse(fields[0].trim(), line, path)?);
        Ok(())
    })?;
    Ok(out)
}

fn check_count(path: &Path, got: usize, expected: usize, what: &'static str) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::CountMismatch { what, got, expected } })
    }
}
