--[[ tests/doctor/external5/tf_imbalanced_zero_bias.lua — external case (broken):
  TensorFlow's "Classification on imbalanced data": the fraud model trained with a zero output bias

  Source:
    https://github.com/tensorflow/docs/blob/023b91c/site/en/tutorials/structured_data/imbalanced_data.ipynb
    (page: https://www.tensorflow.org/tutorials/structured_data/imbalanced_data)
  Setup: Kaggle credit-card fraud data (284807 rows, 492 positives: 0.173 %), Time dropped, Amount -> log,
    train / val / test 64 / 16 / 20 %, standardised with the training rows' statistics and clipped to
    [-5, 5] (29 features); Sequential Dense(16, relu), Dropout(0.5), Dense(1, sigmoid) with the output bias
    0 ("Confirm that the bias fix helps": the careful model's initial weights with bias.assign([0.0]));
    Adam(lr=1e-3), BinaryCrossentropy, fit(batch_size=2048, epochs=20, validation_data=(val)).
  Observed by the source: "With the default bias initialization the loss should be about math.log(2) =
    0.69314"; with the careful bias "This initial loss is about 50 times less ... This way the model doesn't
    need to spend the first few epochs just learning that positive examples are unlikely"; the zero-bias
    and careful-bias loss curves are plotted: "The above figure makes it clear: In terms of validation
    loss, on this problem, this careful initialization gives a clear advantage."
  Accepted cause: "These initial guesses are not great. You know the dataset is imbalanced. Set the output
    layer's bias to reflect that ... This can help with initial convergence": b0 = log(pos/neg) (the
    output-bias initialisation); the fixed program is tf_imbalanced_careful_bias.
  Changes to express it: the credit-card data (150 MB) is replaced by a generated stand-in with the same
    positive rate, 29 features and the tutorial's preprocessing (../external5/_docs.lua: positives have
    extreme values in 10 features), 1/8 of the tutorial's rows (22785 training, 5696 validation, 7120
    test); to keep the tutorial's 89 steps per epoch (20 epochs, 1780 Adam steps) within the time limit the
    batch is 256, not 2048 (2048/8); Keras's Adam (eps 1e-7), glorot_uniform kernels, binary_crossentropy
    as in ../external/_common.lua; test recall and precision at 0.5 are run summaries. ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")
local D = dofile(HERE .. "/_docs.lua")

return gg.experiment {
  name = "tf_imbalanced_zero_bias",
  description = "generated fraud data (0.17 % positives), 16 relu, dropout 0.5, sigmoid, bias 0, Adam",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, val, test = D.fraud(8)
    local model = K.keras { 29, { 16, "relu" }, { 1, "sigmoid" }, dropout = { [1] = 0.5 } }
    gg.train { model = model, optimizer = K.optimizer(model, "adam"), data = train, val = val,
      loss = { "bce", keras = true }, keras = true, batch_size = 256, epochs = 20, log = run }
    local recall, precision = D.recall(model, test)
    run:summary { test_recall = recall, test_precision = precision,
      test_loss = gg.evaluate(model, test, { loss = { "bce", keras = true } }) }
  end,
}
