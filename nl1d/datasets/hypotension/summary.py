# Copyright (c) nl1d contributors. All rights reserved.
"""What ``convert.py`` kept and left out: the counts of windows,
exclusions, events and splits (``summary.json``), printed readably, and the
error that explains an empty result."""
from collections import Counter
from typing import Dict, List

from . import labels as labels_lib
from . import splits
from . import windows
from .config import ConvertConfig


def _totals(results: List[Dict]) -> Counter:
    """The window and exclusion counts of all recordings, summed."""
    totals: Counter = Counter()
    for result in results:
        totals.update(result['counts'])
    return totals


def empty_result_error(results: List[Dict],
                       args: ConvertConfig) -> RuntimeError:
    """Explain why no window was kept, with the fix."""
    totals = _totals(results)
    read = [r for r in results if r['skipped'] is None]
    if not read:
        return RuntimeError(
            f'no window written: none of the {len(results)} recordings has a '
            f'pressure track ({args.track!r} / {args.channel!r}); pass the '
            'right --track / --channel.')
    if totals['windows'] == 0:
        return RuntimeError(
            f'no window written: the {len(read)} recordings are shorter than '
            f'--window {args.window} s; check the files and --input-rate.')
    reason, count = max(
        ((r, totals[r]) for r in labels_lib.EXCLUSION_REASONS),
        key=lambda item: item[1])
    fixes = {
        'map_range': 'the pressures lie outside --map-min/--map-max: is the '
        'signal in mmHg (not kPa, V or ADC counts)?',
        'censored': f'the recordings end less than --horizon '
        f'{args.horizon:g} min after every window: use longer recordings or '
        'a shorter --horizon.',
        'nan': 'every window has missing samples: check the track and the '
        'file.',
        'flat': 'the signal is flat: check the track.',
        'pulse_pressure': 'the pulse pressure is tiny: is this an arterial '
        'pressure (not CVP/PAP)? Lower --min-pulse-pressure otherwise.',
        'in_event': 'the recordings are hypotensive throughout.',
        'post_event': 'every window follows an event: lower --post-event.',
    }
    return RuntimeError(
        f'no window written: all {totals["windows"]} windows of {len(read)} '
        f'recordings were excluded, most as {reason!r} ({count}): '
        f'{fixes[reason]} Counts: '
        f'{ {r: totals[r] for r in labels_lib.EXCLUSION_REASONS} }.')


def summarise(results: List[Dict], assignment: Dict[str, str],
              args: ConvertConfig) -> Dict:
    """Counts of windows, exclusions, events and splits."""
    totals = _totals(results)
    per_split = {}
    for split in splits.SPLITS:
        rows = [w for r in results if assignment.get(r['patient']) == split
                for w in r['windows']]
        per_split[split] = dict(
            patients=len({p for p, s in assignment.items() if s == split}),
            recordings=len({r['id'] for r in results
                            if assignment.get(r['patient']) == split
                            and r['windows']}),
            windows=len(rows),
            positive=sum(w['label'] for w in rows))
    train = per_split['train']
    negatives = train['windows'] - train['positive']
    return dict(
        recordings=len(results),
        skipped=sum(r['skipped'] is not None for r in results),
        hours=round(sum(r['hours'] for r in results), 2),
        events=sum(r['events'] for r in results),
        windows=int(totals['windows']),
        positive=int(totals['positive']),
        negative=int(totals['negative']),
        excluded={r: int(totals[r]) for r in labels_lib.EXCLUSION_REASONS},
        splits=per_split,
        class_weight=[1.0, round(negatives / train['positive'], 1)]
        if train['positive'] else None,
        label_definition=vars(windows.label_config(args)),
        rate=args.rate,
        window=args.window,
        stride=args.stride)


def print_summary(summary: Dict, args: ConvertConfig) -> None:
    """The summary as a few readable lines."""
    kept = summary['positive'] + summary['negative']
    excluded = sum(summary['excluded'].values())
    print(f'\n{summary["recordings"] - summary["skipped"]} recordings read '
          f'({summary["hours"]:.1f} h), {summary["skipped"]} skipped without '
          f'a pressure track; {summary["events"]} hypotensive events (MAP < '
          f'{args.threshold:g} mmHg for >= {args.min_duration} s)')
    print(f'{summary["windows"]} windows of {args.window} s every '
          f'{args.stride} s: {kept} kept ({summary["positive"]} positive = '
          f'event within {args.horizon:g} min, {summary["negative"]} '
          f'negative; prevalence {summary["positive"] / max(kept, 1):.3f}), '
          f'{excluded} excluded:')
    for reason, count in summary['excluded'].items():
        print(f'  {reason:<16}{count:>8}')
    for split, row in summary['splits'].items():
        print(f'{split:<6} {row["patients"]:>5} patients '
              f'{row["recordings"]:>5} recordings {row["windows"]:>8} '
              f'windows {row["positive"]:>7} positive')
    if summary['class_weight']:
        print(f'class weight for the training split (negatives / positives): '
              f"loss_cls=dict(type='CrossEntropyLoss', class_weight="
              f'{summary["class_weight"]})')
