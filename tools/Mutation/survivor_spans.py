#!/usr/bin/env python3
"""Stryker --mutate patterns for a re-run over the lines where mutants survived.

A full Stryker run of a folder takes an hour here; after writing tests for its survivors, only their lines need
mutating again. Stryker.NET takes a span after a glob, in character offsets: '**/Loop/X.cs{120..180}'. This prints one
pattern per file, covering every line of the current source whose text is the text of a line that had a surviving or
uncovered mutant in the given reports (text, not line numbers, so that edits elsewhere in the file do not matter).

    python3 tools/Mutation/survivor_spans.py artifacts/mutation/reports/mutation-report.json > spans.txt
    cd Nursery.Tests && dotnet stryker -f ../stryker-config.json $(sed 's/^/--mutate /' ../spans.txt)
"""
import argparse
import collections
import json
import pathlib


def relative(path: str) -> str:
    """'…/Nursery/Loop/X.cs' → 'Loop/X.cs' (the path under the library project)."""
    return path[path.index('/Nursery/') + len('/Nursery/'):]


def surviving_lines(report_paths):
    lines = collections.defaultdict(set)
    for report_path in report_paths:
        report = json.loads(pathlib.Path(report_path).read_text())
        for file, data in report['files'].items():
            source = data['source'].split('\n')
            for mutant in data['mutants']:
                if mutant['status'] in ('Survived', 'NoCoverage'):
                    lines[relative(file)].add(source[mutant['location']['start']['line'] - 1].strip())
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('reports', nargs='+', help='mutation-report.json files of earlier runs')
    parser.add_argument('--library', default='Nursery', help='the library project folder (default: Nursery)')
    args = parser.parse_args()
    for file, texts in sorted(surviving_lines(args.reports).items()):
        path = pathlib.Path(args.library) / file
        if not path.exists():
            continue
        source = path.read_text(encoding='utf-8-sig').split('\n')
        offset, spans = 0, []
        for line in source:
            if line.strip() and line.strip() in texts:
                spans.append(f'{{{offset}..{offset + len(line)}}}')
            offset += len(line) + 1
        if spans:
            print(f"**/{file}{''.join(spans)}")


if __name__ == '__main__':
    main()
