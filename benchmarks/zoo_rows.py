# Copyright (c) nl1d contributors. All rights reserved.
"""The rows of the model zoo: which config, which data, which checkpoint is
tested, and the published numbers beside it.

A row is trained with ``tools/train.py CONFIG --seed 0 --amp`` (its
``random_seed`` when it names one) and tested with ``tools/test.py CONFIG
CKPT --dump result.pkl`` by ``benchmarks/model_zoo.py``. A row whose config
is a released recipe names its dataset folder as ``released``
(``configs/nl1d/<released>/``): the README and metafile.yml there show it;
every row is in the tables of ``benchmarks/README.md``.
"""
from typing import Dict, List

CONFIGS = 'configs/nl1d'
BENCHMARKS = 'benchmarks/configs'

#: How each dataset is prepared from the shared data folder (``{shared}``):
#: (annotation file that proves it is done, converter command).
DATA: Dict[str, tuple] = {
    'cinc2017': ('data/cinc2017/test.txt', [
        'tools/data/cinc2017/convert.py', '--src', '{shared}/cinc2017-af',
        '--out', 'data/cinc2017', '--rate', '100'
    ]),
    'apnea_ecg_rr': ('data/apnea_ecg_rr/test.txt', [
        'tools/data/apnea_ecg/convert.py', '--src', '{shared}/apnea-ecg',
        '--out', 'data/apnea_ecg_rr', '--signal', 'rr'
    ]),
}

#: UCR sets: (name, published ResNet accuracy, best published deep model
#: and its accuracy): Fawaz et al., DMKD 2019 (the mean of 5 runs of their
#: ResNet); InceptionTime, Ismail Fawaz et al. 2020.
UCR_SETS = [
    ('ECG200', 87.4, 'InceptionTime', 93.0),
    ('TwoLeadECG', 100.0, 'ResNet', 100.0),
    ('ECGFiveDays', 96.6, 'InceptionTime', 100.0),
    ('Earthquakes', 71.2, 'Inception', 74.2),
    ('HouseTwenty', 98.3, 'ResNet', 98.3),
    ('Computers', 80.6, 'FCN', 81.9),
    ('WormsTwoClass', 74.8, 'InceptionTime', 79.2),
    ('PigArtPressure', 99.1, 'InceptionTime', 99.5),
]
for _name, *_ in UCR_SETS:
    DATA[f'ucr-{_name}'] = (f'data/ucr/{_name}/test.txt', [
        'tools/data/ucr/convert.py', '--src', '{shared}/ucr', '--dataset',
        _name, '--out', f'data/ucr/{_name}'
    ])
PUBLISHED = {name: {'ResNet': resnet, best_model: best}
             for name, resnet, best_model, best in UCR_SETS}

#: The two models of every recipe: (config prefix, name in the tables).
MODELS = (('nl_r18_res5', 'NL R18 (res5)'), ('r18', 'R18'))

#: UCR rows without slices also trained with seeds 1 and 2 (group
#: ``ucr-seed``): the published ResNet is a mean over runs, a zoo row one
#: seed, so where a row is far below the published number its 3-seed mean
#: is the fair comparison.
UCR_SEED_ROWS = [('Earthquakes', 'nl_r18_res5', 'NL R18 (res5)'),
                 ('Earthquakes', 'r18', 'R18'),
                 ('PigArtPressure', 'nl_r18_res5', 'NL R18 (res5)'),
                 ('Computers', 'r18', 'R18'),
                 ('WormsTwoClass', 'r18', 'R18')]

#: Rows renamed since they were published: old name -> new name.
RENAMED = {
    f'seed-cinc2017-af-20s-{prefix}': f'cinc2017-af-20s-{prefix}'
    for prefix in ['r18', 'r34', 'r50'] + [
        f'nl_r{d}_res{p}' for d in (18, 34, 50) for p in (2, 3, 4, 5)]
}

#: The test numbers of a recipe chosen with the test split in view are
#: marked (the metric keys a row's ``test_seen`` names).
UCR_TEST_SEEN = ('thr_acc/accuracy', 'auc/auroc')
THRESHOLD_TEST_SEEN = ('thr_acc/sensitivity', 'thr_acc/specificity',
                       'thr_acc/accuracy')


def _row(name: str, group: str, dataset: str, model: str, config: str,
         data: str, checkpoint: str, **extra) -> dict:
    """One row of the zoo (see the module docstring)."""
    return dict(name=name, group=group, dataset=dataset, model=model,
                config=config, data=data, checkpoint=checkpoint, **extra)


def _model_name(depth: int, position: str) -> str:
    """``NL R34 (res3)`` / ``R34``."""
    return f'R{depth}' if position == 'none' else f'NL R{depth} ({position})'


def _ucr_rows() -> List[dict]:
    """Each UCR set with both models: window slicing (the released recipe,
    group ``ucr-wslice``) and whole series (``ucr``)."""
    rows = []
    for name in PUBLISHED:
        low = name.lower()
        for prefix, model in MODELS:
            rows.append(_row(
                f'ucr-{low}-{prefix}', 'ucr', name, model,
                f'{BENCHMARKS}/ucr/{prefix}_1xb16-500e_ucr-{low}.py',
                f'ucr-{name}', 'last', published=PUBLISHED[name],
                recipe='the UCR recipe on whole series'))
    for name in PUBLISHED:
        low = name.lower()
        for prefix, model in MODELS:
            rows.append(_row(
                f'ucr-{low}-{prefix}-wslice', 'ucr-wslice', name, model,
                f'{CONFIGS}/ucr/{prefix}_1xb16-500e-wslice_ucr-{low}.py',
                f'ucr-{name}', 'last', published=PUBLISHED[name],
                recipe='the UCR recipe (window slicing)', released='ucr',
                test_seen=UCR_TEST_SEEN))
    return rows


def _ucr_seed_rows(finals: Dict[str, dict]) -> List[dict]:
    """Seeds 1 and 2 of :data:`UCR_SEED_ROWS` and of every window-slicing
    row (group ``ucr-seed``); ``finals`` are the seed-0 rows by name."""
    bases = [f'ucr-{name.lower()}-{prefix}'
             for name, prefix, _ in UCR_SEED_ROWS]
    bases += [name for name, row in finals.items()
              if row['group'] == 'ucr-wslice']
    rows = []
    for base in bases:
        final = finals[base]
        model = final['model'] + (', window slicing'
                                  if base.endswith('-wslice') else '')
        rows += [_row(
            f'{base}-seed{seed}', 'ucr-seed', final['dataset'], model,
            final['config'], final['data'], 'last', random_seed=seed,
            published=final['published'], base=base) for seed in (1, 2)]
    return rows


def _cinc2017_rows() -> List[dict]:
    """CinC 2017 AF vs the rest: the four-rhythm recipe on 20-s windows
    and on whole records (released), its seeds and their fusion, and 30-s
    windows for 40 epochs."""
    rhythms = f'{CONFIGS}/cinc2017/%s_1xb32-20e_cinc2017-rhythms-20s.py'
    rows = [_row(
        f'cinc2017-rhythms-20s-{prefix}', 'cinc2017', 'CinC 2017 AF vs rest',
        model, rhythms % prefix, 'cinc2017', 'best', released='cinc2017',
        recipe='20-s windows, 20 epochs, trained on the four rhythms')
        for prefix, model in MODELS]
    whole = f'{CONFIGS}/cinc2017/%s_1xb32-20e_cinc2017-rhythms-whole.py'
    rows += [_row(
        f'cinc2017-rhythms-whole-{prefix}', 'cinc2017',
        'CinC 2017 AF vs rest', model, whole % prefix, 'cinc2017', 'best',
        released='cinc2017',
        recipe='whole records (9-61 s, padded batches, masked), 20 epochs, '
        'trained on the four rhythms')
        for prefix, model in MODELS]
    for seed in (1, 2):  # how much of a row is its random seed
        rows.append(_row(
            f'cinc2017-rhythms-20s-nl_r18_res5-seed{seed}', 'cinc2017',
            'CinC 2017 AF vs rest', 'NL R18 (res5)',
            rhythms % 'nl_r18_res5', 'cinc2017', 'best', random_seed=seed,
            recipe=f'the same, `--seed {seed}`'))
    rows.append(_row(
        'cinc2017-rhythms-20s-nl_r18_res5-fusion3', 'cinc2017',
        'CinC 2017 AF vs rest', 'NL R18 (res5) x 3', rhythms % 'nl_r18_res5',
        'cinc2017', 'best', recipe='score fusion of the three seeds above',
        members=['cinc2017-rhythms-20s-nl_r18_res5'] + [
            f'cinc2017-rhythms-20s-nl_r18_res5-seed{s}' for s in (1, 2)]))
    rows += _rr_rows(rhythms)
    for prefix, model in MODELS:
        rows.append(_row(
            f'cinc2017-af-{prefix}', 'cinc2017', 'CinC 2017 AF vs rest',
            model, f'{BENCHMARKS}/cinc2017/{prefix}_1xb32-40e_cinc2017-af.py',
            'cinc2017', 'best', recipe='30-s windows, 40 epochs'))
    return rows


def _rr_rows(rhythms: str) -> List[dict]:
    """The field's network-free reference (RR intervals of the whole
    record, ``tools/analysis/rr_baseline.py``, trained on AF vs the rest)
    and each seed of the recipe fused with it: their log-odds mixed with
    the weight that the validation AUROC chooses."""
    rows = [_row(
        'cinc2017-rr-baseline', 'cinc2017', 'CinC 2017 AF vs rest',
        'RR baseline (no network)',
        f'{BENCHMARKS}/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py',
        'cinc2017', 'best', baseline='tools/analysis/rr_baseline.py',
        recipe='RR-irregularity features of the whole record, gradient '
        'boosting')]
    for prefix, model, seed in (('nl_r18_res5', 'NL R18 (res5)', 0),
                                ('nl_r18_res5', 'NL R18 (res5)', 1),
                                ('nl_r18_res5', 'NL R18 (res5)', 2),
                                ('r18', 'R18', 0)):
        member = f'cinc2017-rhythms-20s-{prefix}' + (f'-seed{seed}'
                                                     if seed else '')
        rows.append(_row(
            f'{member}-rr', 'cinc2017', 'CinC 2017 AF vs rest',
            f'{model} + RR baseline', rhythms % prefix, 'cinc2017', 'best',
            recipe=f'log-odds fusion of the seed-{seed} model and the RR '
            'baseline, weight chosen on validation',
            members=[member, 'cinc2017-rr-baseline'],
            fusion=['--mean', 'geometric', '--choose-coefficients']))
    return rows


def _depth_position_rows() -> List[dict]:
    """CinC 2017 AF vs the rest, 20-s windows: R18/R34/R50 with one
    non-local block at res2-res5 or none (group ``depth-position``); the
    R18 cells without a block and at res5 are released recipes."""
    rows = []
    for depth in (18, 34, 50):
        for position in ('none', 'res2', 'res3', 'res4', 'res5'):
            prefix = f'r{depth}' if position == 'none' else \
                f'nl_r{depth}_{position}'
            released = depth == 18 and position in ('none', 'res5')
            folder = CONFIGS if released else BENCHMARKS
            rows.append(_row(
                f'cinc2017-af-20s-{prefix}', 'depth-position',
                'CinC 2017 AF vs rest, 20-s windows',
                _model_name(depth, position),
                f'{folder}/cinc2017/{prefix}_1xb32-20e_cinc2017-af-20s.py',
                'cinc2017', 'best', depth=depth, position=position,
                recipe='20-s windows, 20 epochs, trained on AF vs the rest',
                **(dict(released='cinc2017') if released else {})))
    return rows


def _apnea_rows() -> List[dict]:
    """Apnea-ECG per minute from RR intervals; the arg-max threshold was
    adopted after a validation threshold had been tested."""
    return [_row(
        f'apnea-ecg-rr-{prefix}', 'apnea', 'Apnea-ECG per minute (RR)', model,
        f'{CONFIGS}/apnea_ecg/{prefix}_1xb64-30e_apnea-ecg-rr.py',
        'apnea_ecg_rr', 'best', released='apnea_ecg',
        test_seen=THRESHOLD_TEST_SEEN) for prefix, model in MODELS]


def _ucr_ablation_rows() -> List[dict]:
    """One-change ablations of the UCR recipe without slices."""
    ablation = f'{BENCHMARKS}/ablations/'
    rows = []
    for low, name in (('ecg200', 'ECG200'), ('housetwenty', 'HouseTwenty')):
        for variant, what in (
                ('1xb16-sgd-step-50e-imagenet-stem', 'the paper\'s recipe: '
                 'SGD lr 0.04 (the 8xb32 lr on one process), step decay, 50 '
                 'epochs, ImageNet stem'),
                ('1xb16-sgd-step-50e', '... with the no-downsampling stem'),
                ('1xb16-50e', 'AdamW + cosine, 50 epochs'),
        ):
            rows.append(_row(
                f'ablation-ucr-{low}-{variant}', 'ablation', name,
                'NL R18 (res5)',
                f'{ablation}nl_r18_res5_{variant}_ucr-{low}.py',
                f'ucr-{name}', 'last', what=what, metric='thr_acc/accuracy'))
    for low, name in (('twoleadecg', 'TwoLeadECG'),
                      ('ecgfivedays', 'ECGFiveDays')):
        rows.append(_row(
            f'ablation-ucr-{low}-1xb16-500e-strides-1222', 'ablation', name,
            'NL R18 (res5)',
            f'{ablation}nl_r18_res5_1xb16-500e-strides-1222_ucr-{low}.py',
            f'ucr-{name}', 'last', what='res3-res5 downsample (x8) on 23 '
            'training series', metric='thr_acc/accuracy'))
    for low, name in (('pigartpressure', 'PigArtPressure'),
                      ('housetwenty', 'HouseTwenty')):
        for prefix, model in MODELS:
            rows.append(_row(
                f'ablation-ucr-{low}-{prefix}-1xb16-500e-imagenet-stem',
                'ablation', name, model,
                f'{ablation}{prefix}_1xb16-500e-imagenet-stem_ucr-{low}.py',
                f'ucr-{name}', 'last',
                what='ImageNet stem (x32) on 2000-sample series',
                metric='thr_acc/accuracy'))
    return rows


def _cinc2017_ablation_rows() -> List[dict]:
    """One-change ablations of the CinC 2017 recipes."""
    ablation = f'{BENCHMARKS}/ablations/nl_r18_res5_'
    rows = [_row(
        'ablation-cinc2017-af-1xb32-sgd-step-40e', 'ablation',
        'CinC 2017 AF vs rest', 'NL R18 (res5)',
        f'{ablation}1xb32-sgd-step-40e_cinc2017-af.py', 'cinc2017', 'best',
        what='the paper\'s recipe: SGD lr 0.04 (the 8xb32 lr on one '
        'process), step decay', metric='auc/auroc')]
    rows.append(_row(
        'ablation-cinc2017-af-20s-1xb32-20e-classweight', 'ablation',
        'CinC 2017 AF vs rest, 20-s windows', 'NL R18 (res5)',
        f'{ablation}1xb32-20e-classweight_cinc2017-af-20s.py', 'cinc2017',
        'best', what='class-weighted loss (1 : 9.1)', metric='auc/auroc'))
    for variant, what in (
            ('40e', '40 epochs instead of 20 (four rhythms)'),
            ('20e-stem-x16', 'stride-1 stem, max-pool kept (x16)'),
            ('20e-aug', '+ baseline wander, random 2-s masks'),
            ('20e-lr3e-3', 'AdamW lr 3e-3 instead of 1e-3'),
            ('20e-labelsmooth', 'label smoothing 0.1'),
            ('20e-ema', 'weights averaged (EMA, 3-epoch time constant)'),
    ):
        rows.append(_row(
            f'ablation-cinc2017-rhythms-20s-1xb32-{variant}', 'ablation',
            'CinC 2017 AF vs rest', 'NL R18 (res5)',
            f'{ablation}1xb32-{variant}_cinc2017-rhythms-20s.py', 'cinc2017',
            'best', what=what, metric='auc/auroc',
            base='cinc2017-rhythms-20s-nl_r18_res5'))
    return rows


def _rows() -> List[dict]:
    """Every row, in the order of the tables."""
    ucr = _ucr_rows()
    rows = ucr + _ucr_seed_rows({row['name']: row for row in ucr})
    rows += _cinc2017_rows() + _depth_position_rows() + _apnea_rows()
    return rows + _ucr_ablation_rows() + _cinc2017_ablation_rows()


#: Every row, by name.
ROWS: Dict[str, dict] = {row['name']: row for row in _rows()}
