# CinC 2017 AF vs the rest from whole records of any length (9-61 s): a
# non-local R18 (one block after res5, which relates every position of the
# record to every other, padding masked) trained on the challenge's four
# rhythms (train_4cls.txt) and scored by the probability of AF; AdamW +
# cosine for 20 epochs, the checkpoint with the best validation AUROC tested.
_base_ = [
    '../../_base_/models/nl_r18_res5.py',
    '../../_base_/datasets/cinc2017_whole.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        non_local_cfg=dict(
            _delete_=True,
            mode='embedded_gaussian',
            use_scale=True,
            std=0.1,
            norm_cfg=dict(type='BN1d', requires_grad=True))),
    cls_head=dict(num_classes=4))
train_dataloader = dict(dataset=dict(ann_file='train_4cls.txt', num_classes=4))
val_evaluator = [
    dict(type='AUCMetric', positive_class=1),
    dict(type='ThresholdMetric', positive_class=1)
]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000, positive_class=1),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000,
         positive_class=1)
]

train_cfg = dict(max_epochs=20)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='auc/auroc'),
    logger=dict(interval=20))

# lr 1e-3 is for one process of 32 records.
auto_scale_lr = dict(enable=False, base_batch_size=32)
