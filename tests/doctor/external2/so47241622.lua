--[[ tests/doctor/external2/so47241622.lua — external case (broken):
  an LSTM classifier whose one-unit output goes through a softmax

  Source: https://stackoverflow.com/questions/47241622 ("Is it okay to use STATEFUL Recurrent NN (LSTM)
    for classification"); found with the `search` tool (corpus "pages").
  Setup: "a dataset C of 50,000 (binary) samples each of 128 features", binary label 1 or -1;
    train_test_split(train_size=.8); LSTM(128, batch_input_shape=(200, C.shape[1], C.shape[2]),
    return_sequences=False, stateful=True) -> Dense(1, activation='softmax'); loss binary_crossentropy;
    optimizer 'adam'; fit(batch_size=200, epochs=1, shuffle=True, validation_data=test split).
  Observed by the source: "I am getting bad accuracy, not more than 55%. I tried to change the activation
    function along with the loss function ... nothing works", while a multilayer perceptron gets ~97 %.
  Accepted cause: accepted answer: "You cannot use softmax as an output when you have only a single
    output unit as it will always output you a constant value of 1. You need to either change output
    activation to sigmoid or set output units number to 2 and loss to categorical_crossentropy. I would
    advise the first option." (asker: "Thank you for your response. Much appreciated").
  Changes to express it: the data is not given: 10,000 sequences of 32 random bits (one feature per
    step) whose label is the sign of a fixed random weighting of the bits (a rule an MLP learns well);
    LSTM(32) over 32 steps instead of LSTM(128) over 128 (time cap); the labels -1/1 become 0/1 (gglab's
    binary_crossentropy rejects a target of -1; the answer does not mention the labels); stateful=True
    dropped (gglab has no stateful LSTM; the answer does not involve it); gglab's LSTM has PyTorch's
    initialisation, not Keras's; the last 20 % of the rows as the validation data; 1 epoch kept (40 steps
    of 200). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

local L = 32

return gg.experiment {
  name = "so47241622",
  description =
    "LSTM(32) over 32 binary steps -> Dense(1) softmax, binary_crossentropy, adam, batch 200",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local w = {}
    for j = 1, L do w[j] = rng:normal() end
    local xs, ys = {}, {}
    for i = 1, 10000 do
      local row, s = {}, 0
      for j = 1, L do row[j] = rng:uniform() < 0.5 and 1 or 0; s = s + w[j] * (row[j] - 0.5) end
      xs[i], ys[i] = row, s > 0 and 1 or 0
    end
    local train, val = K.dataset(xs, ys):split(0.2, { shuffle = false })
    local model = gg.nn.sequential({ gg.nn.lstm(1, 32, { ["return"] = "last" }),
      gg.nn.linear(32, 1, { init = "glorot_uniform" }), gg.nn.softmax(1) }, { input = { L, 1 } })
    K.fit(run, model, K.optimizer(model, "adam"), train, val, { "bce", keras = true }, 200, 1)
  end,
}
