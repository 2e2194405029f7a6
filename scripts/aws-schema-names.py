#!/usr/bin/env python3
"""Lists every argument, nested block and attribute path of the AWS provider's own schema for
the types infra implements, for tests/aws_docs.rs to compare with infra's schemas.

Usage:
  terraform providers schema -json > schema.json   (in a directory that requires
                                                    hashicorp/aws at the version wanted)
  aws-schema-names.py schema.json --version 5.100.0 [--out fixtures/aws-docs/schema]

Writes <out>/r/<type>.txt and <out>/d/<type>.txt:

  # <type> <r|d> hashicorp/aws <version> (terraform providers schema -json)
  arg <path> required|optional [deprecated]
  attr <path> [deprecated]
  block <path> [deprecated]

An attribute of object type lists its fields as paths below it, as a nested block does.
`timeouts` is left out: infra takes it as a meta-argument block of every resource.
The types are the ones scripts/aws-docs-extract.py lists.
"""
import argparse
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("extract", os.path.join(HERE, "aws-docs-extract.py"))
extract = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extract)


def type_paths(ty, prefix, out):
    """Fields of an object type (through lists, sets and maps) as paths."""
    if isinstance(ty, list):
        if ty[0] in ("list", "set", "map"):
            type_paths(ty[1], prefix, out)
        elif ty[0] == "object":
            for name, sub in sorted(ty[1].items()):
                out.append(("attr", prefix + name, False))
                type_paths(sub, prefix + name + ".", out)


def block_paths(block, prefix, out):
    for name, a in sorted(block.get("attributes", {}).items()):
        if a.get("required") or a.get("optional"):
            kind = "arg"
            mode = " required" if a.get("required") else " optional"
        else:
            kind, mode = "attr", ""
        out.append((kind, prefix + name + mode, a.get("deprecated", False)))
        type_paths(a.get("type"), prefix + name + ".", out)
    for name, b in sorted(block.get("block_types", {}).items()):
        if not prefix and name == "timeouts":
            continue
        out.append(("block", prefix + name, b["block"].get("deprecated", False)))
        block_paths(b["block"], prefix + name + ".", out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema")
    ap.add_argument("--version", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "fixtures", "aws-docs", "schema"))
    args = ap.parse_args()
    with open(args.schema) as f:
        provider = json.load(f)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    for kind, names, key in (
        ("r", extract.RESOURCES, "resource_schemas"),
        ("d", extract.DATA_SOURCES, "data_source_schemas"),
    ):
        os.makedirs(os.path.join(args.out, kind), exist_ok=True)
        for name in names:
            schema = provider[key].get(name)
            if schema is None:
                print(f"not in the provider's schema: {kind} {name}")
                continue
            out = []
            block_paths(schema["block"], "", out)
            with open(os.path.join(args.out, kind, name + ".txt"), "w") as f:
                f.write(
                    f"# {name} {kind} hashicorp/aws {args.version} "
                    "(terraform providers schema -json)\n"
                )
                for k, path, deprecated in out:
                    f.write(f"{k} {path}{' deprecated' if deprecated else ''}\n")


if __name__ == "__main__":
    main()
