#!/usr/bin/env python3
"""Doc-snippet checker: extracts ```csharp blocks from the docs, compiles them into one console project,
runs each and compares stdout with the ```text block that follows it.

Directives (HTML comment on the line(s) before the block):
  <!-- check: run -->      (default) statements, optionally followed by type declarations; run and compare output
  <!-- check: compile -->  compile only (e.g. code that would hang or block on purpose)
  <!-- check: facts -->    type declarations with [Fact] methods; compile and invoke every fact
  <!-- check: skip -->     not checked (one-line fragments)
  <!-- check: warn -->     like run, but analyzer warnings are expected (a 'mistake' snippet)
  <!-- check: compile warn --> compile only, warnings expected
"""
import re, subprocess, sys, os, pathlib, difflib, json

ROOT = pathlib.Path(sys.argv[1])
DOCS = sys.argv[2:]
HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / 'Snippets'; OUT.mkdir(exist_ok=True)
(HERE / 'obj').mkdir(exist_ok=True)
for f in OUT.glob('*.cs'): f.unlink()

fence = re.compile(r'^```(\w*)\s*$')
type_start = re.compile(r'^(\[|(public |internal |static |sealed |abstract |file |partial )*(class|record|struct|interface|enum)\b)')
snippets = []
for doc in DOCS:
    lines = (ROOT / doc).read_text().splitlines()
    i = 0; blocks = []
    while i < len(lines):
        m = fence.match(lines[i])
        if m:
            lang = m.group(1); start = i; body = []
            i += 1
            while not lines[i].startswith('```'):
                body.append(lines[i]); i += 1
            blocks.append((lang, start, i, body))
        i += 1
    for bi, (lang, start, end, body) in enumerate(blocks):
        if lang != 'csharp': continue
        mode = 'run'
        j = start - 1
        while j >= 0 and lines[j].strip() == '': j -= 1
        dm = re.match(r'<!-- check: ([\w ]+) -->', lines[j].strip()) if j >= 0 else None
        if dm: mode = dm.group(1).strip()
        if 'skip' in mode: continue
        expected = None
        if bi + 1 < len(blocks) and blocks[bi + 1][0] == 'text':
            gap = [l for l in lines[end + 1:blocks[bi + 1][1]] if l.strip()]
            if len(gap) <= 1: expected = '\n'.join(blocks[bi + 1][3])
        # Named after the file; two files of the same name (the packages' PACKAGE.md) are told apart by their folder.
        stem = pathlib.Path(doc).stem
        if sum(pathlib.Path(d).stem == stem for d in DOCS) > 1: stem = f'{pathlib.Path(doc).parent.name}_{stem}'
        sid = re.sub(r'\W', '_', stem) + f'_L{start + 1}'
        usings, stmts, types = [], [], []
        k = 0
        while k < len(body) and (re.match(r'^using [\w.]+;', body[k]) or re.match(r'^using static [\w.]+;', body[k]) or body[k].strip() == ''):
            if body[k].strip(): usings.append(body[k])
            k += 1
        rest = body[k:]
        if 'facts' in mode:
            types = rest
        else:
            split = next((n for n, l in enumerate(rest) if type_start.match(l)), len(rest))
            stmts, types = rest[:split], rest[split:]
        # The README example uses the real clock; verify it on a virtual one.
        stmts = [l.replace('new EventLoop()', 'new EventLoop(new VirtualClock())') if 'virtualize' in mode else l for l in stmts]
        src = '\n'.join(usings + ([] if 'using Nursery;' in usings else ['using Nursery;']) + [f'namespace DocsCheck.{sid};',
            f'// from {doc}:{start + 2}',
            'internal static class Snippet', '{', f'    public const string Mode = "{"facts" if "facts" in mode else "run"}";',
            '    public static void Run()', '    {'] + ['        ' + l for l in stmts] + ['    }', '}'] + types) + '\n'
        (OUT / f'{sid}.cs').write_text(src)
        snippets.append(dict(id=sid, doc=doc, line=start + 1, mode=mode, expected=expected))
json.dump(snippets, open(HERE / 'obj' / 'snippets.json', 'w'), indent=1)
print(f'{len(snippets)} snippets')
