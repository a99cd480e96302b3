# The CinC 2017 AF recipe: nl_r18_res5_1xb32-20e_cinc2017-af-20s.py trained
# on the challenge's four rhythms (normal, AF, other rhythm, noisy:
# train_4cls.txt) instead of AF vs the rest, and evaluated for AF vs the
# rest: the score of a record is its probability of AF (positive_class=1 on
# the binary val/test files).
_base_ = ['nl_r18_res5_1xb32-20e_cinc2017-af-20s.py']

model = dict(cls_head=dict(num_classes=4))
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
