--[[ tests/doctor/external3/so51185079.lua — external case (broken):
  binary classifier whose one output unit is a ReLU, under binary cross-entropy (DeepMufl bug 51185079)

  Source: https://stackoverflow.com/questions/51185079 ; benchmark DeepMufl (Ghanbari et al., ASE 2023),
    github.com/ali-ghanbari/deepmufl-ase-2023 @ a69ba43a024d, Dataset/all-bugs/51185079/bug.py; the bug's
    label from the replication github.com/rarora9/deepmufl-experiment @ 5f6be60ce096
    (models/51185079_class_final_layer_relu/; DeepMufl's Table 4, "classification models with
    incorrect activation function faults in the final layer").
  Setup: (bug.py) x, y = make_classification(1000, 34) (2 classes); Dense(512, relu) -> Dense(200, relu)
    -> Dense(200, relu) -> Dense(200, relu) -> Dense(128, relu) -> Dense(1, relu); optimizer 'rmsprop'
    (Keras defaults), binary_crossentropy; fit(x, y, epochs=2, batch_size=200); no validation data.
  Observed by the source: the benchmark publishes no training run; it keeps the post as a model bug
    whose fault is the output layer's activation.
  Accepted cause: DeepMufl's ground truth for the bug: "class_final_layer_relu", an incorrect activation
    function (relu) in the final layer of a binary classifier (a sigmoid is what binary cross-entropy
    expects).
  Changes to express it: make_classification written in Lua (_common3.lua, a gglab generator seeded by
    the run); Keras's binary_crossentropy clips the ReLU's output into [1e-7, 1 - 1e-7] (gg.loss.bce
    refuses values above 1), so it is written as a custom loss (_common3.lua keras_bce). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_common3.lua")
local K = C.K

return gg.experiment {
  name = "so51185079",
  description = "binary classifier with a ReLU output unit under binary cross-entropy (DeepMufl 51185079)",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local X, y = C.make_classification { n_samples = 1000, n_features = 34, rng = rng }
    local model = K.keras({ 34, { 512, "relu" }, { 200, "relu" }, { 200, "relu" }, { 200, "relu" },
      { 128, "relu" }, { 1, "relu" } })
    K.fit(run, model, K.optimizer(model, "rmsprop"), K.dataset(X, y), nil, C.keras_bce, 200, 2)
  end,
}
