#!/usr/bin/env python3
"""Line and branch coverage per source folder, from the Cobertura XML that coverlet writes.

    python3 tools/Coverage/summary.py REPORT_OR_FOLDER... [--by-file]

Each argument is a coverage.cobertura.xml, or a folder searched for them (dotnet test --results-directory puts each
run's report in a new GUID-named subfolder). Reports are merged line by line, so two test projects that exercise the
same library add up instead of being listed twice. Rows are the first folder under each project (Loop/, Nursery/,
Hosting/, Time/, Diagnostics/, Internal/ ...), then the total; --by-file adds a row per file under its folder.
Nothing but the standard library: no report package is needed on the machine.
"""
import argparse
import functools
import pathlib
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

CONDITIONS = re.compile(r'\((\d+)/(\d+)\)')


def reports(paths):
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob('coverage.cobertura.xml'))
        elif p.is_file():
            yield p
        else:
            sys.exit(f'coverage summary: no report or folder at {p}')


def read(report, lines):
    """Adds each line of the report to lines[(project, file)][number] = (hits, branches covered, branches)."""
    root = ET.parse(report).getroot()
    sources = [pathlib.Path(s.text) for s in root.iter('source') if s.text]
    for package in root.iter('package'):
        for cls in package.iter('class'):
            name = pathlib.PurePosixPath(cls.get('filename').replace('\\', '/'))
            # A file name is relative to one of the <source> roots. Which root coverlet picks differs between reports
            # (a test project that covers two libraries gets their common parent, or "/"), so the file is keyed by its
            # absolute path and named relative to the project (the folder holding its .csproj): the same file from
            # two reports then merges, and the folder right under the project names the row.
            path = next((s / name for s in sources if (s / name).exists()), None)
            # A file that exists under no root was generated at build time (a source generator's output, which
            # coverlet names by a deterministic path such as /_/...): its own row.
            project, relative = project_of(path) if path else (
                sources[0] if sources else pathlib.Path('.'), pathlib.PurePosixPath('(generated)', name.name))
            per_line = lines[(package.get('name'), str(project), str(relative))]
            # A line can appear in several <method> elements of a class and in several classes (partial classes,
            # lambdas): keep the best count of each, never their sum.
            for line in cls.iter('line'):
                number = int(line.get('number'))
                hits = int(line.get('hits'))
                covered, total = 0, 0
                if line.get('branch') == 'True':
                    m = CONDITIONS.search(line.get('condition-coverage', ''))
                    if m:
                        covered, total = int(m.group(1)), int(m.group(2))
                old = per_line.get(number, (0, 0, 0))
                per_line[number] = (max(old[0], hits), max(old[1], covered), max(old[2], total))


@functools.lru_cache(maxsize=None)
def holds_project(folder):
    """Whether folder holds a .csproj (asked once per folder: every class of every report lands here)."""
    return any(folder.glob('*.csproj'))


def project_of(path):
    """The folder holding the nearest .csproj above path, and path relative to it; path's parent when there is none."""
    path = path.resolve()
    for folder in path.parents:
        if holds_project(folder):
            return folder, path.relative_to(folder)
    return path.parent, pathlib.PurePosixPath(path.name)


def percent(covered, total):
    return f'{100 * covered / total:5.1f}% ({covered}/{total})' if total else '    -'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--by-file', action='store_true', help='also list every file under its folder')
    args = parser.parse_args()

    lines = defaultdict(dict)
    found = list(reports(args.paths))
    if not found:
        sys.exit('coverage summary: no coverage.cobertura.xml found (did dotnet test run with --collect:"XPlat Code Coverage"?)')
    for report in found:
        read(report, lines)

    packages = {package for package, _, _ in lines}
    rows = defaultdict(lambda: [0, 0, 0, 0])     # row -> lines covered, lines, branches covered, branches
    files = defaultdict(dict)                     # row -> file -> the same four numbers
    for (package, _, name), per_line in lines.items():
        parts = pathlib.PurePosixPath(name).parts
        folder = (parts[0] + '/') if len(parts) > 1 else '(project root)'
        row = f'{package}: {folder}' if len(packages) > 1 else folder
        numbers = [sum(1 for h, _, _ in per_line.values() if h > 0), len(per_line),
                   sum(c for _, c, _ in per_line.values()), sum(t for _, _, t in per_line.values())]
        rows[row] = [a + b for a, b in zip(rows[row], numbers)]
        files[row][name] = numbers

    width = max(len(r) for r in list(rows) + ['total']) + 2
    if args.by_file:
        width = max(width, max(len(f) for fs in files.values() for f in fs) + 4)
    print(f'{"folder":<{width}}{"lines":<22}branches')
    for row in sorted(rows):
        lc, lt, bc, bt = rows[row]
        print(f'{row:<{width}}{percent(lc, lt):<22}{percent(bc, bt)}')
        if args.by_file:
            for name, (lc, lt, bc, bt) in sorted(files[row].items()):
                print(f'{"  " + name:<{width}}{percent(lc, lt):<22}{percent(bc, bt)}')
    total = [sum(r[i] for r in rows.values()) for i in range(4)]
    print(f'{"total":<{width}}{percent(total[0], total[1]):<22}{percent(total[2], total[3])}')


if __name__ == '__main__':
    main()
