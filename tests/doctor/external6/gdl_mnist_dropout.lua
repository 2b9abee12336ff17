--[[ tests/doctor/external6/gdl_mnist_dropout.lua — external case (healthy):
  Grokking Deep Learning ch. 8, "Dropout In Code": 784-100-10 ReLU network with dropout 0.5, SGD batch 1

  Source: https://github.com/iamtrask/Grokking-Deep-Learning (the notebook
    "Chapter8 - Intro to Regularization - Learning Signal and Ignoring Noise.ipynb" at commit e665168)
    https://www.manning.com/books/grokking-deep-learning (chapter 8, "Learning signal and ignoring
    noise")
  Setup: the data of gdl_mnist_overfit (1000 MNIST training images / 255, one-hot; 10,000 test images);
    alpha, iterations, hidden_size = (0.005, 300, 100); weights U(-0.1, 0.1), no biases; per image:
    layer_1 = relu(layer_0 . W01); dropout_mask = np.random.randint(2, size=layer_1.shape); layer_1 *=
    dropout_mask * 2; layer_2 = layer_1 . W12; layer_1_delta *= dropout_mask; the updates of
    gdl_mnist_overfit.
  Observed by the source: "I:0 Test-Err:0.641 Test-Acc:0.6333 Train-Err:0.891 Train-Acc:0.413", "I:10
    Test-Err:0.458 Test-Acc:0.787", "I:20 Test-Err:0.415 Test-Acc:0.8133", then the test error stays at
    0.399-0.421 (I:30 ... I:210; Test-Acc 0.79-0.82) while the training error falls slowly (0.415 -> 0.336).
  Accepted cause: none — the notebook's section "Dropout In Code", the book's remedy for the overfitting
    of gdl_mnist_overfit (the test error no longer rises).
  Changes to express it: MNIST -> the digits as in gdl_mnist_overfit (_books2.lua); "mse" with SGD lr =
    5 x alpha = 0.025; the mask (keep 1/2, x 2) is gg.nn.dropout(0.5) after the ReLU; the book's backward
    pass multiplies the hidden delta by the mask without the x 2 (half the first layer's true gradient)
    and, as in gdl_mnist_overfit, ignores the ReLU's derivative — gglab's gradients are the true ones; 40
    iterations instead of 300 (the speed limit: hidden 100 with batch 1; the book's test error is flat
    from I:20 on). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local B = dofile(HERE .. "/_books2.lua")

return gg.experiment {
  name = "gdl_mnist_dropout",
  description = "healthy: 64-100-10 ReLU net + Dropout(0.5), no biases, 1000 digits, "
    .. "SGD batch 1 lr 0.025, 40 epochs",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local train, test = B.trask_digits()
    local model = B.trask_net(100, true)
    gg.train { model = model, data = train, val = test, optimizer = gg.optim.sgd(model, { lr = 0.025 }),
      loss = "mse", batch_size = 1, epochs = 40, shuffle = false, log = run, log_every = 1000 }
  end,
}
