#!/usr/bin/env python3
"""Lists the nested block and argument paths of version 6 of the AWS provider for the types
infra implements, read from the TypeScript declarations of `@pulumi/aws` (generated from the
provider's schema), for tests/aws_docs.rs to compare with infra's schemas.

Usage:
  npm pack @pulumi/aws@7.48.0 && tar xzf pulumi-aws-7.48.0.tgz
  aws-v6-nested-names.py package [--docs fixtures/aws-docs]

Reads which declaration file holds each type from the first line of
<docs>/v6/{r,d}/<type>.txt (the top-level names) and writes <docs>/v6-nested/{r,d}/<type>.txt
for each type with nested blocks:

  # <type> <r|d> ... (sdk/nodejs/<module>/<file>.ts)
  block <path>
  arg <path>

Pulumi's names are camelCase and pluralise list blocks; each path segment is turned into
snake_case and mapped back to the provider's spelling where the provider's version 5 schema
(<docs>/schema) or version 6's top-level names have the singular, and for the nested blocks new
in version 6 as the provider spells them (`NEW_SINGULAR`). IAM documents, which Pulumi types as
objects, are strings in the provider and are left out.
"""
import argparse
import json
import os
import re


# Nested list blocks new in version 6 that the provider names in the singular (Pulumi's plural
# has no version 5 name to map back to), as the provider's documentation spells them.
NEW_SINGULAR = {"additional_claims": "additional_claim"}


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def interfaces(path, indent):
    """{(namespace, name): [[field, type text]]} of a declaration file's interfaces whose
    fields sit at `indent` spaces."""
    out, current, namespace = {}, None, None
    pad = " " * indent
    with open(path) as f:
        for line in f.read().split("\n"):
            m = re.match(r"^export declare namespace (\w+)", line)
            if m:
                namespace = m.group(1)
            m = re.match(r"^\s*(?:export )?interface (\w+)", line)
            if m:
                current = (namespace if indent == 8 else None, m.group(1))
                out[current] = []
                continue
            if current is None:
                continue
            if line.strip() == "}" and len(line) - len(line.lstrip()) == indent - 4:
                current = None
                continue
            m = re.match(r"^" + pad + r"(?:readonly )?(\w+)\??: (.*)$", line)
            if m:
                out[current].append([m.group(1), m.group(2)])
            elif out[current] and not line.strip().startswith(("*", "/**", "*/")):
                out[current][-1][1] += line.strip()
    return out


def walk(fields, types, prefix, seen, out):
    for name, ty in fields:
        path = prefix + snake(name)
        ref = re.search(r"(?:inputs|outputs)\.(\w+)\.(\w+)", ty)
        if ref and ref.group(2) == "PolicyDocument":
            continue
        key = ref and (ref.group(1), ref.group(2))
        if key in types and ref.group(2) not in seen:
            out.append(("block", path))
            walk(types[key], types, path + ".", seen | {ref.group(2)}, out)
        elif prefix:
            out.append(("arg", path))


def names(path):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {l.split()[1] for l in f if not l.startswith("#") and len(l.split()) > 1}


def singulars(word):
    if word.endswith("ies"):
        return [word[:-3] + "y"]
    if word.endswith("sses"):
        return [word[:-2]]
    if word.endswith("es"):
        return [word[:-2], word[:-1]]
    if word.endswith("s"):
        return [word[:-1]]
    return []


def provider_spelling(path, known):
    done = []
    for part in path.split("."):
        candidates = [part] + singulars(part)

        def known_at(c):
            p = ".".join(done + [c])
            return p in known or any(k.startswith(p + ".") for k in known)

        done.append(next((c for c in candidates if known_at(c)), NEW_SINGULAR.get(part, part)))
    return ".".join(done)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("package", help="the unpacked @pulumi/aws package directory")
    ap.add_argument("--docs", default="fixtures/aws-docs")
    args = ap.parse_args()
    with open(os.path.join(args.package, "package.json")) as f:
        version = json.load(f)["version"]
    inputs = interfaces(os.path.join(args.package, "types/input.d.ts"), 8)
    outputs = interfaces(os.path.join(args.package, "types/output.d.ts"), 8)
    for kind in ("r", "d"):
        top = os.path.join(args.docs, "v6", kind)
        target = os.path.join(args.docs, "v6-nested", kind)
        os.makedirs(target, exist_ok=True)
        for file in sorted(os.listdir(top)):
            type_name = file[:-4]
            with open(os.path.join(top, file)) as f:
                header = f.readline()
            m = re.search(r"sdk/nodejs/(\w+)/(\w+)\.ts", header)
            if not m:
                continue
            module, stem = m.groups()
            declared = interfaces(os.path.join(args.package, module, stem + ".d.ts"), 4)
            cls = stem[0].upper() + stem[1:]
            roots = [cls + "State"] if kind == "r" else [cls + "Args", cls + "Result"]
            found = []
            for root in roots:
                if (None, root) in declared:
                    walk(declared[(None, root)], inputs if kind == "r" else outputs, "",
                         frozenset(), found)
            known = names(os.path.join(args.docs, "schema", kind, file)) | names(
                os.path.join(top, file))
            lines = sorted({(k, provider_spelling(p, known)) for k, p in found})
            if not lines:
                continue
            with open(os.path.join(target, file), "w") as f:
                f.write(f"# {type_name} {kind} Terraform AWS provider v6 nested names, through "
                        f"@pulumi/aws {version} (sdk/nodejs/{module}/{stem}.ts)\n")
                for k, p in lines:
                    f.write(f"{k} {p}\n")


if __name__ == "__main__":
    main()
