#!/usr/bin/env bash
# Checks that the documentation's C# examples are true: extracts every ```csharp block from the docs, compiles
# them into one console project, runs each, and compares its output with the ```text block that follows it.
#   bash tools/DocsCheck/check.sh [filter]       (the last line is "N passed, M failed")
# Directives in an HTML comment on the line before a block: run (default), compile, facts, skip, warn (see gen.py).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here" || exit 1
python3 gen.py "$repo" README.md Nursery/PACKAGE.md Nursery.Extensions.Hosting/PACKAGE.md docs/guide.md docs/hosting.md docs/semantics.md docs/design.md docs/observability.md || { echo "0 passed, 1 failed"; exit 1; }
if ! dotnet build -nologo -v q -clp:NoSummary > obj/docs-build.log 2>&1; then
    grep -E "error" obj/docs-build.log | sed "s|$here/Snippets/||" | sort -u | head -40
    echo "BUILD FAILED"; echo "0 passed, 1 failed"; exit 1
fi
python3 - "${1:-}" <<'PY'
import json, subprocess, sys
flt = sys.argv[1]
ok = bad = 0
for s in json.load(open('obj/snippets.json')):
    if flt and flt not in s['id']: continue
    if 'compile' in s['mode']:
        print(f"compiled  {s['id']}"); ok += 1; continue
    p = None
    try:
        p = subprocess.run(['dotnet', 'bin/Debug/net10.0/DocsCheck.dll', s['id']], capture_output=True, text=True, timeout=60)
        out = p.stdout.rstrip('\n')
    except subprocess.TimeoutExpired:
        out = '<<TIMEOUT>>'
    exp = s['expected']
    if exp is None:
        print(f"ran       {s['id']} (no expected output block)"); print('    ' + out.replace('\n', '\n    ')); ok += 1
    elif exp.rstrip('\n') == out:
        print(f"ok        {s['id']}"); ok += 1
    else:
        bad += 1
        print(f"MISMATCH  {s['id']} ({s['doc']}:{s['line']})\n--- expected\n{exp}\n--- actual\n{out}\n---")
    if p and p.stderr.strip(): print('    stderr: ' + p.stderr.strip()[:2000])
print(f"{ok} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
