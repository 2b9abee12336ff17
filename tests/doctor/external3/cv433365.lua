--[[ tests/doctor/external3/cv433365.lua — external case (broken):
  XOR with Keras: Dense(2) (linear), Dense(2, relu), Dense(1, relu) output, SGD, mean squared error

  Source: https://stats.stackexchange.com/questions/433365 ("XOR with Neural Network", closed); found with
    the `search` tool (corpus "pages"; two stored copies of the thread, one with the question's later
    revision that shuffles x before the split).
  Setup: x = 20000 rows, 5000 each of [0,0], [0,1], [1,0], [1,1]; np.random.shuffle(x); y = x1 ^ x2;
    x_train = x[:15000], x_test = x[15000:]; keras.models.Sequential([Dense(2, input_shape=(2,)),
    Dense(2, activation='relu'), Dense(1, activation='relu')]); compile(optimizer='SGD',
    loss='mean_squared_error'); fit(x_train, y_train, epochs=5); evaluate(x_test, y_test).
  Observed by the source: "I'm stuck with a loss equal to 0.5".
  Accepted cause: the thread's two answers (which one, if any, was accepted is not in the stored pages):
    "Firstly, you want to add a non-linearity to your first layer. If you don't mention it, you
    effectively only have one hidden layer. Secondly, because you expect your output to be either 0 or 1,
    you should treat this as a classification problem. So, modify the final activation to be 'sigmoid',
    and change your loss function to 'binary_crossentropy'. Finally, increase the number of epochs so that
    the network has enough time to learn."; the other: all four inputs would suffice, full-batch
    gradient descent (and, for the first revision without the shuffle, the training set lacks [1,1]).
  Changes to express it: none beyond Keras's defaults in gglab terms (glorot_uniform kernels, zero
    biases, SGD lr 0.01, batch 32, shuffled every epoch); the shuffle + slice is a seeded random split
    of the 20000 rows into 15000 training and 5000 test rows (the test rows as validation data). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local K = dofile(HERE .. "/../external/_common.lua")

return gg.experiment {
  name = "cv433365",
  description = "XOR, 2-2(relu)-1(relu) net with a linear first layer, Keras SGD lr 0.01, mse, 5 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local xs, ys = {}, {}
    local rows = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } }
    for k = 1, 4 do
      for _ = 1, 5000 do
        local r = rows[k]
        xs[#xs + 1], ys[#ys + 1] = { r[1], r[2] }, (r[1] ~ r[2])
      end
    end
    local train, test = K.dataset(xs, ys):split(0.25, { seed = run.seed })
    local model = K.keras { 2, { 2 }, { 2, "relu" }, { 1, "relu" } }
    K.fit(run, model, K.optimizer(model, "sgd"), train, test, "mse", 32, 5)
  end,
}
