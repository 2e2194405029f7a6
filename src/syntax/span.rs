//! Source files and byte spans. Files are registered once in a process-wide table so a span is
//! three integers and any diagnostic can later show the file name, line, column and source line.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start,
            end: other.end.max(self.start),
        }
    }

    pub fn is_dummy(&self) -> bool {
        self.file == 0
    }
}

pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line - 1)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |e| e - 1);
        self.text
            .get(start..end.max(start))
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

static FILES: RwLock<Vec<Arc<SourceFile>>> = RwLock::new(Vec::new());

/// Registers a file and returns its id (ids start at 1; 0 means "no source").
pub fn add_file(path: &Path, text: &str) -> u32 {
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let file = Arc::new(SourceFile {
        path: path.to_path_buf(),
        text: Arc::from(text),
        line_starts,
    });
    let mut files = FILES.write().unwrap_or_else(|e| e.into_inner());
    files.push(file);
    files.len() as u32
}

pub fn file(id: u32) -> Option<Arc<SourceFile>> {
    if id == 0 {
        return None;
    }
    FILES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(id as usize - 1)
        .cloned()
}

/// `path:line:col` of a span's start.
pub fn location(span: Span) -> String {
    match file(span.file) {
        Some(f) => {
            let (l, c) = f.line_col(span.start as usize);
            format!("{}:{l}:{c}", f.path.display())
        }
        None => "<unknown>".into(),
    }
}
