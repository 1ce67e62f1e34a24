#!/usr/bin/env python3
"""Mutation score per file today, from full Stryker runs and later re-runs over surviving lines.

Each mutant of a full run keeps its outcome, except that an undetected one counts as detected when a re-run (see
survivor_spans.py) killed the same mutant: same file, same line text, same mutator, same replacement. Mutants of lines
that no longer exist are dropped; mutants of lines that are new since the full run are taken from the re-runs.
Prints a markdown table per file and the folder totals, and writes the undetected mutants as JSON (--undetected).

    python3 tools/Mutation/score.py --full loop.json nursery.json --rerun rerun.json --undetected left.json
"""
import argparse
import collections
import json
import pathlib

DETECTED = ('Killed', 'Timeout')
UNDETECTED = ('Survived', 'NoCoverage')


def relative(path):
    return path[path.index('/Nursery/') + len('/Nursery/'):]


def mutants(report_path):
    """(file, line number, line text, mutator, replacement, status) of every mutant in a report."""
    report = json.loads(pathlib.Path(report_path).read_text())
    for file, data in report['files'].items():
        source = data['source'].split('\n')
        for m in data['mutants']:
            line = m['location']['start']['line']
            yield relative(file), line, source[line - 1].strip(), m['mutatorName'], m.get('replacement'), m['status']


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--full', nargs='+', required=True, help='reports of full runs')
    parser.add_argument('--rerun', nargs='*', default=[], help='reports of re-runs over surviving lines')
    parser.add_argument('--folders', nargs='+', default=['Loop', 'Nursery'])
    parser.add_argument('--library', default='Nursery')
    parser.add_argument('--undetected', help='write the mutants still undetected here (JSON)')
    args = parser.parse_args()

    def current_lines(file):
        path = pathlib.Path(args.library) / file
        return {l.strip() for l in path.read_text(encoding='utf-8-sig').split('\n')} if path.exists() else set()

    # Per re-run: the outcomes of the mutants it tested (a re-run lists the others of a file as Ignored), by line.
    reruns = []
    for report in args.rerun:
        tested = collections.defaultdict(list)
        for file, line, text, mutator, replacement, status in mutants(report):
            if status in DETECTED + UNDETECTED:
                tested[(file, text, mutator, replacement)].append((status, line))
        for outcomes in tested.values():
            outcomes.sort(key=lambda outcome: outcome[1])
        reruns.append(tested)

    def detected_again(key, index):
        """Whether a re-run detected the mutant: the index-th of its identical lines there, if it has that many."""
        for tested in reruns:
            outcomes = tested.get(key, [])
            again = [outcomes[index]] if len(outcomes) > index else outcomes
            if any(status in DETECTED for status, _ in again):
                return True
        return False

    counts = collections.defaultdict(collections.Counter)
    seen, left = set(), []
    lines_of = {}
    occurrence = collections.Counter()
    for report in args.full:
        for file, line, text, mutator, replacement, status in sorted(mutants(report), key=lambda m: (m[0], m[1])):
            if file.split('/')[0] not in args.folders or status not in DETECTED + UNDETECTED:
                continue
            lines = lines_of.setdefault(file, current_lines(file))
            if text not in lines:
                counts[file]['dropped'] += 1
                continue
            key = (file, text, mutator, replacement)
            seen.add(key)
            index = occurrence[key]
            occurrence[key] += 1
            # The same mutant of a line that occurs twice (two identical null checks): occurrences pair up in order.
            if status in DETECTED:
                counts[file]['detected'] += 1
            elif detected_again(key, index):
                counts[file]['killed since'] += 1
            else:
                counts[file]['undetected'] += 1
                left.append(dict(file=file, line=line, text=text, mutator=mutator, replacement=replacement, status=status))
    # Mutants of lines that are new since the full runs: the latest re-run that tested them has the last word.
    newest = {}
    for tested in reruns:
        newest.update(tested)
    for key, outcomes in newest.items():
        file, text, mutator, replacement = key
        if key in seen or file.split('/')[0] not in args.folders:
            continue
        if text not in lines_of.setdefault(file, current_lines(file)):
            continue
        for status, line in outcomes:
            if status in DETECTED:
                counts[file]['killed since'] += 1
            elif status in UNDETECTED:
                counts[file]['undetected'] += 1
                left.append(dict(file=file, line=line, text=text, mutator=mutator, replacement=replacement, status=status))

    print('| file | score | detected | of which by tests since the full run | undetected |')
    print('| --- | ---: | ---: | ---: | ---: |')
    totals = collections.defaultdict(collections.Counter)
    for file in sorted(counts):
        c = counts[file]
        detected, undetected = c['detected'] + c['killed since'], c['undetected']
        if detected + undetected == 0:
            continue
        totals[file.split('/')[0]].update(c)
        totals['both folders'].update(c)
        print(f"| `{file}` | {100 * detected / (detected + undetected):.1f} % | {detected} | {c['killed since']} | {undetected} |")
    print()
    for name, c in totals.items():
        detected, undetected = c['detected'] + c['killed since'], c['undetected']
        print(f"- {name}: **{100 * detected / (detected + undetected):.1f} %** ({detected} of {detected + undetected} detected; "
              f"{c['killed since']} by tests written after the full run; {c['dropped']} mutants of removed lines dropped)")
    if args.undetected:
        pathlib.Path(args.undetected).write_text(json.dumps(left, indent=1))


if __name__ == '__main__':
    main()
