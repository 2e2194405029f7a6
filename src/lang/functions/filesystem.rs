//! Filesystem functions: reading files (as text, base64 or hashes), `fileexists`, `fileset`
//! globbing, Go's lexical path functions, and `templatefile`. Relative paths resolve against
//! the evaluation's base directory; messages show paths as written, as Terraform's do.

use super::hashing::{b64, digest};
use super::{FnContext, FnError, FnResult, Function, f, not_null, str_arg, str_val};
use crate::lang::eval::{Evaluator, MapScope};
use crate::lang::types::Type;
use crate::lang::value::{Attrs, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use std::path::{Path, PathBuf};

pub(super) fn functions() -> Vec<Function> {
    let s = Type::String;
    vec![
        f("file", file, 1, Some(1), s.clone()),
        f(
            "filebase64",
            |c, a| str_val(b64(&read_bytes(c, a, "filebase64")?)),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filemd5",
            |c, a| str_val(hex::encode(digest::<Md5>(&read_bytes(c, a, "filemd5")?))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filesha1",
            |c, a| str_val(hex::encode(digest::<Sha1>(&read_bytes(c, a, "filesha1")?))),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filesha256",
            |c, a| {
                str_val(hex::encode(digest::<Sha256>(&read_bytes(
                    c,
                    a,
                    "filesha256",
                )?)))
            },
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filesha512",
            |c, a| {
                str_val(hex::encode(digest::<Sha512>(&read_bytes(
                    c,
                    a,
                    "filesha512",
                )?)))
            },
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filebase64sha256",
            |c, a| {
                str_val(b64(&digest::<Sha256>(&read_bytes(
                    c,
                    a,
                    "filebase64sha256",
                )?)))
            },
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "filebase64sha512",
            |c, a| {
                str_val(b64(&digest::<Sha512>(&read_bytes(
                    c,
                    a,
                    "filebase64sha512",
                )?)))
            },
            1,
            Some(1),
            s.clone(),
        ),
        f("fileexists", fileexists, 1, Some(1), Type::Bool),
        f(
            "fileset",
            fileset,
            2,
            Some(2),
            Type::Set(Box::new(s.clone())),
        ),
        f(
            "basename",
            |_, a| str_val(go_base(&str_arg(a, 0)?)),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "dirname",
            |_, a| str_val(go_dir(&str_arg(a, 0)?)),
            1,
            Some(1),
            s.clone(),
        ),
        f(
            "pathexpand",
            |_, a| str_val(expand_home(&str_arg(a, 0)?)?),
            1,
            Some(1),
            s.clone(),
        ),
        f("abspath", abspath, 1, Some(1), s.clone()),
        f("templatefile", templatefile, 2, Some(2), Type::Dynamic),
        f("templatestring", templatestring, 2, Some(2), s.clone()),
    ]
}

// ---- paths ----

/// Go's `filepath.Clean` for slash-separated paths.
fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `filepath.Base`.
fn go_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `filepath.Dir`.
fn go_dir(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    go_clean(&path[..cut])
}

/// `~` or `~/...` to the home directory, as the go-homedir package does.
fn expand_home(path: &str) -> Result<String, FnError> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !rest.is_empty() && !rest.starts_with('/') && !rest.starts_with('\\') {
        return Err(FnError::new("cannot expand user-specific home dir"));
    }
    let home =
        std::env::var("HOME").map_err(|_| FnError::new("HOME environment variable is not set"))?;
    Ok(go_clean(&format!("{home}/{rest}")))
}

fn abspath(_: &FnContext, a: &[Value]) -> FnResult {
    let path = str_arg(a, 0)?;
    if path.starts_with('/') {
        return str_val(go_clean(&path));
    }
    // Terraform resolves against the process's working directory, not the module's.
    let cwd = std::env::current_dir()
        .map_err(|e| FnError::new(format!("cannot find the working directory: {e}")))?;
    str_val(go_clean(&format!("{}/{path}", cwd.display())))
}

/// A path argument: the name to show in messages (cleaned, as Terraform shows it) and the file
/// to open.
fn path_arg(ctx: &FnContext, a: &[Value], i: usize) -> Result<(String, PathBuf), FnError> {
    let shown = go_clean(&expand_home(&str_arg(a, i)?)?);
    let full = if shown.starts_with('/') {
        PathBuf::from(&shown)
    } else {
        ctx.base_dir.join(&shown)
    };
    Ok((shown, full))
}

fn read_path(shown: &str, full: &Path, arg: usize) -> Result<Vec<u8>, FnError> {
    crate::sources::read(full).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FnError::arg(
            arg,
            format!(
                "no file exists at {shown:?}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource"
            ),
        ),
        std::io::ErrorKind::IsADirectory => FnError::arg(arg, format!("failed to read file: read {shown}: is a directory")),
        _ => FnError::arg(arg, format!("failed to read {shown:?}")),
    })
}

fn read_bytes(ctx: &FnContext, a: &[Value], name: &str) -> Result<Vec<u8>, FnError> {
    fs_allowed(ctx, name)?;
    let (shown, full) = path_arg(ctx, a, 0)?;
    read_path(&shown, &full, 0)
}

fn file(ctx: &FnContext, a: &[Value]) -> FnResult {
    fs_allowed(ctx, "file")?;
    let (shown, full) = path_arg(ctx, a, 0)?;
    String::from_utf8(read_path(&shown, &full, 0)?).map(Value::string).map_err(|_| {
        FnError::new(format!(
            "contents of {shown:?} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead"
        ))
    })
}

fn fileexists(ctx: &FnContext, a: &[Value]) -> FnResult {
    fs_allowed(ctx, "fileexists")?;
    let (shown, full) = path_arg(ctx, a, 0)?;
    let kind = match crate::sources::kind(&full) {
        Ok(k) => k,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Value::Bool(false)),
        Err(_) => return Err(FnError::new(format!("failed to stat {shown:?}"))),
    };
    if kind == crate::sources::Kind::File {
        crate::sources::note(&full);
        return Ok(Value::Bool(true));
    }
    let what = if kind == crate::sources::Kind::Dir {
        "a directory, not a file"
    } else {
        "not a regular file"
    };
    Err(FnError::new(format!("{shown:?} is {what}")))
}

// ---- fileset ----

fn fileset(ctx: &FnContext, a: &[Value]) -> FnResult {
    fs_allowed(ctx, "fileset")?;
    let (shown_base, base) = path_arg(ctx, a, 0)?;
    let pattern = str_arg(a, 1)?;
    let shown_pattern = go_clean(&format!("{shown_base}/{pattern}"));
    let syntax_error = || {
        FnError::new(format!(
            "failed to glob pattern {shown_pattern:?}: syntax error in pattern"
        ))
    };
    // The pattern is matched relative to the base, after Go's cleaning of the joined path.
    let rel_pattern = match shown_base.as_str() {
        "." => shown_pattern.clone(),
        b => shown_pattern
            .strip_prefix(&format!("{b}/"))
            .map(str::to_string)
            .unwrap_or_else(|| go_clean(&pattern)),
    };
    let re = glob_regex(&rel_pattern).ok_or_else(syntax_error)?;
    let mut found = Vec::new();
    let (start, depth) = walk_plan(&rel_pattern);
    walk(&base, &start, depth, &mut |rel| {
        if re.is_match(rel) {
            found.push(Value::string(rel));
        }
    });
    Ok(Value::set(Type::String, found))
}

/// The literal directory a pattern starts in, and how many levels below it to look (`None`:
/// unbounded, for `**`).
fn walk_plan(pattern: &str) -> (String, Option<usize>) {
    let segments: Vec<&str> = pattern.split('/').collect();
    let is_meta = |s: &str| s.contains(['*', '?', '[', '{', '\\']);
    let literal = segments
        .iter()
        .take_while(|s| !is_meta(s))
        .count()
        .min(segments.len().saturating_sub(1));
    let start = segments[..literal].join("/");
    let depth = if pattern.contains("**") {
        None
    } else {
        Some(segments.len() - literal)
    };
    (start, depth)
}

/// Calls `found` with the slash-separated path (relative to `base`) of every regular file under
/// `base/start`, down to `depth` levels.
fn walk(base: &Path, start: &str, depth: Option<usize>, found: &mut dyn FnMut(&str)) {
    let mut stack = vec![(start.to_string(), 0usize)];
    while let Some((rel, level)) = stack.pop() {
        let dir = if rel.is_empty() {
            base.to_path_buf()
        } else {
            base.join(&rel)
        };
        let Ok(entries) = crate::sources::list(&dir) else {
            continue;
        };
        for (name, kind) in entries {
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if kind == crate::sources::Kind::File {
                // What a listing found is part of what the plan evaluated.
                crate::sources::note(&dir.join(&name));
                found(&child);
            } else if kind == crate::sources::Kind::Dir && depth.is_none_or(|d| level + 1 < d) {
                stack.push((child, level + 1));
            }
        }
    }
}

/// A doublestar glob as an anchored regex: `**` spans directories, `*` and `?` stay within one,
/// `[...]` classes and `{a,b}` alternatives; `None` for a malformed pattern.
fn glob_regex(pattern: &str) -> Option<regex::Regex> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    let mut in_alt = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                let at_start = i == 0 || chars[i - 1] == '/';
                if at_start && chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:.*/)?");
                    i += 3;
                    continue;
                }
                re.push_str(".*");
                i += 2;
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i + 1)?;
                let mut class: String = chars[i + 1..end].iter().collect();
                if class.is_empty() {
                    return None;
                }
                if let Some(rest) = class.strip_prefix('!') {
                    class = format!("^{rest}");
                }
                re.push('[');
                re.push_str(&class.replace('\\', "\\\\").replace('[', "\\["));
                re.push(']');
                i = end;
            }
            '{' => {
                in_alt += 1;
                re.push_str("(?:");
            }
            '}' if in_alt > 0 => {
                in_alt -= 1;
                re.push(')');
            }
            ',' if in_alt > 0 => re.push('|'),
            '/' if in_alt > 0 => return None,
            '\\' => {
                i += 1;
                re.push_str(&regex::escape(&chars.get(i)?.to_string()));
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if in_alt > 0 {
        return None;
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

// ---- templatefile and templatestring ----

/// The base directory `templatestring` renders with. Terraform forbids filesystem functions
/// there, and the function context carries no other channel to say so; no real directory has
/// this name.
const NO_FS_DIR: &str = "\0templatestring";

fn fs_allowed(ctx: &FnContext, name: &str) -> Result<(), FnError> {
    if ctx.base_dir == Path::new(NO_FS_DIR) {
        return Err(FnError::new(format!(
            "cannot use filesystem access functions like {name} in templatestring templates; consider passing the function result as a template variable instead"
        )));
    }
    Ok(())
}

fn not_recursive(ctx: &FnContext, name: &str) -> Result<(), FnError> {
    if ctx.in_template {
        return Err(FnError::new(format!(
            "cannot recursively call {name} from inside another template function"
        )));
    }
    Ok(())
}

fn templatefile(ctx: &FnContext, a: &[Value]) -> FnResult {
    // Terraform checks recursion before filesystem access, so templatefile inside
    // templatestring reports recursion.
    not_recursive(ctx, "templatefile")?;
    fs_allowed(ctx, "templatefile")?;
    let (shown, full) = path_arg(ctx, a, 0)?;
    let bytes = read_path(&shown, &full, 0)?;
    let src = String::from_utf8(bytes)
        .map_err(|_| FnError::arg(0, format!("contents of {shown:?} are not valid UTF-8")))?;
    render_template(a, &shown, &src, ctx.base_dir.to_path_buf(), FnError::new)
}

fn templatestring(ctx: &FnContext, a: &[Value]) -> FnResult {
    not_recursive(ctx, "templatestring")?;
    // Terraform wants exactly a string here: a number or bool converts but cannot be a useful
    // template, so it is taken as a mistake.
    let Value::String(src) = &a[0] else {
        return Err(FnError::arg(
            0,
            "invalid template value: a string is required",
        ));
    };
    let v = render_template(
        a,
        "<templatestring argument>",
        src,
        PathBuf::from(NO_FS_DIR),
        |e| FnError::arg(0, format!("invalid template: {e}")),
    )?;
    match crate::lang::convert::convert(&v, &Type::String) {
        Ok(s) => Ok(s),
        Err(_) => Err(FnError::new(format!(
            "invalid template result: string required, but have {}",
            v.ty().friendly()
        ))),
    }
}

/// Parses `src` as a template named `name` and renders it with the vars in argument 1, with
/// `base_dir` for any file functions it calls. `parse_error` shapes a syntax error the way the
/// calling function reports it.
fn render_template(
    a: &[Value],
    name: &str,
    src: &str,
    base_dir: PathBuf,
    parse_error: impl Fn(String) -> FnError,
) -> FnResult {
    let file_id = crate::syntax::span::add_file(Path::new(name), src);
    let expr = crate::syntax::parse_template(file_id, src).map_err(|e| {
        parse_error(format!(
            "{}: Invalid expression; {}",
            hcl_range(e.span),
            e.message
        ))
    })?;
    let vars = template_vars(a)?;
    for r in crate::syntax::refs::references(&expr) {
        if !vars.contains_key(&r.root) {
            let root = crate::syntax::span::Span::new(
                r.span.file,
                r.span.start as usize,
                r.span.start as usize + r.root.len(),
            );
            return Err(FnError::arg(
                1,
                format!(
                    "vars map does not contain key {:?}, referenced at {}",
                    r.root,
                    hcl_range(root)
                ),
            ));
        }
    }
    let scope = MapScope(vars);
    let mut ev = Evaluator::new(&scope, base_dir);
    ev.in_template = true;
    ev.eval(&expr).map_err(|d| {
        let at = d.span.map(hcl_range).unwrap_or_else(|| name.to_string());
        FnError::new(format!("{at}: {}; {}", d.summary, d.detail))
    })
}

fn template_vars(a: &[Value]) -> Result<Attrs, FnError> {
    let v = not_null(a, 1)?;
    v.attributes()
        .cloned()
        .ok_or_else(|| FnError::arg(1, "invalid vars value: must be a map"))
}

/// HCL's text for a source range: `file:line,col-col`, or `file:line,col-line,col` across lines.
fn hcl_range(span: crate::syntax::span::Span) -> String {
    let Some(f) = crate::syntax::span::file(span.file) else {
        return String::from("<unknown>");
    };
    let (l1, c1) = f.line_col(span.start as usize);
    let (l2, c2) = f.line_col(span.end as usize);
    let name = f.path.display();
    if l1 == l2 {
        format!("{name}:{l1},{c1}-{c2}")
    } else {
        format!("{name}:{l1},{c1}-{l2},{c2}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::encoding::test_support::{eval_in, eval_ok};
    use std::path::Path;

    fn fixture_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |p: &str, b: &[u8]| {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap_or(dir.path()))
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(full, b).unwrap_or_else(|e| panic!("{e}"));
        };
        write("t1.tftpl", b"hi ${x}\n");
        write("t2.tftpl", b"${x}");
        write("t3.tftpl", b"%{ for i in xs }${i},%{ endfor }");
        write("t4.tftpl", b"${templatefile(\"t1.tftpl\", {x=1})}");
        write("t5.tftpl", b"a\n${nope}\n");
        write("t6.tftpl", b"${templatestring(\"x\", {})}");
        write("bin.dat", b"\xff\xfe");
        write("sub/a.txt", b"");
        write("sub/.d.txt", b"");
        write("sub/deep/b.txt", b"");
        write(".hid/c.txt", b"");
        dir
    }

    #[test]
    fn path_functions_match_go() {
        let cases = [
            ("basename(\"foo/bar/\")", "\"bar\""),
            ("basename(\"\")", "\".\""),
            ("basename(\"/\")", "\"/\""),
            ("dirname(\"/a//b/../c/\")", "\"/a/c\""),
            ("dirname(\"foo\")", "\".\""),
            ("dirname(\"\")", "\".\""),
            ("pathexpand(\"relative/path\")", "\"relative/path\""),
        ];
        for (expr, want) in cases {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
    }

    #[test]
    fn file_functions_match_terraform() {
        let dir = fixture_dir();
        let d = dir.path();
        let ok = |e: &str| eval_in(d, e).unwrap_or_else(|err| panic!("{e}: {err}"));
        let err = |e: &str| eval_in(d, e).expect_err(e);
        assert_eq!(
            ok("filemd5(\"bin.dat\")"),
            "\"f3b25701fe362ec84616a93a45ce9998\""
        );
        assert_eq!(ok("filebase64(\"bin.dat\")"), "\"//4=\"");
        assert_eq!(ok("fileexists(\"t1.tftpl\")"), "true");
        assert_eq!(ok("fileexists(\"zz\")"), "false");
        assert!(err("fileexists(\"sub\")").ends_with("\"sub\" is a directory, not a file"));
        assert!(err("file(\"bin.dat\")").contains("contents of \"bin.dat\" are not valid UTF-8"));
        assert!(err("file(\"nope\")").contains("no file exists at \"nope\";"));
        assert_eq!(
            ok("fileset(\".\", \"**/*.txt\")"),
            "[\".hid/c.txt\",\"sub/.d.txt\",\"sub/a.txt\",\"sub/deep/b.txt\"]"
        );
        assert_eq!(
            ok("fileset(\".\", \"s?b/*\")"),
            "[\"sub/.d.txt\",\"sub/a.txt\"]"
        );
        assert_eq!(
            ok("fileset(\"./sub/../sub\", \"*/*.txt\")"),
            "[\"deep/b.txt\"]"
        );
        assert!(
            err("fileset(\".\", \"[\")")
                .ends_with("failed to glob pattern \"[\": syntax error in pattern")
        );
        assert!(Path::new(&d.join("t1.tftpl")).exists());
    }

    #[test]
    fn templatefile_matches_terraform() {
        let dir = fixture_dir();
        let d = dir.path();
        let ok = |e: &str| eval_in(d, e).unwrap_or_else(|err| panic!("{e}: {err}"));
        let err = |e: &str| eval_in(d, e).expect_err(e);
        assert_eq!(ok("templatefile(\"t1.tftpl\", {x=1})"), "\"hi 1\\n\"");
        // A template that is a single interpolation yields the value itself, as in Terraform.
        assert_eq!(ok("templatefile(\"t2.tftpl\", {x=[1]})"), "[1]");
        assert_eq!(ok("templatefile(\"t3.tftpl\", {xs=[1,2]})"), "\"1,2,\"");
        assert!(
            err("templatefile(\"t4.tftpl\", {})").contains("cannot recursively call templatefile")
        );
        assert!(
            err("templatefile(\"t5.tftpl\", {})")
                .contains("vars map does not contain key \"nope\", referenced at t5.tftpl:2,3-7")
        );
        assert!(
            err("templatefile(\"t1.tftpl\", \"x\")").contains("invalid vars value: must be a map")
        );
        assert!(
            err("templatefile(\"t1.tftpl\", {x=null})")
                .contains("t1.tftpl:1,6-7: Invalid template interpolation value")
        );
    }

    /// Terraform only takes a reference (`local.tpl`) as the template; these write the same
    /// template text as an escaped literal, which renders identically here.
    #[test]
    fn templatestring_matches_terraform() {
        let ok = [
            (
                r#"templatestring("Hello, $${name}!", { name = "World" })"#,
                r#""Hello, World!""#,
            ),
            (
                r#"templatestring("%%{ for i, x in xs }$${i}=$${x}%%{ if i < length(xs) - 1 }, %%{ endif }%%{ endfor }", { xs = ["a", "b", "c"] })"#,
                r#""0=a, 1=b, 2=c""#,
            ),
            // Unlike templatefile, the result is always a string.
            (r#"templatestring("$${x}", { x = 5 })"#, r#""5""#),
            (r#"templatestring("$${x}", { x = true })"#, r#""true""#),
            (
                r#"templatestring("%%{ if cond }yes%%{ else }no%%{ endif }", { cond = true })"#,
                r#""yes""#,
            ),
            (
                r#"templatestring("line1\n  $${upper(name)}\n", { name = "bob" })"#,
                r#""line1\n  BOB\n""#,
            ),
            (
                r#"templatestring("$${abspath(\"/a/../b\")}", {})"#,
                r#""/b""#,
            ),
            (r#"templatestring("~$${x}~", { x = 1 })"#, r#""~1~""#),
            (
                r#"templatestring("Hello, $${name}!", tomap({ name = "W" }))"#,
                r#""Hello, W!""#,
            ),
            (
                r#"templatestring("Hello, $${name}!", { name = "W", extra = 1 })"#,
                r#""Hello, W!""#,
            ),
        ];
        for (expr, want) in ok {
            assert_eq!(eval_ok(expr), want, "{expr}");
        }
        let err = [
            (
                r#"templatestring("$${x}", { x = [1] })"#,
                "invalid template result: string required, but have tuple",
            ),
            (
                r#"templatestring("a $${nope} b", {})"#,
                r#"vars map does not contain key "nope", referenced at <templatestring argument>:1,5-9"#,
            ),
            (
                r#"templatestring("$${file(\"main.tf\")}", {})"#,
                r#"Call to function "file" failed: cannot use filesystem access functions like file in templatestring templates; consider passing the function result as a template variable instead"#,
            ),
            (
                r#"templatestring("$${fileexists(\"main.tf\")}", {})"#,
                "cannot use filesystem access functions like fileexists in templatestring templates; consider passing the function result as a template variable instead",
            ),
            (
                r#"templatestring("$${templatestring(t, {})}", { t = "x" })"#,
                r#"Call to function "templatestring" failed: cannot recursively call templatestring from inside another template function"#,
            ),
            (
                r#"templatestring("$${templatefile(\"x\", {})}", {})"#,
                r#"Call to function "templatefile" failed: cannot recursively call templatefile from inside another template function"#,
            ),
            (
                r#"templatestring("$${x + 1}", { x = "a" })"#,
                "<templatestring argument>:1,3-4: Invalid operand",
            ),
            (
                r#"templatestring(42, {})"#,
                "invalid template value: a string is required",
            ),
            (
                r#"templatestring("Hello, $${name}!", "x")"#,
                "invalid vars value: must be a map",
            ),
            (
                r#"templatestring("Hello, $${name}!", null)"#,
                "argument must not be null",
            ),
            (
                r#"templatestring("Hello, $${name}!", { name = null })"#,
                "<templatestring argument>:1,10-14: Invalid template interpolation value",
            ),
            (
                r#"templatestring("$${", {})"#,
                "invalid template: <templatestring argument>:1,3-3:",
            ),
        ];
        for (expr, want) in err {
            let got = super::super::encoding::test_support::eval_err(expr);
            assert!(got.contains(want), "{expr}: {got}");
        }
        let dir = fixture_dir();
        let got = eval_in(dir.path(), "templatefile(\"t6.tftpl\", {})").expect_err("t6");
        assert!(
            got.contains("cannot recursively call templatestring"),
            "{got}"
        );
    }
}
