--[[ tests/doctor/external2/cv450100.lua — external case (broken):
  one ReLU hidden unit on two always-positive features, Keras 'uniform' init

  Source: https://stats.stackexchange.com/questions/450100 ("Understanding ReLU: does this unlucky
    initialized network assign all instances to the same class?"); found with the `search` tool
    (corpus "pages", query "dying relu all outputs zero keras network predicts same value").
  Setup: a binary classification with "two features that are always positive for all instances";
    Input 2 -> Hidden Layer: 1 neuron, activation=ReLU, initialization=uniform(-0.05, 0.05) -> Output
    Layer: 1 neuron, sigmoid, initialization=uniform; (Keras terms; optimizer, loss, batch and epochs are
    not stated).
  Observed by the source: the asker's reasoning, not a run: "If the two weights of the hidden layer neuron
    are randomly initialized negative, the neuron will output 0 for all instances (since all features are
    positive for all instances). The output of the output neuron is therefore sigma(0 + b)" — every
    instance in one class.
  Accepted cause: accepted answer: "If a unit with ReLU activation gives 0 for all the training inputs
    (that means also 0 gradient based on the ReLU, which is the whole issue), it can't recover. This is
    dying ReLU problem, which is addressed by leaky ReLU activation. ... A better way to tackle this case
    can be standardising your data so that it consist of both positive and negative values so that
    you're not left in the mercy of two unfortunate weight initialisations."
  Changes to express it: the data is not given: iris's sepal and petal length (both positive, 4.3..7.9
    and 1..6.9), label "setosa or not" (50 / 100 rows); the unstated training choices take Keras's
    defaults: loss binary_crossentropy, optimizer 'adam', batch 32, 50 epochs; Keras's uniform init
    (U(-0.05, 0.05) kernel, zero bias) on both layers. With a zero bias the hidden unit is dead from the
    start exactly when both weights are negative (a quarter of the seeds, in expectation). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "cv450100",
  description =
    "one relu hidden unit, uniform(-0.05, 0.05) init, two positive raw features, sigmoid, adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local iris = K.csv("iris")
    local xs, ys = K.rows(iris)
    local x2, t = {}, {}
    for i, r in ipairs(xs) do x2[i], t[i] = { r[1], r[3] }, (ys[i][1] == 0) and 1 or 0 end
    local train, val = K.dataset(x2, t):split(0.2, { seed = run.seed })
    local model = K.keras { 2, { 1, "relu", "uniform" }, { 1, "sigmoid", "uniform" } }
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 32, 50)
  end,
}
