--[[ tests/doctor/external3/dsse19365.lua — external case (broken):
  a 1-10-1 sigmoid net (sigmoid output) fitting sin(x) on raw integers x = 0..99, SGD batch 1

  Source: https://datascience.stackexchange.com/questions/19365 ("Predict sinus with keras feed forward
    neural network"); found with the `search` tool (corpus "pages").
  Setup: x = np.arange(100); y = np.sin(x); Sequential([Dense(10, input_shape=(1,)),
    Activation('sigmoid'), Dense(1), Activation('sigmoid')]); compile(loss='mean_squared_error',
    optimizer='SGD'); fit(x, y, epochs=10, batch_size=1).
  Observed by the source: "loss: 0.5044" after 10 epochs; a comment: "With 1000 epoches still no
    improvement: ... loss: 0.4968".
  Accepted cause: the answer: "Your network is too small for a highly fluctuating function that you want
    to learn, if you divide your x by a smaller amount it would be easier to learn. Second of all, adding
    another layer and having an identity activation at the end will help quite a bit. Also taking batches
    bigger than 1 will make the gradient more stable. With a 1000 epochs I get to 0.00167 as mean squared
    error" (its code: x = np.arange(200).reshape(-1,1) / 50, Dense(40, ...), the rest cut off in the
    stored page).
  Changes to express it: none beyond Keras's defaults in gglab terms (glorot_uniform kernels, zero
    biases, SGD lr 0.01, shuffled every epoch). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "dsse19365",
  description = "1-10-1 sigmoid MLP, sigmoid output, sin(x) on raw x = 0..99, Keras SGD lr 0.01, batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 0, 99 do xs[i + 1], ys[i + 1] = { i }, math.sin(i) end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 10, "sigmoid" }, { 1, "sigmoid" } }
    K.fit(run, model, K.optimizer(model, "sgd"), data, nil, "mse", 1, 10)
  end,
}
