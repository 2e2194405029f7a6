#!/usr/bin/env python3
"""Extract documented arguments / nested blocks / attributes from the
terraform-provider-aws website docs (website/docs/{r,d}/<name>.html.markdown).

Usage:
  extract.py --git-dir /path/to/repo.git --ref <commit> [--out /tmp/awsdocs]
  extract.py --docs-dir /path/to/checkout/website/docs --commit <sha> [--out ...]

Writes <out>/r/<type>.txt and <out>/d/<type>.txt in the format

  # <type> <r|d> <commit>
  arg <name> required|optional [deprecated]
  block <path>
  arg <path>.<name> required|optional [deprecated]
  attr <name>

plus <out>/unsure.txt (one line per uncertain decision) and
<out>/missing.txt (types whose doc was not found).

Heuristics (documented so a reader can judge the output):
  * Only the "## Argument Reference" and "## Attribute(s) Reference" sections
    are read; Timeouts/Import/Example sections are ignored.
  * The `region` argument (added to every resource/data source in v6) is
    skipped.
  * A nested block starts at a sub-heading naming it (### `foo`, ### foo,
    ### `foo` Block, or a prose heading whose snake_case form is a documented
    argument), or at a sentence like "The `foo` block supports ..." /
    "Each `foo` supports ...".  Its path is found from where `foo` was listed
    as a bullet before: top level -> "foo"; inside block P -> "P.foo".
    Several candidate parents, or none, are recorded in unsure.txt.
  * Indented sub-bullets belong to the bullet above them (path parent.child).
  * Bullet names written as `a.#.b` are normalised to a.b.
  * Required/optional comes from the bullet's leading "(...)" text; if it has
    no marker, a preceding "The following arguments are required/optional"
    line decides, otherwise "optional" is recorded and noted as unsure.
  * Deprecated = a deprecation marker in the first 300 characters of the
    bullet text: "**Deprecated**", "(Deprecated", "is deprecated",
    "deprecated in favor of"/"Deprecated: use ...", etc. (a bare mention such
    as "include deprecated AMIs" does not count).
"""
import argparse
import os
import re
import subprocess
import sys

RESOURCES = """aws_vpc aws_subnet aws_internet_gateway aws_egress_only_internet_gateway aws_eip
aws_eip_association aws_nat_gateway aws_route_table aws_route aws_route_table_association
aws_security_group aws_security_group_rule aws_vpc_security_group_ingress_rule
aws_vpc_security_group_egress_rule aws_default_security_group aws_default_route_table
aws_default_network_acl aws_network_acl aws_network_acl_rule aws_network_acl_association
aws_vpc_dhcp_options aws_vpc_dhcp_options_association aws_key_pair aws_instance aws_ebs_volume
aws_volume_attachment aws_launch_template aws_launch_configuration aws_autoscaling_group
aws_autoscaling_attachment aws_autoscaling_lifecycle_hook aws_autoscaling_policy
aws_autoscaling_schedule aws_iam_role aws_iam_role_policy aws_iam_role_policy_attachment
aws_iam_policy aws_iam_policy_attachment aws_iam_instance_profile aws_lb aws_lb_target_group
aws_lb_listener aws_lb_target_group_attachment aws_elb aws_route53_zone aws_route53_record
aws_s3_bucket aws_s3_bucket_versioning aws_s3_bucket_public_access_block
aws_s3_bucket_server_side_encryption_configuration aws_s3_bucket_policy aws_s3_object
aws_placement_group aws_vpc_endpoint aws_sqs_queue aws_cloudwatch_metric_alarm aws_lb_listener_rule
aws_db_subnet_group""".split()
DATA_SOURCES = """aws_ami aws_availability_zones aws_vpc aws_subnet aws_subnets aws_region
aws_caller_identity aws_partition aws_security_group aws_ssm_parameter aws_route53_zone
aws_iam_policy_document""".split()

SKIP_ARGS = {"region"}

HEADING_RE = re.compile(r"^(#{2,6})\s+(.*?)\s*$")
BULLET_RE = re.compile(r"^(\s*)[*+-]\s+`([A-Za-z0-9_.#\[\]*]+)`\s*(.*)$")
# "The `foo` block supports", "Each `foo` supports", "This `foo` block exports" ...
BLOCK_SENT_RE = re.compile(
    r"^(?:The|Each|This|An?|Every)\s+`([A-Za-z0-9_.]+)`[^.:\n]{0,80}?"
    r"\b(?:supports?|exports?|contains?|has|have|accepts?|includes?|consists?|provides?|can have|are)\b",
    re.I)
# "Access Logs (`access_logs`) support the following:" (aws_elb style)
PAREN_BLOCK_SENT_RE = re.compile(
    r"^[A-Z][A-Za-z0-9 -]{0,60}\((?:for\s+)?`([a-z0-9_.]+)`\)\s+(?:supports?|exports?|contains?)\b")
# "For `root_block_device`, in addition to the arguments above, the following attributes are exported:"
FOR_BLOCK_SENT_RE = re.compile(r"^(?:For|Within|In)\s+(?:each\s+|the\s+)?`([a-z0-9_.]+)`[^`]*\bfollowing\b", re.I)
MENTION_RE = re.compile(r"`([a-z0-9_]+)`\s+(?:sub-?)?(?:configuration\s+)?blocks?\b", re.I)
GENERIC_BLOCK_SENT_RE = re.compile(
    r"^(?:This|The|Each)\s+(?:configuration\s+)?(?:block|object)\s+(?:supports|exports|contains)", re.I)
IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def norm_name(name):
    parts = [p for p in name.replace("[", ".").replace("]", "").split(".") if p not in ("#", "*", "")]
    return ".".join(parts)


def snake(text):
    t = re.sub(r"[`*]", "", text).strip().lower()
    t = re.sub(r"\b(configuration\s+)?blocks?\b$", "", t).strip()
    t = re.sub(r"[^a-z0-9]+", "_", t).strip("_")
    return t


SUFFIX_RE = re.compile(r"\s+(?:argument reference|arguments?|attribute reference|attributes?|configuration blocks?|blocks?|objects?)\s*$", re.I)


def heading_block_names(text):
    """Return a list of identifiers/paths named by a sub-heading, or None for prose.

    `foo` / foo / `foo` Block / foo Configuration Block -> ["foo"]
    `a` and `b` / a and b -> ["a", "b"]
    a b c (all identifiers) -> ["a.b.c"] (explicit path, as in aws_autoscaling_group)
    """
    t = text.strip()
    while True:
        t2 = SUFFIX_RE.sub("", t)
        if t2 == t:
            break
        t = t2
    ticks = re.findall(r"`([A-Za-z0-9_.]+)`", t)
    rest = re.sub(r"`[A-Za-z0-9_.]+`", "", t)
    if ticks and re.fullmatch(r"[\s,]*(?:(?:and|or|,)[\s,]*)*", rest):
        return ticks
    words = re.split(r"\s*(?:,|\band\b)\s*", t)
    if len(words) > 1 and all(re.fullmatch(r"[a-z][a-z0-9_]*", w) for w in words if w):
        return [w for w in words if w]
    parts = t.split()
    if parts and all(re.fullmatch(r"[a-z][a-z0-9_]*", w) for w in parts):
        return [".".join(parts)]
    return None


def req_of(text, default):
    m = re.match(r"^[-:–]?\s*\(([^)]*)\)", text)
    head = m.group(1) if m else ""
    if re.search(r"\bRequired\b", head):
        return "required", False
    if re.search(r"\bOptional\b", head):
        return "optional", False
    m2 = re.search(r"\*\*(Required|Optional)\*\*", text[:120])
    if m2:
        return m2.group(1).lower(), False
    if default:
        return default, False
    return "optional", True


DEPRECATED_RE = re.compile(
    r"\*\*deprecated|\(\s*deprecated|deprecated\s*\)|deprecated[,:]|"
    r"\b(?:is|are|been|now|being)\s+deprecated|\bdeprecated\b\s+(?:in favor|and will|use|since)|^\W*deprecated",
    re.I)


def is_deprecated(text):
    """Deprecation *of this argument* (not e.g. "include deprecated AMIs")."""
    return bool(DEPRECATED_RE.search(text[:300]))


def section_lines(md, kind):
    """Yield lines of the requested level-2 section (args|attrs)."""
    lines = md.splitlines()
    out, inside, fence, in_args_section = [], False, False, False
    for ln in lines:
        if ln.strip().startswith("```"):
            fence = not fence
            if inside:
                out.append("")
            continue
        if fence:
            continue
        m = re.match(r"^##\s+(.*?)\s*$", ln)
        if m and not ln.startswith("###"):
            title = m.group(1).lower()
            in_args_section = title.startswith("argument")
            if kind == "args":
                inside = title.startswith("argument")
            else:
                inside = title.startswith("attribute") or title.startswith("attributes")
            continue
        if in_args_section and not re.match(r"^(?:For|Within|In)\s+(?:each\s+|the\s+)?`", ln) and re.search(r"following attributes are exported|exports the following attributes", ln, re.I) and not ln.startswith((" ", "*", "-")):
            # some docs (e.g. d/ssm_parameter) list attributes without an
            # "## Attribute Reference" heading
            inside = (kind == "attrs")
            continue
        if inside:
            out.append(ln)
    return out


class Parser:
    def __init__(self, typ, unsure):
        self.typ = typ
        self.unsure = unsure
        # name -> list of parent paths where it appeared as a bullet
        self.seen_bullets = {}
        self.defined = set()

    def note(self, msg):
        self.unsure.append(f"{self.typ}: {msg}")

    def resolve_block(self, name, level_stack):
        """Return the list of block paths a section about `name` documents."""
        name = norm_name(name)
        if "." in name:
            return [name]
        uniq = []
        for p in self.seen_bullets.get(name, []):
            if p not in uniq:
                uniq.append(p)
        join = lambda p: f"{p}.{name}" if p else name
        if not uniq:
            self.note(f"block `{name}` is not listed as an argument/attribute anywhere above; recorded at top level")
            return [name]
        if len(uniq) == 1:
            return [join(uniq[0])]
        # several parents: the innermost open heading block wins
        for p in reversed(level_stack):
            if p in uniq:
                return [join(p)]
        # otherwise parents whose section for `name` was not written yet
        fresh = [p for p in uniq if join(p) not in self.defined]
        chosen = fresh or uniq
        paths = [join(p) for p in chosen]
        if len(paths) > 1:
            self.note(f"block `{name}` is listed under several parents; its section is recorded under all of: {', '.join(paths)}")
        elif len(uniq) > 1:
            self.note(f"block `{name}` is listed under several parents ({', '.join(join(p) for p in uniq)}); this section recorded as `{paths[0]}`")
        return paths

    def parse(self, lines, kind):
        """Return dict path -> {name: (req, deprecated)} ; '' is top level."""
        result = {"": {}}
        self.defined = set()
        current = [""]         # current block path(s); several for "### egress and ingress"
        heading_stack = []     # (level, [paths])
        default_req = None
        bullet_stack = []      # (indent, [fullpaths]) for sub-bullets
        pending_prose = None   # prose heading that named no block yet
        pending_mention = None  # "`filter` sub-blocks," awaiting "which take the following"

        def open_stack():
            return [p for _, ps in heading_stack for p in ps]

        for raw in lines:
            line = raw.rstrip()
            if not line.strip():
                continue
            hm = HEADING_RE.match(line)
            if hm:
                level = len(hm.group(1))
                text = hm.group(2).strip()
                heading_stack = [(lv, ps) for lv, ps in heading_stack if lv < level]
                names = heading_block_names(text)
                bullet_stack = []
                default_req = None
                if names is None:
                    s_ = snake(text)
                    if s_ and s_ in self.seen_bullets:
                        names = [s_]
                names = [n for n in (names or []) if n not in SKIP_ARGS]
                if names:
                    current = [p for n in names for p in self.resolve_block(n, open_stack())]
                    self.defined.update(current)
                    for c in current:
                        result.setdefault(c, {})
                    heading_stack.append((level, current))
                    pending_prose = None
                else:
                    current = heading_stack[-1][1] if heading_stack else [""]
                    pending_prose = None if heading_stack else text
                continue
            stripped = line.strip()
            low = stripped.lower()
            if re.search(r"following arguments? (?:is|are) required", low):
                default_req = "required"
            elif re.search(r"following arguments? (?:is|are) optional", low):
                default_req = "optional"
            bm = BULLET_RE.match(line)
            if bm:
                indent = len(bm.group(1).expandtabs(4))
                name = norm_name(bm.group(2))
                text = bm.group(3)
                if not name or not re.fullmatch(r"[a-z0-9_.]+", name):
                    # value lists such as `HTTP`, `HTTPS` - ... are not arguments
                    continue
                if current == [""] and indent == 0 and name in SKIP_ARGS:
                    bullet_stack = []
                    continue
                while bullet_stack and bullet_stack[-1][0] >= indent:
                    bullet_stack.pop()
                parents = bullet_stack[-1][1] if bullet_stack else current
                if pending_prose and not bullet_stack and current == [""] and indent == 0:
                    self.note(f"{kind}: bullet `{name}` under prose heading '{pending_prose}' that names no block; recorded at top level")
                req, noted = req_of(text, default_req)
                dep = is_deprecated(text)
                fulls = []
                for parent in parents:
                    # name may already carry the parent prefix (a.#.b style)
                    if parent and name.startswith(parent + "."):
                        full = name
                    elif parent and name.startswith(parent.split(".")[-1] + "."):
                        full = parent.rsplit(".", 1)[0] + "." + name if "." in parent else name
                    elif parent and name == parent.split(".")[-1]:
                        continue
                    elif parent:
                        full = f"{parent}.{name}"
                    else:
                        full = name
                    bpath, leaf = (full.rsplit(".", 1) if "." in full else ("", full))
                    if kind == "args" and noted:
                        self.note(f"argument `{full}` has no Required/Optional marker; recorded optional")
                    result.setdefault(bpath, {})[leaf] = (req, dep)
                    self.seen_bullets.setdefault(leaf, []).append(bpath)
                    fulls.append(full)
                if fulls:
                    bullet_stack.append((indent, fulls))
                continue
            sm = BLOCK_SENT_RE.match(stripped) or PAREN_BLOCK_SENT_RE.match(stripped) or FOR_BLOCK_SENT_RE.match(stripped)
            if sm and not line.startswith(" "):
                name = sm.group(1)
                if name not in SKIP_ARGS:
                    current = self.resolve_block(name, open_stack() + current)
                    self.defined.update(current)
                    for c in current:
                        result.setdefault(c, {})
                    bullet_stack = []
                    default_req = None
                    pending_prose = None
                continue
            mm = MENTION_RE.search(stripped)
            if mm and not line.startswith(" ") and mm.group(1) not in SKIP_ARGS:
                if "following" in low:
                    current = self.resolve_block(mm.group(1), open_stack() + current)
                    self.defined.update(current)
                    for c in current:
                        result.setdefault(c, {})
                    bullet_stack = []
                    pending_mention = None
                    continue
                if stripped.endswith((",", ":")):
                    pending_mention = mm.group(1)
                    continue
            if pending_mention and "following" in low and not line.startswith(" "):
                current = self.resolve_block(pending_mention, open_stack() + current)
                self.defined.update(current)
                for c in current:
                    result.setdefault(c, {})
                bullet_stack = []
                pending_mention = None
                continue
            pending_mention = None
            if GENERIC_BLOCK_SENT_RE.match(stripped) and pending_prose:
                self.note(f"{kind}: '{stripped[:60]}' under heading '{pending_prose}' names no block")
                bullet_stack = []
                continue
            if not line.startswith(" ") and not stripped.startswith(("*", "-", "~>", "->", "|")):
                bullet_stack = []
        return result


def extract(md, typ):
    unsure = []
    p = Parser(typ, unsure)
    args = p.parse(section_lines(md, "args"), "args")
    attrs_raw = p.parse(section_lines(md, "attrs"), "attrs")
    top_args = args.get("", {})
    blocks = {k: v for k, v in args.items() if k}
    arg_paths = set(top_args)
    for b, d in blocks.items():
        arg_paths.add(b)
        for n in d:
            arg_paths.add(f"{b}.{n}")
    attrs = set()
    for b, d in attrs_raw.items():
        for n in d:
            full = f"{b}.{n}" if b else n
            if full in arg_paths or full in SKIP_ARGS:
                continue
            attrs.add(full)
        if b and b not in arg_paths and not d:
            pass
    # an attribute-section block whose parent is an arg block: keep as attr path
    return top_args, blocks, sorted(attrs), unsure


def render(typ, kind, commit, top_args, blocks, attrs):
    out = [f"# {typ} {kind} {commit}"]
    for n in sorted(top_args):
        req, dep = top_args[n]
        out.append(f"arg {n} {req}" + (" deprecated" if dep else ""))
    for b in sorted(blocks):
        out.append(f"block {b}")
        for n in sorted(blocks[b]):
            req, dep = blocks[b][n]
            out.append(f"arg {b}.{n} {req}" + (" deprecated" if dep else ""))
    for a in attrs:
        out.append(f"attr {a}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir")
    ap.add_argument("--ref", default="HEAD")
    ap.add_argument("--docs-dir")
    ap.add_argument("--commit")
    ap.add_argument("--out", default="/tmp/awsdocs")
    ap.add_argument("--types", nargs="*", help="limit to these (e.g. r/aws_vpc d/aws_ami)")
    a = ap.parse_args()

    if a.git_dir:
        commit = subprocess.check_output(["git", "--git-dir", a.git_dir, "rev-parse", a.ref + "^{commit}"], text=True).strip()

        def read(rel):
            try:
                return subprocess.check_output(["git", "--git-dir", a.git_dir, "show", f"{commit}:website/docs/{rel}"],
                                               text=True, stderr=subprocess.DEVNULL)
            except subprocess.CalledProcessError:
                return None
    else:
        commit = a.commit or "unknown"

        def read(rel):
            p = os.path.join(a.docs_dir, rel)
            return open(p, encoding="utf-8").read() if os.path.exists(p) else None

    jobs = [("r", t) for t in RESOURCES] + [("d", t) for t in DATA_SOURCES]
    if a.types:
        want = set(a.types)
        jobs = [(k, t) for k, t in jobs if f"{k}/{t}" in want]
    all_unsure, missing, summary = [], [], []
    for kind, typ in jobs:
        name = typ[len("aws_"):]
        md = read(f"{kind}/{name}.html.markdown") or read(f"{kind}/{name}.markdown")
        if md is None:
            missing.append(f"{kind}/{typ}")
            continue
        top, blocks, attrs, unsure = extract(md, f"{kind}/{typ}")
        os.makedirs(os.path.join(a.out, kind), exist_ok=True)
        with open(os.path.join(a.out, kind, f"{typ}.txt"), "w") as f:
            f.write(render(typ, kind, commit, top, blocks, attrs))
        nb_args = len(top) + sum(len(v) for v in blocks.values())
        summary.append((f"{kind}/{typ}", len(top), len(blocks), nb_args - len(top), len(attrs)))
        all_unsure.extend(unsure)
    with open(os.path.join(a.out, "unsure.txt"), "w") as f:
        f.write("\n".join(all_unsure) + ("\n" if all_unsure else ""))
    with open(os.path.join(a.out, "missing.txt"), "w") as f:
        f.write("\n".join(missing) + ("\n" if missing else ""))
    with open(os.path.join(a.out, "summary.tsv"), "w") as f:
        f.write("type\ttop_args\tblocks\tblock_args\tattrs\n")
        for row in summary:
            f.write("\t".join(map(str, row)) + "\n")
    print(f"commit {commit}: wrote {len(summary)} files, {len(missing)} missing, {len(all_unsure)} unsure notes")


if __name__ == "__main__":
    sys.exit(main())
