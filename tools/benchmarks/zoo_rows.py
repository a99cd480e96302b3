# Copyright (c) nl1d contributors. All rights reserved.
"""The rows of the model zoo (configs/nl1d/README.md): which config, which
data, which checkpoint is tested, and the published numbers beside it.

Each row is trained with ``tools/train.py CONFIG --seed 0 --amp`` (its
``random_seed`` when it names one) and tested
with ``tools/test.py CONFIG CKPT --dump result.pkl`` by
``tools/benchmarks/model_zoo.py``.
"""
from typing import Dict, List

#: How each dataset is prepared from ``../shared/data`` (``{shared}``):
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
#: and its accuracy), from ../shared/data/ucr/README.md (Fawaz et al. 2019;
#: InceptionTime, Ismail Fawaz et al. 2020).
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


#: UCR rows also trained with seeds 1 and 2 (group ``ucr-seed``): the
#: published ResNet is a mean over runs, a zoo row one seed, so where a row
#: is far below the published number its 3-seed mean is the fair comparison.
UCR_SEED_ROWS = [('Earthquakes', 'nl_r18_res5', 'NL R18 (res5)'),
                 ('Earthquakes', 'r18', 'R18'),
                 ('PigArtPressure', 'nl_r18_res5', 'NL R18 (res5)'),
                 ('Computers', 'r18', 'R18'),
                 ('WormsTwoClass', 'r18', 'R18')]


def _row(name: str, group: str, dataset: str, model: str, config: str,
         data: str, checkpoint: str, **extra) -> dict:
    """One row of the zoo (see the module docstring)."""
    return dict(name=name, group=group, dataset=dataset, model=model,
                config=config, data=data, checkpoint=checkpoint, **extra)


def _model_name(depth: int, position: str) -> str:
    """``R34 + NL res3`` / ``R34``."""
    return f'R{depth}' + ('' if position == 'none' else f' + NL {position}')


def _rows() -> List[dict]:
    rows = []
    published = {name: {'ResNet': resnet, best_model: best}
                 for name, resnet, best_model, best in UCR_SETS}
    for name in published:
        low = name.lower()
        for model, prefix in (('NL R18 (res5)', 'nl_r18_res5'),
                              ('R18', 'r18')):
            rows.append(_row(
                f'ucr-{low}-{prefix}', 'ucr', name, model,
                f'configs/nl1d/ucr/{prefix}_1xb16-500e_ucr-{low}.py',
                f'ucr-{name}', 'last',
                published=published[name]))
    for name, prefix, model in UCR_SEED_ROWS:
        low = name.lower()
        for seed in (1, 2):
            rows.append(_row(
                f'ucr-{low}-{prefix}-seed{seed}', 'ucr-seed', name, model,
                f'configs/nl1d/ucr/{prefix}_1xb16-500e_ucr-{low}.py',
                f'ucr-{name}', 'last', random_seed=seed,
                published=published[name], base=f'ucr-{low}-{prefix}'))
    for prefix, model in (('nl_r18_res5', 'NL R18 (res5)'), ('r18', 'R18')):
        rows.append(_row(
            f'cinc2017-rhythms-20s-{prefix}', 'cinc2017',
            'CinC 2017 AF vs rest', model,
            f'configs/nl1d/cinc2017/{prefix}_1xb32-20e_cinc2017-rhythms-'
            '20s.py', 'cinc2017', 'best',
            recipe='20-s windows, 20 epochs, trained on the four rhythms'))
    for seed in (1, 2):  # how much of a row is its random seed
        rows.append(_row(
            f'cinc2017-rhythms-20s-nl_r18_res5-seed{seed}', 'cinc2017',
            'CinC 2017 AF vs rest', 'NL R18 (res5)',
            'configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-'
            '20s.py', 'cinc2017', 'best', random_seed=seed,
            recipe=f'the same, `--seed {seed}`'))
    rows.append(_row(
        'cinc2017-rhythms-20s-nl_r18_res5-fusion3', 'cinc2017',
        'CinC 2017 AF vs rest', 'NL R18 (res5) x 3',
        'configs/nl1d/cinc2017/nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py',
        'cinc2017', 'best', recipe='score fusion of the three seeds above',
        members=['cinc2017-rhythms-20s-nl_r18_res5'] + [
            f'cinc2017-rhythms-20s-nl_r18_res5-seed{s}' for s in (1, 2)]))
    # The field's network-free reference, and each seed of the recipe fused
    # with it: the RR intervals of the whole record (rr_baseline.py, trained
    # on AF vs the rest), the network's 20-s windows, their log-odds mixed
    # with the weight that the validation AUROC chooses.
    rows.append(_row(
        'cinc2017-rr-baseline', 'cinc2017', 'CinC 2017 AF vs rest',
        'RR baseline (no network)',
        'configs/nl1d/cinc2017/nl_r18_res5_1xb32-40e_cinc2017-af.py',
        'cinc2017', 'best', baseline='tools/analysis/rr_baseline.py',
        recipe='RR-irregularity features of the whole record, gradient '
        'boosting'))
    for prefix, model, seed in (('nl_r18_res5', 'NL R18 (res5)', 0),
                                ('nl_r18_res5', 'NL R18 (res5)', 1),
                                ('nl_r18_res5', 'NL R18 (res5)', 2),
                                ('r18', 'R18', 0)):
        member = f'cinc2017-rhythms-20s-{prefix}' + (f'-seed{seed}'
                                                     if seed else '')
        rows.append(_row(
            f'{member}-rr', 'cinc2017', 'CinC 2017 AF vs rest',
            f'{model} + RR baseline',
            f'configs/nl1d/cinc2017/{prefix}_1xb32-20e_cinc2017-rhythms-'
            '20s.py', 'cinc2017', 'best',
            recipe=f'log-odds fusion of the seed-{seed} model and the RR '
            'baseline, weight chosen on validation',
            members=[member, 'cinc2017-rr-baseline'],
            fusion=['--mean', 'geometric', '--choose-coefficients']))
    for prefix, model in (('nl_r18_res5', 'NL R18 (res5)'), ('r18', 'R18')):
        rows.append(_row(
            f'cinc2017-af-{prefix}', 'cinc2017', 'CinC 2017 AF vs rest',
            model, f'configs/nl1d/cinc2017/{prefix}_1xb32-40e_cinc2017-af.py',
            'cinc2017', 'best', recipe='30-s windows, 40 epochs'))
    for depth in (18, 34, 50):
        for position in ('none', 'res2', 'res3', 'res4', 'res5'):
            prefix = f'r{depth}' if position == 'none' else \
                f'nl_r{depth}_{position}'
            config = f'configs/nl1d/cinc2017/{prefix}_1xb32-20e_' \
                'cinc2017-af-20s.py'
            rows.append(_row(
                f'seed-cinc2017-af-20s-{prefix}', 'seed',
                'CinC 2017 AF vs rest, 20-s windows',
                _model_name(depth, position), config, 'cinc2017', 'best',
                depth=depth, position=position,
                recipe='20-s windows, 20 epochs, trained on AF vs the rest'))
    for prefix, model in (('nl_r18_res5', 'NL R18 (res5)'), ('r18', 'R18')):
        rows.append(_row(
            f'apnea-ecg-rr-{prefix}', 'apnea', 'Apnea-ECG per minute (RR)',
            model,
            f'configs/nl1d/apnea_ecg/{prefix}_1xb64-30e_apnea-ecg-rr.py',
            'apnea_ecg_rr', 'best'))
    ablation = 'configs/nl1d/ablations/nl_r18_res5_'
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
                'NL R18 (res5)', f'{ablation}{variant}_ucr-{low}.py',
                f'ucr-{name}', 'last', what=what,
                metric='thr_acc/accuracy'))
    for low, name in (('twoleadecg', 'TwoLeadECG'),
                      ('ecgfivedays', 'ECGFiveDays')):
        rows.append(_row(
            f'ablation-ucr-{low}-1xb16-500e-strides-1222', 'ablation', name,
            'NL R18 (res5)', f'{ablation}1xb16-500e-strides-1222_ucr-{low}.py',
            f'ucr-{name}', 'last', what='res3-res5 downsample (x8) on 23 '
            'training series', metric='thr_acc/accuracy'))
    for low, name in (('pigartpressure', 'PigArtPressure'),
                      ('housetwenty', 'HouseTwenty')):
        for prefix, model in (('nl_r18_res5', 'NL R18 (res5)'),
                              ('r18', 'R18')):
            rows.append(_row(
                f'ablation-ucr-{low}-{prefix}-1xb16-500e-imagenet-stem',
                'ablation', name, model,
                f'configs/nl1d/ablations/{prefix}_1xb16-500e-imagenet-stem_'
                f'ucr-{low}.py', f'ucr-{name}', 'last',
                what='ImageNet stem (x32) on 2000-sample series',
                metric='thr_acc/accuracy'))
    # Every window-slicing row is also trained with seeds 1 and 2 (group
    # ``ucr-seed``, listed after the seed-0 rows).
    wslice_seeds = []
    for name in published:
        low = name.lower()
        for prefix, model in (('nl_r18_res5', 'NL R18 (res5)'),
                              ('r18', 'R18')):
            config = f'configs/nl1d/ucr/{prefix}_1xb16-500e-wslice_ucr-' \
                f'{low}.py'
            rows.append(_row(
                f'ucr-{low}-{prefix}-wslice', 'ucr-wslice', name, model,
                config, f'ucr-{name}', 'last', published=published[name]))
            wslice_seeds += [_row(
                f'ucr-{low}-{prefix}-wslice-seed{seed}', 'ucr-seed', name,
                f'{model}, window slicing', config, f'ucr-{name}', 'last',
                random_seed=seed, published=published[name],
                base=f'ucr-{low}-{prefix}-wslice') for seed in (1, 2)]
    rows += wslice_seeds
    rows.append(_row(
        'ablation-cinc2017-af-1xb32-sgd-step-40e', 'ablation',
        'CinC 2017 AF vs rest', 'NL R18 (res5)',
        f'{ablation}1xb32-sgd-step-40e_cinc2017-af.py', 'cinc2017', 'best',
        what='the paper\'s recipe: SGD lr 0.04 (the 8xb32 lr on one '
        'process), step decay', metric='auc/auroc'))
    rows.append(_row(
        'ablation-cinc2017-af-20s-1xb32-20e-classweight', 'ablation',
        'CinC 2017 AF vs rest, 20-s windows', 'R18 + NL res5',
        f'{ablation}1xb32-20e-classweight_cinc2017-af-20s.py', 'cinc2017',
        'best', what='class-weighted loss (1 : 9.1)', metric='auc/auroc'))
    rows.append(_row(
        'ablation-cinc2017-rhythms-20s-1xb32-40e', 'ablation',
        'CinC 2017 AF vs rest', 'NL R18 (res5)',
        f'{ablation}1xb32-40e_cinc2017-rhythms-20s.py', 'cinc2017', 'best',
        what='40 epochs instead of 20 (four rhythms)', metric='auc/auroc',
        base='cinc2017-rhythms-20s-nl_r18_res5'))
    for variant, what in (
            ('stem-x16', 'stride-1 stem, max-pool kept (x16)'),
            ('aug', '+ baseline wander, random 2-s masks'),
            ('lr3e-3', 'AdamW lr 3e-3 instead of 1e-3'),
            ('labelsmooth', 'label smoothing 0.1'),
            ('ema', 'weights averaged (EMA, 3-epoch time constant)'),
    ):
        rows.append(_row(
            f'ablation-cinc2017-rhythms-20s-1xb32-20e-{variant}', 'ablation',
            'CinC 2017 AF vs rest', 'NL R18 (res5)',
            f'{ablation}1xb32-20e-{variant}_cinc2017-rhythms-20s.py',
            'cinc2017', 'best', what=what, metric='auc/auroc',
            base='cinc2017-rhythms-20s-nl_r18_res5'))
    return rows


#: Every row, by name.
ROWS: Dict[str, dict] = {row['name']: row for row in _rows()}
