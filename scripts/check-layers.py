#!/usr/bin/env python3
"""Fails when a module imports one above it, or when sibling modules import
each other in a loop.

The layers are listed below, top first: a module may use its own layer and
the layers under it, never one above. Inside every folder, the modules it
holds must not import each other in a loop (a folder's own mod.rs, the one
that drives them, is left out of that graph). References are read from the
source: `crate::a::b` and `super::x` paths anywhere (uses and expressions),
`{...}` groups expanded. Run from the repository root; prints the graph with
--graph.
"""
import re
import sys
from pathlib import Path

# Top first. Each entry is a module path prefix (`crate::` left out).
LAYERS = [
    # The binary's entry: parses the command line, runs a command, prints its result.
    ["main", "run"],
    # The dashboard: pages and JSON over the commands' models.
    ["dashboard"],
    # How results are printed (tables, JSON/YAML, progress on a terminal).
    ["output"],
    # The commands: each returns a model for output to print.
    ["commands"],
    # The command line's types (clap) and the CLI's errors.
    ["cli", "error"],
    # The operator (reconciler and webhook). Its inner layers, top first:
    ["operator", "agent"],
    ["operator::config"],
    ["operator::restores"],
    ["operator::orphans", "operator::webhook", "operator::backups"],
    ["operator::reconcile"],
    ["operator::children"],
    ["operator::audit", "operator::metrics", "operator::concurrency", "operator::object_store",
     "operator::shard", "operator::cluster_addresses", "operator::kept_secret", "operator::error"],
    # The domain: admission rules, the audit chain, the engine's objects, the guardrails.
    ["admission", "audit", "backup", "engines", "guardrails", "s3", "shopper"],
    ["validated", "settings"],
    ["api"],
    ["duration", "fingerprint", "heap", "quantity", "schedule", "testing"],
]

SRC = Path("src")


def module_of(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return "::".join(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def expand(prefix: str, rest: str):
    """`a::b::{c, d::e}` -> a::b::c, a::b::d::e (one level of braces)."""
    yield prefix
    if rest.startswith("::{"):
        depth, body = 0, ""
        for ch in rest[2:]:
            depth += ch == "{"
            depth -= ch == "}"
            body += ch
            if depth == 0:
                break
        for item in re.split(r",", body.strip("{}")):
            name = re.match(r"\s*([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)", item)
            if name:
                yield prefix + "::" + name.group(1)


def references(module: str, text: str, modules: set):
    found = set()
    for m in re.finditer(r"\b(crate|nexus|super(?:::super)*)((?:::[a-z_][a-z0-9_]*)*)", text):
        head, path = m.group(1), m.group(2)
        if head in ("crate", "nexus"):
            base = []
        else:
            base = module.split("::") if module else []
            if not is_folder.get(module, False):
                base = base[:-1]
            base = base[: len(base) - (head.count("super") - 1)] if head.count("super") > 1 else base
        for full in expand(path, text[m.end():m.end() + 400]):
            segments = base + [s for s in full.split("::") if s]
            # The longest prefix that is a module.
            for n in range(len(segments), 0, -1):
                candidate = "::".join(segments[:n])
                if candidate in modules:
                    found.add(candidate)
                    break
    return found


def layer_of(module: str):
    best, best_len = None, -1
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + "::")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    return best


files = sorted(p for p in SRC.rglob("*.rs"))
is_folder = {}
modules = set()
for p in files:
    name = module_of(p)
    modules.add(name)
    is_folder[name] = p.name in ("mod.rs", "lib.rs")
modules.discard("")

edges = {}
for p in files:
    module = module_of(p)
    text = strip_comments(p.read_text())
    edges[module] = {r for r in references(module, text, modules) if r != module}

problems = []
unplaced = sorted(m for m in modules if layer_of(m) is None)
for m in unplaced:
    problems.append(f"{m}: in no layer (add it to LAYERS in {sys.argv[0]})")

for module, targets in sorted(edges.items()):
    here = layer_of(module)
    for target in sorted(targets):
        there = layer_of(target)
        if here is None or there is None:
            continue
        # A module's own submodules are below it whatever their layer.
        if target.startswith(module + "::") or module.startswith(target + "::"):
            continue
        if there < here:
            problems.append(f"{module} uses {target}: a lower layer may not use a higher one")


def child_of(folder: str, module: str):
    """The direct submodule of `folder` that holds `module`, if any."""
    prefix = folder + "::" if folder else ""
    if not module.startswith(prefix) or module == folder:
        return None
    return prefix + module[len(prefix):].split("::")[0]


folders = [""] + sorted(m for m in modules if is_folder.get(m))
for folder in folders:
    graph = {}
    for module, targets in edges.items():
        source = child_of(folder, module)
        if source is None:
            continue
        for target in targets:
            sink = child_of(folder, target)
            if sink and sink != source:
                graph.setdefault(source, set()).add(sink)
    if "--graph" in sys.argv and graph:
        print(f"[{folder or 'crate'}]")
        for source in sorted(graph):
            print(f"  {source} -> {', '.join(sorted(graph[source]))}")
    # Report each loop once, as the path around it.
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                loop = stack[stack.index(nxt):] + [nxt]
                problems.append("import loop: " + " -> ".join(loop))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)

for problem in problems:
    print(f"check-layers: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-layers: {len(modules)} modules, no upward import, no import loop")
