--[[ tests/doctor/external3/dsse61223.lua — external case (healthy):
  y = x^2 on x = 0..999, both min-max scaled; Dense(300, relu) -> Dense(1), Adam, mse, batch 200

  Source: https://datascience.stackexchange.com/questions/61223 ("Reconstituting estimated/predicted
    values to original scale from MinMaxScaler"); found with the `search` tool (corpus "pages"; the
    stored DS-SE page lost the model lines, the Nemotron-CC copies of the thread give them).
  Setup: x = asarray([i for i in range(1000)]); y = x**2; x, y reshaped to columns and each scaled with
    its own MinMaxScaler (fit_transform); Sequential([Dense(300, input_dim=1, activation='relu'),
    Dense(1)]); compile(loss='mse', optimizer='adam'); fit(x, y, epochs=277, batch_size=200, verbose=0).
  Observed by the source: "I get a beautiful plot with the (x, predicted f(x)) and (x, f(x))"; "plots
    beautifully when the value is scaled" — the question is only about mapping the predictions back to
    the original scale with inverse_transform.
  Accepted cause: none for the training: the asker reports the fit as good, and the thread is about
    un-scaling the predictions afterwards (the answer is not in the stored pages) — the program trains
    without a fault.
  Changes to express it: none beyond Keras's defaults in gglab terms (glorot_uniform kernels, zero
    biases, Adam lr 0.001 eps 1e-7, shuffled every epoch); MinMaxScaler written out (x / 999,
    y / 998001, both minima 0). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "dsse61223",
  description = "healthy: 1-300(relu)-1 MLP on min-max scaled y = x^2, x = 0..999, Adam, mse, batch 200",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    for i = 0, 999 do xs[i + 1], ys[i + 1] = { i / 999 }, (i * i) / 998001 end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 300, "relu" }, { 1 } }
    K.fit(run, model, K.optimizer(model, "adam"), data, nil, "mse", 200, 277)
  end,
}
