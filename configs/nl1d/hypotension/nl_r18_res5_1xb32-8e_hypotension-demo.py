# The hypotension demo (tools/data/hypotension/README.md): the seed model
# on the SIMULATED set of tools/data/hypotension/simulate.py, trained for 8
# epochs instead of 30 so that it runs in minutes on a 2-core CPU.
_base_ = ['nl_r18_res5_1xb32-30e_hypotension.py']

max_epochs = 8
warmup_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
