# The plain R18 twin of nl_r18_res5_1xb32-20e_cinc2017-rhythms-20s.py:
# trained on the four rhythms, evaluated for AF vs the rest.
_base_ = ['r18_1xb32-20e_cinc2017-af-20s.py']

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
