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
    let file = |suffix: &str| dir.join(format!("{ds}_{suffix}.txt"));

    // Each node's graph: ids from 1, at most one graph per node line.
    let indicator_path = file("graph_indicator");
    if !indicator_path.exists() {
        return Err(Error::Data { file: indicator_path, kind: DataErrorKind::MissingTuFile });
    }
    let node_graph: Vec<usize> = read_column(&indicator_path, |v, line, p| {
        positive(v).ok_or_else(|| parse_err(p, line, ParseErrorKind::BadId { text: v.to_string() }))
    })?;
    let n_nodes = node_graph.len();
    if n_nodes == 0 {
        return Err(Error::Data { file: indicator_path, kind: DataErrorKind::Empty });
    }
    let n_graphs = *node_graph.iter().max().expect("not empty");
    if n_graphs > n_nodes {
        return Err(Error::Data { file: indicator_path, kind: DataErrorKind::GraphWithoutNodes { graph: n_graphs } });
    }
    // A node's index within its graph.
    let mut sizes = vec![0usize; n_graphs];
    let local: Vec<usize> = node_graph
        .iter()
        .map(|&g| {
            sizes[g - 1] += 1;
            sizes[g - 1] - 1
        })
        .collect();
    if let Some(g) = sizes.iter().position(|&s| s == 0) {
        return Err(Error::Data { file: indicator_path, kind: DataErrorKind::GraphWithoutNodes { graph: g + 1 } });
    }

    let labels_path = file("node_labels");
    let node_labels: Vec<i64> = if labels_path.exists() {
        let v = read_column(&labels_path, |t, line, p| {
            t.parse::<i64>()
                .map_err(|_| parse_err(p, line, ParseErrorKind::NotANumber { field: 1, text: t.to_string() }))
        })?;
        check_count(&labels_path, v.len(), n_nodes, "node labels")?;
        v
    } else {
        vec![0; n_nodes]
    };

    let edges_path = file("A");
    // (graph, u, v) in file order, u and v within the graph.
    let mut all_edges: Vec<(usize, usize, usize)> = Vec::new();
    for_each_line(&edges_path, open(&edges_path)?, |line, raw| {
        let text = std::str::from_utf8(raw).map_err(|_| parse_err(&edges_path, line, ParseErrorKind::NotUtf8))?.trim();
        if text.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err(parse_err(&edges_path, line, ParseErrorKind::Ragged { expected: 2, got: fields.len() }));
        }
        let node = |t: &str| -> Result<usize> {
            match positive(t) {
                Some(v) if v <= n_nodes => Ok(v - 1),
                Some(v) => Err(parse_err(&edges_path, line, ParseErrorKind::NodeOutOfRange { node: v, n_nodes })),
                None => Err(parse_err(&edges_path, line, ParseErrorKind::BadId { text: t.to_string() })),
            }
        };
        let (u, v) = (node(fields[0])?, node(fields[1])?);
        if node_graph[u] != node_graph[v] {
            return Err(parse_err(
                &edges_path,
                line,
                ParseErrorKind::EdgeAcrossGraphs { u: u + 1, v: v + 1, gu: node_graph[u], gv: node_graph[v] },
            ));
        }
        all_edges.push((node_graph[u] - 1, local[u], local[v]));
        Ok(())
    })?;

    let edge_labels_path = file("edge_labels");
    let edge_labels: Option<Vec<i64>> = if edge_labels_path.exists() {
        let labels = read_column(&edge_labels_path, |t, line, p| {
            t.parse::<i64>()
                .map_err(|_| parse_err(p, line, ParseErrorKind::NotANumber { field: 1, text: t.to_string() }))
        })?;
        check_count(&edge_labels_path, labels.len(), all_edges.len(), "edge labels (one per edge line)")?;
        Some(labels)
    } else {
        None
    };
    let mut edges: Vec<Vec<(usize, usize, Option<i64>)>> = vec![Vec::new(); n_graphs];
    for (e, &(g, u, v)) in all_edges.iter().enumerate() {
        edges[g].push((u, v, edge_labels.as_ref().map(|l| l[e])));
    }

    let mut graph_labels_of: Vec<Vec<i64>> = sizes.iter().map(|&s| Vec::with_capacity(s)).collect();
    for (node, &g) in node_graph.iter().enumerate() {
        graph_labels_of[g - 1].push(node_labels[node]);
    }
    let graphs = graph_labels_of
        .into_iter()
        .zip(edges)
        .map(|(labels, edges)| Graph::new(labels, &edges).expect("edges checked against the graph's nodes"))
        .collect();

    let labels_path = file("graph_labels");
    let labels = if labels_path.exists() {
        let mut builder = LabelBuilder::new();
        let mut count = 0;
        for_each_line(&labels_path, open(&labels_path)?, |line, raw| {
            let text =
                std::str::from_utf8(raw).map_err(|_| parse_err(&labels_path, line, ParseErrorKind::NotUtf8))?.trim();
            if !text.is_empty() {
                builder.push(text, line);
                count += 1;
            }
            Ok(())
        })?;
        check_count(&labels_path, count, n_graphs, "graph labels")?;
        Some(builder.finish())
    } else {
        None
    };
    Ok(LoadedGraphs { x: Graphs::new(graphs), labels })
}

fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
    Ok(std::io::BufReader::new(f))
}

fn parse_err(path: &Path, line: usize, kind: ParseErrorKind) -> Error {
    Error::Parse { file: path.to_path_buf(), line, kind }
}

/// A 1-based id.
fn positive(text: &str) -> Option<usize> {
    text.parse::<usize>().ok().filter(|&v| v >= 1)
}

/// One value per non-blank line.
fn read_column<T>(path: &Path, parse: impl Fn(&str, usize, &Path) -> Result<T>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for_each_line(path, open(path)?, |line, raw| {
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
