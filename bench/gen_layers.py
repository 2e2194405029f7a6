#!/usr/bin/env python3
"""Writes a provider-free configuration of N terraform_data resources in layers: each resource
references two of the previous layer, plus locals and functions on the way, the shape the
engine benchmark uses. Usage: gen_layers.py N DIR [--ref output|id]

--ref picks the attribute each resource reads from the previous layer. `output` (the default)
nests the two previous values, so a value doubles in size with every layer (2^layers: fine to
load and evaluate, but not to apply at 10,000 resources = 100 layers). `id` reads the two
previous ids instead (strings of constant size), the shape bench/engine.sh applies."""
import os
import sys

args = sys.argv[1:]
ref = "output"
if "--ref" in args:
    i = args.index("--ref")
    ref = args[i + 1]
    del args[i : i + 2]
if ref not in ("output", "id") or len(args) != 2:
    sys.exit("usage: gen_layers.py N DIR [--ref output|id]")
n = int(args[0])
out = args[1]
width = 100
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "main.tf"), "w") as f:
    f.write('variable "prefix" {\n  type    = string\n  default = "bench"\n}\n\n')
    f.write('locals {\n  tags = { Owner = "bench", Layers = %d }\n}\n\n' % ((n + width - 1) // width))
    for i in range(n):
        layer, pos = divmod(i, width)
        if layer == 0:
            inp = '"${var.prefix}-%d"' % i
        else:
            a = (layer - 1) * width + pos
            b = (layer - 1) * width + (pos + 1) % width
            inp = '[terraform_data.r%d.%s, terraform_data.r%d.%s]' % (a, ref, b, ref)
        f.write('resource "terraform_data" "r%d" {\n  input = %s\n  triggers_replace = merge(local.tags, { index = "%d", name = format("%%s-%%05d", var.prefix, %d) })\n}\n\n' % (i, inp, i, i))
    f.write('output "last" {\n  value = terraform_data.r%d.output\n}\n' % (n - 1))
