--[[ tests/doctor/external2/so56103207_fixed.lua — external case (healthy):
  the fixed program of so56103207: the rows shuffled before validation_split

  Source: https://stackoverflow.com/questions/56103207 ; benchmark defect4ML (Morovati et al., "Bugs in
    machine learning-based systems: a faultload benchmark", EMSE 2023), github.com/mohmehmo/defects4ml
    @ d2d823d7aa99, bugs/091/{buggy,fixed}/script.py, conf.ini, data/y.npy.
  Setup: x: 60000 images 28x28x1, y: one-hot, 5 classes of 12000 rows each, stored sorted by class (all
    of class 0 first, ..., class 4 last: read from data/y.npy); Conv2D(32, 5, relu) -> MaxPool -> Conv2D(16,
    3, relu) -> MaxPool -> Flatten -> Dense(128, relu) -> Dense(64, relu) -> Dense(5, softmax); Adam
    (Keras defaults), categorical_crossentropy; fit(batch_size=100, epochs=20, validation_split=0.2).
  Observed by the source: defect4ML conf.ini "accuracy of the model stays at near 0" (the validation
    accuracy; the test asserts val_accuracy >= 0.85 after the fix).
  Accepted cause: conf.ini bug_type "Missing preprocessing", description "Because of skipping necessary
    preprocessing step (data shuffling), accuracy of the model stays at near 0."; the patch adds
    "p = np.random.permutation(len(x)); x = x[p]; y = y[p]" before fit. Keras's validation_split takes
    the LAST 20 % of the rows before shuffling: with sorted rows that is all of class 4, never trained on.
  Changes to express it: the images -> the 8x8 digits of classes 0..4 (about 900 rows, pixels / 16),
    sorted by class as the source's rows are (the last 20 % is then almost all class 4); the
    convolutions padded "same" (on 8x8 the "valid" ones leave nothing); 20 epochs of batch 100 kept.
    The fixed program: one permutation of the rows before fit (seed 0), as the patch. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")
local C = dofile(HERE .. "/_common2.lua")

return gg.experiment {
  name = "so56103207_fixed",
  description = "the fixed program of so56103207: the rows shuffled before validation_split",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = C.digits5 { order = "shuffled", seed = 0 }
    local model = C.cnn5()
    K.fit(run, model, K.optimizer(model, "adam"), data, nil, "cross_entropy", 100, 20,
      { validation_split = 0.2 })
  end,
}
