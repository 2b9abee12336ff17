--[[ tests/doctor/external5/tf_imbalanced_careful_bias.lua — external case (broken):
  tf_imbalanced_zero_bias with the tutorial's bias fix (log(pos/neg)): the tutorial's baseline model

  Source:
    https://github.com/tensorflow/docs/blob/023b91c/site/en/tutorials/structured_data/imbalanced_data.ipynb
    (page: https://www.tensorflow.org/tutorials/structured_data/imbalanced_data;
    see tf_imbalanced_zero_bias.lua for the setup and every change made to express it)
  Setup: tf_imbalanced_zero_bias.lua's program with make_model(output_bias = initial_bias), initial_bias =
    np.log([pos/neg]) (pos, neg counted over the whole data set), trained for the same 20 epochs.
  Observed by the source: "With this initialization the initial loss should be approximately: ... 0.01317.
    This initial loss is about 50 times less than if would have been with naive initilization"; "In terms
    of validation loss, on this problem, this careful initialization gives a clear advantage."
  Accepted cause: the bias fix is the tutorial's cure for the zero-bias start; of this baseline model it
    says "Note: this model will not handle the class imbalance well. You will improve it later in this
    tutorial", "the recall and the area under the ROC curve (AUC) aren't as high as you might like", and
    trains it with class weights ("have the classifier heavily weight the few examples that are
    available"): class imbalance; the class-weighted program is tf_imbalanced_class_weights.
  Changes to express it: those of tf_imbalanced_zero_bias.lua; pos and neg are counted over the generated
    training, validation and test rows. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")
local D = dofile(HERE .. "/_docs.lua")

return gg.experiment {
  name = "tf_imbalanced_careful_bias",
  description = "generated fraud data, 16 relu + dropout 0.5, sigmoid, output bias log(pos/neg), Adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val, test = D.fraud(8)
    local pos = D.positives(train) + D.positives(val) + D.positives(test)
    local neg = train:n() + val:n() + test:n() - pos
    local model = K.keras { 29, { 16, "relu" }, { 1, "sigmoid" }, dropout = { [1] = 0.5 } }
    local w = model:parameters()
    w[4] = gg.tensor { { math.log(pos / neg) } }
    model:load_parameters(w)
    gg.train { model = model, optimizer = K.optimizer(model, "adam"), data = train, val = val,
      loss = { "bce", keras = true }, keras = true, batch_size = 256, epochs = 20, log = run }
    local recall, precision = D.recall(model, test)
    run:summary { test_recall = recall, test_precision = precision,
      test_loss = gg.evaluate(model, test, { loss = { "bce", keras = true } }) }
  end,
}
