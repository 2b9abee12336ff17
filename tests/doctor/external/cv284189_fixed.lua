--[[ tests/doctor/external/cv284189_fixed.lua — external case (healthy):
  the accepted fix of cv284189: x and y standardised

  Source: https://stats.stackexchange.com/questions/284189 ("Simple Linear Regression in Keras"); not in
    the DeepLocalize or DeepFD benchmarks.
  The best answer's fix: StandardScaler on x and on y, everything else unchanged.
  Setup: one column of a small advertising dataset ("television-data": TV budget) predicting another
    (sales); Dense(1, activation='linear'); keras.optimizers.SGD() (lr 0.01); loss mse; batch 1; 30
    epochs; shuffle=False.
  Observed by the source: "Running the model like that gives me nan loss on every epoch"; only
    SGD(lr=0.0000001) gave a decent fit.
  Accepted cause: best answer: "This is probably because there was no normalization done. Neural network
    are very sensitive to non-normalized data. [...] Your code coped with that using your very low
    learning rate" — the fix is StandardScaler on x and y ("sc.fit_transform(x)",
    "sc.fit_transform(y)").
  Changes to express it: the thread links its data only as a plot: 200 rows like ISLR's Advertising TV
    -> sales (x ~ U(0.7, 296.4), y = 7.03 + 0.0475 x + N(0, 3.26^2)); rows in order (shuffle=False). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/_common.lua")

return gg.experiment {
  name = "cv284189_fixed",
  description =
    "fixed program: one linear unit on standardised x and y, SGD lr 0.01, batch 1",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local rng = gg.rng(run.seed)
    local xs, ys = {}, {}
    for i = 1, 200 do
      local x = 0.7 + 295.7 * rng:uniform()
      xs[i], ys[i] = { x }, 7.03 + 0.0475 * x + 3.26 * rng:normal()
    end
    local mx, my, sx, sy = 0, 0, 0, 0
    for i = 1, 200 do mx, my = mx + xs[i][1] / 200, my + ys[i] / 200 end
    for i = 1, 200 do sx, sy = sx + (xs[i][1] - mx) ^ 2 / 200, sy + (ys[i] - my) ^ 2 / 200 end
    for i = 1, 200 do xs[i][1], ys[i] = (xs[i][1] - mx) / math.sqrt(sx), (ys[i] - my) / math.sqrt(sy) end
    local data = K.dataset(xs, ys)
    local model = K.keras { 1, { 1 } }
    K.fit(run, model, K.optimizer(model, "sgd"), data, nil, "mse", 1, 30, { shuffle = false })
  end,
}
